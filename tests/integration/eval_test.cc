// kws-eval's scoring on hand-made score tracks whose FRR and false accepts
// are known, its input errors, and (with the shared data) a small end-to-end
// run whose offline replay must reproduce the online pipeline exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "daemon/sinks/wav_writer.h"
#include "tests/support/test_data.h"
#include "tools/eval/dataset.h"
#include "tools/eval/eval_report.h"
#include "tools/eval/experiment.h"
#include "tools/eval/streams.h"
#include "tools/eval/sweep.h"

namespace kws::eval {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kRate = 16000;
constexpr uint64_t kStep = 640;  // samples per classifier step (40 ms)

// One label; `scores[i]` is step i's raw posterior. Steps end at (i+1)*kStep,
// one frame per step.
StreamResult track(bool positive, const std::vector<float>& scores) {
  StreamResult s;
  s.spec.positive = positive;
  s.spec.name = positive ? "pos" : "neg";
  s.num_labels = 1;
  s.raw = scores;
  for (size_t i = 0; i < scores.size(); ++i) {
    s.step_samples.push_back((i + 1) * kStep);
    s.frame_samples.push_back((i + 1) * kStep);
  }
  s.frames.assign(scores.size(), 0);
  s.samples = scores.size() * kStep;
  return s;
}

// `len` steps of `value` starting at step `at`.
void bump(std::vector<float>* s, size_t at, size_t len, float value) {
  for (size_t i = at; i < at + len; ++i) (*s)[i] = value;
}

EmbeddedKeyword truth_at(size_t step_begin, size_t step_end) {
  EmbeddedKeyword t;
  t.label = 0;
  t.word_start = step_begin * kStep;
  t.word_end = step_end * kStep;
  t.hit_end = t.word_end + kRate;  // 1 s after the word
  return t;
}

struct SyntheticSet {
  std::vector<StreamResult> streams;
  SweepData data;
};

// Positives: three words with peaks 0.9, 0.9 (3 steps each) and 0.6.
// Negatives: 90 s with bumps 0.7 (3 steps), 0.7 (2 steps) and 0.95 (3 steps).
SyntheticSet synthetic_set() {
  SyntheticSet set;
  std::vector<float> pos(400, 0.05f);
  bump(&pos, 50, 3, 0.9f);
  bump(&pos, 150, 3, 0.9f);
  bump(&pos, 250, 3, 0.6f);
  StreamResult p = track(true, pos);
  p.truth = {truth_at(45, 52), truth_at(145, 152), truth_at(245, 252)};
  std::vector<float> neg(2250, 0.05f);  // 2250 * 40 ms = 90 s
  bump(&neg, 100, 3, 0.7f);
  bump(&neg, 900, 2, 0.7f);
  bump(&neg, 1800, 3, 0.95f);
  set.streams = {p, track(false, neg)};
  set.data.streams = &set.streams;
  set.data.sample_rate = kRate;
  set.data.negative_hours = 90.0 / 3600.0;
  return set;
}

TEST(EvalSweep, CountsHitsAndFalseAcceptsPerThreshold) {
  SyntheticSet set = synthetic_set();
  TriggerPoint base;
  base.smoothing_frames = 1;
  base.min_count = 1;
  base.refractory_ms = 1000;
  const auto pts = sweep_stage1(set.data, 0, base, {0.5f, 0.8f, 0.96f});
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_EQ(pts[0].positives, 3u);
  EXPECT_EQ(pts[0].hits, 3u);
  EXPECT_EQ(pts[0].false_accepts, 3u);
  EXPECT_DOUBLE_EQ(pts[0].fa_per_hour, 3.0 / (90.0 / 3600.0));
  EXPECT_EQ(pts[1].hits, 2u);
  EXPECT_NEAR(pts[1].frr, 1.0 / 3.0, 1e-12);
  EXPECT_EQ(pts[1].false_accepts, 1u);
  EXPECT_EQ(pts[2].hits, 0u);
  EXPECT_DOUBLE_EQ(pts[2].frr, 1.0);
  EXPECT_EQ(pts[2].false_accepts, 0u);
  // Latency: the trigger fires on the first step above threshold (step 50,
  // ending at 51 * 640 samples); the word ends at 52 * 640.
  ASSERT_EQ(pts[1].latencies_s.size(), 2u);
  EXPECT_NEAR(pts[1].latencies_s[0], -640.0 / kRate, 1e-12);
}

TEST(EvalSweep, MinCountAndSmoothingFollowTheCoreTrigger) {
  SyntheticSet set = synthetic_set();
  TriggerPoint base;
  base.smoothing_frames = 1;
  base.min_count = 3;
  // A run of 2 steps (negative bump at 900) no longer fires; runs of 3 do.
  auto pts = sweep_stage1(set.data, 0, base, {0.5f});
  EXPECT_EQ(pts[0].false_accepts, 2u);
  EXPECT_EQ(pts[0].hits, 3u);
  // Smoothing over 3 steps: a 3-step bump of 0.9 averages (0.9*3)/3 at its
  // last step, 0.6 -> 0.6; the 2-step 0.7 bump peaks at (0.7*2+0.05)/3 < 0.5.
  base.min_count = 1;
  base.smoothing_frames = 3;
  pts = sweep_stage1(set.data, 0, base, {0.5f, 0.85f});
  EXPECT_EQ(pts[0].hits, 3u);
  EXPECT_EQ(pts[0].false_accepts, 2u);
  EXPECT_EQ(pts[1].hits, 2u);
  EXPECT_EQ(pts[1].false_accepts, 1u);
}

TEST(EvalSweep, RefractoryTimeSuppressesASecondTrigger) {
  std::vector<float> neg(1000, 0.05f);
  bump(&neg, 100, 1, 0.9f);
  bump(&neg, 110, 1, 0.9f);  // 400 ms later: inside 1 s refractory
  bump(&neg, 200, 1, 0.9f);  // 4 s later: fires again
  std::vector<StreamResult> streams = {track(false, neg)};
  SweepData d;
  d.streams = &streams;
  d.sample_rate = kRate;
  d.negative_hours = 40.0 / 3600.0;
  TriggerPoint base;
  base.smoothing_frames = 1;
  base.refractory_ms = 1000;
  EXPECT_EQ(sweep_stage1(d, 0, base, {0.5f})[0].false_accepts, 2u);
  base.refractory_ms = 100;
  EXPECT_EQ(sweep_stage1(d, 0, base, {0.5f})[0].false_accepts, 3u);
}

TEST(EvalSweep, DetFrontAndOperatingPoints) {
  SyntheticSet set = synthetic_set();
  TriggerPoint base;
  const auto pts = sweep_stage1(set.data, 0, base, {0.5f, 0.65f, 0.8f, 0.96f});
  const auto front = det_front(pts);
  ASSERT_EQ(front.size(), 3u);  // 0 FA / 100 %, 1 FA / 33 %, 3 FA / 0 % (0.8 beats 0.65)
  EXPECT_EQ(front[0].false_accepts, 0u);
  EXPECT_EQ(front[1].false_accepts, 1u);
  EXPECT_EQ(front[2].false_accepts, 3u);
  // 1 FA = 40 FA/h on this 90 s set.
  const SweepPoint* at40 = best_at(pts, 40.0);
  ASSERT_NE(at40, nullptr);
  EXPECT_FLOAT_EQ(at40->stage1.threshold, 0.8f);
  const SweepPoint* at0 = best_at(pts, 0.0);
  ASSERT_NE(at0, nullptr);
  EXPECT_FLOAT_EQ(at0->stage1.threshold, 0.96f);
  EXPECT_EQ(best_at(pts, 200.0)->false_accepts, 3u);
  EXPECT_DOUBLE_EQ(percentile({3.0, 1.0, 2.0}, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(percentile({1.0, 2.0}, 0.95), 1.95);
}

TEST(EvalStreams, WordIsLocatedByEnergy) {
  std::vector<int16_t> x(16000 * 2, 0);
  uint32_t lcg = 7;
  for (auto& v : x) {
    lcg = lcg * 1664525u + 1013904223u;
    v = static_cast<int16_t>(static_cast<int32_t>(lcg >> 24) - 128);  // faint noise
  }
  for (size_t i = 8000; i < 16000; ++i) x[i] = static_cast<int16_t>((i % 40 < 20) ? 8000 : -8000);
  uint64_t a = 0, b = 0;
  ASSERT_TRUE(locate_word(x, 16000, &a, &b));
  EXPECT_EQ(a, 8000u);
  EXPECT_EQ(b, 16000u);
  std::vector<int16_t> silent(16000, 0);
  EXPECT_FALSE(locate_word(silent, 16000, &a, &b));
}

class EvalInputs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kws_eval_inputs_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  fs::path dir_;
};

TEST_F(EvalInputs, ManifestNamingMissingFilesListsThem) {
  write(dir_ / "a.wav", "x");
  write(dir_ / "m.tsv", "# clips\na.wav\tcomputer\nnope.wav\tcomputer\n\nalso_gone.flac\tjarvis\n");
  auto r = list_positives((dir_ / "m.tsv").string(), Split::kAll);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("names 2 missing file(s)"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("m.tsv:3: "), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("also_gone.flac"), std::string::npos) << r.error();
  write(dir_ / "bad.tsv", "a.wav computer\n");
  r = list_positives((dir_ / "bad.tsv").string(), Split::kAll);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("bad.tsv:1: expected \"clip<TAB>keyword\""), std::string::npos)
      << r.error();
}

TEST_F(EvalInputs, PositivesFolderWithoutClipsIsNamed) {
  fs::create_directories(dir_ / "pos" / "computer");
  write(dir_ / "pos" / "computer" / "notes.txt", "not audio");
  auto r = list_positives((dir_ / "pos").string(), Split::kAll);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("pos/computer has no audio clips"), std::string::npos) << r.error();
  fs::create_directories(dir_ / "empty");
  r = list_positives((dir_ / "empty").string(), Split::kAll);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("has no keyword subfolders"), std::string::npos) << r.error();
  r = list_positives((dir_ / "absent").string(), Split::kAll);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("does not exist"), std::string::npos);
}

