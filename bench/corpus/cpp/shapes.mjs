/**
 * The shapes of out-of-line functions: parameters, a prologue that establishes the locals every
 * statement may use (`acc`, `data`, `label`), the return statement, and how a caller in another
 * unit passes arguments (`ns` is the callee's namespace).
 */
export const SHAPES = {
  ints: {
    ret: "int",
    params: "std::vector<int>& data, int seed",
    prologue: ["int acc = seed;", "std::string label = core::to_hex(static_cast<std::uint32_t>(seed));"],
    epilogue: "return acc;",
    call: (fn) => `acc ^= ${fn}(data, acc);`,
  },
  text: {
    ret: "std::string",
    params: "const std::string& key, int n",
    prologue: [
      "int acc = n + static_cast<int>(core::fnv1a(key) & 0xffff);",
      "std::vector<int> data(static_cast<std::size_t>(core::clamp(n & 63, 1, 64)));",
      "std::iota(data.begin(), data.end(), acc);",
      "std::string label(key);",
    ],
    epilogue: "return label + core::to_hex(static_cast<std::uint32_t>(acc));",
    call: (fn) => `acc += static_cast<int>(${fn}(label, acc).size());`,
  },
  record: {
    ret: "double",
    params: "const Record& r, double scale",
    prologue: [
      "int acc = static_cast<int>(r.id) + static_cast<int>(scale * 8);",
      "std::vector<int> data;",
      "for (double s : r.samples) data.push_back(static_cast<int>(s * scale));",
      "std::string label = r.label;",
    ],
    epilogue: "return static_cast<double>(acc) * scale + static_cast<double>(data.size());",
    call: (fn, ns) =>
      `{ ${ns}::Record rec; rec.id = static_cast<std::uint64_t>(acc); rec.label = label; ` +
      `rec.samples.assign(data.begin(), data.end()); acc += static_cast<int>(${fn}(rec, 0.5)); }`,
  },
  counts: {
    ret: "long long",
    params: "const std::map<std::string, int>& counts",
    prologue: [
      "int acc = 0;",
      "std::vector<int> data;",
      "std::string label;",
      "for (const auto& [k, v] : counts) { data.push_back(v); label += k; acc += v; }",
    ],
    epilogue: "return static_cast<long long>(acc) * static_cast<long long>(data.size() + 1);",
    call: (fn) =>
      `{ std::map<std::string, int> counts; for (int v : data) counts[std::to_string(v & 31)] += v; ` +
      `acc += static_cast<int>(${fn}(counts) & 0xffff); }`,
  },
};
export const SHAPE_NAMES = Object.keys(SHAPES);
