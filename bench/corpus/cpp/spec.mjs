/**
 * A module's interface: its namespace, classes, plain data types, facade, dependencies and
 * out-of-line functions, everything another unit needs to use it. A pure function of
 * (seed, index), memoized; drawn from the module's own PRNG streams only.
 */
import { rng } from "../../../test/support/prng.mjs";
import { SHAPE_NAMES } from "./shapes.mjs";
import {
  FACADE_TYPES,
  FIELD_NAMES,
  FIELD_TYPES,
  KINDS,
  LAYERS,
  METHOD_RETURNS,
  MODEL_SUFFIXES,
  MODEL_WORDS,
  NOUNS,
  RING_TYPES,
  VERBS,
  WORDS,
} from "./vocabulary.mjs";

function models(seed, index) {
  const r = rng(seed, `module/${index}/models`);
  const out = [];
  const count = r.int(12, 24);
  for (let i = 0; i < count; i++) {
    const name = `${r.pick(MODEL_WORDS)}${r.pick(MODEL_SUFFIXES)}${i}`;
    const other = () => (out.length ? r.pick(out).name : name);
    const fields = r
      .sample(FIELD_NAMES, r.int(4, 12))
      .map((field) => ({ name: field, type: r.chance(0.15) ? `${other()}*` : r.pick(FIELD_TYPES) }));
    const params = ["int", "double", "Kind", "std::string_view", "const Record&", `const ${other()}&`, `${other()}*`];
    const methods = r.sample(VERBS, r.int(4, 12)).map((verb) => ({
      name: verb,
      ret: r.pick(METHOD_RETURNS),
      params: r.sample(params, r.int(0, 3)),
      constness: r.chance(0.5) ? " const" : "",
    }));
    out.push({ name, fields, methods });
  }
  return out;
}

const specs = new Map();

/**
 * The interface of module `index`: names, classes, helpers, dependencies and exported functions,
 * everything another unit needs to call it. Memoized; a pure function of (seed, index).
 */
export function moduleSpec(seed, index) {
  const key = `${seed}/${index}`;
  const cached = specs.get(key);
  if (cached) return cached;
  const r = rng(seed, `module/${index}`);
  const layer = r.pick(LAYERS);
  const name = `${r.pick(WORDS)}${index}`;
  const classNames = r
    .sample(NOUNS, r.int(2, 4))
    .map((n) => `${name[0].toUpperCase()}${name.slice(1, -`${index}`.length)}${n}`);
  const unitCount = r.int(3, 7);
  const functions = [];
  for (let u = 0; u < unitCount; u++) {
    const count = r.int(6, 14);
    for (let f = 0; f < count; f++) {
      functions.push({ unit: u, name: `${r.pick(VERBS)}_${r.pick(WORDS)}_${u}_${f}`, shape: r.pick(SHAPE_NAMES) });
    }
  }
  const low = Math.max(0, index - 48);
  const deps = index === 0 ? [] : r.sample(range(low, index), r.int(1, Math.min(4, index)));
  const facade = Array.from({ length: r.int(16, 32) }, (_, i) => ({
    name: `${r.pick(VERBS)}_${r.pick(WORDS)}${i}`,
    ret: r.chance(0.2) ? "void" : r.pick(FACADE_TYPES).replace(/^const (.*)&$/, "$1"),
    params: r.sample(FACADE_TYPES, r.int(0, 3)),
    constness: r.chance(0.4) ? " const" : "",
  }));
  const spec = {
    index,
    facade,
    models: models(seed, index),
    layer,
    name,
    ns: `big::${layer}::${name}`,
    header: `big/${layer}/${name}.h`,
    classes: classNames,
    kinds: r.sample(KINDS, r.int(3, 6)),
    scaleFactor: r.int(2, 9),
    mixRotate: r.int(1, 31),
    ringType: r.pick(RING_TYPES),
    deps,
    unitCount,
    functions,
  };
  specs.set(key, spec);
  return spec;
}

function range(lo, hi) {
  return Array.from({ length: hi - lo }, (_, i) => lo + i);
}