TEST_F(EvalInputs, FolderPositivesAreLabelledAndSplitByFile) {
  for (int i = 0; i < 40; ++i) {
    write(dir_ / "computer" / ("c" + std::to_string(i) + ".wav"), "x");
    write(dir_ / "jarvis" / ("j" + std::to_string(i) + ".flac"), "x");
  }
  auto all = list_positives(dir_.string(), Split::kAll);
  auto tune = list_positives(dir_.string(), Split::kTune);
  auto eval = list_positives(dir_.string(), Split::kEval);
  ASSERT_TRUE(all && tune && eval);
  EXPECT_EQ(all->size(), 80u);
  EXPECT_EQ(tune->size() + eval->size(), 80u);
  EXPECT_GT(tune->size(), 20u);  // FNV-1a halves: both sides well populated
  EXPECT_GT(eval->size(), 20u);
  for (const auto& c : *tune) {
    EXPECT_EQ(split_of(c.key), Split::kTune);
    EXPECT_EQ(c.keyword, c.key.substr(0, c.key.find('/')));
  }
  EXPECT_EQ(split_of("computer/c1.wav"), split_of("computer/c1.wav"));
  EXPECT_FALSE(parse_split("test"));
}

TEST_F(EvalInputs, NegativesTooShortForTheTargetAreRefusedBeforeRunning) {
  KWS_REQUIRE_SHARED(negative, "speech/dc_tts_reader");
  KWS_REQUIRE_SHARED(computer, "keywords/wwb/computer");
  write(dir_ / "neg.txt", negative + "\n");
  write(dir_ / "m.tsv", (*fs::directory_iterator(computer)).path().string() + "\tcomputer\n");
  ExperimentOptions o;
  o.model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite";
  o.positives = (dir_ / "m.tsv").string();
  o.negatives = {"@" + (dir_ / "neg.txt").string()};
  o.mix.snr_db = std::nan("");
  o.mix.negative_snr_db = std::nan("");
  o.required_negative_hours = 10.0;
  o.required_because = "needed for 0.1 FA/h";
  auto ex = run_experiment(o);
  ASSERT_FALSE(ex);
  EXPECT_NE(ex.error().find("negative audio is 0.29"), std::string::npos) << ex.error();
  EXPECT_NE(ex.error().find("(1 false accept = 3."), std::string::npos) << ex.error();
  EXPECT_NE(ex.error().find("needed for 0.1 FA/h"), std::string::npos) << ex.error();
}

