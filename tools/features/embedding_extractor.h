// Audio file -> openWakeWord backbone embeddings with the runtime's own
// streaming front end (OwwFrontend from pipeline/, no heads), so the heads
// tools/train trains see exactly what kwsd feeds them (DESIGN invariant 4).
//
// The file is pushed from its first sample in 80 ms steps: embedding k is the
// one OwwFrontend gives after samples [0, 1280 (k + 1)); a partial last step
// is dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "nn/tflite_model.h"

namespace kws::features {

struct Embeddings {
  uint32_t num_steps = 0;
  uint64_t num_samples = 0;   // at 16 kHz
  std::vector<float> values;  // num_steps * 96
};

// One extractor per thread; `embedding` (embedding_model.tflite) must outlive it.
class EmbeddingExtractor {
 public:
  static constexpr uint32_t kDim = 96;
  ~EmbeddingExtractor();
  EmbeddingExtractor(const EmbeddingExtractor&) = delete;
  EmbeddingExtractor& operator=(const EmbeddingExtractor&) = delete;

  static Result<std::unique_ptr<EmbeddingExtractor>> create(const nn::TfliteModel& embedding);

  // Embeddings of 16 kHz samples, from the front end's start-up state.
  Result<Embeddings> compute(const int16_t* samples, size_t n);
  // Reads `path` (read_audio_file, resampled to 16 kHz).
  Result<Embeddings> compute_file(const std::string& path);

 private:
  EmbeddingExtractor() = default;
  struct Core;
  std::unique_ptr<Core> core_;
};

}  // namespace kws::features
