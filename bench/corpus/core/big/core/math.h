// Arithmetic helpers and a small vector template of the generated corpus's core library.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace big::core {

template <typename T>
inline T clamp(T value, T lo, T hi) {
  return value < lo ? lo : (hi < value ? hi : value);
}

template <typename T>
inline T lerp(T a, T b, double t) {
  return static_cast<T>(a + (b - a) * t);
}

inline int saturating_add(int a, int b) {
  long long sum = static_cast<long long>(a) + b;
  if (sum > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  if (sum < std::numeric_limits<int>::min()) return std::numeric_limits<int>::min();
  return static_cast<int>(sum);
}

template <typename T>
struct Vec3 {
  T x{}, y{}, z{};

  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(T k) const { return {x * k, y * k, z * k}; }
  T dot(const Vec3& o) const { return x * o.x + y * o.y + z * o.z; }
  T length_squared() const { return dot(*this); }
};

template <typename T>
inline double length(const Vec3<T>& v) {
  return std::sqrt(static_cast<double>(v.length_squared()));
}

template <typename T>
inline Vec3<T> normalize_or_zero(const Vec3<T>& v) {
  double len = length(v);
  if (len == 0.0) return {};
  if constexpr (std::is_floating_point_v<T>) {
    return v * static_cast<T>(1.0 / len);
  } else {
    return {static_cast<T>(v.x / len), static_cast<T>(v.y / len), static_cast<T>(v.z / len)};
  }
}

}  // namespace big::core
