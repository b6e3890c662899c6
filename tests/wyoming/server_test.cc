// The server end to end on loopback: a test client streams a WAV and gets the
// detection; every protocol fault drops only the faulty client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "daemon/audio/resampler.h"
#include "tests/wyoming/wyoming_fixture.h"

namespace kws::wyoming::testing {
namespace {

using ::testing::HasSubstr;

class WyomingServer : public ::testing::Test {
 protected:
  void SetUp() override {
    KWS_REQUIRE_WYOMING_ASSETS();
    start(ServerOptions{});
  }

  void start(ServerOptions options) {
    server_.reset();
    options.port = 0;
    options.limits.max_payload_bytes = 64 * 1024;
    options.limits.max_data_bytes = 1024;
    options.limits.max_header_bytes = 1024;
    auto s = Server::start(options, {shared_assets().model});
    ASSERT_TRUE(s.ok()) << s.error();
    server_ = std::move(*s);
  }

  std::unique_ptr<TestClient> connect() {
    auto c = std::make_unique<TestClient>();
    EXPECT_TRUE(c->connect(server_->port()));
    return c;
  }

  // Streams `pcm` (any format) in chunks of `chunk_bytes`, then audio-stop;
  // returns every event until the server answers a describe sent after it.
  static std::vector<Event> stream(TestClient* c, const std::string& pcm, const Json& format,
                                   size_t chunk_bytes, int64_t start_ms = 0) {
    Json start = format;
    start["timestamp"] = start_ms;
    EXPECT_TRUE(c->send("audio-start", start));
    for (size_t i = 0; i < pcm.size(); i += chunk_bytes) {
      EXPECT_TRUE(c->send("audio-chunk", format,
                          std::string_view(pcm).substr(i, std::min(chunk_bytes, pcm.size() - i))));
    }
    EXPECT_TRUE(c->send("audio-stop"));
    EXPECT_TRUE(c->send("describe"));
    auto events = c->until("info", 60000);
    EXPECT_TRUE(events.has_value()) << "no answer";
    return events.value_or(std::vector<Event>{});
  }

  static std::vector<const Event*> of_type(const std::vector<Event>& events, const char* type) {
    std::vector<const Event*> out;
    for (const Event& e : events) {
      if (e.type == type) out.push_back(&e);
    }
    return out;
  }

