/**
 * The statements function bodies are made of. Each kind returns lines over the locals every body
 * has: `acc` (int), `data` (std::vector<int>) and `label` (std::string). `ctx` carries the PRNG,
 * the module (`m`), the dependencies the unit includes (`deps`), the functions it may call
 * (`callable`) and its number of anonymous-namespace helpers (`local`).
 */
import { SHAPES } from "./shapes.mjs";
import { RING_TYPES, SCALE_TYPES, VEC_TYPES } from "./vocabulary.mjs";

/**
 * `count` statements over the locals `acc` (int), `data` (std::vector<int>) and `label`
 * (std::string). `locals` says whether the unit's anonymous-namespace helpers may be called
 * (not from inside those helpers themselves).
 */
export function statements(ctx, count, { locals }) {
  const kinds = WEIGHTED_KINDS.filter((k) => locals || k !== "localHelper");
  const out = [];
  for (let i = 0; i < count; i++) {
    const kind = ctx.r.pick(kinds);
    out.push(...STATEMENTS[kind](ctx));
  }
  return out;
}

const STATEMENTS = {
  // A capturing lambda makes std::sort a new instantiation (a whole introsort) each time; most
  // sorts share one comparator type per unit, as most code does.
  sort: ({ r }) =>
    r.chance(0.2)
      ? ["std::sort(data.begin(), data.end(), [acc](int a, int b) { return (a ^ acc) < (b ^ acc); });"]
      : [`std::${r.pick(["sort", "stable_sort"])}(data.begin(), data.end(), std::greater<int>());`],
  accumulate: ({ r, deps }) => {
    const ns = deps.length && r.chance(0.5) ? `${r.pick(deps).ns}::` : "";
    return [
      "acc = std::accumulate(data.begin(), data.end(), acc, [](int sum, int v) {",
      `  return core::saturating_add(sum, static_cast<int>(${ns}mix(static_cast<std::uint32_t>(v), 3u) & 0xfff));`,
      "});",
    ];
  },
  mapCount: () => [
    "{",
    "  std::map<std::string, int> counts;",
    "  for (int v : data) counts[core::to_hex(core::fnv1a(static_cast<std::uint32_t>(v)) & 0xf0f)] += v & 7;",
    "  for (const auto& [key, c] : counts) acc ^= static_cast<int>(core::fnv1a(key)) + c;",
    "}",
  ],
  records: ({ r, deps }) => {
    const ns = deps.length && r.chance(0.4) ? `${r.pick(deps).ns}::` : "";
    return [
      "{",
      `  std::unordered_map<int, ${ns}Record> by_id;`,
      "  for (int v : data) {",
      `    ${ns}Record& rec = by_id[v % ${r.int(5, 17)}];`,
      "    rec.id += static_cast<std::uint64_t>(v);",
      "    rec.samples.push_back(v * 0.5);",
      "    if (v < 0) rec.limit = -v;",
      "  }",
      `  for (const auto& [id, rec] : by_id) acc += ${ns}score(rec) ^ id;`,
      "}",
    ];
  },
  smallMap: ({ r }) => [
    "{",
    "  core::SmallMap<int, std::string> names;",
    `  for (int v : data) names[v & ${r.pick([7, 15, 31])}] += label.substr(0, 2);`,
    "  for (const auto& [key, text] : names) acc += key * static_cast<int>(text.size());",
    "}",
  ],
  ring: ({ r }) => {
    const t = r.pick(RING_TYPES);
    return [
      "{",
      `  core::Ring<${t}, ${r.pick([4, 8, 16, 32])}> ring;`,
      `  for (int v : data) ring.push(static_cast<${t}>(v));`,
      `  acc += static_cast<int>(ring.fold(${t}{}, [](${t} s, ${t} v) { return static_cast<${t}>(s + v); }));`,
      "}",
    ];
  },
  vec3: ({ r }) => {
    const t = r.pick(VEC_TYPES);
    return [
      "{",
      `  core::Vec3<${t}> p{static_cast<${t}>(acc), static_cast<${t}>(data.size()), static_cast<${t}>(label.size())};`,
      `  p = core::normalize_or_zero(p + core::Vec3<${t}>{1, 2, 3});`,
      "  acc += static_cast<int>(p.length_squared() * 100);",
      "}",
    ];
  },
  result: () => [
    "{",
    '  auto res = (acc % 3 == 0 ? core::Result<int>::fail("multiple of three") : core::Result<int>::ok(acc))',
    "                 .map([&](int v) { return static_cast<long>(label.size()) + v; });",
    "  acc = static_cast<int>(res.value_or(acc));",
    "}",
  ],
  stdFunction: ({ r }) => [
    "{",
    `  std::function<int(int)> f = [k = acc](int x) { return x * ${r.int(3, 97)} + k; };`,
    "  for (int& v : data) v = f(v);",
    "}",
  ],
  virtualCall: ({ r, m }) => {
    const cls = r.pick(m.classes.slice(1));
    return [
      "{",
      `  std::unique_ptr<${m.classes[0]}> node = std::make_unique<${cls}>(label);`,
      "  acc += node->update(acc) + static_cast<int>(node->weight());",
      "  label = node->describe();",
      "}",
    ];
  },
  depInline: ({ r, deps, m }) => {
    const d = deps.length ? r.pick(deps) : m;
    return [
      `acc ^= static_cast<int>(${d.ns}::mix(static_cast<std::uint32_t>(acc), ${r.int(1, 999)}u));`,
      `label += ${d.ns}::kind_name(static_cast<${d.ns}::Kind>(acc & 1));`,
    ];
  },
  depCall: ({ r, deps }) => {
    if (!deps.length) return ["acc = core::saturating_add(acc, static_cast<int>(data.size()));"];
    const d = r.pick(deps);
    const f = r.pick(d.functions);
    return [SHAPES[f.shape].call(`${d.ns}::${f.name}`, d.ns)];
  },
  ownCall: ({ r, callable, m }) => {
    if (!callable.length) return ["acc += static_cast<int>(core::mix64(static_cast<std::uint64_t>(acc)) & 0xff);"];
    const f = r.pick(callable);
    return [SHAPES[f.shape].call(f.name, m.ns)];
  },
  localHelper: ({ r, local }) => [`acc = local_step${r.int(0, local - 1)}(data, acc, label);`],
  branchyLoop: ({ r }) => [
    "for (std::size_t i = 0; i < data.size(); ++i) {",
    `  if ((data[i] & ${r.pick([1, 3, 7])}) == 0) {`,
    "    acc += data[i] / 2;",
    "  } else {",
    "    acc -= static_cast<int>(core::rotl(static_cast<std::uint32_t>(data[i]), static_cast<int>(i)) & 0xff);",
    "  }",
    "}",
  ],
  setOps: () => [
    "{",
    "  std::set<int> seen(data.begin(), data.end());",
    "  acc += static_cast<int>(seen.size());",
    "  if (!seen.empty()) acc ^= *seen.rbegin();",
    "}",
  ],
  join: ({ r }) => [
    "{",
    "  std::vector<std::string> parts;",
    `  for (int v : data) if (parts.size() < ${r.int(3, 12)}) parts.push_back(std::to_string(v));`,
    '  label = core::join(parts, ",");',
    '  acc += static_cast<int>(core::trim(label).size()) + (core::starts_with(label, "1") ? 1 : 0);',
    "}",
  ],
  formatCounter: () => ["label = core::format_counter(label, acc);"],
  models: ({ r, deps, m }) => {
    const d = deps.length && r.chance(0.6) ? r.pick(deps) : m;
    const picked = r.sample(d.models, r.int(2, 5));
    return [
      "{",
      ...picked.flatMap((model, i) => [
        `  ${d.ns}::${model.name} v${i}{};`,
        `  v${i}.id = ${i === 0 ? "acc" : `v${i - 1}.id + ${r.int(1, 9)}`};`,
      ]),
      `  acc += v${picked.length - 1}.id;`,
      "}",
    ];
  },
  facade: ({ r, deps, m }) => {
    const d = deps.length && r.chance(0.7) ? r.pick(deps) : m;
    return ["{", `  ${d.ns}::Service& svc = ${d.ns}::service();`, "  svc.touch(acc);", "  acc += svc.size();", "}"];
  },
  stats: ({ r, deps, m }) => {
    const d = deps.length && r.chance(0.5) ? r.pick(deps) : m;
    return [
      "{",
      `  ${d.ns}::Stats stats;`,
      "  for (int v : data) stats.add(v - acc);",
      "  stats.by_name[label] += acc;",
      "  acc += static_cast<int>(stats.hit_ratio() * 1000) + stats.histogram[3];",
      "}",
    ];
  },
  settings: ({ r, deps, m }) => {
    const d = deps.length && r.chance(0.5) ? r.pick(deps) : m;
    return [
      "{",
      `  ${d.ns}::Settings settings;`,
      "  settings.title = label;",
      `  for (int v : data) if (v > settings.max_items) settings.tags.push_back(std::to_string(v));`,
      "  settings.thresholds[acc & 7] = settings.ratio * acc;",
      "  acc += static_cast<int>(settings.tags.size()) + (settings.enabled ? 1 : 0);",
      `  label += ${d.ns}::kind_name(settings.initial);`,
      "}",
    ];
  },
  slot: ({ r, deps, m }) => {
    const d = deps.length && r.chance(0.5) ? r.pick(deps) : m;
    const [t, make] = r.pick([
      ["int", "acc"],
      ["std::string", "label"],
      ["std::vector<int>", "data"],
      ["double", "acc * 0.5"],
      ["core::Vec3<int>", "core::Vec3<int>{acc, 1, 2}"],
      [`${d.ns}::Record`, `${d.ns}::Record{static_cast<std::uint64_t>(acc), label, {}, {}, {}}`],
    ]);
    return [
      "{",
      `  ${d.ns}::Slot<${t}> slot(${make});`,
      `  slot.set(slot.get());`,
      `  acc += static_cast<int>(slot.visit([](const ${t}& value, std::uint32_t generation) { return sizeof(value) + generation; }));`,
      "}",
    ];
  },
  scaleTemplate: ({ r, deps, m }) => {
    const d = deps.length && r.chance(0.5) ? r.pick(deps) : m;
    const t = r.pick(SCALE_TYPES);
    return [`acc += static_cast<int>(${d.ns}::scale<${t}>(static_cast<${t}>(acc & 0xffff), ${r.int(0, 9)}));`];
  },
};

/**
 * How often each statement kind is drawn. Calls (out of line, virtual, across modules) weigh
 * more: they are what most real code is made of, and they give the most DWARF (call sites,
 * parameters, inlined argument set-up) per second of -O2 compile time; container-heavy kinds
 * still appear in every unit.
 */
const WEIGHTS = { models: 2, depCall: 3, ownCall: 3, virtualCall: 2, formatCounter: 2, setOps: 2, localHelper: 2 };
const WEIGHTED_KINDS = Object.keys(STATEMENTS).flatMap((k) => Array(WEIGHTS[k] ?? 1).fill(k));
