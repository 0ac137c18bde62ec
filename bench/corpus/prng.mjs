/**
 * A small seeded PRNG shared by the corpus generator and the oracle sampler, so that every
 * generated source and every sampled address is a pure function of (seed, label).
 *
 * mulberry32 (public domain, Tommy Ettinger): 32-bit state, full period, good enough to pick
 * names and shapes of code; it is not for cryptography. Seeds are derived from a label with
 * FNV-1a, so a module's stream depends only on (seed, its own label), never on how many other
 * modules were generated before it.
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

/** A stream of floats in [0, 1) plus the helpers every caller needs. */
export function rng(seed, label = "") {
  let state = (fnv1a32(`${seed}/${label}`) ^ 0x9e3779b9) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
