// Load: 8 clients stream in real time at once on loopback for ~18 s, each
// the same 3 s pattern (silence, "Stop", silence) six times. Every client
// must get exactly the detections an offline run of the same audio gives
// (none missed, none extra). CPU time and detection latency are reported
// (RecordProperty and stdout), never asserted.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/wyoming/wyoming_fixture.h"

namespace kws::wyoming::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kClients = 8;
constexpr int kRepeats = 6;
constexpr size_t kChunk = 1024;  // samples per audio-chunk (64 ms)

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct ClientResult {
  int detections = 0;
  double max_latency_ms = 0.0;  // arrival - send time of the chunk holding the keyword's end
  bool ok = false;
};

ClientResult run_client(uint16_t port, const std::vector<int16_t>& audio) {
  ClientResult r;
  TestClient c;
  if (!c.connect(port)) return r;
  const Json format = audio_format(16000, 2, 1);
  if (!c.send("audio-start", format)) return r;
  std::vector<Clock::time_point> sent;  // per chunk
  auto account = [&](const std::vector<Event>& events, Clock::time_point now) {
    for (const Event& e : events) {
      if (e.type != "detection") continue;
      ++r.detections;
      const auto ts = as_integer(e.data.at("timestamp"), 0, int64_t{1} << 40).value_or(0);
      const size_t chunk = static_cast<size_t>(ts) * 16 / kChunk;
      if (chunk < sent.size()) {
        const double ms = std::chrono::duration<double, std::milli>(now - sent[chunk]).count();
        r.max_latency_ms = std::max(r.max_latency_ms, ms);
      }
    }
  };
  const Clock::time_point t0 = Clock::now();
  for (size_t i = 0; i < audio.size(); i += kChunk) {
    // Real time: chunk k leaves at k * 64 ms.
    std::this_thread::sleep_until(t0 + std::chrono::microseconds(i * 1000000 / 16000));
    sent.push_back(Clock::now());
    if (!c.send_chunk(audio.data() + i, std::min(kChunk, audio.size() - i))) return r;
    account(c.drain(0), Clock::now());
  }
  if (!c.send("audio-stop") || !c.send("describe")) return r;
  auto rest = c.until("info", 60000);
  if (!rest) return r;
  account(*rest, Clock::now());
  r.ok = true;
  return r;
}

TEST(WyomingLoad, EightRealTimeClientsMissNoDetection) {
  KWS_REQUIRE_WYOMING_ASSETS();
  const SharedAssets& assets = shared_assets();
  std::vector<int16_t> audio;
  for (int i = 0; i < kRepeats; ++i) {
    audio.insert(audio.end(), assets.stream.begin(), assets.stream.end());
  }
  // The expected answer: the same audio through the same pipeline, offline.
  auto offline = ModelInstance::create(assets.model);
  ASSERT_TRUE(offline.ok()) << offline.error();
  std::vector<Hit> hits;
  ASSERT_EQ((*offline)->push(audio.data(), audio.size(), &hits), "");
  const int expected = static_cast<int>(hits.size());
  ASSERT_EQ(expected, kRepeats) << "the pattern should detect once per repetition";

  ServerOptions options;
  options.port = 0;
  options.max_clients = kClients;
  auto server = Server::start(options, {assets.model});
  ASSERT_TRUE(server.ok()) << server.error();
  const double cpu0 = cpu_seconds();
  const Clock::time_point wall0 = Clock::now();
  std::vector<ClientResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back(
        [&, i] { results[static_cast<size_t>(i)] = run_client((*server)->port(), audio); });
  }
  for (std::thread& t : threads) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  const double cpu = cpu_seconds() - cpu0;
  const double audio_s = static_cast<double>(audio.size()) / 16000.0;

  int missed = 0;
  int extra = 0;
  double max_latency = 0.0;
  for (int i = 0; i < kClients; ++i) {
    const ClientResult& r = results[static_cast<size_t>(i)];
    EXPECT_TRUE(r.ok) << "client " << i << " did not finish";
    EXPECT_EQ(r.detections, expected) << "client " << i;
    missed += std::max(0, expected - r.detections);
    extra += std::max(0, r.detections - expected);
    max_latency = std::max(max_latency, r.max_latency_ms);
  }
  EXPECT_EQ((*server)->stats().dropped, 0u);
  EXPECT_EQ((*server)->stats().detections, static_cast<uint64_t>(expected * kClients));
  std::printf(
      "wyoming load: %d clients x %.1f s audio in %.1f s wall; process CPU %.2f s = %.1f%% of one "
      "core (%.2f%% per client stream); detections %d/%d, missed %d, extra %d; max detection "
      "latency %.0f ms\n",
      kClients, audio_s, wall, cpu, 100.0 * cpu / wall, 100.0 * cpu / (audio_s * kClients),
      expected * kClients - missed, expected * kClients, missed, extra, max_latency);
  ::testing::Test::RecordProperty("cpu_seconds", std::to_string(cpu));
  ::testing::Test::RecordProperty("wall_seconds", std::to_string(wall));
  ::testing::Test::RecordProperty("missed", missed);
  ::testing::Test::RecordProperty("max_latency_ms", std::to_string(max_latency));
}

}  // namespace
}  // namespace kws::wyoming::testing
