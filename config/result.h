// Host-side result of an operation that can fail with a one-line message.
//
// Host code (config/, daemon/, tools/) may use exceptions internally, but its
// public functions return Result so callers decide how to report the problem.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kws {

template <typename T>
class Result {
 public:
  static Result success(T value) { return Result(std::in_place_index<0>, std::move(value)); }
  static Result failure(std::string message) {
    return Result(std::in_place_index<1>, std::move(message));
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Precondition: !ok().
  const std::string& error() const { return std::get<1>(state_); }

 private:
  template <size_t I, typename V>
  Result(std::in_place_index_t<I> tag, V&& v) : state_(tag, std::forward<V>(v)) {}

  std::variant<T, std::string> state_;
};

}  // namespace kws
