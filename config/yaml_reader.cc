#include "config/yaml_reader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace kws::config::detail {

namespace {

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "nothing";
}

std::string format_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::string join_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

YAML::Node YamlReader::parse(const std::string& text) const {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(where(e.mark) + ": malformed YAML: " + e.msg);
  }
}

std::string YamlReader::where(const YAML::Mark& mark) const {
  if (mark.is_null()) return source_;
  return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void YamlReader::fail(const YAML::Node& at, std::string_view path, std::string_view what) const {
  fail_at(at.Mark(), path, what);
}

void YamlReader::fail_at(const YAML::Mark& mark, std::string_view path,
                         std::string_view what) const {
  std::string message = where(mark) + ": ";
  if (!path.empty()) {
    message += path;
    message += ": ";
  }
  message += what;
  throw ConfigError(message);
}

std::vector<std::string> YamlReader::check_map(
    const YAML::Node& node, std::string_view path,
    std::initializer_list<std::string_view> allowed) const {
  std::vector<std::string> keys;
  if (node.IsNull()) return keys;
  if (!node.IsMap()) fail(node, path, std::string("expected a map, got ") + kind_name(node));
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) fail(key, path, "map keys must be plain names");
    const std::string& name = key.Scalar();
    if (allowed.size() != 0) {
      bool known = false;
      for (std::string_view a : allowed) known = known || a == name;
      if (!known) {
        std::string list;
        for (std::string_view a : allowed) {
          if (!list.empty()) list += ", ";
          list += a;
        }
        fail(key, join_path(path, name), "unknown key (expected one of: " + list + ")");
      }
    }
    if (!seen.insert(name).second) fail(key, join_path(path, name), "duplicate key");
    keys.push_back(name);
  }
  return keys;
}

std::string YamlReader::scalar(const YAML::Node& node, std::string_view path,
                               std::string_view what) const {
  if (!node.IsScalar()) {
    fail(node, path, "expected " + std::string(what) + ", got " + kind_name(node));
  }
  return node.Scalar();
}

double YamlReader::get_double(const YAML::Node& node, std::string_view path, double lo,
                              double hi) const {
  const std::string text = scalar(node, path, "a number");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
    fail(node, path, "expected a number, got '" + text + "'");
  }
  if (v < lo || v > hi) {
    fail(node, path,
         text + " is out of range [" + format_number(lo) + ", " + format_number(hi) + "]");
  }
  return v;
}

float YamlReader::get_float(const YAML::Node& node, std::string_view path, double lo,
                            double hi) const {
  return static_cast<float>(get_double(node, path, lo, hi));
}

int64_t YamlReader::get_int(const YAML::Node& node, std::string_view path, int64_t lo,
                            int64_t hi) const {
  const std::string text = scalar(node, path, "an integer");
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    fail(node, path, "expected an integer, got '" + text + "'");
  }
  if (v < lo || v > hi) {
    fail(node, path,
         text + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return static_cast<int64_t>(v);
}

uint32_t YamlReader::get_u32(const YAML::Node& node, std::string_view path, uint32_t lo,
                             uint32_t hi) const {
  return static_cast<uint32_t>(get_int(node, path, lo, hi));
}

bool YamlReader::get_bool(const YAML::Node& node, std::string_view path) const {
  const std::string text = scalar(node, path, "true or false");
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(node, path, "expected true or false, got '" + text + "'");
}

std::string YamlReader::get_string(const YAML::Node& node, std::string_view path) const {
  return scalar(node, path, "a string");
}

std::vector<std::string> YamlReader::get_string_list(const YAML::Node& node,
                                                     std::string_view path) const {
  if (!node.IsSequence()) fail(node, path, std::string("expected a list, got ") + kind_name(node));
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    out.push_back(get_string(node[i], std::string(path) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(path + ": read error");
  return text.str();
}

}  // namespace kws::config::detail
