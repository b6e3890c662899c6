// Precomputed front-end tables (FrontendTables): the source tools/frontend_tables
// generates holds exactly the tables Frontend::init() computes, a front end
// given them computes the same features bit for bit from less memory, and
// tables computed for other parameters are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pipeline/frontend.h"
#include "pipeline/memory_carver.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

extern const kws::FrontendTables* const kws_test_tables_mfcc;
extern const kws::FrontendTables* const kws_test_tables_logmel;

namespace kws {
namespace {

ModelInfo read_info(const char* path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ModelInfo info;
  const Status st = parse_model_metadata(text.data(), text.size(), &info);
  EXPECT_TRUE(st.ok()) << path << ": " << st.message();
  return info;
}

struct Built {
  Built(const FrontendConfig& cfg, const FrontendTables* tables) {
    status = Frontend::needed_bytes(cfg, false, &bytes, tables);
    if (!status.ok()) return;
    mem.resize(bytes / sizeof(double) + 1);
    status = fe.init(cfg, mem.data(), bytes, nullptr, tables);
  }
  size_t bytes = 0;
  std::vector<double> mem;
  Frontend fe;
  Status status;
};

template <typename T>
bool same_bits(const T* a, const T* b, size_t n) {
  return std::memcmp(a, b, n * sizeof(T)) == 0;
}

void expect_identical(const FrontendTables& a, const FrontendTables& b) {
  EXPECT_EQ(a.sample_rate, b.sample_rate);
  EXPECT_EQ(a.window_samples, b.window_samples);
  EXPECT_EQ(a.fft_size, b.fft_size);
  EXPECT_EQ(a.window, b.window);
  EXPECT_EQ(a.mel_bins, b.mel_bins);
  EXPECT_TRUE(same_bits(&a.fmin_hz, &b.fmin_hz, 1));
  EXPECT_TRUE(same_bits(&a.fmax_hz, &b.fmax_hz, 1));
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.num_mfcc, b.num_mfcc);
  ASSERT_EQ(a.mel_weight_count, b.mel_weight_count);
  EXPECT_TRUE(same_bits(a.window_coefficients, b.window_coefficients, a.window_samples));
  EXPECT_TRUE(same_bits(a.fft_bitrev, b.fft_bitrev, a.fft_size / 2));
  EXPECT_TRUE(same_bits(a.fft_twiddles, b.fft_twiddles, a.fft_size));
  EXPECT_TRUE(same_bits(a.mel_bands, b.mel_bands, a.mel_bins));
  EXPECT_TRUE(same_bits(a.mel_weights, b.mel_weights, a.mel_weight_count));
  ASSERT_EQ(a.dct == nullptr, b.dct == nullptr);
  if (a.dct != nullptr) {
    EXPECT_TRUE(same_bits(a.dct, b.dct, size_t{a.num_mfcc} * a.mel_bins));
  }
}

struct Case {
  const char* metadata;
  const FrontendTables* tables;
};

std::vector<Case> cases() {
  return {{KWS_TEST_MFCC_METADATA, kws_test_tables_mfcc},
          {KWS_TEST_LOGMEL_METADATA, kws_test_tables_logmel}};
}

TEST(FrontendTables, GeneratedSourceHoldsExactlyTheComputedTables) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.metadata);
    const ModelInfo info = read_info(c.metadata);
    ASSERT_NE(c.tables, nullptr);
    Built computed(info.frontend, nullptr);
    ASSERT_TRUE(computed.status.ok()) << computed.status.message();
    expect_identical(computed.fe.tables(), *c.tables);
  }
}

TEST(FrontendTables, GivenTablesGiveBitIdenticalFeaturesFromLessMemory) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.metadata);
    const ModelInfo info = read_info(c.metadata);
    Built computed(info.frontend, nullptr);
    Built given(info.frontend, c.tables);
    ASSERT_TRUE(computed.status.ok()) << computed.status.message();
    ASSERT_TRUE(given.status.ok()) << given.status.message();
    // The tables themselves (window, FFT, mel bands and weights, DCT) are not
    // in the given front end's memory.
    const FrontendTables& t = *c.tables;
    const size_t table_bytes = 4 * t.window_samples + 2 * (t.fft_size / 2) + 4 * t.fft_size +
                               sizeof(FrontendTables::MelBand) * t.mel_bins +
                               4 * t.mel_weight_count + 4 * size_t{t.num_mfcc} * t.mel_bins;
    EXPECT_GE(computed.bytes - given.bytes, table_bytes);
    EXPECT_LE(computed.bytes - given.bytes, table_bytes + 6 * kMemoryAlignment);
    expect_identical(given.fe.tables(), t);
    EXPECT_EQ(given.fe.tables().window_coefficients, t.window_coefficients);  // used in place

    const uint32_t dim = info.frontend.feature_dim();
    std::vector<int16_t> frame(info.frontend.window_samples);
    uint32_t seed = 12345;
    for (int f = 0; f < 20; ++f) {
      for (size_t n = 0; n < frame.size(); ++n) {
        seed = seed * 1664525u + 1013904223u;
        const double tone = 8000.0 * std::sin(0.05 * (f + 1) * static_cast<double>(n));
        frame[n] = static_cast<int16_t>(
            tone + static_cast<double>(static_cast<int32_t>(seed >> 20) - 2048));
      }
      std::vector<int8_t> qa(dim), qb(dim);
      std::vector<float> va(dim), vb(dim);
      computed.fe.compute(frame.data(), qa.data(), va.data());
      given.fe.compute(frame.data(), qb.data(), vb.data());
      EXPECT_EQ(qa, qb) << "frame " << f;
      EXPECT_TRUE(same_bits(va.data(), vb.data(), dim)) << "frame " << f;
    }
  }
}

