#include "daemon/wyoming/protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kws::wyoming {
namespace {

using ::testing::HasSubstr;

std::vector<Event> feed_all(EventReader* r, const std::string& bytes, std::string* error,
                            size_t step) {
  std::vector<Event> out;
  for (size_t i = 0; i < bytes.size(); i += step) {
    *error = r->feed(bytes.data() + i, std::min(step, bytes.size() - i), &out);
    if (!error->empty()) break;
  }
  return out;
}

TEST(EventReader, HeaderDataAndPayloadInAnyPieces) {
  const std::string extra = R"({"width":2,"channels":1})";
  const std::string bytes =
      R"({"type":"audio-chunk","data":{"rate":16000,"width":4},"data_length":)" +
      std::to_string(extra.size()) + R"(,"payload_length":4})" + "\n" + extra + "\x01\x02\x03\x04" +
      R"({"type":"audio-stop"})" + "\n";
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, bytes.size()}) {
    EventReader r{Limits{}};
    std::string error;
    std::vector<Event> events = feed_all(&r, bytes, &error, step);
    ASSERT_EQ(error, "") << "step " << step;
    ASSERT_EQ(events.size(), 2u) << "step " << step;
    EXPECT_EQ(events[0].type, "audio-chunk");
    EXPECT_EQ(as_integer(events[0].data.at("rate"), 0, 99999), 16000);
    EXPECT_EQ(as_integer(events[0].data.at("width"), 0, 9), 2);  // extra data wins
    EXPECT_EQ(as_integer(events[0].data.at("channels"), 0, 9), 1);
    EXPECT_EQ(events[0].payload, "\x01\x02\x03\x04");
    EXPECT_EQ(events[1].type, "audio-stop");
    EXPECT_TRUE(events[1].payload.empty());
    EXPECT_FALSE(r.mid_event());
  }
}

TEST(EventReader, CrLfAndZeroLengthsAreFine) {
  EventReader r{Limits{}};
  std::vector<Event> out;
  const std::string bytes = "{\"type\":\"describe\",\"data_length\":0,\"payload_length\":0}\r\n";
  EXPECT_EQ(r.feed(bytes.data(), bytes.size(), &out), "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "describe");
  EXPECT_FALSE(r.mid_event());
}

TEST(EventReader, MidEventTracksPartialInput) {
  EventReader r{Limits{}};
  std::vector<Event> out;
  EXPECT_FALSE(r.mid_event());
  const std::string head = R"({"type":"audio-chunk","payload_length":10})"
                           "\n";
  r.feed(head.data(), 5, &out);
  EXPECT_TRUE(r.mid_event());
  r.feed(head.data() + 5, head.size() - 5, &out);
  EXPECT_TRUE(r.mid_event());  // waiting for the payload
  r.feed("0123456789", 10, &out);
  EXPECT_FALSE(r.mid_event());
  EXPECT_EQ(out.size(), 1u);
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* message;
};

TEST(EventReader, RejectsEachMalformedInputWithAReason) {
  Limits limits;
  limits.max_header_bytes = 256;
  limits.max_data_bytes = 100;
  limits.max_payload_bytes = 4096;
  const BadCase cases[] = {
      {"garbage", "\x16\x03\x01 hello\n", "header is not JSON"},
      {"not an object", "[1,2]\n", "not a JSON object"},
      {"no type", "{\"data\":{}}\n", "no \"type\""},
      {"type not a string", "{\"type\":5}\n", "no \"type\""},
      {"data not an object", "{\"type\":\"x\",\"data\":[1]}\n", "\"data\" is not an object"},
      {"2 GB payload", "{\"type\":\"audio-chunk\",\"payload_length\":2147483648}\n",
       "\"payload_length\" is 2147483648 bytes, over the limit of 4096"},
      {"negative payload", "{\"type\":\"x\",\"payload_length\":-1}\n", "not a non-negative"},
      {"fractional payload", "{\"type\":\"x\",\"payload_length\":1.5}\n", "not a non-negative"},
      {"string payload length", "{\"type\":\"x\",\"payload_length\":\"9\"}\n",
       "not a non-negative"},
      {"data over limit", "{\"type\":\"x\",\"data_length\":101}\n", "\"data_length\" is 101"},
      {"header too long", "{\"type\":\"" + std::string(300, 'a') + "\"}\n", "longer than 256"},
      {"endless header", std::string(1000, ' '), "longer than 256"},
      {"bad extra data", "{\"type\":\"x\",\"data_length\":3}\nabc", "event data is not JSON"},
      {"extra data not object", "{\"type\":\"x\",\"data_length\":3}\n[1]",
       "event data is not a JSON object"},
  };
  for (const BadCase& c : cases) {
    EventReader r{limits};
    std::vector<Event> out;
    const std::string e = r.feed(c.bytes.data(), c.bytes.size(), &out);
    EXPECT_THAT(e, HasSubstr(c.message)) << c.name;
    EXPECT_TRUE(out.empty()) << c.name;
    // Sticky: a later valid event is not accepted on a broken stream.
    EXPECT_EQ(r.feed("{\"type\":\"describe\"}\n", 20, &out), e) << c.name;
    EXPECT_TRUE(out.empty()) << c.name;
  }
}

TEST(EventReader, EventsBeforeAnErrorAreDelivered) {
  EventReader r{Limits{}};
  std::vector<Event> out;
  const std::string bytes = "{\"type\":\"describe\"}\nnonsense\n";
  EXPECT_THAT(r.feed(bytes.data(), bytes.size(), &out), HasSubstr("not JSON"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "describe");
}

TEST(EncodeEvent, WritesHeaderDataVersionAndPayload) {
  Json data = Json::object();
  data["name"] = "Stop";
  data["timestamp"] = 1234;
  EXPECT_EQ(encode_event("detection", data),
            R"({"type":"detection","version":"1.5.4","data":{"name":"Stop","timestamp":1234}})"
            "\n");
  EXPECT_EQ(encode_event("not-detected"), R"({"type":"not-detected","version":"1.5.4"})"
                                          "\n");
  const std::string chunk = encode_event("audio-chunk", Json::object(), std::string("\0\1", 2));
  EventReader r{Limits{}};
  std::vector<Event> out;
  ASSERT_EQ(r.feed(chunk.data(), chunk.size(), &out), "");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, std::string("\0\1", 2));
}

}  // namespace
}  // namespace kws::wyoming
