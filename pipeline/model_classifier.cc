#include "pipeline/model_classifier.h"

#include <cmath>
#include <cstring>

namespace kws {
namespace {

size_t elements(const nn::TensorView& t) {
  size_t n = 1;
  for (int i = 0; i < t.num_dims; ++i) n *= static_cast<size_t>(t.dims[i] < 0 ? 0 : t.dims[i]);
  return n;
}

nn::InterpreterOptions interpreter_options(uint32_t sliding_stride_frames) {
  nn::InterpreterOptions o;
  o.stream_shift_rows =
      static_cast<int32_t>(sliding_stride_frames > INT32_MAX ? 0 : sliding_stride_frames);
  return o;
}

}  // namespace

Status ModelClassifier::needed_bytes(const nn::TfliteModel& model, size_t* bytes,
                                     uint32_t sliding_stride_frames) {
  return nn::Interpreter::needed_bytes(model, bytes, interpreter_options(sliding_stride_frames));
}

Status ModelClassifier::init(const nn::TfliteModel& model, const ModelInfo& info, void* arena,
                             size_t len, uint32_t sliding_stride_frames) {
  ready_ = false;
  KWS_RETURN_IF_ERROR(validate_model_info(info));
  KWS_RETURN_IF_ERROR(
      interpreter_.init(model, arena, len, interpreter_options(sliding_stride_frames)));
  if (interpreter_.num_inputs() != 1 || interpreter_.num_outputs() != 1) {
    return Status::Error(StatusCode::kUnsupported,
                         "model classifier: model has %zu inputs and %zu outputs, want 1 and 1",
                         interpreter_.num_inputs(), interpreter_.num_outputs());
  }
  const nn::TensorView in = interpreter_.input(0);
  const FrontendConfig& fe = info.frontend;
  const size_t want = size_t{info.window_frames} * fe.feature_dim();
  if (in.type != nn::TensorType::kInt8) {
    return Status::Error(StatusCode::kUnsupported, "model classifier: input type %s, want int8",
                         nn::tensor_type_name(in.type));
  }
  if (elements(in) != want || in.bytes != want) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "model classifier: input has %zu elements, front end gives %u frames x %u "
                         "= %zu",
                         elements(in), static_cast<unsigned>(info.window_frames),
                         static_cast<unsigned>(fe.feature_dim()), want);
  }
  const double rel =
      std::fabs(static_cast<double>(in.scale) - static_cast<double>(fe.quant_scale)) /
      static_cast<double>(fe.quant_scale);
  if (!(rel <= 1e-5) || in.zero_point != fe.quant_zero_point) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "model classifier: input quantisation (scale %.9g, zero point %d) differs "
                         "from the front end's (scale %.9g, zero point %d)",
                         static_cast<double>(in.scale), static_cast<int>(in.zero_point),
                         static_cast<double>(fe.quant_scale),
                         static_cast<int>(fe.quant_zero_point));
  }
  const nn::TensorView out = interpreter_.output(0);
  if (out.type != nn::TensorType::kInt8 && out.type != nn::TensorType::kUInt8 &&
      out.type != nn::TensorType::kFloat32) {
    return Status::Error(StatusCode::kUnsupported,
                         "model classifier: output type %s, want int8, uint8 or float32",
                         nn::tensor_type_name(out.type));
  }
  if (elements(out) != info.num_labels) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "model classifier: output has %zu elements, model info has %u labels",
                         elements(out), static_cast<unsigned>(info.num_labels));
  }
  if (out.type != nn::TensorType::kFloat32 && !(out.scale > 0.0f)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "model classifier: quantised output has no scale");
  }
  input_elements_ = want;
  num_labels_ = info.num_labels;
  ready_ = true;
  return Status::Ok();
}

Status ModelClassifier::run(const int8_t* features, size_t n, float* probs, size_t num_labels) {
  if (!ready_)
    return Status::Error(StatusCode::kNotInitialized, "model classifier: not initialized");
  if (n != input_elements_ || num_labels != num_labels_ || features == nullptr ||
      probs == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "model classifier: got %zu features and %zu labels, want %zu and %zu", n,
                         num_labels, input_elements_, num_labels_);
  }
  // The input buffer is only valid until invoke() starts: fetch it each time.
  std::memcpy(interpreter_.input(0).data, features, n);
  KWS_RETURN_IF_ERROR(interpreter_.invoke());
  const nn::TensorView out = interpreter_.output(0);
  for (size_t i = 0; i < num_labels; ++i) {
    switch (out.type) {
      case nn::TensorType::kInt8: {
        const int32_t q = static_cast<const int8_t*>(out.data)[i];
        probs[i] = static_cast<float>(q - out.zero_point) * out.scale;
        break;
      }
      case nn::TensorType::kUInt8: {
        const int32_t q = static_cast<const uint8_t*>(out.data)[i];
        probs[i] = static_cast<float>(q - out.zero_point) * out.scale;
        break;
      }
      default:
        std::memcpy(&probs[i], static_cast<const float*>(out.data) + i, sizeof(float));
    }
  }
  return Status::Ok();
}

Status model_info_from_tflite(const nn::TfliteModel& model, ModelInfo* out) {
  if (out == nullptr) return Status::Error(StatusCode::kInvalidArgument, "model info: out is null");
  const uint8_t* data = nullptr;
  size_t size = 0;
  if (!model.metadata("kwsd", &data, &size)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "model has no 'kwsd' metadata entry (third-party models need a sidecar)");
  }
  return parse_model_metadata(reinterpret_cast<const char*>(data), size, out);
}

}  // namespace kws
