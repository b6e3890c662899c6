#include "pipeline/model_info.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace kws {
namespace {

Status parse(const std::string& text, ModelInfo* out) {
  return parse_model_metadata(text.data(), text.size(), out);
}

const char* kExample =
    "# MLPerf-like model\n"
    "kwsd_metadata=1\n"
    "labels=silence,unknown,computer,jarvis\n"
    "features=mfcc\n"
    "sample_rate=16000\n"
    "window_samples=480\n"
    "hop_samples=320\n"
    "fft_size=512\n"
    "window=hann\n"
    "spectrum=magnitude\n"
    "mel_bins=40\n"
    "fmin=20\n"
    "fmax=4000\n"
    "log_offset=1e-6\n"
    "num_mfcc=10\n"
    "quant_scale=0.5847029\n"
    "quant_zero_point=83\n"
    "window_frames=49\n"
    "stride_frames=2\n"
    "smoothing_frames=3\n"
    "threshold=0.8\n"
    "threshold.computer=0.7\n"
    "min_count=1\n"
    "min_count.jarvis=2\n"
    "refractory_ms=1000\n"
    "refractory_ms.computer=1500\n";

TEST(ModelInfo, ParsesTheDocumentedExample) {
  ModelInfo info;
  Status st = parse(kExample, &info);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(info.num_labels, 4u);
  EXPECT_STREQ(info.labels[2], "computer");
  EXPECT_EQ(info.label_index("jarvis"), 3);
  EXPECT_EQ(info.label_index("nope"), -1);
  EXPECT_FALSE(info.keywords[0].is_keyword);  // silence
  EXPECT_FALSE(info.keywords[1].is_keyword);  // unknown
  EXPECT_TRUE(info.keywords[2].is_keyword);
  EXPECT_FLOAT_EQ(info.keywords[2].threshold, 0.7f);
  EXPECT_FLOAT_EQ(info.keywords[3].threshold, 0.8f);
  EXPECT_EQ(info.keywords[3].min_count, 2u);
  EXPECT_EQ(info.keywords[2].refractory_ms, 1500u);
  EXPECT_EQ(info.keywords[3].refractory_ms, 1000u);
  EXPECT_EQ(info.stride_frames, 2u);
  EXPECT_EQ(info.smoothing_frames, 3u);
  EXPECT_FLOAT_EQ(info.frontend.quant_scale, 0.5847029f);
  EXPECT_EQ(info.frontend.feature_dim(), 10u);
}

TEST(ModelInfo, RoundTripsThroughFormat) {
  ModelInfo a;
  ASSERT_TRUE(parse(kExample, &a).ok());
  a.frontend.features = FeatureType::kLogMel;
  a.frontend.window = WindowFunction::kHamming;
  a.frontend.spectrum = SpectrumType::kPower;
  a.frontend.log_offset = 1.0e-3f;
  a.frontend.quant_zero_point = -12;
  a.frontend.quant_rounding = QuantRounding::kTruncate;
  char buf[2048];
  size_t written = 0;
  ASSERT_TRUE(format_model_metadata(a, buf, sizeof(buf), &written).ok());
  EXPECT_EQ(std::strlen(buf), written);
  ModelInfo b;
  Status st = parse_model_metadata(buf, written, &b);
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << buf;
  EXPECT_EQ(std::memcmp(&a.frontend, &b.frontend, sizeof(FrontendConfig)), 0) << buf;
  EXPECT_EQ(a.window_frames, b.window_frames);
  EXPECT_EQ(a.stride_frames, b.stride_frames);
  EXPECT_EQ(a.smoothing_frames, b.smoothing_frames);
  ASSERT_EQ(a.num_labels, b.num_labels);
  for (uint32_t i = 0; i < a.num_labels; ++i) {
    EXPECT_STREQ(a.labels[i], b.labels[i]);
    EXPECT_EQ(a.keywords[i].is_keyword, b.keywords[i].is_keyword) << i;
    if (!a.keywords[i].is_keyword) continue;  // only keywords carry trigger settings
    EXPECT_EQ(a.keywords[i].threshold, b.keywords[i].threshold) << i;
    EXPECT_EQ(a.keywords[i].min_count, b.keywords[i].min_count) << i;
    EXPECT_EQ(a.keywords[i].refractory_ms, b.keywords[i].refractory_ms) << i;
  }
  // Formatting again gives the same text.
  char buf2[2048];
  size_t written2 = 0;
  ASSERT_TRUE(format_model_metadata(b, buf2, sizeof(buf2), &written2).ok());
  EXPECT_EQ(std::string(buf, written), std::string(buf2, written2));
}

TEST(ModelInfo, FormatReportsTooSmallBuffer) {
  ModelInfo a;
  ASSERT_TRUE(parse(kExample, &a).ok());
  char buf[64];
  size_t written = 0;
  EXPECT_EQ(format_model_metadata(a, buf, sizeof(buf), &written).code(),
            StatusCode::kBufferTooSmall);
}

TEST(ModelInfo, MinimalTextUsesDefaultsAndKeywordRule) {
  ModelInfo info;
  ASSERT_TRUE(parse("kwsd_metadata=1\nlabels=_noise,unknown,yes,no", &info).ok());
  EXPECT_FALSE(info.keywords[0].is_keyword);
  EXPECT_TRUE(info.keywords[2].is_keyword);
  EXPECT_EQ(info.window_frames, 49u);
  ASSERT_TRUE(parse("kwsd_metadata=1\r\nlabels=a,b\r\nkeywords=b\r\n", &info).ok());
  EXPECT_FALSE(info.keywords[0].is_keyword);
  EXPECT_TRUE(info.keywords[1].is_keyword);
}

struct Hostile {
  const char* text;
  const char* expect_in_message;
};

TEST(ModelInfo, HostileTextIsRejectedWithLineAndKey) {
  const Hostile cases[] = {
      {"", "no key=value"},
      {"labels=a\nkwsd_metadata=1", "line 1: first key must be kwsd_metadata"},
      {"kwsd_metadata=2\nlabels=a", "version"},
      {"kwsd_metadata=1\nlabels=a\nbogus=1", "line 3: unknown key 'bogus'"},
      {"kwsd_metadata=1\nlabels=a\nmel_bins=40\nmel_bins=41",
       "line 4: key 'mel_bins': given twice"},
      {"kwsd_metadata=1\nlabels=a\nmel_bins", "line 3: expected key=value"},
      {"kwsd_metadata=1\nlabels=a\nmel_bins=-3", "line 3: key 'mel_bins'"},
      {"kwsd_metadata=1\nlabels=a\nmel_bins=99999999999", "line 3: key 'mel_bins'"},
      {"kwsd_metadata=1\nlabels=a\nfmin=nan", "line 3: key 'fmin'"},
      {"kwsd_metadata=1\nlabels=a\nfmin=1e999", "line 3: key 'fmin'"},
      {"kwsd_metadata=1\nlabels=a\nfmin=0x10", "line 3: key 'fmin'"},
      {"kwsd_metadata=1\nlabels=a\nwindow=kaiser", "line 3: key 'window'"},
      {"kwsd_metadata=1\nlabels=a\nquant_rounding=floor", "line 3: key 'quant_rounding'"},
      {"kwsd_metadata=1\nlabels=a,,b", "line 2: key 'labels'"},
      {"kwsd_metadata=1\nlabels=a,a", "duplicate"},
      {"kwsd_metadata=1\nlabels=a b", "line 2: key 'labels'"},
      {"kwsd_metadata=1\nlabels=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "more than 16"},
      {"kwsd_metadata=1\nlabels=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer than"},
      {"kwsd_metadata=1\nlabels=a\nkeywords=z", "'z' is not a label"},
      {"kwsd_metadata=1\nlabels=a\nthreshold.z=0.5", "line 3: key 'threshold.z': no such label"},
      {"kwsd_metadata=1\nlabels=silence,a\nthreshold.silence=0.5", "not a keyword"},
      {"kwsd_metadata=1\nlabels=a\nthreshold.a=0.5\nthreshold.a=0.6", "line 4"},
      {"kwsd_metadata=1\nlabels=a\nsize.a=1", "line 3: unknown key 'size.a'"},
      {"kwsd_metadata=1\nlabels=a\nthreshold=1.5", "threshold"},
      {"kwsd_metadata=1\nlabels=a\nfft_size=256", "window_samples"},
      {"kwsd_metadata=1\nlabels=a\nfmax=9000", "fmax"},
      {"kwsd_metadata=1\nwindow_frames=49", "'labels' is missing"},
      {"kwsd_metadata=1\nlabels=a\nmin_count.a=0", "min_count"},
      {"kwsd_metadata=1\nlabels=a\nquant_zero_point=300", "quant_zero_point"},
  };
  for (const Hostile& c : cases) {
    ModelInfo info;
    std::strcpy(info.labels[0], "untouched");
    Status st = parse(c.text, &info);
    EXPECT_FALSE(st.ok()) << c.text;
    EXPECT_NE(std::string(st.message()).find(c.expect_in_message), std::string::npos)
        << "text: " << c.text << "\nmessage: " << st.message();
    EXPECT_STREQ(info.labels[0], "untouched") << "output written on failure";
  }
}

TEST(ModelInfo, EmbeddedNulAndUnterminatedInputAreHandled) {
  const char with_nul[] = "kwsd_metadata=1\nlabels=a\0b\n";
  ModelInfo info;
  EXPECT_FALSE(parse_model_metadata(with_nul, sizeof(with_nul) - 1, &info).ok());
  // Length bounds the text: the tail after len is never read.
  const char text[] = "kwsd_metadata=1\nlabels=yes,no\nGARBAGE";
  ASSERT_TRUE(parse_model_metadata(text, sizeof(text) - 1 - 7, &info).ok());
  EXPECT_EQ(info.num_labels, 2u);
}

TEST(ModelInfo, ValidateChecksStructBuiltInCode) {
  ModelInfo info;
  EXPECT_FALSE(validate_model_info(info).ok());  // no labels
  info.num_labels = 1;
  std::strcpy(info.labels[0], "yes");
  EXPECT_TRUE(validate_model_info(info).ok());
  info.labels[0][0] = '\0';
  EXPECT_FALSE(validate_model_info(info).ok());
  std::memset(info.labels[0], 'x', kMaxLabelLength);  // unterminated
  EXPECT_FALSE(validate_model_info(info).ok());
}

}  // namespace
}  // namespace kws
