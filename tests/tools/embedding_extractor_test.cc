// kws-features --embeddings' extractor (tools/features/embedding_extractor.h):
// OwwFrontend with no heads and a streamed embedding model, over an audio file,
// gives ONNX Runtime's per-step embeddings of openWakeWord's streaming form
// (shared/data/models/openwakeword/reference/jarvis_first.*). Skipped without
// the shared data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/npy.h"
#include "tests/support/test_data.h"
#include "tools/features/embedding_extractor.h"

namespace kws::features {
namespace {

TEST(EmbeddingExtractor, FileGivesTheReferenceStreamEmbeddings) {
  KWS_REQUIRE_SHARED(model_path, "models/openwakeword/embedding_model.tflite");
  KWS_REQUIRE_SHARED(wav, "models/openwakeword/reference/jarvis_first.wav");
  KWS_REQUIRE_SHARED(ref_path, "models/openwakeword/reference/jarvis_first.stream_embeddings.npy");
  std::ifstream in(model_path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  nn::TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  Result<std::unique_ptr<EmbeddingExtractor>> ex = EmbeddingExtractor::create(model);
  ASSERT_TRUE(ex) << ex.error();
  Result<Embeddings> e = (*ex)->compute_file(wav);
  ASSERT_TRUE(e) << e.error();
  testing::NpyArray ref;
  std::string err;
  ASSERT_TRUE(testing::read_npy_f32(ref_path, &ref, &err)) << err;
  ASSERT_EQ(ref.data.size() % EmbeddingExtractor::kDim, 0u);
  const size_t steps = ref.data.size() / EmbeddingExtractor::kDim;
  // One embedding per whole 1280-sample step of the file.
  EXPECT_EQ(e->num_steps, e->num_samples / 1280);
  ASSERT_EQ(e->num_steps, steps);
  double worst = 0.0;
  for (size_t i = 0; i < ref.data.size(); ++i) {
    worst = std::max(worst, std::fabs(double{e->values[i]} - double{ref.data[i]}));
  }
  EXPECT_LT(worst, 1e-3);

  // A missing file is an error naming it, not an abort.
  Result<Embeddings> missing = (*ex)->compute_file("/nonexistent/clip.wav");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/clip.wav"), std::string::npos);
}

}  // namespace
}  // namespace kws::features
