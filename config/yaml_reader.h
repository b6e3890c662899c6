// Strict reading of YAML documents: every error names the source, the
// line:column (1-based) and the dotted key path, e.g.
//   "kwsd.yaml:12:5: keywords.computer.threshold: 1.7 is out of range [0, 1]".
//
// Internal to config/: functions throw ConfigError, which the public API turns
// into a Result.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kws::config::detail {

// A fully formatted, user-facing message.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string join_path(std::string_view parent, std::string_view key);

class YamlReader {
 public:
  explicit YamlReader(std::string source_name) : source_(std::move(source_name)) {}

  // Parses `text`; a syntax error becomes a ConfigError with its position.
  YAML::Node parse(const std::string& text) const;

  // "source:line:col" for a mark (just "source" for a null mark).
  std::string where(const YAML::Mark& mark) const;

  [[noreturn]] void fail(const YAML::Node& at, std::string_view path, std::string_view what) const;
  [[noreturn]] void fail_at(const YAML::Mark& mark, std::string_view path,
                            std::string_view what) const;

  // A map (an empty/null node counts as an empty map) with no duplicate keys and,
  // unless `allowed` is empty, only the allowed keys. Returns the keys in order.
  std::vector<std::string> check_map(const YAML::Node& node, std::string_view path,
                                     std::initializer_list<std::string_view> allowed) const;

  double get_double(const YAML::Node& node, std::string_view path, double lo, double hi) const;
  float get_float(const YAML::Node& node, std::string_view path, double lo, double hi) const;
  int64_t get_int(const YAML::Node& node, std::string_view path, int64_t lo, int64_t hi) const;
  uint32_t get_u32(const YAML::Node& node, std::string_view path, uint32_t lo, uint32_t hi) const;
  bool get_bool(const YAML::Node& node, std::string_view path) const;
  std::string get_string(const YAML::Node& node, std::string_view path) const;
  std::vector<std::string> get_string_list(const YAML::Node& node, std::string_view path) const;

  // Scalar text, or the failure "expected <what>, got a map/list/nothing".
  std::string scalar(const YAML::Node& node, std::string_view path, std::string_view what) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// Reads a whole file; throws ConfigError "path: cannot read (reason)".
std::string read_text_file(const std::string& path);

}  // namespace kws::config::detail
