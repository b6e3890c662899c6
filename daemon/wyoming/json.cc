#include "daemon/wyoming/json.h"

#include <cmath>
#include <string>

namespace kws::wyoming {
namespace {

// Thrown from the parser callback to stop at the first too-deep container.
struct TooDeep {};

}  // namespace

Result<Json> parse_json(std::string_view text, size_t max_depth) {
  // The callback sees every container start with its depth (0 = top level).
  const auto limit_depth = [max_depth](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        static_cast<size_t>(depth) >= max_depth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return Result<Json>::success(Json::parse(text.begin(), text.end(), limit_depth));
  } catch (const TooDeep&) {
    return Result<Json>::failure("nesting too deep (more than " + std::to_string(max_depth) +
                                 " levels)");
  } catch (const Json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    std::string why = e.what();
    if (const size_t colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
    return Result<Json>::failure("offset " + std::to_string(e.byte) + ": " + why);
  } catch (const Json::exception& e) {
    // out_of_range.406: a number beyond double, e.g. 1e999 (no offset is known).
    std::string why = e.what();
    if (const size_t bracket = why.find("] "); bracket != std::string::npos) {
      why.erase(0, bracket + 2);
    }
    return Result<Json>::failure(why);
  }
}

std::string to_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* find_member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<int64_t> as_integer(const Json& value, int64_t lo, int64_t hi) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    const int64_t n = value.get<int64_t>();
    if (n < lo || n > hi) return std::nullopt;
    return n;
  }
  if (value.is_number_unsigned()) {
    const uint64_t n = value.get<uint64_t>();
    if (hi < 0 || n > static_cast<uint64_t>(hi) || (lo > 0 && n < static_cast<uint64_t>(lo))) {
      return std::nullopt;
    }
    return static_cast<int64_t>(n);
  }
  if (!value.is_number_float()) return std::nullopt;
  const double x = value.get<double>();
  if (!std::isfinite(x) || x != std::floor(x)) return std::nullopt;
  if (x < static_cast<double>(lo) || x > static_cast<double>(hi)) return std::nullopt;
  return static_cast<int64_t>(x);
}

}  // namespace kws::wyoming
