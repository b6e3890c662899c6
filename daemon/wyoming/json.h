// A small JSON value, parser and writer for Wyoming event headers.
//
// The protocol's headers and data blocks are small objects; this covers
// RFC 8259 fully (all escapes, \u surrogate pairs, exponents) with bounded
// nesting so a hostile peer cannot exhaust the stack. Object member order is
// kept as written; a duplicate key keeps the last value on lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/result.h"

namespace kws::wyoming {

class Json {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;
  static Json boolean(bool b);
  static Json number(double x);
  static Json string(std::string s);
  static Json array(std::vector<Json> items = {});
  static Json object(std::vector<Member> members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_bool() const { return type_ == Type::kBool; }

  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<Member>& members() const { return members_; }

  // Object lookup (last duplicate wins); null when absent or not an object.
  const Json* find(std::string_view key) const;
  // Object: replaces an existing key or appends. Precondition: is_object().
  Json& set(std::string_view key, Json value);
  // Array append. Precondition: is_array().
  void push(Json value) { items_.push_back(std::move(value)); }

  // The number as an integer when it is integral and within [lo, hi].
  std::optional<int64_t> as_integer(int64_t lo, int64_t hi) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<Member> members_;
};

inline constexpr size_t kMaxJsonDepth = 32;

// Parses one JSON text (surrounding whitespace allowed, nothing else).
// Errors name the byte offset: "offset 12: expected ':'".
Result<Json> parse_json(std::string_view text, size_t max_depth = kMaxJsonDepth);

// Compact serialisation. Integral numbers below 2^53 print without a
// fraction; non-finite numbers (not representable in JSON) print as null.
std::string to_json(const Json& value);

}  // namespace kws::wyoming
