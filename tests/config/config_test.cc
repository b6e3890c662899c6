#include "config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace kws::config {
namespace {

using ::testing::HasSubstr;

Config parse_ok(const std::string& text) {
  Result<Config> r = parse_config(text, "kwsd.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return r.ok() ? *r : Config{};
}

std::string parse_error(const std::string& text) {
  Result<Config> r = parse_config(text, "kwsd.yaml");
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
  return r.ok() ? std::string() : r.error();
}

TEST(Config, EmptyDocumentGivesDefaults) {
  const Config c = parse_ok("");
  EXPECT_EQ(c.audio.device, "default");
  EXPECT_EQ(c.audio.sample_rate, 16000u);
  EXPECT_EQ(c.audio.period_ms, 20u);
  EXPECT_EQ(c.events.stdout_json, StdoutJson::kAuto);
  EXPECT_TRUE(c.events.hook.argv.empty());
  EXPECT_TRUE(c.events.hook.audio);
  EXPECT_TRUE(c.model.path.empty());
  EXPECT_EQ(c.logging.level, "info");
  EXPECT_FALSE(c.stage1.smoothing_frames.has_value());
}

TEST(Config, ReadsEverySection) {
  const Config c = parse_ok(R"(
model:
  path: models/kws.tflite
  sidecar: kws.yaml
  frontend:
    log_offset: 0.001
stage1:
  smoothing_frames: 3
  keywords:
    computer: {threshold: 0.7, min_count: 2, refractory_ms: 1500}
    unknown: {enabled: false}
audio:
  device: hw:1,0
  sample_rate: 48000
  channels: 2
  period_ms: 40
  ring_ms: 3000
events:
  stdout_json: false
  socket: /run/kwsd/events.sock
  hook:
    argv: [/usr/bin/notify, --keyword]
    timeout_ms: 2000
    max_concurrent: 2
    pre_roll_ms: 1500
    audio: false
    audio_dir: /run/kwsd
logging:
  level: debug
)");
  EXPECT_EQ(c.model.path, "models/kws.tflite");
  EXPECT_EQ(c.model.sidecar, "kws.yaml");
  ASSERT_EQ(c.model.overrides.size(), 1u);
  EXPECT_EQ(c.model.overrides[0].key, "log_offset");
  EXPECT_EQ(c.model.overrides[0].value, "0.001");
  EXPECT_EQ(c.stage1.smoothing_frames, 3u);
  ASSERT_EQ(c.stage1.keywords.count("computer"), 1u);
  const KeywordSettings& k = c.stage1.keywords.at("computer");
  EXPECT_FLOAT_EQ(*k.threshold, 0.7f);
  EXPECT_EQ(*k.min_count, 2u);
  EXPECT_EQ(*k.refractory_ms, 1500u);
  EXPECT_FALSE(k.enabled.has_value());
  EXPECT_EQ(c.stage1.keywords.at("unknown").enabled, false);
  EXPECT_EQ(c.audio.device, "hw:1,0");
  EXPECT_EQ(c.audio.sample_rate, 48000u);
  EXPECT_EQ(c.audio.channels, 2u);
  EXPECT_EQ(c.audio.ring_ms, 3000u);
  EXPECT_EQ(c.audio.period_ms, 40u);
  EXPECT_EQ(c.events.stdout_json, StdoutJson::kOff);
  EXPECT_EQ(c.events.socket_path, "/run/kwsd/events.sock");
  EXPECT_THAT(c.events.hook.argv, ::testing::ElementsAre("/usr/bin/notify", "--keyword"));
  EXPECT_EQ(c.events.hook.timeout_ms, 2000u);
  EXPECT_EQ(c.events.hook.max_concurrent, 2u);
  EXPECT_EQ(c.events.hook.pre_roll_ms, 1500u);
  EXPECT_FALSE(c.events.hook.audio);
  EXPECT_EQ(c.events.hook.audio_dir, "/run/kwsd");
  EXPECT_EQ(c.logging.level, "debug");
}

TEST(Config, UnknownKeyNamesPathAndPosition) {
  const std::string e = parse_error("audio:\n  device: default\n  rate: 16000\n");
  EXPECT_THAT(e, HasSubstr("kwsd.yaml:3:3: audio.rate: unknown key"));
}

TEST(Config, UnknownTopLevelKey) {
  EXPECT_THAT(parse_error("modle:\n  path: x\n"), HasSubstr("kwsd.yaml:1:1: modle: unknown key"));
}

TEST(Config, OutOfRangeNamesValueRangeAndPosition) {
  const std::string e = parse_error(
      "stage1:\n"
      "  keywords:\n"
      "    computer:\n"
      "      threshold: 1.7\n");
  EXPECT_EQ(e, "kwsd.yaml:4:18: stage1.keywords.computer.threshold: 1.7 is out of range [0, 1]");
}

TEST(Config, WrongTypeScalar) {
  EXPECT_THAT(parse_error("audio:\n  sample_rate: fast\n"),
              HasSubstr("kwsd.yaml:2:16: audio.sample_rate: expected an integer, got 'fast'"));
  EXPECT_THAT(parse_error("audio:\n  channels: 1.5\n"),
              HasSubstr("audio.channels: expected an integer, got '1.5'"));
  EXPECT_THAT(parse_error("events:\n  stdout_json: maybe\n"),
              HasSubstr("kwsd.yaml:2:16: events.stdout_json: expected auto, true or false, got "
                        "'maybe'"));
  EXPECT_EQ(parse_ok("events: {stdout_json: true}").events.stdout_json, StdoutJson::kOn);
  EXPECT_EQ(parse_ok("events: {stdout_json: auto}").events.stdout_json, StdoutJson::kAuto);
  EXPECT_THAT(parse_error("audio:\n  period_ms: 0\n"),
              HasSubstr("audio.period_ms: 0 is out of range"));
}

TEST(Config, WrongTypeStructure) {
  EXPECT_THAT(parse_error("audio: loud\n"), HasSubstr("kwsd.yaml:1:8: audio: expected a map"));
  EXPECT_THAT(parse_error("events:\n  hook:\n    argv: /bin/true\n"),
              HasSubstr("kwsd.yaml:3:11: events.hook.argv: expected a list, got a scalar"));
  EXPECT_THAT(parse_error("audio:\n  device: [a, b]\n"),
              HasSubstr("kwsd.yaml:2:11: audio.device: expected a string, got a list"));
}

TEST(Config, OutOfRangeIntegers) {
  EXPECT_THAT(parse_error("audio:\n  channels: 0\n"),
              HasSubstr("audio.channels: 0 is out of range [1, 8]"));
  EXPECT_THAT(parse_error("audio:\n  sample_rate: -16000\n"),
              HasSubstr("audio.sample_rate: -16000 is out of range [8000, 384000]"));
}

TEST(Config, DuplicateKeyIsAnError) {
  EXPECT_THAT(parse_error("audio:\n  channels: 1\n  channels: 2\n"),
              HasSubstr("kwsd.yaml:3:3: audio.channels: duplicate key"));
}

TEST(Config, MalformedYamlNamesPosition) {
  const std::string e = parse_error("audio:\n  device: default\n  - channels\n");
  EXPECT_THAT(e, HasSubstr("kwsd.yaml:3:3: malformed YAML: "));
  const std::string e2 = parse_error("audio:\n  device: x\n channels: [1\n");
  EXPECT_THAT(e2, ::testing::MatchesRegex("kwsd\\.yaml:[0-9]+:[0-9]+: malformed YAML: .*"));
}

TEST(Config, LoggingLevelMustBeKnown) {
  EXPECT_THAT(parse_error("logging:\n  level: loud\n"),
              HasSubstr("kwsd.yaml:2:10: logging.level: 'loud' is not one of"));
}

TEST(Config, FrontendOverrideKeysAreChecked) {
  EXPECT_THAT(parse_error("model:\n  frontend:\n    mel_bin: 40\n"),
              HasSubstr("kwsd.yaml:3:5: model.frontend.mel_bin: unknown key"));
  EXPECT_THAT(parse_error("model:\n  frontend:\n    fft_size: big\n"),
              HasSubstr("kwsd.yaml:3:15: fft_size: expected an integer, got 'big'"));
  EXPECT_THAT(parse_error("model:\n  frontend:\n    threshold: 0.5\n"),
              HasSubstr("model.frontend.threshold: not a front-end key"));
}

TEST(Config, MissingFileIsAClearError) {
  Result<Config> r = load_config("/nonexistent/kwsd.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("/nonexistent/kwsd.yaml: cannot read"));
}

TEST(Config, ExampleConfigLoads) {
  Result<Config> r = load_config(KWS_EXAMPLE_CONFIG);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_TRUE(r->model.path.empty()) << "the example runs the shipped model";
  EXPECT_TRUE(r->stage1.keywords.empty()) << "the model's tuned points apply";
  EXPECT_FALSE(r->stage1.smoothing_frames.has_value()) << "the model's tuned smoothing applies";
  EXPECT_EQ(r->audio.period_ms, 20u);
  EXPECT_EQ(r->stage2.mode, Stage2Mode::kModel) << "the shipped config runs the cascade";
  EXPECT_TRUE(r->stage2.model_path.empty()) << "with the shipped stage-2 model";
  EXPECT_TRUE(r->stage2.keywords.empty()) << "at its tuned thresholds";
  EXPECT_EQ(r->stage2.delay_ms, 200u);
}

TEST(Config, Stage2DefaultsToOff) {
  const Config c = parse_ok("");
  EXPECT_EQ(c.stage2.mode, Stage2Mode::kOff);
  EXPECT_EQ(c.stage2.delay_ms, 200u);
  EXPECT_TRUE(c.stage2.model_path.empty());
  EXPECT_TRUE(c.stage2.keywords.empty());
  EXPECT_TRUE(c.stage2.external.argv.empty());
  EXPECT_EQ(parse_ok("stage2: {mode: off}").stage2.mode, Stage2Mode::kOff);
}

TEST(Config, ReadsStage2) {
  const Config c = parse_ok(R"(
stage2:
  mode: model
  model: {path: m2.tflite, sidecar: m2.yaml}
  delay_ms: 300
  keywords:
    computer: {threshold: 0.55}
    jarvis: {}
  external:
    argv: [/usr/bin/verify, -q]
    timeout_ms: 1500
    max_concurrent: 3
    pre_roll_ms: 500
    audio_dir: /run/kwsd
)");
  EXPECT_EQ(c.stage2.mode, Stage2Mode::kModel);
  EXPECT_EQ(c.stage2.model_path, "m2.tflite");
  EXPECT_EQ(c.stage2.sidecar, "m2.yaml");
  EXPECT_EQ(c.stage2.delay_ms, 300u);
  ASSERT_EQ(c.stage2.keywords.size(), 2u);
  EXPECT_FLOAT_EQ(*c.stage2.keywords.at("computer").threshold, 0.55f);
  EXPECT_FALSE(c.stage2.keywords.at("jarvis").threshold.has_value());
  EXPECT_EQ(c.stage2.keywords.at("computer").where, "kwsd.yaml:7:15");
  EXPECT_THAT(c.stage2.external.argv, ::testing::ElementsAre("/usr/bin/verify", "-q"));
  EXPECT_EQ(c.stage2.external.timeout_ms, 1500u);
  EXPECT_EQ(c.stage2.external.max_concurrent, 3u);
  EXPECT_EQ(c.stage2.external.pre_roll_ms, 500u);
  EXPECT_EQ(c.stage2.external.audio_dir, "/run/kwsd");
  EXPECT_EQ(parse_ok("stage2: {mode: external, external: {argv: [/bin/true]}}").stage2.mode,
            Stage2Mode::kExternal);
}

TEST(Config, Stage2ErrorsNameKeyAndLine) {
  EXPECT_THAT(parse_error("stage2:\n  mode: model\n  treshold: 0.5\n"),
              HasSubstr("kwsd.yaml:3:3: stage2.treshold: unknown key"));
  EXPECT_THAT(
      parse_error("stage2:\n  mode: maybe\n"),
      HasSubstr("kwsd.yaml:2:9: stage2.mode: expected off, model or external, got 'maybe'"));
  EXPECT_THAT(parse_error("stage2:\n  mode: [model]\n"),
              HasSubstr("kwsd.yaml:2:9: stage2.mode: expected off, model or external, got a list"));
  EXPECT_THAT(parse_error("stage2:\n  keywords:\n    computer: {threshold: 1.5}\n"),
              HasSubstr("kwsd.yaml:3:27: stage2.keywords.computer.threshold: 1.5 is out of range "
                        "[0, 1]"));
  EXPECT_THAT(parse_error("stage2:\n  keywords:\n    computer: {min_count: 2}\n"),
              HasSubstr("kwsd.yaml:3:16: stage2.keywords.computer.min_count: unknown key"));
  EXPECT_THAT(parse_error("stage2:\n  delay_ms: soon\n"),
              HasSubstr("kwsd.yaml:2:13: stage2.delay_ms: expected an integer, got 'soon'"));
  EXPECT_THAT(parse_error("stage2:\n  delay_ms: 9000\n"),
              HasSubstr("stage2.delay_ms: 9000 is out of range [0, 5000]"));
  EXPECT_THAT(parse_error("stage2:\n  model: m2.tflite\n"),
              HasSubstr("kwsd.yaml:2:10: stage2.model: expected a map"));
  EXPECT_THAT(parse_error("stage2:\n  model: {file: m2.tflite}\n"),
              HasSubstr("stage2.model.file: unknown key"));
  EXPECT_THAT(parse_error("stage2:\n  mode: external\n"),
              HasSubstr("kwsd.yaml:2:9: stage2.mode: external needs stage2.external.argv"));
  EXPECT_THAT(parse_error("stage2:\n  external:\n    argv: /bin/true\n"),
              HasSubstr("kwsd.yaml:3:11: stage2.external.argv: expected a list, got a scalar"));
  EXPECT_THAT(parse_error("stage2:\n  external:\n    argv: ['']\n"),
              HasSubstr("stage2.external.argv: the program (argv[0]) must not be empty"));
  EXPECT_THAT(parse_error("stage2:\n  external:\n    timeout_ms: 0\n"),
              HasSubstr("kwsd.yaml:3:17: stage2.external.timeout_ms: 0 is out of range"));
  EXPECT_THAT(parse_error("stage2:\n  external:\n    shell: true\n"),
              HasSubstr("kwsd.yaml:3:5: stage2.external.shell: unknown key"));
}

TEST(Config, Stage2ModelPathIsResolvedAgainstTheConfigsFolder) {
  const std::string dir = ::testing::TempDir() + "/kws-config-stage2";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/kwsd.yaml")
      << "stage2:\n  mode: model\n  model: {path: m2.tflite, sidecar: /abs/m2.yaml}\n";
  Result<Config> r = load_config(dir + "/kwsd.yaml");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->stage2.model_path,
            (std::filesystem::path(dir) / "m2.tflite").lexically_normal().string());
  EXPECT_EQ(r->stage2.sidecar, "/abs/m2.yaml");
}

TEST(Config, WyomingIsOffByDefaultOnLoopback) {
  const Config c = parse_ok("");
  EXPECT_FALSE(c.wyoming.enabled);
  EXPECT_EQ(c.wyoming.host, "127.0.0.1");
  EXPECT_EQ(c.wyoming.port, 10400u);
  EXPECT_EQ(c.wyoming.max_clients, 8u);
  EXPECT_EQ(c.wyoming.idle_timeout_ms, 60000u);
  Result<Config> example = load_config(KWS_EXAMPLE_CONFIG);
  ASSERT_TRUE(example.ok()) << example.error();
  EXPECT_FALSE(example->wyoming.enabled) << "the example must not open a TCP port";
  EXPECT_EQ(example->wyoming.host, "127.0.0.1");
  EXPECT_EQ(example->wyoming.port, 10400u);
}

TEST(Config, ReadsTheWyomingSection) {
  const Config c = parse_ok(
      "wyoming:\n  enabled: true\n  listen: 0.0.0.0:10700\n  max_clients: 3\n"
      "  idle_timeout_ms: 0\n");
  EXPECT_TRUE(c.wyoming.enabled);
  EXPECT_EQ(c.wyoming.host, "0.0.0.0");
  EXPECT_EQ(c.wyoming.port, 10700u);
  EXPECT_EQ(c.wyoming.max_clients, 3u);
  EXPECT_EQ(c.wyoming.idle_timeout_ms, 0u);
  EXPECT_EQ(c.wyoming.where, "kwsd.yaml:2:3");
  const Config v6 = parse_ok("wyoming: {listen: '[::1]:10401'}");
  EXPECT_EQ(v6.wyoming.host, "::1");
  EXPECT_EQ(v6.wyoming.port, 10401u);
  const Config bare = parse_ok("wyoming: {listen: 0}");
  EXPECT_EQ(bare.wyoming.host, "127.0.0.1");
  EXPECT_EQ(bare.wyoming.port, 0u);
  EXPECT_EQ(parse_ok("wyoming: {listen: 'localhost:1'}").wyoming.host, "127.0.0.1");
}

TEST(Config, WyomingErrorsNameKeyAndLine) {
  EXPECT_THAT(parse_error("wyoming:\n  enabled: true\n  port: 10400\n"),
              HasSubstr("kwsd.yaml:3:3: wyoming.port: unknown key"));
  EXPECT_THAT(parse_error("wyoming:\n  enabled: yes please\n"),
              HasSubstr("kwsd.yaml:2:12: wyoming.enabled: expected true or false"));
  EXPECT_THAT(parse_error("wyoming: on\n"), HasSubstr("kwsd.yaml:1:10: wyoming: expected a map"));
  EXPECT_THAT(parse_error("wyoming:\n  listen: [a]\n"),
              HasSubstr("kwsd.yaml:2:11: wyoming.listen: expected a string, got a list"));
  EXPECT_THAT(parse_error("wyoming:\n  max_clients: 0\n"),
              HasSubstr("kwsd.yaml:2:16: wyoming.max_clients: 0 is out of range [1, 1024]"));
  EXPECT_THAT(parse_error("wyoming:\n  max_clients: many\n"),
              HasSubstr("wyoming.max_clients: expected an integer, got 'many'"));
  EXPECT_THAT(parse_error("wyoming:\n  idle_timeout_ms: -1\n"),
              HasSubstr("kwsd.yaml:2:20: wyoming.idle_timeout_ms: -1 is out of range"));
}

TEST(Config, WyomingListenAddressIsChecked) {
  auto listen_error = [](const std::string& value) {
    return parse_error("wyoming:\n  enabled: true\n  listen: '" + value + "'\n");
  };
  EXPECT_THAT(listen_error("127.0.0.1:65536"),
              HasSubstr("kwsd.yaml:3:11: wyoming.listen: '127.0.0.1:65536': the port must be a "
                        "number in 0..65535"));
  EXPECT_THAT(listen_error("127.0.0.1:"), HasSubstr("wyoming.listen: '127.0.0.1:': the port"));
  EXPECT_THAT(listen_error("127.0.0.1:http"), HasSubstr("the port must be a number"));
  EXPECT_THAT(listen_error(""), HasSubstr("kwsd.yaml:3:11: wyoming.listen: '': the port"));
  EXPECT_THAT(listen_error("300.1.2.3:10400"),
              HasSubstr("kwsd.yaml:3:11: wyoming.listen: '300.1.2.3' is not a numeric IPv4 "
                        "address or localhost"));
  EXPECT_THAT(listen_error("homeassistant.lan:10400"),
              HasSubstr("'homeassistant.lan' is not a numeric IPv4 address"));
  EXPECT_THAT(listen_error("::1:10400"), HasSubstr("an IPv6 address goes in brackets"));
  EXPECT_THAT(listen_error("[::1]10400"), HasSubstr("expected [IPV6]:PORT"));
  EXPECT_THAT(listen_error("[::g]:10400"), HasSubstr("'::g' is not a numeric IPv6 address"));
}

TEST(Config, NoMicrophoneNeedsWyoming) {
  EXPECT_THAT(parse_error("audio:\n  device: none\n"),
              HasSubstr("kwsd.yaml:2:11: audio.device: 'none' (no microphone) needs "
                        "wyoming.enabled: true"));
  EXPECT_THAT(parse_error("audio: {device: none}\nwyoming: {enabled: false}\n"),
              HasSubstr("audio.device: 'none'"));
  const Config c = parse_ok("audio: {device: none}\nwyoming: {enabled: true}\n");
  EXPECT_EQ(c.audio.device, kNoAudioDevice);
}

ModelInfo three_label_model() {
  ModelInfo info;
  info.num_labels = 3;
  std::snprintf(info.labels[0], kMaxLabelLength, "silence");
  std::snprintf(info.labels[1], kMaxLabelLength, "unknown");
  std::snprintf(info.labels[2], kMaxLabelLength, "computer");
  info.keywords[2].is_keyword = true;
  return info;
}

TEST(Config, ApplyOverridesModelValues) {
  const Config c = parse_ok(
      "model:\n  frontend:\n    log_offset: 0.01\n"
      "stage1:\n  smoothing_frames: 4\n  keywords:\n    computer: {threshold: 0.6, "
      "refractory_ms: 2000}\n");
  Result<ModelInfo> r = apply_config(c, three_label_model());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FLOAT_EQ(r->frontend.log_offset, 0.01f);
  EXPECT_EQ(r->smoothing_frames, 4u);
  EXPECT_FLOAT_EQ(r->keywords[2].threshold, 0.6f);
  EXPECT_EQ(r->keywords[2].refractory_ms, 2000u);
  EXPECT_EQ(r->keywords[2].min_count, 1u);  // untouched
  EXPECT_FLOAT_EQ(r->keywords[1].threshold, 0.8f);
}

TEST(Config, ApplyRejectsKeywordTheModelLacks) {
  const Config c = parse_ok("stage1:\n  keywords:\n    jarvis: {threshold: 0.6}\n");
  Result<ModelInfo> r = apply_config(c, three_label_model());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("kwsd.yaml:3:13: stage1.keywords.jarvis: the model has no such "
                                   "label (labels: silence, unknown, computer)"));
}

TEST(Config, ApplyRejectsInconsistentFrontend) {
  // fft_size below window_samples is caught by validate_model_info.
  const Config c = parse_ok("model:\n  frontend:\n    fft_size: 256\n");
  Result<ModelInfo> r = apply_config(c, three_label_model());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("kwsd.yaml: model after config overrides:"));
}

}  // namespace
}  // namespace kws::config