TEST_F(EvalInputs, KeywordThatIsNotAModelLabelIsNamed) {
  KWS_REQUIRE_SHARED(alexa, "keywords/wwb/alexa");
  KWS_REQUIRE_SHARED(negative, "noise/speech_commands/white_noise.flac");
  write(dir_ / "m.tsv",
        alexa + "/" + fs::directory_iterator(alexa)->path().filename().string() + "\talexa\n");
  ExperimentOptions o;
  o.model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite";
  o.positives = (dir_ / "m.tsv").string();
  o.negatives = {negative};
  o.mix.snr_db = std::nan("");
  o.mix.negative_snr_db = std::nan("");
  auto ex = run_experiment(o);
  ASSERT_FALSE(ex);
  EXPECT_NE(ex.error().find("keyword 'alexa'"), std::string::npos) << ex.error();
  EXPECT_NE(ex.error().find("its keywords: computer, jarvis"), std::string::npos) << ex.error();
}

TEST_F(EvalInputs, ConfigStage2ThresholdsApplyToTheCascade) {
  KWS_REQUIRE_SHARED(computer, "keywords/wwb/computer");
  write(dir_ / "m.tsv", (*fs::directory_iterator(computer)).path().string() + "\tcomputer\n");
  const std::string negative = (dir_ / "quiet.wav").string();
  ASSERT_EQ(daemon::write_wav_file(negative, std::vector<int16_t>(2 * kRate, 0), kRate), "");
  write(dir_ / "kwsd.yaml", "stage2:\n  keywords:\n    computer: {threshold: 0.33}\n");
  ExperimentOptions o;
  o.model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite";
  o.stage2_model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default_stage2.tflite";
  o.config = (dir_ / "kwsd.yaml").string();
  o.positives = (dir_ / "m.tsv").string();
  o.negatives = {negative};
  o.mix.snr_db = std::nan("");
  o.mix.negative_snr_db = std::nan("");
  auto ex = run_experiment(o);
  ASSERT_TRUE(ex) << ex.error();
  const ModelInfo& s1 = (*ex)->stage1->info;
  const ModelInfo& s2 = (*ex)->stage2->info;
  ASSERT_EQ((*ex)->cascade.thresholds.size(), s1.num_labels);
  EXPECT_FLOAT_EQ((*ex)->cascade.thresholds[static_cast<size_t>(s1.label_index("computer"))],
                  0.33f);
  EXPECT_FLOAT_EQ((*ex)->cascade.thresholds[static_cast<size_t>(s1.label_index("jarvis"))],
                  s2.keywords[s2.label_index("jarvis")].threshold);
  write(dir_ / "bad.yaml", "stage2:\n  keywords:\n    alexa: {threshold: 0.5}\n");
  o.config = (dir_ / "bad.yaml").string();
  auto bad = run_experiment(o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("stage2.keywords.alexa"), std::string::npos) << bad.error();
}

