#include "daemon/wyoming/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kws::wyoming {
namespace {

using ::testing::HasSubstr;

TEST(Json, ParsesAWyomingHeader) {
  auto j = parse_json(
      R"({"type":"audio-chunk","data":{"rate":16000,"width":2,"channels":1,"timestamp":-5},)"
      R"("payload_length":2048, "version":"1.5.4"})");
  ASSERT_TRUE(j.ok()) << j.error();
  EXPECT_EQ(j->find("type")->as_string(), "audio-chunk");
  EXPECT_EQ(j->find("payload_length")->as_integer(0, 1 << 30), 2048);
  const Json* data = j->find("data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->find("rate")->as_integer(0, 1000000), 16000);
  EXPECT_EQ(data->find("timestamp")->as_integer(-10, 10), -5);
  EXPECT_EQ(data->find("missing"), nullptr);
}

TEST(Json, StringEscapesIncludingSurrogatePairs) {
  auto j = parse_json(R"(["a\"b\\c\/\n\t", "\u00e9\u20ac", "\ud83d\ude00"])");
  ASSERT_TRUE(j.ok()) << j.error();
  ASSERT_EQ(j->items().size(), 3u);
  EXPECT_EQ(j->items()[0].as_string(), "a\"b\\c/\n\t");
  EXPECT_EQ(j->items()[1].as_string(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(j->items()[2].as_string(), "\xf0\x9f\x98\x80");
}

TEST(Json, NumbersAndIntegerChecks) {
  auto j = parse_json("[0, -0.5, 1e3, 2147483648, 1.5, 3E-2]");
  ASSERT_TRUE(j.ok()) << j.error();
  const auto& v = j->items();
  EXPECT_EQ(v[2].as_integer(0, 5000), 1000);
  EXPECT_EQ(v[3].as_integer(0, int64_t{1} << 40), int64_t{2147483648});
  EXPECT_FALSE(v[3].as_integer(0, 1 << 30).has_value());  // over the bound
  EXPECT_FALSE(v[4].as_integer(0, 10).has_value());       // not integral
  EXPECT_FALSE(v[1].as_integer(0, 10).has_value());
  EXPECT_DOUBLE_EQ(v[5].as_number(), 0.03);
  EXPECT_FALSE(Json::string("5").as_integer(0, 10).has_value());
}

TEST(Json, RejectsMalformedTextWithAnOffset) {
  const char* bad[] = {
      "",   "{", "{\"a\"}",  "{\"a\":1,}",  "[1 2]",    "nul",   "\"abc",   "\"\\x\"",   "01",
      "1.", "-", "{} extra", "\"\\ud800\"", "\"a\nb\"", "1e999", "{'a':1}", "\xff\xfe{}"};
  for (const char* text : bad) {
    auto j = parse_json(text);
    EXPECT_FALSE(j.ok()) << "accepted: " << text;
    if (!j.ok()) {
      EXPECT_THAT(j.error(), HasSubstr("offset ")) << text;
    }
  }
}

TEST(Json, NestingIsBounded) {
  std::string deep(100000, '[');
  auto j = parse_json(deep);
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.error(), HasSubstr("nesting too deep"));
  EXPECT_TRUE(parse_json("[[[[1]]]]", 4).ok());
  EXPECT_FALSE(parse_json("[[[[[1]]]]]", 4).ok());
}

TEST(Json, WriterRoundTrips) {
  Json o = Json::object();
  o.set("name", Json::string("quote\" back\\ nl\n ctl\x01"));
  o.set("n", Json::number(16000));
  o.set("f", Json::number(0.25));
  o.set("ok", Json::boolean(true));
  o.set("nothing", Json());
  Json list = Json::array();
  list.push(Json::string("en"));
  o.set("languages", list);
  o.set("n", Json::number(-3));  // replaces, keeps position
  const std::string text = to_json(o);
  EXPECT_EQ(text, R"({"name":"quote\" back\\ nl\n ctl\u0001","n":-3,"f":0.25,"ok":true,)"
                  R"("nothing":null,"languages":["en"]})");
  auto back = parse_json(text);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(to_json(*back), text);
}

TEST(Json, DuplicateKeyLastWins) {
  auto j = parse_json(R"({"a":1,"a":2})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->find("a")->as_integer(0, 9), 2);
}

}  // namespace
}  // namespace kws::wyoming
