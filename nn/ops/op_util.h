// Small checks and conversions shared by the op glue (nn/ops/*.cc).
#pragma once

#include <cstdint>
#include <cstring>

#include "nn/kernels/kernels.h"
#include "nn/ops/op_kernel.h"
#include "nn/status.h"

namespace kws::nn::ops {

inline size_t align16(size_t v) { return (v + 15) & ~static_cast<size_t>(15); }

// Checks that tensor `t` exists and has `type`; `what` names it in the error.
inline Status expect(const RuntimeTensor* t, TensorType type, const char* what) {
  if (t == nullptr) return Status::Error(StatusCode::kMalformedModel, "missing %s", what);
  if (t->type != type) {
    return Status::Error(StatusCode::kUnsupported, "%s is %s, expected %s", what,
                         tensor_type_name(t->type), tensor_type_name(type));
  }
  return Status::Ok();
}

// Checks that `t` is quantized with a positive scale.
inline Status expect_quantized(const RuntimeTensor* t, const char* what) {
  if (!(t->scale > 0.0f)) {
    return Status::Error(StatusCode::kMalformedModel, "%s has no positive quantization scale",
                         what);
  }
  return Status::Ok();
}

inline size_t elements(const RuntimeTensor& t) {
  size_t n = 1;
  for (int i = 0; i < t.num_dims; ++i) n *= static_cast<size_t>(t.dims[i]);
  return n;
}

// NHWC view; tensors of rank < 4 get leading 1s.
inline Status to_dims4(const RuntimeTensor& t, Dims4* out, const char* what) {
  if (t.num_dims > 4) {
    return Status::Error(StatusCode::kUnsupported, "%s has rank %d (at most 4)", what, t.num_dims);
  }
  int32_t d[4] = {1, 1, 1, 1};
  for (int i = 0; i < t.num_dims; ++i) d[4 - t.num_dims + i] = t.dims[i];
  *out = Dims4{d[0], d[1], d[2], d[3]};
  return Status::Ok();
}

inline Status to_shape(const RuntimeTensor& t, Shape* out, const char* what) {
  if (t.num_dims > kMaxRank) {
    return Status::Error(StatusCode::kUnsupported, "%s has rank %d (at most %d)", what, t.num_dims,
                         kMaxRank);
  }
  out->rank = t.num_dims;
  for (int i = 0; i < t.num_dims; ++i) out->dims[i] = t.dims[i];
  return Status::Ok();
}

inline Status to_activation(int8_t schema_value, Activation* out) {
  switch (schema_value) {
    case schema_activation::kNone:
      *out = Activation::kNone;
      return Status::Ok();
    case schema_activation::kRelu:
      *out = Activation::kRelu;
      return Status::Ok();
    case schema_activation::kReluN1To1:
      *out = Activation::kReluN1To1;
      return Status::Ok();
    case schema_activation::kRelu6:
      *out = Activation::kRelu6;
      return Status::Ok();
    default:
      return Status::Error(StatusCode::kUnsupported, "fused activation %d", schema_value);
  }
}

inline Status to_padding(int8_t schema_value, Padding* out) {
  if (schema_value == schema_padding::kSame) {
    *out = Padding::kSame;
  } else if (schema_value == schema_padding::kValid) {
    *out = Padding::kValid;
  } else {
    return Status::Error(StatusCode::kMalformedModel, "padding %d", schema_value);
  }
  return Status::Ok();
}

// Activation clamp of the op's int8 output from the options field `id`.
inline Status output_activation(const PrepareContext& ctx, int id, const RuntimeTensor& output,
                                int32_t* act_min, int32_t* act_max) {
  int8_t raw = 0;
  KWS_RETURN_IF_ERROR(ctx.model->option<int8_t>(*ctx.desc, id, 0, &raw));
  Activation act = Activation::kNone;
  KWS_RETURN_IF_ERROR(to_activation(raw, &act));
  return activation_range_s8(act, output.scale, output.zero_point, act_min, act_max);
}

// Rejects options of another table type than the op expects.
inline Status expect_options(const PrepareContext& ctx, uint8_t type) {
  if (ctx.desc->has_options && ctx.desc->options_type != type) {
    return Status::Error(StatusCode::kMalformedModel, "builtin options type %u, expected %u",
                         ctx.desc->options_type, type);
  }
  return Status::Ok();
}

// Checks that `t` is a constant INT32 tensor (a shape operand).
inline Status constant_i32(const RuntimeTensor* t, const char* what) {
  KWS_RETURN_IF_ERROR(expect(t, TensorType::kInt32, what));
  if (!t->constant) return Status::Error(StatusCode::kUnsupported, "%s must be constant", what);
  return Status::Ok();
}

inline int32_t read_i32(const RuntimeTensor& t, size_t i) {
  int32_t v;
  std::memcpy(&v, t.data + 4 * i, 4);
  return v;
}

inline int8_t* s8(RuntimeTensor& t) { return reinterpret_cast<int8_t*>(t.data); }
inline const int32_t* s32(const RuntimeTensor& t) {
  return reinterpret_cast<const int32_t*>(t.data);
}

}  // namespace kws::nn::ops