// Background under the negatives (and the positives): the SNR asked for is
// the SNR achieved, the mix is a pure function of the inputs and the seed,
// and `clean` leaves the audio as recorded.
class EvalMixing : public EvalInputs {
 protected:
  // 4 s: faint floor, a 1.5 s loud tone burst at 1.0-2.5 s.
  static std::vector<int16_t> utterance() {
    std::vector<int16_t> x(4 * kRate);
    uint32_t lcg = 11;
    for (size_t i = 0; i < x.size(); ++i) {
      lcg = lcg * 1664525u + 1013904223u;
      x[i] = static_cast<int16_t>(static_cast<int32_t>(lcg >> 27) - 16);
      if (i >= kRate && i < kRate * 5 / 2) {
        x[i] = static_cast<int16_t>(6000.0 *
                                    std::sin(2.0 * M_PI * 440.0 * static_cast<double>(i) / kRate));
      }
    }
    return x;
  }
  static std::vector<NoiseClip> noise() {
    NoiseClip n;
    n.path = "synthetic";
    uint32_t lcg = 5;
    for (size_t i = 0; i < 3 * kRate; ++i) {  // 3 s, shorter than a file: it loops
      lcg = lcg * 1664525u + 1013904223u;
      n.samples.push_back(static_cast<float>(static_cast<int32_t>(lcg >> 16) - 32768) / 65536.0f);
    }
    return {n};
  }
  std::string wav(const std::string& name, const std::vector<int16_t>& x) {
    const std::string path = (dir_ / name).string();
    EXPECT_EQ(daemon::write_wav_file(path, x, kRate), "");
    return path;
  }
  static double power(const std::vector<int16_t>& x, size_t a, size_t b) {
    double e = 0.0;
    for (size_t i = a; i < b; ++i) e += (x[i] / 32768.0) * (x[i] / 32768.0);
    return e / static_cast<double>(b - a);
  }
  // Power of (mixed - clean) over [a, b): the background that was added.
  static double added_power(const std::vector<int16_t>& mixed, const std::vector<int16_t>& clean,
                            size_t offset, size_t a, size_t b) {
    double e = 0.0;
    for (size_t i = a; i < b; ++i) {
      const double d = (mixed[offset + i] - clean[i]) / 32768.0;
      e += d * d;
    }
    return e / static_cast<double>(b - a);
  }
};

