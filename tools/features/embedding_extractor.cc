#include "tools/features/embedding_extractor.h"

#include <cstddef>
#include <cstring>

#include "daemon/audio/audio_file.h"
#include "pipeline/memory_carver.h"
#include "pipeline/oww_frontend.h"

namespace kws::features {

struct EmbeddingExtractor::Core {
  std::vector<std::max_align_t> mem;
  OwwFrontend oww;
};

EmbeddingExtractor::~EmbeddingExtractor() = default;

Result<std::unique_ptr<EmbeddingExtractor>> EmbeddingExtractor::create(
    const nn::TfliteModel& embedding) {
  using R = Result<std::unique_ptr<EmbeddingExtractor>>;
  std::unique_ptr<EmbeddingExtractor> x(new EmbeddingExtractor());
  x->core_ = std::make_unique<Core>();
  OwwConfig cfg;
  cfg.embedding = &embedding;
  cfg.num_heads = 0;
  // The embedding window moves by 8 mel rows per step: streamed rows, bit-identical to full
  // invokes (nn/ test) and several times cheaper.
  cfg.embedding_stream_shift_rows = 8;
  size_t bytes = 0;
  if (Status s = OwwFrontend::needed_bytes(cfg, &bytes); !s.ok()) return R::failure(s.message());
  x->core_->mem.resize(bytes / sizeof(std::max_align_t) + 1);
  if (Status s = x->core_->oww.init(cfg, x->core_->mem.data(),
                                    x->core_->mem.size() * sizeof(std::max_align_t));
      !s.ok()) {
    return R::failure(s.message());
  }
  return R::success(std::move(x));
}

Result<Embeddings> EmbeddingExtractor::compute(const int16_t* samples, size_t n) {
  OwwFrontend& oww = core_->oww;
  oww.reset();
  Embeddings out;
  out.num_samples = n;
  out.values.reserve((n / OwwFrontend::kStepSamples) * kDim);
  size_t pos = 0;
  while (pos < n) {
    pos += oww.feed(samples + pos, n - pos);
    if (!oww.step_ready()) break;
    if (Status s = oww.run_step(nullptr, 0); !s.ok()) {
      return Result<Embeddings>::failure(s.message());
    }
    const float* e = oww.last_embedding();
    out.values.insert(out.values.end(), e, e + kDim);
    ++out.num_steps;
  }
  return Result<Embeddings>::success(std::move(out));
}

Result<Embeddings> EmbeddingExtractor::compute_file(const std::string& path) {
  Result<std::vector<int16_t>> audio = audio::read_audio_file(path, OwwMel::kSampleRate);
  if (!audio) return Result<Embeddings>::failure(audio.error());
  return compute(audio->data(), audio->size());
}

}  // namespace kws::features
