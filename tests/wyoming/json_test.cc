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
  EXPECT_EQ(find_member(*j, "type")->get<std::string>(), "audio-chunk");
  EXPECT_EQ(as_integer(*find_member(*j, "payload_length"), 0, 1 << 30), 2048);
  const Json* data = find_member(*j, "data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(as_integer(*find_member(*data, "rate"), 0, 1000000), 16000);
  EXPECT_EQ(as_integer(*find_member(*data, "timestamp"), -10, 10), -5);
  EXPECT_EQ(find_member(*data, "missing"), nullptr);
  EXPECT_EQ(find_member(Json::array(), "type"), nullptr);  // not an object
}

TEST(Json, StringEscapesIncludingSurrogatePairs) {
  auto j = parse_json(R"(["a\"b\\c\/\n\t", "\u00e9\u20ac", "\ud83d\ude00"])");
  ASSERT_TRUE(j.ok()) << j.error();
  ASSERT_EQ(j->size(), 3u);
  EXPECT_EQ((*j)[0].get<std::string>(), "a\"b\\c/\n\t");
  EXPECT_EQ((*j)[1].get<std::string>(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ((*j)[2].get<std::string>(), "\xf0\x9f\x98\x80");
}

TEST(Json, NumbersAndIntegerChecks) {
  auto j = parse_json("[0, -0.5, 1e3, 2147483648, 1.5, 3E-2, -7, 18446744073709551615]");
  ASSERT_TRUE(j.ok()) << j.error();
  const Json& v = *j;
  EXPECT_EQ(as_integer(v[0], 0, 5), 0);
  EXPECT_EQ(as_integer(v[2], 0, 5000), 1000);  // 1e3 is an integer in JSON terms
  EXPECT_EQ(as_integer(v[3], 0, int64_t{1} << 40), int64_t{2147483648});
  EXPECT_FALSE(as_integer(v[3], 0, 1 << 30).has_value());  // over the bound
  EXPECT_FALSE(as_integer(v[4], 0, 10).has_value());       // not integral
  EXPECT_FALSE(as_integer(v[1], 0, 10).has_value());
  EXPECT_EQ(as_integer(v[6], -10, 10), -7);
  EXPECT_FALSE(as_integer(v[6], 0, 10).has_value());  // under the bound
  EXPECT_FALSE(as_integer(v[7], 0, INT64_MAX).has_value());
  EXPECT_DOUBLE_EQ(v[5].get<double>(), 0.03);
  EXPECT_FALSE(as_integer(Json("5"), 0, 10).has_value());
}

TEST(Json, RejectsMalformedTextWithAnOffset) {
  const char* bad[] = {
      "",   "{", "{\"a\"}",  "{\"a\":1,}",  "[1 2]",    "nul",     "\"abc",      "\"\\x\"", "01",
      "1.", "-", "{} extra", "\"\\ud800\"", "\"a\nb\"", "{'a':1}", "\xff\xfe{}", "\"\xff\""};
  for (const char* text : bad) {
    auto j = parse_json(text);
    EXPECT_FALSE(j.ok()) << "accepted: " << text;
    if (!j.ok()) {
      EXPECT_THAT(j.error(), HasSubstr("offset ")) << text;
    }
  }
  auto huge = parse_json("[1e999]");  // beyond double: an error, not infinity
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error(), HasSubstr("number overflow"));
}

TEST(Json, NestingIsBounded) {
  std::string deep(100000, '[');
  auto j = parse_json(deep);
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.error(), HasSubstr("nesting too deep"));
  EXPECT_TRUE(parse_json("[[[[1]]]]", 4).ok());
  EXPECT_FALSE(parse_json("[[[[[1]]]]]", 4).ok());
  EXPECT_FALSE(parse_json(R"({"a":{"b":{"c":{"d":{"e":1}}}}})", 4).ok());
}

TEST(Json, WriterKeepsOrderAndRoundTrips) {
  Json o = Json::object();
  o["name"] = "quote\" back\\ nl\n ctl\x01";
  o["n"] = 16000;
  o["f"] = 0.25;
  o["ok"] = true;
  o["nothing"] = nullptr;
  o["languages"] = Json::array({"en"});
  o["n"] = -3;  // replaces, keeps position
  const std::string text = to_json(o);
  EXPECT_EQ(text, R"({"name":"quote\" back\\ nl\n ctl\u0001","n":-3,"f":0.25,"ok":true,)"
                  R"("nothing":null,"languages":["en"]})");
  auto back = parse_json(text);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(to_json(*back), text);
}

TEST(Json, WriterReplacesInvalidUtf8InsteadOfFailing) {
  // A keyword name from a hand-edited config may hold any bytes.
  const std::string text = to_json(Json("bad\xff"));
  EXPECT_EQ(text, "\"bad\xef\xbf\xbd\"");
  EXPECT_TRUE(parse_json(text).ok());
}

TEST(Json, DuplicateKeyLastWins) {
  auto j = parse_json(R"({"a":1,"a":2})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(as_integer(*find_member(*j, "a"), 0, 9), 2);
}

}  // namespace
}  // namespace kws::wyoming
