#include "firmware/interpreter_classifier.h"

#include <cstring>

namespace kws::fw {

using nn::TensorType;

Status InterpreterClassifier::init(nn::Interpreter* interpreter, size_t feature_count,
                                   size_t num_labels) {
  if (interpreter == nullptr || !interpreter->initialized()) {
    return Status::Error(StatusCode::kNotInitialized, "classifier: interpreter not initialized");
  }
  if (interpreter->num_inputs() < 1 || interpreter->num_outputs() < 1) {
    return Status::Error(StatusCode::kUnsupported,
                         "classifier: model needs an input and an output");
  }
  const nn::TensorView in = interpreter->input(0);
  if (in.type != TensorType::kInt8 || in.bytes != feature_count) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "classifier: model input is %u bytes of type %u, features are %u int8",
                         static_cast<unsigned>(in.bytes), static_cast<unsigned>(in.type),
                         static_cast<unsigned>(feature_count));
  }
  const nn::TensorView out = interpreter->output(0);
  const size_t width = out.type == TensorType::kFloat32 ? 4 : 1;
  if ((out.type != TensorType::kInt8 && out.type != TensorType::kUInt8 &&
       out.type != TensorType::kFloat32) ||
      out.bytes != num_labels * width) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "classifier: model output is %u bytes of type %u, labels are %u",
                         static_cast<unsigned>(out.bytes), static_cast<unsigned>(out.type),
                         static_cast<unsigned>(num_labels));
  }
  interpreter_ = interpreter;
  feature_count_ = feature_count;
  num_labels_ = num_labels;
  return Status::Ok();
}

Status InterpreterClassifier::classify(const int8_t* features, size_t n, float* probs,
                                       size_t num_labels) {
  if (interpreter_ == nullptr) {
    return Status::Error(StatusCode::kNotInitialized, "classifier: init() not called");
  }
  if (n != feature_count_ || num_labels != num_labels_) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "classifier: got %u features / %u labels, expected %u / %u",
                         static_cast<unsigned>(n), static_cast<unsigned>(num_labels),
                         static_cast<unsigned>(feature_count_), static_cast<unsigned>(num_labels_));
  }
  std::memcpy(interpreter_->input(0).data, features, n);
  KWS_RETURN_IF_ERROR(interpreter_->invoke());
  const nn::TensorView out = interpreter_->output(0);
  for (size_t i = 0; i < num_labels; ++i) {
    switch (out.type) {
      case TensorType::kInt8:
        probs[i] = static_cast<float>(static_cast<const int8_t*>(out.data)[i] - out.zero_point) *
                   out.scale;
        break;
      case TensorType::kUInt8:
        probs[i] = static_cast<float>(static_cast<const uint8_t*>(out.data)[i] - out.zero_point) *
                   out.scale;
        break;
      default:
        std::memcpy(&probs[i], static_cast<const uint8_t*>(out.data) + 4 * i, 4);
        break;
    }
  }
  return Status::Ok();
}

}  // namespace kws::fw
