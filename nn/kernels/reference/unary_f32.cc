// Reference float elementwise unary ops: LEAKY_RELU, RSQRT, LOG, LOGISTIC.
#include <cmath>

#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status unary_f32(UnaryF32Op op, float alpha, int32_t size, const float* input, float* output) {
  if (input == nullptr || output == nullptr || size < 0) {
    return Status::Error(StatusCode::kInvalidArgument, "unary_f32: null tensor or negative size");
  }
  switch (op) {
    case UnaryF32Op::kLeakyRelu:
      for (int32_t i = 0; i < size; ++i) output[i] = input[i] >= 0.0f ? input[i] : alpha * input[i];
      return Status::Ok();
    case UnaryF32Op::kRsqrt:
      for (int32_t i = 0; i < size; ++i) output[i] = 1.0f / std::sqrt(input[i]);
      return Status::Ok();
    case UnaryF32Op::kLog:
      for (int32_t i = 0; i < size; ++i) output[i] = std::log(input[i]);
      return Status::Ok();
    case UnaryF32Op::kLogistic:
      for (int32_t i = 0; i < size; ++i) output[i] = 1.0f / (1.0f + std::exp(-input[i]));
      return Status::Ok();
  }
  return Status::Error(StatusCode::kInvalidArgument, "unary_f32: unknown op");
}

}  // namespace kws::nn::ref