TEST_F(EvalMixing, NegativesGetBackgroundAtTheRequestedSnrEvenInSilence) {
  const std::vector<int16_t> speech = utterance();
  const std::vector<int16_t> silence(2 * kRate, 0);
  StreamSpec spec;
  spec.name = "negatives/test#0";
  spec.files = {wav("a.wav", speech), wav("b.wav", silence)};
  MixOptions mix;
  mix.negative_snr_db = 10.0;
  auto built = build_negative_stream(spec, noise(), mix, kRate);
  ASSERT_TRUE(built) << built.error();
  ASSERT_EQ(built->audio.size(), speech.size() + silence.size());
  uint64_t ws = 0, we = 0;
  ASSERT_TRUE(locate_word(speech, kRate, &ws, &we));
  const double bg = added_power(built->audio, speech, 0, 0, speech.size());
  EXPECT_NEAR(10.0 * std::log10(power(speech, ws, we) / bg), 10.0, 0.05);
  // The silent file keeps the room's background at the level of the file before it.
  const double bg_silence = added_power(built->audio, silence, speech.size(), 0, silence.size());
  EXPECT_NEAR(10.0 * std::log10(bg / bg_silence), 0.0, 0.05);

  mix.negative_snr_db = 0.0;
  auto louder = build_negative_stream(spec, noise(), mix, kRate);
  ASSERT_TRUE(louder) << louder.error();
  EXPECT_NEAR(10.0 * std::log10(power(speech, ws, we) /
                                added_power(louder->audio, speech, 0, 0, speech.size())),
              0.0, 0.05);
}

TEST_F(EvalMixing, LongFilesAreMixedPartByPart) {
  // 8 s: the first 4 s hold the burst, the second 4 s only a faint floor.
  std::vector<int16_t> x = utterance();
  const std::vector<int16_t> quiet(x.begin(), x.begin() + kRate);
  for (int i = 0; i < 4; ++i) x.insert(x.end(), quiet.begin(), quiet.end());
  StreamSpec spec;
  spec.name = "negatives/long#0";
  spec.files = {wav("long.wav", x)};
  MixOptions mix;
  mix.negative_snr_db = 10.0;
  mix.negative_segment_s = 4.0;
  auto built = build_negative_stream(spec, noise(), mix, kRate);
  ASSERT_TRUE(built) << built.error();
  const std::vector<int16_t> first(x.begin(), x.begin() + 4 * kRate);
  uint64_t ws = 0, we = 0;
  ASSERT_TRUE(locate_word(first, kRate, &ws, &we));
  EXPECT_NEAR(
      10.0 * std::log10(power(first, ws, we) / added_power(built->audio, x, 0, 0, 4 * kRate)), 10.0,
      0.05);
  // The quiet part has no voiced run: its mean power sets the level.
  const size_t a = 4 * kRate, b = x.size();
  EXPECT_NEAR(10.0 * std::log10(power(x, a, b) / added_power(built->audio, x, 0, a, b)), 10.0,
              0.3);  // int16 rounding is a visible share of a floor this faint
}

