#include "config/sidecar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace kws::config {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSmallSidecar = R"(
labels: [silence, unknown, computer, jarvis]
features: logmel
sample_rate: 16000
window_samples: 400
hop_samples: 160
fft_size: 512
mel_bins: 40
window_frames: 98
threshold: 0.75
threshold.jarvis: 0.6
min_count: {default: 2, computer: 3}
)";

TEST(Sidecar, ParsesKeysAndPerLabelValues) {
  Result<ModelInfo> r = parse_model_info_yaml(kSmallSidecar, "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error();
  const ModelInfo& m = *r;
  ASSERT_EQ(m.num_labels, 4u);
  EXPECT_STREQ(m.labels[3], "jarvis");
  EXPECT_EQ(m.frontend.features, FeatureType::kLogMel);
  EXPECT_EQ(m.frontend.window_samples, 400u);
  EXPECT_EQ(m.frontend.hop_samples, 160u);
  EXPECT_EQ(m.window_frames, 98u);
  EXPECT_FALSE(m.keywords[0].is_keyword);
  EXPECT_FALSE(m.keywords[1].is_keyword);
  EXPECT_TRUE(m.keywords[2].is_keyword);
  EXPECT_FLOAT_EQ(m.keywords[2].threshold, 0.75f);
  EXPECT_FLOAT_EQ(m.keywords[3].threshold, 0.6f);  // per-label beats default
  EXPECT_EQ(m.keywords[2].min_count, 3u);
  EXPECT_EQ(m.keywords[3].min_count, 2u);
}

TEST(Sidecar, PerLabelOrderDoesNotMatter) {
  Result<ModelInfo> r =
      parse_model_info_yaml("threshold.b: 0.3\nthreshold: 0.9\nlabels: a,b\n", "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_FLOAT_EQ(r->keywords[0].threshold, 0.9f);
  EXPECT_FLOAT_EQ(r->keywords[1].threshold, 0.3f);
}

TEST(Sidecar, ErrorsNameKeyAndPosition) {
  EXPECT_THAT(parse_model_info_yaml("labels: [a]\nmel_bin: 4\n", "m.yaml").error(),
              HasSubstr("m.yaml:2:1: mel_bin: unknown key"));
  EXPECT_THAT(parse_model_info_yaml("labels: [a]\nthreshold: 2\n", "m.yaml").error(),
              HasSubstr("m.yaml:2:12: threshold: 2 is out of range [0, 1]"));
  EXPECT_THAT(parse_model_info_yaml("labels: [a]\nthreshold.b: 0.5\n", "m.yaml").error(),
              HasSubstr("m.yaml:2:14: threshold.b: 'b' is not one of the labels"));
  EXPECT_THAT(parse_model_info_yaml("labels: [a]\nwindow: kaiser\n", "m.yaml").error(),
              HasSubstr("m.yaml:2:9: window: 'kaiser' is not one of: hann, hamming, rectangular"));
  EXPECT_THAT(parse_model_info_yaml("labels: [a]\nsample_rate: [1]\n", "m.yaml").error(),
              HasSubstr("m.yaml:2:14: sample_rate: expected a scalar value, got a list"));
  EXPECT_THAT(parse_model_info_yaml("labels: [a, 'b,c']\n", "m.yaml").error(),
              HasSubstr("labels: label 'b,c' contains a comma"));
  EXPECT_THAT(parse_model_info_yaml("labels: [a, a]\n", "m.yaml").error(),
              HasSubstr("m.yaml:1:9: labels: duplicate label 'a'"));
}

TEST(Sidecar, InconsistentModelFailsValidation) {
  Result<ModelInfo> r = parse_model_info_yaml("labels: [a]\nfft_size: 256\n", "m.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("m.yaml: "));
}

TEST(Sidecar, ShippedKwsRefModelSidecarDescribesMlperfFrontEnd) {
  Result<ModelInfo> r = load_model_info_yaml(std::string(KWS_SIDECARS_DIR) + "/kws_ref_model.yaml");
  ASSERT_TRUE(r.ok()) << r.error();
  const ModelInfo& m = *r;
  ASSERT_EQ(m.num_labels, 12u);
  EXPECT_STREQ(m.labels[0], "Down");
  EXPECT_STREQ(m.labels[9], "Yes");
  EXPECT_STREQ(m.labels[10], "Silence");
  EXPECT_STREQ(m.labels[11], "Unknown");
  EXPECT_TRUE(m.keywords[9].is_keyword);
  EXPECT_FALSE(m.keywords[10].is_keyword);
  EXPECT_FALSE(m.keywords[11].is_keyword);
  EXPECT_EQ(m.window_frames, 49u);
  EXPECT_EQ(m.frontend.feature_dim(), 10u);
  EXPECT_EQ(m.frontend.window_samples, 480u);
  EXPECT_EQ(m.frontend.hop_samples, 320u);
  EXPECT_EQ(m.frontend.quant_zero_point, 83);
  EXPECT_FLOAT_EQ(m.frontend.quant_scale, 0.5847029f);
}

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kws_resolve_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "shipped");
    write(dir_ / "shipped" / "m.yaml", "labels: [shipped]\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
  }
  std::string model() const { return (dir_ / "m.tflite").string(); }
  std::string shipped() const { return (dir_ / "shipped").string(); }
  std::filesystem::path dir_;
};

TEST_F(ResolveTest, EmbeddedMetadataWinsOverSidecars) {
  write(dir_ / "m.yaml", "labels: [beside]\n");
  Result<ResolvedModelInfo> r =
      resolve_model_info(model(), "kwsd_metadata=1\nlabels=embedded\n", "", shipped());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_STREQ(r->info.labels[0], "embedded");
  EXPECT_EQ(r->origin, "embedded kwsd metadata");
}

TEST_F(ResolveTest, SidecarBesideModelThenShipped) {
  Result<ResolvedModelInfo> shipped_only = resolve_model_info(model(), "", "", shipped());
  ASSERT_TRUE(shipped_only.ok()) << shipped_only.error();
  EXPECT_STREQ(shipped_only->info.labels[0], "shipped");
  write(dir_ / "m.yaml", "labels: [beside]\n");
  Result<ResolvedModelInfo> beside = resolve_model_info(model(), "", "", shipped());
  ASSERT_TRUE(beside.ok()) << beside.error();
  EXPECT_STREQ(beside->info.labels[0], "beside");
  EXPECT_EQ(beside->origin, (dir_ / "m.yaml").string());
}

TEST_F(ResolveTest, ExplicitSidecarIsUsedWithoutFallback) {
  write(dir_ / "x.yaml", "labels: [explicit]\n");
  Result<ResolvedModelInfo> r = resolve_model_info(model(), "kwsd_metadata=1\nlabels=embedded\n",
                                                   (dir_ / "x.yaml").string(), shipped());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_STREQ(r->info.labels[0], "explicit");
  Result<ResolvedModelInfo> missing =
      resolve_model_info(model(), "", (dir_ / "nope.yaml").string(), shipped());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("nope.yaml: cannot read"));
}

TEST_F(ResolveTest, NothingFoundListsWhatWasTried) {
  Result<ResolvedModelInfo> r =
      resolve_model_info((dir_ / "other.tflite").string(), "", "", shipped());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("no kwsd metadata and no sidecar was found"));
  EXPECT_THAT(r.error(), HasSubstr("other.yaml"));
}

TEST_F(ResolveTest, BadEmbeddedMetadataIsReported) {
  Result<ResolvedModelInfo> r = resolve_model_info(model(), "labels=a\n", "", shipped());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("embedded kwsd metadata"));
}

}  // namespace
}  // namespace kws::config