  // Waits until the server has counted `n` drops (it logs and counts them
  // after closing the socket).
  bool wait_dropped(uint64_t n) {
    for (int i = 0; i < 500 && server_->stats().dropped < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_->stats().dropped >= n;
  }

  std::unique_ptr<Server> server_;
};

TEST_F(WyomingServer, DescribeListsTheModelsKeywordsAsWakeWords) {
  auto c = connect();
  ASSERT_TRUE(c->send("describe"));
  auto info = c->next(10000);
  ASSERT_TRUE(info.has_value());
  ASSERT_EQ(info->type, "info");
  const Json* wake = find_member(info->data, "wake");
  ASSERT_NE(wake, nullptr);
  ASSERT_EQ(wake->size(), 1u);
  const Json& program = (*wake)[0];
  EXPECT_EQ(program.at("name").get<std::string>(), "kwsd");
  EXPECT_TRUE(program.at("installed").get<bool>());
  std::vector<std::string> names;
  for (const Json& m : program.at("models")) {
    names.push_back(m.at("name").get<std::string>());
    EXPECT_TRUE(m.at("installed").get<bool>());
    EXPECT_TRUE(m.at("languages").is_array());
    EXPECT_NE(find_member(m.at("attribution"), "name"), nullptr);
  }
  // The sidecar's keywords: every label but Silence and Unknown.
  EXPECT_EQ(names, (std::vector<std::string>{"Down", "Go", "Left", "No", "Off", "On", "Right",
                                             "Stop", "Up", "Yes"}));
}

TEST_F(WyomingServer, StreamedWavGivesOneDetectionWithItsTimestamp) {
  auto c = connect();
  Json detect = Json::object();
  Json names = Json::array();
  names.push_back("stop");  // names match case-insensitively
  detect["names"] = names;
  ASSERT_TRUE(c->send("detect", detect));
  const std::vector<Event> events =
      stream(c.get(), to_pcm(shared_assets().stream, 2, 1), audio_format(16000, 2, 1), 2048, 5000);
  const auto detections = of_type(events, "detection");
  ASSERT_EQ(detections.size(), 1u);
  EXPECT_EQ(detections[0]->data.at("name").get<std::string>(), "Stop");
  // The word is in the second second of the stream, which started at 5000 ms.
  const auto ts = as_integer(detections[0]->data.at("timestamp"), 0, 1 << 30);
  ASSERT_TRUE(ts.has_value());
  EXPECT_GT(*ts, 6000);
  EXPECT_LT(*ts, 7500);
  EXPECT_TRUE(of_type(events, "not-detected").empty());
  EXPECT_EQ(server_->stats().detections, 1u);
}

TEST_F(WyomingServer, SameStreamTwiceOnOneConnectionDetectsTwice) {
  auto c = connect();
  const std::string pcm = to_pcm(shared_assets().stream, 2, 1);
  EXPECT_EQ(of_type(stream(c.get(), pcm, audio_format(16000, 2, 1), 640), "detection").size(), 1u);
  EXPECT_EQ(of_type(stream(c.get(), pcm, audio_format(16000, 2, 1), 333), "detection").size(), 1u);
}

TEST_F(WyomingServer, FortyEightKhzStereo32BitClientIsResampled) {
  auto up = audio::Resampler::create(16000, 1, 48000);
  ASSERT_TRUE(up.ok()) << up.error();
  std::vector<float> x;
  for (int16_t s : shared_assets().stream) x.push_back(static_cast<float>(s) / 32768.0f);
  std::vector<int16_t> y;
  ASSERT_EQ((*up)->process(x.data(), x.size(), &y), "");
  ASSERT_EQ((*up)->flush(&y), "");
  auto c = connect();
  const auto events = stream(c.get(), to_pcm(y, 4, 2), audio_format(48000, 4, 2), 8 * 1024);
  const auto detections = of_type(events, "detection");
  ASSERT_EQ(detections.size(), 1u);
  EXPECT_EQ(detections[0]->data.at("name").get<std::string>(), "Stop");
}

TEST_F(WyomingServer, SilenceAndUnrequestedWordsGiveNotDetected) {
  auto c = connect();
  const std::vector<int16_t> silence(32000, 0);
  auto events = stream(c.get(), to_pcm(silence, 2, 1), audio_format(16000, 2, 1), 2048);
  EXPECT_TRUE(of_type(events, "detection").empty());
  EXPECT_EQ(of_type(events, "not-detected").size(), 1u);

  Json detect = Json::object();
  Json names = Json::array();
  names.push_back("Yes");
  detect["names"] = names;
  ASSERT_TRUE(c->send("detect", detect));
  events = stream(c.get(), to_pcm(shared_assets().stream, 2, 1), audio_format(16000, 2, 1), 2048);
  EXPECT_TRUE(of_type(events, "detection").empty());
  EXPECT_EQ(of_type(events, "not-detected").size(), 1u);
}

TEST_F(WyomingServer, UnknownWakeWordIsAnErrorEventButNotADisconnect) {
  auto c = connect();
  Json detect = Json::object();
  Json names = Json::array();
  names.push_back("hey_nobody");
  detect["names"] = names;
  ASSERT_TRUE(c->send("detect", detect));
  auto e = c->next(5000);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type, "error");
  EXPECT_EQ(e->data.at("code").get<std::string>(), "kwsd-unknown-wake-word");
  ASSERT_TRUE(c->send("ping"));
  auto pong = c->next(5000);
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->type, "pong");
}

struct Fault {
  const char* name;
  std::string bytes;
  const char* error_text;  // expected in the error event ("" : none expected)
};

TEST_F(WyomingServer, EachFaultDropsOnlyThatClient) {
  const Fault faults[] = {
      {"garbage header", "\x16\x03\x01\x02\xff not json at all\n", "header is not JSON"},
      {"2 GB payload",
       R"({"type":"audio-chunk","payload_length":2147483648})"
       "\n",
       "\"payload_length\" is 2147483648 bytes, over the limit of 65536"},
      {"data_length over limit",
       R"({"type":"detect","data_length":1000000})"
       "\n",
       "\"data_length\" is 1000000 bytes, over the limit of 1024"},
      {"header without newline", std::string(5000, '{'), "header line longer than 1024"},
      {"unsupported width", encode_event("audio-start", audio_format(16000, 7, 1)),
       "sample width 7"},
      {"chunk before any format",
       R"({"type":"audio-chunk","payload_length":2})"
       "\nab",
       "no audio-start"},
  };
  // A well-behaved client stays connected through all of it.
  auto bystander = connect();
  ASSERT_TRUE(bystander->send("audio-start", audio_format(16000, 2, 1)));
  const std::string pcm = to_pcm(shared_assets().stream, 2, 1);
  uint64_t expected_drops = 0;
  size_t sent = 0;
  for (const Fault& f : faults) {
    auto bad = connect();
    ASSERT_TRUE(bad->send_raw(f.bytes)) << f.name;
    std::vector<Event> seen;
    EXPECT_TRUE(bad->closed_by_peer(5000, &seen)) << f.name;
    ASSERT_FALSE(seen.empty()) << f.name;
    EXPECT_EQ(seen.back().type, "error") << f.name;
    EXPECT_THAT(seen.back().data.at("text").get<std::string>(), HasSubstr(f.error_text)) << f.name;
    EXPECT_TRUE(wait_dropped(++expected_drops)) << f.name;
    // Meanwhile the bystander's stream goes on.
    const size_t part = pcm.size() / (std::size(faults) + 1);
    ASSERT_TRUE(bystander->send("audio-chunk", audio_format(16000, 2, 1),
                                std::string_view(pcm).substr(sent, part)));
    sent += part;
  }
  ASSERT_TRUE(bystander->send("audio-chunk", audio_format(16000, 2, 1),
                              std::string_view(pcm).substr(sent)));
  ASSERT_TRUE(bystander->send("audio-stop"));
  ASSERT_TRUE(bystander->send("describe"));
  auto events = bystander->until("info", 30000);
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(of_type(*events, "detection").size(), 1u);
  EXPECT_EQ(server_->stats().dropped, expected_drops);
}

TEST_F(WyomingServer, DisconnectMidChunkIsDroppedAndLogged) {
  auto bystander = connect();
  {
    auto c = connect();
    ASSERT_TRUE(c->send("audio-start", audio_format(16000, 2, 1)));
    const std::string header = R"({"type":"audio-chunk","payload_length":4096})"
                               "\n";
    ASSERT_TRUE(c->send_raw(header + std::string(1000, '\0')));
    c->close();
  }
  EXPECT_TRUE(wait_dropped(1));
  ASSERT_TRUE(bystander->send("ping"));
  auto pong = bystander->next(5000);
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->type, "pong");
  // A clean goodbye between events is not a fault.
  {
    auto c = connect();
    ASSERT_TRUE(c->send("describe"));
    ASSERT_TRUE(c->next(5000).has_value());
  }
  for (int i = 0; i < 500 && server_->stats().closed < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_->stats().closed, 1u);
  EXPECT_EQ(server_->stats().dropped, 1u);
}