TEST_F(EvalMixing, PositivesGetBackgroundAtTheRequestedSnr) {
  const std::vector<int16_t> clip = utterance();
  std::vector<LabelledClip> clips(1);
  clips[0].path = wav("c.wav", clip);
  clips[0].keyword = "computer";
  StreamSpec spec = plan_positive_streams(clips, 16).at(0);
  MixOptions mix;
  mix.snr_db = 5.0;
  auto built = build_positive_stream(spec, clips, {0}, noise(), mix, kRate);
  ASSERT_TRUE(built) << built.error();
  ASSERT_EQ(built->truth.size(), 1u);
  const EmbeddedKeyword& t = built->truth[0];
  std::vector<int16_t> placed(built->audio.size(), 0);
  std::copy(clip.begin(), clip.end(), placed.begin() + static_cast<std::ptrdiff_t>(t.clip_start));
  const double bg = added_power(built->audio, placed, 0, 0, placed.size());
  EXPECT_NEAR(10.0 * std::log10(power(placed, t.word_start, t.word_end) / bg), 5.0, 0.05);
}

TEST_F(EvalMixing, SameSeedSameBytesAndCleanLeavesTheAudioAsRecorded) {
  const std::vector<int16_t> speech = utterance();
  StreamSpec spec;
  spec.name = "negatives/test#0";
  spec.files = {wav("a.wav", speech), wav("b.wav", speech)};
  MixOptions mix;
  auto one = build_negative_stream(spec, noise(), mix, kRate);
  auto two = build_negative_stream(spec, noise(), mix, kRate);
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->audio, two->audio);
  mix.seed = 2;
  auto other = build_negative_stream(spec, noise(), mix, kRate);
  ASSERT_TRUE(other);
  EXPECT_NE(one->audio, other->audio);
  mix.negative_snr_db = std::nan("");
  auto clean = build_negative_stream(spec, noise(), mix, kRate);
  ASSERT_TRUE(clean);
  std::vector<int16_t> both = speech;
  both.insert(both.end(), speech.begin(), speech.end());
  EXPECT_EQ(clean->audio, both);
}

TEST(EvalMixingFlags, NegativesFollowSnrUnlessToldCleanOrOtherwise) {
  auto parse = [](std::vector<std::string> words) {
    std::vector<char*> argv = {const_cast<char*>("kws-eval")};
    for (std::string& w : words) argv.push_back(w.data());
    auto a = CliArgs::parse(static_cast<int>(argv.size()), argv.data(), experiment_flags(), {});
    EXPECT_TRUE(a);
    return experiment_options(*a);
  };
  auto d = parse({});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->mix.snr_db, 10.0);
  EXPECT_EQ(d->mix.negative_snr_db, 10.0);
  auto five = parse({"--snr", "5"});
  ASSERT_TRUE(five);
  EXPECT_EQ(five->mix.negative_snr_db, 5.0);
  auto clean = parse({"--negatives-snr", "clean"});
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->mix.snr_db, 10.0);
  EXPECT_TRUE(std::isnan(clean->mix.negative_snr_db));
  auto all_clean = parse({"--snr", "clean"});
  ASSERT_TRUE(all_clean);
  EXPECT_TRUE(std::isnan(all_clean->mix.negative_snr_db));
  EXPECT_FALSE(parse({"--negatives-snr", "loud"}));
}

