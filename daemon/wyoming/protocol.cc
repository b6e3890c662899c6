#include "daemon/wyoming/protocol.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace kws::wyoming {

std::string EventReader::fail(std::string message) {
  error_ = std::move(message);
  buffer_.clear();
  buffer_.shrink_to_fit();
  current_ = Event{};
  return error_;
}

// Reads an optional non-negative length field; `limit` bounds it.
static std::string read_length(const Json& header, const char* key, size_t limit, size_t* out) {
  *out = 0;
  const Json* v = find_member(header, key);
  if (v == nullptr || v->is_null()) return "";
  const std::optional<int64_t> n = as_integer(*v, 0, std::numeric_limits<int64_t>::max() / 2);
  if (!n) return std::string("header field \"") + key + "\" is not a non-negative integer";
  if (static_cast<uint64_t>(*n) > limit) {
    return std::string("header field \"") + key + "\" is " + std::to_string(*n) +
           " bytes, over the limit of " + std::to_string(limit);
  }
  *out = static_cast<size_t>(*n);
  return "";
}

std::string EventReader::finish_header() {
  // buffer_ holds the line without its newline.
  Result<Json> parsed = parse_json(buffer_);
  buffer_.clear();
  if (!parsed) return fail("header is not JSON: " + parsed.error());
  const Json& header = *parsed;
  if (!header.is_object()) return fail("header is not a JSON object");
  const Json* type = find_member(header, "type");
  if (type == nullptr || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    return fail("header has no \"type\" string");
  }
  current_ = Event{};
  current_.type = type->get<std::string>();
  if (const Json* data = find_member(header, "data"); data != nullptr && !data->is_null()) {
    if (!data->is_object()) return fail("header field \"data\" is not an object");
    current_.data = *data;
  }
  size_t data_length = 0;
  size_t payload_length = 0;
  if (std::string e = read_length(header, "data_length", limits_.max_data_bytes, &data_length);
      !e.empty()) {
    return fail(e);
  }
  if (std::string e =
          read_length(header, "payload_length", limits_.max_payload_bytes, &payload_length);
      !e.empty()) {
    return fail(e);
  }
  // Within limits: reserving now means one allocation per chunk.
  current_.payload.reserve(payload_length);
  need_ = data_length;
  payload_need_ = payload_length;
  stage_ = Stage::kData;
  return "";
}

std::string EventReader::finish_data() {
  if (!buffer_.empty()) {
    Result<Json> extra = parse_json(buffer_);
    buffer_.clear();
    if (!extra) return fail("event data is not JSON: " + extra.error());
    if (!extra->is_object()) return fail("event data is not a JSON object");
    for (const auto& m : extra->items()) current_.data[m.key()] = m.value();
  }
  need_ = payload_need_;
  stage_ = Stage::kPayload;
  return "";
}

std::string EventReader::feed(const char* bytes, size_t n, std::vector<Event>* out) {
  if (!error_.empty()) return error_;
  size_t i = 0;
  for (;;) {
    if (stage_ == Stage::kHeader) {
      if (i >= n) return "";
      const void* nl = std::memchr(bytes + i, '\n', n - i);
      const size_t take =
          nl ? static_cast<size_t>(static_cast<const char*>(nl) - (bytes + i)) + 1 : n - i;
      if (buffer_.size() + take > limits_.max_header_bytes) {
        return fail("header line longer than " + std::to_string(limits_.max_header_bytes) +
                    " bytes");
      }
      if (nl == nullptr) {
        buffer_.append(bytes + i, take);
        return "";
      }
      buffer_.append(bytes + i, take - 1);
      i += take;
      if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
      if (std::string e = finish_header(); !e.empty()) return e;
      continue;
    }
    if (need_ > 0) {
      if (i >= n) return "";
      const size_t take = std::min(need_, n - i);
      if (stage_ == Stage::kData) {
        buffer_.append(bytes + i, take);
      } else {
        current_.payload.append(bytes + i, take);
      }
      need_ -= take;
      i += take;
      if (need_ > 0) return "";
    }
    if (stage_ == Stage::kData) {
      if (std::string e = finish_data(); !e.empty()) return e;
      continue;
    }
    // Payload complete.
    out->push_back(std::move(current_));
    current_ = Event{};
    stage_ = Stage::kHeader;
  }
}

std::string encode_event(std::string_view type, const Json& data, std::string_view payload) {
  Json header = Json::object();
  header["type"] = type;
  header["version"] = kProtocolVersion;
  if (data.is_object() && !data.empty()) header["data"] = data;
  if (!payload.empty()) header["payload_length"] = payload.size();
  std::string out = to_json(header);
  out.push_back('\n');
  out.append(payload);
  return out;
}

}  // namespace kws::wyoming
