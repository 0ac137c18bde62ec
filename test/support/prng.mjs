/**
 * The one seeded PRNG of the tests, benchmarks and the soak, so that every fuzz case, sampled
 * address and generated source is a pure function of its seed and a failure replays.
 *
 * mulberry32 (public domain, Tommy Ettinger): 32-bit state, full period, good enough to pick
 * inputs, names and shapes of code; it is not for cryptography. `rng(seed, label)` derives its
 * seed from a label with FNV-1a, so a stream depends only on (seed, its own label), never on how
 * many other streams were drawn before it (the corpus generator and the oracle sampler).
 * Plain JavaScript with types beside it (prng.d.mts): Node 20 scripts, Node tests and workerd
 * tests import it alike.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function fnv1a32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: floats in [0, 1), the same sequence for the same 32-bit `seed`. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream of floats in [0, 1) for (seed, label), plus the helpers every caller needs. */
export function rng(seed, label = "") {
  const next = mulberry32(fnv1a32(`${seed}/${label}`) ^ 0x9e3779b9);
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    /** An integer in [lo, hi], both ends included. */
    int,
    /** One element of a non-empty array. */
    pick: (items) => items[Math.floor(next() * items.length)],
    /** True with probability p. */
    chance: (p) => next() < p,
    /** `count` distinct elements of `items` (all of them if there are fewer), in stream order. */
    sample(items, count) {
      const pool = [...items];
      const out = [];
      while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]);
      return out;
    },
  };
}