// A small real run: 8 computer clips and 2 minutes of negatives, stage 2 =
// the stage-1 model itself (so stage 2 has a real classifier to run).
class EvalEndToEnd : public EvalInputs {
 protected:
  Result<std::unique_ptr<Experiment>> run(unsigned threads) {
    ExperimentOptions o;
    o.model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite";
    o.stage2_model = o.model;
    o.stage2_delay_ms = 100.0;
    o.positives = (dir_ / "m.tsv").string();
    o.negatives = {negative_};
    o.noise = {noise_};
    o.mix.snr_db = 5.0;
    o.threads = threads;
    o.clips_per_stream = 3;
    o.max_stream_s = 30.0;
    return run_experiment(o);
  }
  std::string negative_;
  std::string noise_;
};

TEST_F(EvalEndToEnd, OfflineReplayReproducesTheOnlineRunOnAnyThreadCount) {
  KWS_REQUIRE_SHARED(computer, "keywords/wwb/computer");
  KWS_REQUIRE_SHARED(negative, "speech/librispeech_train_clean_100");
  KWS_REQUIRE_SHARED(noise, "noise/speech_commands/running_tap.flac");
  std::vector<std::string> clips;
  for (const auto& e : fs::directory_iterator(computer)) clips.push_back(e.path().string());
  std::sort(clips.begin(), clips.end());
  std::string manifest;
  for (size_t i = 0; i < 8; ++i) manifest += clips[i] + "\tcomputer\n";
  write(dir_ / "m.tsv", manifest);
  std::vector<std::string> negs;
  for (const auto& e : fs::directory_iterator(negative)) negs.push_back(e.path().string());
  std::sort(negs.begin(), negs.end());
  std::string list;
  for (size_t i = 0; i < 10; ++i) list += negs[i] + "\n";
  write(dir_ / "neg.txt", list);
  negative_ = "@" + (dir_ / "neg.txt").string();
  noise_ = noise;

  auto one = run(1);
  ASSERT_TRUE(one) << one.error();
  auto two = run(2);
  ASSERT_TRUE(two) << two.error();
  EvalOptions eo;
  eo.thresholds = {0.5f, 0.8f, 0.95f};
  auto r1 = evaluate(**one, eo);
  auto r2 = evaluate(**two, eo);
  ASSERT_TRUE(r1) << r1.error();
  ASSERT_TRUE(r2) << r2.error();
  ASSERT_EQ(r1->keywords.size(), 1u);
  const KeywordResult& k = r1->keywords[0];
  EXPECT_EQ(k.keyword, "computer");
  EXPECT_EQ(k.online_mismatches, 0u);
  EXPECT_EQ(r2->keywords[0].online_mismatches, 0u);
  EXPECT_EQ(k.stage1_online.positives, 8u);
  // The cascade only removes stage-1 detections.
  EXPECT_LE(k.cascade_online.hits, k.stage1_online.hits);
  EXPECT_LE(k.cascade_online.false_accepts, k.stage1_online.false_accepts);
  // Same numbers whatever the thread count.
  ASSERT_EQ(k.stage1_sweep.size(), r2->keywords[0].stage1_sweep.size());
  for (size_t i = 0; i < k.stage1_sweep.size(); ++i) {
    EXPECT_EQ(k.stage1_sweep[i].hits, r2->keywords[0].stage1_sweep[i].hits);
    EXPECT_EQ(k.stage1_sweep[i].false_accepts, r2->keywords[0].stage1_sweep[i].false_accepts);
  }
  ASSERT_EQ(k.cascade_sweep.size(), r2->keywords[0].cascade_sweep.size());
  for (size_t i = 0; i < k.cascade_sweep.size(); ++i) {
    EXPECT_EQ(k.cascade_sweep[i].hits, r2->keywords[0].cascade_sweep[i].hits);
  }
  EXPECT_NE(r1->report.find("1 false accept = "), std::string::npos);
  EXPECT_NE(r1->report.find("negative condition: in background noise at 10 dB SNR (seed 1) from 1 "
                            "noise file(s): running_tap.flac"),
            std::string::npos)
      << r1->report;
  EXPECT_GT(r1->rtf_total, 0.0);
  EXPECT_GT(r1->stage2_share, 0.0);
  EXPECT_LT(r1->stage2_share, 1.0);
}

}  // namespace
}  // namespace kws::eval
