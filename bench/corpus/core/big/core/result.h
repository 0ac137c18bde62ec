// A value-or-error template with a lambda-taking map(), instantiated across the corpus.
#pragma once
#include <optional>
#include <string>
#include <utility>

namespace big::core {

template <typename T>
class Result {
 public:
  static Result ok(T value) { return Result(std::move(value), {}); }
  static Result fail(std::string error) { return Result(std::nullopt, std::move(error)); }

  bool is_ok() const { return value_.has_value(); }
  const T& value() const { return *value_; }
  const std::string& error() const { return error_; }
  T value_or(T fallback) const { return value_ ? *value_ : fallback; }

  template <typename F>
  auto map(F&& f) const -> Result<decltype(f(std::declval<const T&>()))> {
    using U = decltype(f(std::declval<const T&>()));
    if (!value_) return Result<U>::fail(error_);
    return Result<U>::ok(f(*value_));
  }

 private:
  Result(std::optional<T> value, std::string error) : value_(std::move(value)), error_(std::move(error)) {}

  std::optional<T> value_;
  std::string error_;
};

}  // namespace big::core
