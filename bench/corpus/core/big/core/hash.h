// Hashing helpers of the generated corpus's core library. Small inline functions that every unit
// includes, so the optimizer inlines them everywhere (DW_TAG_inlined_subroutine whose
// DW_AT_call_file is a unit and whose DW_AT_decl_file is this header).
#pragma once
#include <cstdint>
#include <string_view>

namespace big::core {

constexpr std::uint32_t kFnvOffset = 0x811c9dc5u;
constexpr std::uint32_t kFnvPrime = 0x01000193u;

inline std::uint32_t rotl(std::uint32_t x, int r) {
  r &= 31;
  return r == 0 ? x : (x << r) | (x >> (32 - r));
}

inline std::uint32_t fnv1a_step(std::uint32_t h, std::uint8_t byte) {
  h ^= byte;
  return h * kFnvPrime;
}

inline std::uint32_t fnv1a(std::string_view text, std::uint32_t h = kFnvOffset) {
  for (char c : text) h = fnv1a_step(h, static_cast<std::uint8_t>(c));
  return h;
}

inline std::uint32_t fnv1a(std::uint32_t value, std::uint32_t h = kFnvOffset) {
  for (int i = 0; i < 4; ++i) h = fnv1a_step(h, static_cast<std::uint8_t>(value >> (8 * i)));
  return h;
}

inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

template <typename T>
inline void hash_combine(std::uint64_t& seed, const T& value) {
  seed ^= mix64(static_cast<std::uint64_t>(value)) + 0x9e3779b9u + (seed << 6) + (seed >> 2);
}

}  // namespace big::core
