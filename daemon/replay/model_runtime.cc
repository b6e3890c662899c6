#include "daemon/replay/model_runtime.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "config/sidecar.h"
#include "nn/interpreter.h"
#include "nn/tflite_model.h"
#include "pipeline/memory_carver.h"

namespace kws::replay {

namespace {

// Caller memory for the core, aligned for every core object.
class AlignedBytes {
 public:
  static_assert(alignof(std::max_align_t) >= kMemoryAlignment);
  explicit AlignedBytes(size_t bytes)
      : words_((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t)), bytes_(bytes) {}
  void* data() { return words_.data(); }
  size_t size() const { return bytes_; }

 private:
  std::vector<std::max_align_t> words_;
  size_t bytes_;
};

// Classifier over nn::Interpreter: int8 feature window in, dequantised
// outputs (the model's softmax) out.
class InterpreterClassifier final : public Classifier {
 public:
  Status init(const nn::TfliteModel& model, const ModelInfo& info) {
    size_t bytes = 0;
    KWS_RETURN_IF_ERROR(nn::Interpreter::needed_bytes(model, &bytes));
    arena_ = std::make_unique<AlignedBytes>(bytes);
    KWS_RETURN_IF_ERROR(interpreter_.init(model, arena_->data(), arena_->size()));
    if (interpreter_.num_inputs() != 1 || interpreter_.num_outputs() != 1) {
      return Status::Error(StatusCode::kUnsupported,
                           "model has %zu inputs and %zu outputs, want 1/1",
                           interpreter_.num_inputs(), interpreter_.num_outputs());
    }
    const nn::TensorView in = interpreter_.input(0);
    const nn::TensorView out = interpreter_.output(0);
    const size_t want_in = static_cast<size_t>(info.window_frames) * info.frontend.feature_dim();
    if (in.type != nn::TensorType::kInt8 || in.bytes != want_in) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "model input is %zu bytes (type %d), the model description says int8 "
                           "%u frames x %u features = %zu",
                           in.bytes, static_cast<int>(in.type), info.window_frames,
                           info.frontend.feature_dim(), want_in);
    }
    if (std::fabs(in.scale - info.frontend.quant_scale) > 1e-4f * in.scale ||
        in.zero_point != info.frontend.quant_zero_point) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "model input quantization (scale %g, zero point %d) differs from the "
                           "front end's (%g, %d)",
                           static_cast<double>(in.scale), static_cast<int>(in.zero_point),
                           static_cast<double>(info.frontend.quant_scale),
                           static_cast<int>(info.frontend.quant_zero_point));
    }
    if ((out.type != nn::TensorType::kInt8 && out.type != nn::TensorType::kUInt8) ||
        out.bytes != info.num_labels) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "model output is %zu values (type %d), the model has %u labels",
                           out.bytes, static_cast<int>(out.type), info.num_labels);
    }
    return Status::Ok();
  }

  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override {
    nn::TensorView in = interpreter_.input(0);
    if (n != in.bytes) {
      return Status::Error(StatusCode::kInvalidArgument, "classify: %zu features, model wants %zu",
                           n, in.bytes);
    }
    std::memcpy(in.data, features, n);
    KWS_RETURN_IF_ERROR(interpreter_.invoke());
    const nn::TensorView out = interpreter_.output(0);
    for (size_t i = 0; i < num_labels && i < out.bytes; ++i) {
      const int32_t q = out.type == nn::TensorType::kInt8
                            ? static_cast<const int8_t*>(out.data)[i]
                            : static_cast<const uint8_t*>(out.data)[i];
      probs[i] = out.scale * static_cast<float>(q - out.zero_point);
    }
    return Status::Ok();
  }

 private:
  std::unique_ptr<AlignedBytes> arena_;
  nn::Interpreter interpreter_;
};

class Runtime final : public ModelRuntime {
 public:
  const ModelInfo& info() const override { return info_; }
  Pipeline& pipeline() override { return pipeline_; }
  const std::string& info_origin() const override { return origin_; }

  std::vector<uint8_t> model_bytes_;
  nn::TfliteModel model_;
  ModelInfo info_;
  std::string origin_;
  InterpreterClassifier classifier_;
  std::unique_ptr<AlignedBytes> pipeline_mem_;
  Pipeline pipeline_;
};

}  // namespace

Result<std::unique_ptr<ModelRuntime>> ModelRuntime::load(const std::string& model_path,
                                                         const std::string& sidecar,
                                                         const config::Config* config) {
  using R = Result<std::unique_ptr<ModelRuntime>>;
  auto rt = std::make_unique<Runtime>();
  std::ifstream in(model_path, std::ios::binary);
  if (!in) return R::failure(model_path + ": cannot open model file");
  rt->model_bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (Status s = rt->model_.parse(rt->model_bytes_.data(), rt->model_bytes_.size()); !s.ok()) {
    return R::failure(model_path + ": " + s.message());
  }
  const uint8_t* meta = nullptr;
  size_t meta_size = 0;
  std::string_view embedded;
  if (rt->model_.metadata("kwsd", &meta, &meta_size)) {
    embedded = std::string_view(reinterpret_cast<const char*>(meta), meta_size);
  }
  Result<config::ResolvedModelInfo> resolved =
      config::resolve_model_info(model_path, embedded, sidecar);
  if (!resolved) return R::failure(resolved.error());
  rt->info_ = resolved->info;
  rt->origin_ = resolved->origin;
  if (config != nullptr) {
    Result<ModelInfo> applied = config::apply_config(*config, rt->info_);
    if (!applied) return R::failure(applied.error());
    rt->info_ = *applied;
  }
  if (Status s = rt->classifier_.init(rt->model_, rt->info_); !s.ok()) {
    return R::failure(model_path + ": " + s.message());
  }
  size_t bytes = 0;
  if (Status s = Pipeline::needed_bytes(rt->info_, &bytes); !s.ok()) {
    return R::failure(model_path + ": pipeline: " + s.message());
  }
  rt->pipeline_mem_ = std::make_unique<AlignedBytes>(bytes);
  if (Status s = rt->pipeline_.init(rt->info_, &rt->classifier_, rt->pipeline_mem_->data(),
                                    rt->pipeline_mem_->size());
      !s.ok()) {
    return R::failure(model_path + ": pipeline: " + s.message());
  }
  return R::success(std::move(rt));
}

}  // namespace kws::replay