TEST(FrontendTables, TablesForOtherParametersAreRefused) {
  const ModelInfo info = read_info(KWS_TEST_MFCC_METADATA);
  const FrontendTables& t = *kws_test_tables_mfcc;
  struct Change {
    const char* what;
    void (*apply)(FrontendConfig*);
  };
  const Change changes[] = {
      {"sample_rate", [](FrontendConfig* c) { c->sample_rate = 8000; }},
      {"window_samples", [](FrontendConfig* c) { c->window_samples = 400; }},
      {"fft_size", [](FrontendConfig* c) { c->fft_size = 1024; }},
      {"window function", [](FrontendConfig* c) { c->window = WindowFunction::kHamming; }},
      {"mel_bins", [](FrontendConfig* c) { c->mel_bins = 32; }},
      {"fmin/fmax", [](FrontendConfig* c) { c->fmin_hz = 20.5f; }},
      {"fmin/fmax", [](FrontendConfig* c) { c->fmax_hz = 3999.0f; }},
      {"feature type", [](FrontendConfig* c) { c->features = FeatureType::kLogMel; }},
      {"num_mfcc", [](FrontendConfig* c) { c->num_mfcc = 13; }},
  };
  for (const Change& change : changes) {
    FrontendConfig cfg = info.frontend;
    change.apply(&cfg);
    ASSERT_TRUE(validate_frontend_config(cfg).ok()) << change.what;
    size_t bytes = 0;
    const Status size_st = Frontend::needed_bytes(cfg, false, &bytes, &t);
    EXPECT_FALSE(size_st.ok()) << change.what;
    std::vector<double> mem(8192);
    Frontend fe;
    const Status st = fe.init(cfg, mem.data(), mem.size() * sizeof(double), nullptr, &t);
    ASSERT_FALSE(st.ok()) << change.what;
    EXPECT_NE(std::string(st.message()).find("precomputed tables are for"), std::string::npos)
        << st.message();
    EXPECT_NE(std::string(st.message()).find(change.what), std::string::npos) << st.message();
  }
  // A log-mel config is refused MFCC tables and the other way round.
  FrontendConfig logmel = info.frontend;
  logmel.features = FeatureType::kLogMel;
  size_t bytes = 0;
  EXPECT_FALSE(Frontend::needed_bytes(info.frontend, false, &bytes, kws_test_tables_logmel).ok());
  EXPECT_TRUE(Frontend::needed_bytes(logmel, false, &bytes, kws_test_tables_logmel).ok());
}

TEST(FrontendTables, IncompleteOrInconsistentTablesAreRefused) {
  const ModelInfo info = read_info(KWS_TEST_LOGMEL_METADATA);
  const FrontendTables& good = *kws_test_tables_logmel;
  size_t bytes = 0;
  ASSERT_TRUE(Frontend::needed_bytes(info.frontend, false, &bytes, &good).ok());

  FrontendTables t = good;
  t.window_coefficients = nullptr;
  EXPECT_FALSE(Frontend::needed_bytes(info.frontend, false, &bytes, &t).ok());
  t = good;
  t.fft_twiddles = nullptr;
  EXPECT_FALSE(Frontend::needed_bytes(info.frontend, false, &bytes, &t).ok());

  std::vector<FrontendTables::MelBand> bands(good.mel_bands, good.mel_bands + good.mel_bins);
  bands.back().num_bins = good.fft_size;  // past the spectrum and the weights
  t = good;
  t.mel_bands = bands.data();
  const Status st = Frontend::needed_bytes(info.frontend, false, &bytes, &t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("mel band"), std::string::npos) << st.message();

  std::vector<uint16_t> bitrev(good.fft_bitrev, good.fft_bitrev + good.fft_size / 2);
  bitrev[1] = bitrev[2];  // not a permutation
  t = good;
  t.fft_bitrev = bitrev.data();
  std::vector<double> mem(bytes / sizeof(double) + 1);
  Frontend fe;
  EXPECT_FALSE(fe.init(info.frontend, mem.data(), bytes, nullptr, &t).ok());
}

TEST(FrontendTables, PipelineTakesThemForFloatFeaturesOnly) {
  ModelInfo info = read_info(KWS_TEST_LOGMEL_METADATA);
  size_t computed = 0;
  size_t given = 0;
  ASSERT_TRUE(Pipeline::needed_bytes(info, &computed).ok());
  ASSERT_TRUE(Pipeline::needed_bytes(info, &given, false, kws_test_tables_logmel).ok());
  EXPECT_LT(given, computed);
  info.frontend.features = FeatureType::kMicro;
  info.frontend.window_samples = 480;
  info.frontend.fmin_hz = 125.0f;
  info.frontend.fmax_hz = 7500.0f;
  ASSERT_TRUE(Pipeline::needed_bytes(info, &given).ok());  // a valid micro front end
  const Status st = Pipeline::needed_bytes(info, &given, false, kws_test_tables_logmel);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("micro"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace kws