TEST_F(WyomingServer, TooManyClientsAreRefusedOthersUnaffected) {
  ServerOptions options;
  options.max_clients = 2;
  start(options);
  auto a = connect();
  auto b = connect();
  // Make sure both have sessions before the third arrives.
  for (TestClient* c : {a.get(), b.get()}) {
    ASSERT_TRUE(c->send("ping"));
    ASSERT_TRUE(c->next(5000).has_value());
  }
  auto third = connect();
  std::vector<Event> seen;
  EXPECT_TRUE(third->closed_by_peer(5000, &seen));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].data.at("code").get<std::string>(), "kwsd-server-full");
  EXPECT_EQ(server_->stats().rejected, 1u);
  ASSERT_TRUE(a->send("ping"));
  EXPECT_TRUE(a->next(5000).has_value());
  // A freed slot can be taken again.
  b->close();
  bool joined = false;
  for (int i = 0; i < 100 && !joined; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (server_->stats().active >= 2) continue;
    auto d = connect();
    ASSERT_TRUE(d->send("ping"));
    auto e = d->next(5000);
    joined = e.has_value() && e->type == "pong";
  }
  EXPECT_TRUE(joined);
}

TEST_F(WyomingServer, SilentClientIsDroppedAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout_ms = 200;
  start(options);
  auto c = connect();
  ASSERT_TRUE(c->send_raw("{\"type\":"));  // half a header, then nothing
  EXPECT_TRUE(c->closed_by_peer(5000));
  EXPECT_TRUE(wait_dropped(1));
}

TEST_F(WyomingServer, StopClosesConnectedClients) {
  auto c = connect();
  ASSERT_TRUE(c->send("ping"));
  ASSERT_TRUE(c->next(5000).has_value());
  server_->stop();
  EXPECT_TRUE(c->closed_by_peer(5000));
  EXPECT_EQ(server_->stats().active, 0u);
}

TEST(WyomingEndpoint, ParsesHostAndPort) {
  auto a = parse_endpoint("10500");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 10500);
  auto b = parse_endpoint("0.0.0.0:10400");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "0.0.0.0");
  auto c = parse_endpoint("[::1]:7");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 7);
  for (const char* bad : {"", "host:", ":10400", "99999", "x:abc", "[::1]10400", "12a"}) {
    EXPECT_FALSE(parse_endpoint(bad).ok()) << bad;
  }
}

TEST(WyomingServerStart, BadBindAddressIsAnError) {
  KWS_REQUIRE_WYOMING_ASSETS();
  ServerOptions options;
  options.host = "256.1.1.1";
  options.port = 0;
  auto s = Server::start(options, {shared_assets().model});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error(), HasSubstr("256.1.1.1"));
  EXPECT_FALSE(Server::start(ServerOptions{}, {}).ok());
}

}  // namespace
}  // namespace kws::wyoming::testing
