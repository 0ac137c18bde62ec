/**
 * Names and types the generated C++ is drawn from: layers and words for namespaces and classes,
 * verbs for functions, and the types that templates are instantiated with.
 */

// prettier-ignore
export const LAYERS = [
  "base", "platform", "engine", "render", "audio", "net", "game", "tools", "ui", "script"
];
// prettier-ignore
export const WORDS = [
  "mesh", "texture", "shader", "mixer", "socket", "packet", "collider", "widget", "layout", "asset",
  "cache", "query", "index", "trace", "job", "pool", "stream", "codec", "archive", "cursor", "camera",
  "scene", "entity", "signal", "timer", "config", "plugin", "locale", "glyph", "image", "anim",
  "skeleton", "particle", "terrain", "path", "nav", "journal", "ledger", "session", "route", "buffer",
  "fence", "queue", "atlas", "sprite", "voice", "bank", "shard", "replica", "token"
];
// prettier-ignore
export const NOUNS = [
  "Batch", "Pool", "Graph", "Table", "Store", "Loader", "Builder", "Cursor", "Frame", "Track", "Cache",
  "Filter", "Channel", "Handle", "Region", "Bucket", "Window", "Schedule", "Registry", "View"
];
// prettier-ignore
export const VERBS = [
  "update", "resolve", "compact", "flush", "merge", "decode", "encode", "visit", "sample", "rebuild",
  "prune", "score", "route", "balance", "commit", "scan", "collect", "rank", "blend", "split"
];
// prettier-ignore
export const RING_TYPES = [
  "int", "long", "double", "float", "unsigned", "short", "std::uint64_t", "char"
];
// prettier-ignore
export const VEC_TYPES = [
  "double", "float", "int", "long"
];
// prettier-ignore
export const SCALE_TYPES = [
  "int", "long", "double", "float", "std::int64_t", "unsigned"
];

/**
 * Parameter and return types of the facade's member functions. Each names a class template
 * instantiation over the module's own types, so every unit that uses a facade carries these
 * instantiations' full type descriptions (the bulk of .debug_info in real C++ programs).
 */
// prettier-ignore
export const FACADE_TYPES = [
  "Record", "const Record&", "std::vector<Record>", "const std::vector<Record>&",
  "std::optional<Record>", "Settings", "const Settings&", "Stats", "std::map<std::string, Stats>",
  "std::unordered_map<int, Record>", "std::set<Kind>", "std::pair<Kind, std::string>",
  "std::function<bool(const Record&)>", "core::Result<Record>", "core::Result<std::vector<int>>",
  "Slot<Settings>", "std::shared_ptr<Node>", "std::array<Stats, 4>", "core::SmallMap<Kind, Record>",
  "core::Ring<Record, 4>", "std::string_view", "std::tuple<int, double, std::string>",
  "std::deque<Settings>", "std::list<Record>", "std::multimap<Kind, Settings>",
  "std::unordered_set<std::string>", "std::vector<std::pair<std::string, Stats>>", "std::weak_ptr<Node>",
  "const std::map<Kind, std::vector<Settings>>&"
];

/**
 * Plain data types of a module's interface: trivially constructible structs (fields of scalar,
 * array, vector-math and pointer types) with declared member functions. Every unit that uses one
 * carries its full description, as real C++ units carry the types of the headers they include.
 */
// prettier-ignore
export const MODEL_WORDS = [
  "Frame", "Span", "Page", "Chunk", "Entry", "Header", "Block", "Segment", "Cell", "Edge", "Range",
  "Event"
];
// prettier-ignore
export const MODEL_SUFFIXES = [
  "Info", "Desc", "State", "Params", "Key", "Ref", "Limits", "Layout", "Hint", "Stamp"
];
// prettier-ignore
export const FIELD_TYPES = [
  "int", "unsigned", "double", "float", "bool", "std::uint64_t", "std::int16_t", "char", "Kind",
  "std::array<int, 4>", "std::array<double, 3>", "core::Vec3<float>", "core::Vec3<int>", "const char*",
  "Record*"
];
// prettier-ignore
export const FIELD_NAMES = [
  "count", "limit", "offset", "stride", "weight", "flags", "kind", "origin", "extent", "first", "last",
  "capacity", "generation", "priority", "deadline", "checksum", "owner", "parent", "next", "bounds"
];
// prettier-ignore
export const METHOD_RETURNS = [
  "int", "double", "bool", "void", "std::uint64_t", "Kind"
];
// prettier-ignore
export const KINDS = [
  "Idle", "Ready", "Busy", "Stale", "Failed", "Retired", "Pinned", "Evicted"
];
