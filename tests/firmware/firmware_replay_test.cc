// The DESIGN promise that the MCU build reproduces the host's detections: one
// clip with several keywords in noise (two recordings of each of up to two
// keywords from the shared data, 1 s of gap around each, over running-tap
// noise) goes through `kwsd replay` on the host and through kws_demo.elf under
// QEMU, on each target (Cortex-M4F on mps2-an386, Cortex-M33 on mps2-an505);
// the events must agree, and the host must find at least two of them. The
// image embeds the stripped model (tools/model_strip), the host reads the file.
//
// Tolerance: keyword, time_s and stage must be identical; score and peak may
// differ by at most 4/256. The model is integer (int8 in, int8 softmax out,
// dequantized with the same float multiply), but its input comes from the
// float front end, and newlib's libm (cosf, logf) on the device is not glibc's
// on the host: a feature can land one int8 step apart, which moves an int8
// posterior by a few 1/256 steps. Identical features give bit-identical scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "nn/tflite_model.h"
#include "pipeline/model_info.h"
#include "tests/firmware/firmware_runner.h"
#include "tests/support/test_data.h"

namespace kws::testing::firmware {
namespace {

namespace fs = std::filesystem;

struct Detection {
  std::string keyword;
  std::string time_s;
  double score = 0;
  double peak = 0;
  std::string stage;
};

std::string json_field(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const size_t pos = line.find(needle);
  if (pos == std::string::npos) return "";
  size_t start = pos + needle.size();
  if (line[start] == '"') {
    const size_t end = line.find('"', start + 1);
    return line.substr(start + 1, end - start - 1);
  }
  const size_t end = line.find_first_of(",}", start);
  return line.substr(start, end - start);
}

std::vector<Detection> detections(const std::string& output) {
  std::vector<Detection> out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("{\"file\":", 0) != 0) continue;
    out.push_back({json_field(line, "keyword"), json_field(line, "time_s"),
                   std::atof(json_field(line, "score").c_str()),
                   std::atof(json_field(line, "peak").c_str()), json_field(line, "stage")});
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The first `count` recordings (sorted) of `keyword` in the shared data.
std::vector<std::string> keyword_recordings(const std::string& keyword, size_t count) {
  for (const std::string& rel :
       {"keywords/wwb/" + lower(keyword),
        "speech_commands/v1_sample/speech_commands_v0.01/" + lower(keyword)}) {
    const std::string dir = shared_data_path(rel);
    if (dir.empty()) continue;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.size() > count) files.resize(count);
    if (!files.empty()) return files;
  }
  return {};
}

class FirmwareReplayTest : public ::testing::TestWithParam<Target> {};

TEST_P(FirmwareReplayTest, DeviceDetectionsMatchHostReplay) {
  const Target& target = GetParam();
  const std::string missing = missing_cross_tools();
  if (!missing.empty()) GTEST_SKIP() << missing;
#ifndef KWS_KWSD_BIN
  GTEST_SKIP() << "the kwsd target is not part of this build";
#else
  if (run_command("command -v sox").exit_code != 0) GTEST_SKIP() << "sox not installed";

  // The shipped default model when it exists, else MLPerf's (plumbing).
  std::string model = std::string(KWS_SOURCE_DIR_FOR_TESTS) + "/models/kwsd_default.tflite";
  std::string device_metadata;  // compiled into the image when the model has none
  std::string host_sidecar;
  if (!fs::exists(model)) {
    KWS_REQUIRE_SHARED(mlperf, "models/mlperf_tiny/kws_ref_model.tflite");
    model = mlperf;
    device_metadata =
        std::string(KWS_SOURCE_DIR_FOR_TESTS) + "/tests/firmware/data/kws_ref_model.kwsd.txt";
    host_sidecar = std::string(KWS_SOURCE_DIR_FOR_TESTS) + "/models/sidecars/kws_ref_model.yaml";
  }

  // Keywords of the model, from the same metadata the device will use.
  const std::string bytes = read_file(model);
  nn::TfliteModel parsed;
  ASSERT_TRUE(parsed.parse(bytes.data(), bytes.size()).ok());
  ModelInfo info;
  const uint8_t* meta = nullptr;
  size_t meta_len = 0;
  std::string meta_text;
  if (parsed.metadata("kwsd", &meta, &meta_len)) {
    meta_text.assign(reinterpret_cast<const char*>(meta), meta_len);
  } else {
    meta_text = read_file(device_metadata);
  }
  const Status st = parse_model_metadata(meta_text.data(), meta_text.size(), &info);
  ASSERT_TRUE(st.ok()) << st.message();

  // Two recordings of each of up to two keywords, interleaved (a b a b), 1 s of
  // gap around each, over running-tap noise.
  std::vector<std::vector<std::string> > per_keyword;
  for (uint32_t i = 0; i < info.num_labels && per_keyword.size() < 2; ++i) {
    if (!info.keywords[i].is_keyword) continue;
    std::vector<std::string> recs = keyword_recordings(info.labels[i], 2);
    if (!recs.empty()) per_keyword.push_back(std::move(recs));
  }
  std::vector<std::string> parts;
  for (size_t r = 0; r < 2; ++r) {
    for (const std::vector<std::string>& recs : per_keyword) {
      if (r < recs.size()) parts.push_back(recs[r]);
    }
  }
  if (parts.size() < 3) GTEST_SKIP() << "fewer than three keyword recordings in shared data";
  KWS_REQUIRE_SHARED(noise, "noise/speech_commands/running_tap.flac");

  const fs::path dir = fs::temp_directory_path() / ("kws_fw_replay." + std::string(target.name) +
                                                    "." + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string concat = "sox";
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string padded = (dir / ("part" + std::to_string(i) + ".wav")).string();
    const CommandResult r = run_command("sox " + shell_quote(parts[i]) + " -r 16000 -c 1 -b 16 " +
                                        shell_quote(padded) + " pad 1 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    concat += " " + shell_quote(padded);
  }
  const std::string speech = (dir / "speech.wav").string();
  const std::string clip = (dir / "clip.wav").string();
  ASSERT_EQ(run_command(concat + " " + shell_quote(speech)).exit_code, 0);
  // The mix is as long as the speech (the noise file is longer; recordings are
  // 3-5 s, so a fixed length would cut keywords off).
  const CommandResult samples = run_command("soxi -s " + shell_quote(speech));
  ASSERT_EQ(samples.exit_code, 0) << samples.output;
  const long speech_samples = std::atol(samples.output.c_str());
  ASSERT_GT(speech_samples, 0) << samples.output;
  const CommandResult mixed =
      run_command("sox -m -v 1 " + shell_quote(speech) + " -v 0.15 " + shell_quote(noise) +
                  " -r 16000 -c 1 -b 16 " + shell_quote(clip) + " trim 0 " +
                  std::to_string(speech_samples) + "s");
  ASSERT_EQ(mixed.exit_code, 0) << mixed.output;

  // Host.
  std::string host_cmd =
      shell_quote(KWS_KWSD_BIN) + " replay --model " + shell_quote(model) + " --chunk 160";
  if (!host_sidecar.empty()) host_cmd += " --sidecar " + shell_quote(host_sidecar);
  const CommandResult host = run_command(host_cmd + " " + shell_quote(clip) + " 2>/dev/null");
  ASSERT_EQ(host.exit_code, 0) << host.output;

  // Device.
  std::string args = "-DKWS_FIRMWARE_MODEL=" + shell_quote(model) +
                     " -DKWS_FIRMWARE_METADATA=" + shell_quote(device_metadata) +
                     " -DKWS_FIRMWARE_ARENA_BYTES=65536";
  const CommandResult built = build_firmware({"kws_demo"}, args, target);
  ASSERT_EQ(built.exit_code, 0) << built.output;
  const CommandResult device =
      run_qemu(image_path("kws_demo", target), clip + " 160", true, target);
  ASSERT_EQ(device.exit_code, 0) << device.output;
  fs::remove_all(dir);

  const std::vector<Detection> want = detections(host.output);
  const std::vector<Detection> got = detections(device.output);
  // Several events, or the comparison says little.
  ASSERT_GE(want.size(), 2u) << "the host found fewer than two keywords in the clip:\n"
                             << host.output;
  ASSERT_EQ(got.size(), want.size()) << "host:\n" << host.output << "device:\n" << device.output;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(got[i].keyword, want[i].keyword);
    EXPECT_EQ(got[i].time_s, want[i].time_s);
    EXPECT_EQ(got[i].stage, want[i].stage);
    EXPECT_NEAR(got[i].score, want[i].score, 4.0 / 256);
    EXPECT_NEAR(got[i].peak, want[i].peak, 4.0 / 256);
  }
  EXPECT_EQ(find_value(device.output, "audio_samples").empty(), false) << device.output;
#endif
}

INSTANTIATE_TEST_SUITE_P(Targets, FirmwareReplayTest, ::testing::Values(kCortexM4, kCortexM33),
                         TargetName());

}  // namespace
}  // namespace kws::testing::firmware
