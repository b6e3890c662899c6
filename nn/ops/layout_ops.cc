// RESHAPE, CONCATENATION, STRIDED_SLICE, PAD and MEAN. Their shape operands
// (new shape, begin/end/strides, paddings, axes) must be constant tensors:
// shapes are static in this runtime.
#include <cstring>

#include "nn/ops/op_table.h"
#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

Status prepare_reshape(const PrepareContext& ctx, void*, OpMemory*) {
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  if (in == nullptr || out == nullptr) {
    return Status::Error(StatusCode::kMalformedModel, "missing input or output");
  }
  if (in->type != out->type || in->bytes != out->bytes) {
    return Status::Error(StatusCode::kMalformedModel,
                         "input (%s, %zu bytes) and output (%s, %zu "
                         "bytes) differ",
                         tensor_type_name(in->type), in->bytes, tensor_type_name(out->type),
                         out->bytes);
  }
  return Status::Ok();
}

Status eval_reshape(const OpNode& node, RuntimeTensor* t) {
  const RuntimeTensor& in = node.in(t, 0);
  RuntimeTensor& out = node.out(t, 0);
  if (in.data != out.data && in.bytes > 0) std::memmove(out.data, in.data, in.bytes);
  return Status::Ok();
}

constexpr uint32_t kMaxConcatInputs = 15;

struct ConcatData {
  int32_t num_inputs = 0;
  int32_t axis_sizes[kMaxConcatInputs] = {};
  int32_t outer = 1;
  int32_t inner = 1;
};

Status prepare_concat(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kConcatenation));
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  const uint32_t n = ctx.num_inputs();
  if (n == 0 || n > kMaxConcatInputs) {
    return Status::Error(StatusCode::kUnsupported, "%u inputs (1..%u supported)",
                         static_cast<unsigned>(n), static_cast<unsigned>(kMaxConcatInputs));
  }
  int32_t axis = 0;
  KWS_RETURN_IF_ERROR(ctx.model->option<int32_t>(*ctx.desc, field::concatenation::kAxis, 0, &axis));
  int8_t act = 0;
  KWS_RETURN_IF_ERROR(
      ctx.model->option<int8_t>(*ctx.desc, field::concatenation::kActivation, 0, &act));
  if (act != 0) return Status::Error(StatusCode::kUnsupported, "fused activation %d", act);
  if (axis < 0) axis += out->num_dims;
  if (axis < 0 || axis >= out->num_dims) {
    return Status::Error(StatusCode::kMalformedModel, "axis %d out of range",
                         static_cast<int>(axis));
  }
  ConcatData d;
  d.num_inputs = static_cast<int32_t>(n);
  for (int i = 0; i < axis; ++i) d.outer *= out->dims[i];
  for (int i = axis + 1; i < out->num_dims; ++i) d.inner *= out->dims[i];
  int32_t total = 0;
  for (uint32_t k = 0; k < n; ++k) {
    RuntimeTensor* in = ctx.input(k);
    KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
    if (in->num_dims != out->num_dims) {
      return Status::Error(StatusCode::kMalformedModel, "input %u has rank %d, output %d",
                           static_cast<unsigned>(k), in->num_dims, out->num_dims);
    }
    for (int i = 0; i < out->num_dims; ++i) {
      if (i != axis && in->dims[i] != out->dims[i]) {
        return Status::Error(StatusCode::kMalformedModel, "input %u dim %d is %d, output %d",
                             static_cast<unsigned>(k), i, static_cast<int>(in->dims[i]),
                             static_cast<int>(out->dims[i]));
      }
    }
    if (in->scale != out->scale || in->zero_point != out->zero_point) {
      return Status::Error(StatusCode::kUnsupported,
                           "input %u quantization differs from the output",
                           static_cast<unsigned>(k));
    }
    d.axis_sizes[k] = in->dims[axis];
    total += in->dims[axis];
  }
  if (total != out->dims[axis]) {
    return Status::Error(StatusCode::kMalformedModel, "inputs sum to %d along axis %d, output %d",
                         static_cast<int>(total), static_cast<int>(axis),
                         static_cast<int>(out->dims[axis]));
  }
  mem->persistent_bytes = sizeof(ConcatData);
  if (persistent != nullptr) *static_cast<ConcatData*>(persistent) = d;
  return Status::Ok();
}

Status eval_concat(const OpNode& node, RuntimeTensor* t) {
  const ConcatData& d = *static_cast<const ConcatData*>(node.persistent);
  const int8_t* inputs[kMaxConcatInputs];
  for (int32_t k = 0; k < d.num_inputs; ++k) inputs[k] = s8(node.in(t, static_cast<uint32_t>(k)));
  return concatenation_s8(d.num_inputs, inputs, d.axis_sizes, d.outer, d.inner, s8(node.out(t, 0)));
}

struct SliceData {
  StridedSliceParams params;
  Shape input;
  int32_t capacity = 0;
};

Status prepare_slice(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kStridedSlice));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  const char* names[3] = {"begin", "end", "strides"};
  int32_t v[3][kMaxRank] = {};
  SliceData d;
  KWS_RETURN_IF_ERROR(to_shape(*in, &d.input, "input"));
  for (uint32_t k = 0; k < 3; ++k) {
    RuntimeTensor* p = ctx.input(k + 1);
    KWS_RETURN_IF_ERROR(constant_i32(p, names[k]));
    if (elements(*p) != static_cast<size_t>(d.input.rank)) {
      return Status::Error(StatusCode::kMalformedModel, "%s has %zu values for rank %d", names[k],
                           elements(*p), static_cast<int>(d.input.rank));
    }
    for (int i = 0; i < d.input.rank; ++i) v[k][i] = read_i32(*p, static_cast<size_t>(i));
  }
  namespace fs = field::strided_slice;
  int32_t masks[6] = {};
  const int ids[6] = {fs::kBeginMask,   fs::kEndMask,        fs::kEllipsisMask,
                      fs::kNewAxisMask, fs::kShrinkAxisMask, fs::kOffset};
  for (int k = 0; k < 5; ++k) {
    KWS_RETURN_IF_ERROR(ctx.model->option<int32_t>(*ctx.desc, ids[k], 0, &masks[k]));
  }
  uint8_t offset = 0;
  KWS_RETURN_IF_ERROR(ctx.model->option<uint8_t>(*ctx.desc, fs::kOffset, 0, &offset));
  if (masks[2] != 0 || masks[3] != 0 || offset != 0) {
    return Status::Error(StatusCode::kUnsupported, "ellipsis/new-axis masks or offset=true");
  }
  Shape out_shape;
  KWS_RETURN_IF_ERROR(resolve_strided_slice(d.input, v[0], v[1], v[2], masks[0], masks[1], masks[4],
                                            &d.params, &out_shape));
  size_t n = 1;
  for (int i = 0; i < out_shape.rank; ++i) n *= static_cast<size_t>(out_shape.dims[i]);
  if (n != elements(*out)) {
    return Status::Error(StatusCode::kMalformedModel, "slice has %zu values, output %zu", n,
                         elements(*out));
  }
  d.capacity = static_cast<int32_t>(elements(*out));
  mem->persistent_bytes = sizeof(SliceData);
  if (persistent != nullptr) *static_cast<SliceData*>(persistent) = d;
  return Status::Ok();
}

Status eval_slice(const OpNode& node, RuntimeTensor* t) {
  const SliceData& d = *static_cast<const SliceData*>(node.persistent);
  return strided_slice_s8(d.params, d.input, s8(node.in(t, 0)), s8(node.out(t, 0)), d.capacity);
}

struct PadData {
  PadParams params;
  Shape input;
};

Status prepare_pad(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* pads = ctx.input(1);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  KWS_RETURN_IF_ERROR(constant_i32(pads, "paddings"));
  PadData d;
  KWS_RETURN_IF_ERROR(to_shape(*in, &d.input, "input"));
  if (elements(*pads) != 2 * static_cast<size_t>(d.input.rank) || out->num_dims != d.input.rank) {
    return Status::Error(StatusCode::kMalformedModel, "paddings do not match rank %d",
                         static_cast<int>(d.input.rank));
  }
  if (in->scale != out->scale || in->zero_point != out->zero_point) {
    return Status::Error(StatusCode::kUnsupported, "input and output quantization differ");
  }
  d.params.rank = d.input.rank;
  for (int i = 0; i < d.input.rank; ++i) {
    d.params.before[i] = read_i32(*pads, 2 * static_cast<size_t>(i));
    d.params.after[i] = read_i32(*pads, 2 * static_cast<size_t>(i) + 1);
    if (d.params.before[i] < 0 || d.params.after[i] < 0 ||
        static_cast<int64_t>(d.input.dims[i]) + d.params.before[i] + d.params.after[i] !=
            out->dims[i]) {
      return Status::Error(StatusCode::kMalformedModel, "axis %d: padding does not match output",
                           i);
    }
  }
  d.params.pad_value = static_cast<int8_t>(out->zero_point);
  mem->persistent_bytes = sizeof(PadData);
  if (persistent != nullptr) *static_cast<PadData*>(persistent) = d;
  return Status::Ok();
}

Status eval_pad(const OpNode& node, RuntimeTensor* t) {
  const PadData& d = *static_cast<const PadData*>(node.persistent);
  return pad_s8(d.params, d.input, s8(node.in(t, 0)), s8(node.out(t, 0)));
}

struct MeanData {
  MeanParams params;
  Shape input;
  uint32_t axis_mask = 0;
};

Status prepare_mean_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kReducer));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* axes = ctx.input(1);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
  KWS_RETURN_IF_ERROR(expect_quantized(out, "output"));
  KWS_RETURN_IF_ERROR(constant_i32(axes, "axis"));
  MeanData d;
  KWS_RETURN_IF_ERROR(to_shape(*in, &d.input, "input"));
  size_t reduced = 1;
  for (size_t i = 0; i < elements(*axes); ++i) {
    int32_t a = read_i32(*axes, i);
    if (a < 0) a += d.input.rank;
    if (a < 0 || a >= d.input.rank) {
      return Status::Error(StatusCode::kMalformedModel, "axis %d out of range",
                           static_cast<int>(a));
    }
    if ((d.axis_mask & (1u << a)) == 0) reduced *= static_cast<size_t>(d.input.dims[a]);
    d.axis_mask |= 1u << a;
  }
  if (reduced == 0 || elements(*in) / reduced != elements(*out)) {
    return Status::Error(StatusCode::kMalformedModel, "output has %zu values, expected %zu",
                         elements(*out), reduced == 0 ? 0 : elements(*in) / reduced);
  }
  KWS_RETURN_IF_ERROR(
      prepare_mean(in->scale, in->zero_point, out->scale, out->zero_point, &d.params));
  mem->persistent_bytes = sizeof(MeanData);
  if (persistent != nullptr) *static_cast<MeanData*>(persistent) = d;
  return Status::Ok();
}

Status eval_mean(const OpNode& node, RuntimeTensor* t) {
  const MeanData& d = *static_cast<const MeanData*>(node.persistent);
  return mean_s8(d.params, d.input, d.axis_mask, s8(node.in(t, 0)), s8(node.out(t, 0)));
}

constexpr uint32_t kMaxSplitOutputs = 15;

struct SplitData {
  int32_t num_outputs = 0;
  int32_t axis_sizes[kMaxSplitOutputs] = {};
  int32_t outer = 1;
  int32_t inner = 1;
};

// SPLIT: inputs (axis, input), equal parts. SPLIT_V: inputs (input,
// size_splits, axis), one size may be -1 (the rest).
Status prepare_split_common(const PrepareContext& ctx, bool variable_sizes, void* persistent,
                            OpMemory* mem) {
  RuntimeTensor* in = ctx.input(variable_sizes ? 0 : 1);
  RuntimeTensor* axis_t = ctx.input(variable_sizes ? 2 : 0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(constant_i32(axis_t, "axis"));
  if (elements(*axis_t) != 1)
    return Status::Error(StatusCode::kMalformedModel, "axis not a scalar");
  int32_t axis = read_i32(*axis_t, 0);
  if (axis < 0) axis += in->num_dims;
  if (axis < 0 || axis >= in->num_dims) {
    return Status::Error(StatusCode::kMalformedModel, "axis %d out of range",
                         static_cast<int>(axis));
  }
  const uint32_t n = ctx.num_outputs();
  if (n == 0 || n > kMaxSplitOutputs) {
    return Status::Error(StatusCode::kUnsupported, "%u outputs (1..%u supported)",
                         static_cast<unsigned>(n), static_cast<unsigned>(kMaxSplitOutputs));
  }
  SplitData d;
  d.num_outputs = static_cast<int32_t>(n);
  for (int i = 0; i < axis; ++i) d.outer *= in->dims[i];
  for (int i = axis + 1; i < in->num_dims; ++i) d.inner *= in->dims[i];
  int32_t total = 0;
  for (uint32_t k = 0; k < n; ++k) {
    RuntimeTensor* out = ctx.output(k);
    KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
    if (out->num_dims != in->num_dims) {
      return Status::Error(StatusCode::kMalformedModel, "output %u has rank %d, input %d",
                           static_cast<unsigned>(k), out->num_dims, in->num_dims);
    }
    for (int i = 0; i < in->num_dims; ++i) {
      if (i != axis && out->dims[i] != in->dims[i]) {
        return Status::Error(StatusCode::kMalformedModel, "output %u dim %d is %d, input %d",
                             static_cast<unsigned>(k), i, static_cast<int>(out->dims[i]),
                             static_cast<int>(in->dims[i]));
      }
    }
    if (out->scale != in->scale || out->zero_point != in->zero_point) {
      return Status::Error(StatusCode::kUnsupported, "output %u quantization differs",
                           static_cast<unsigned>(k));
    }
    d.axis_sizes[k] = out->dims[axis];
    total += out->dims[axis];
  }
  if (total != in->dims[axis]) {
    return Status::Error(StatusCode::kMalformedModel, "outputs sum to %d along axis %d, input %d",
                         static_cast<int>(total), static_cast<int>(axis),
                         static_cast<int>(in->dims[axis]));
  }
  if (variable_sizes) {
    // size_splits must agree with the output shapes (-1 = whatever remains).
    RuntimeTensor* sizes = ctx.input(1);
    KWS_RETURN_IF_ERROR(constant_i32(sizes, "size_splits"));
    if (elements(*sizes) != n) {
      return Status::Error(StatusCode::kMalformedModel, "%zu split sizes for %u outputs",
                           elements(*sizes), static_cast<unsigned>(n));
    }
    for (uint32_t k = 0; k < n; ++k) {
      const int32_t v = read_i32(*sizes, k);
      if (v != -1 && v != d.axis_sizes[k]) {
        return Status::Error(StatusCode::kMalformedModel, "split size %u is %d, output has %d",
                             static_cast<unsigned>(k), static_cast<int>(v),
                             static_cast<int>(d.axis_sizes[k]));
      }
    }
  } else {
    for (uint32_t k = 1; k < n; ++k) {
      if (d.axis_sizes[k] != d.axis_sizes[0]) {
        return Status::Error(StatusCode::kMalformedModel, "SPLIT outputs differ in size");
      }
    }
  }
  mem->persistent_bytes = sizeof(SplitData);
  if (persistent != nullptr) *static_cast<SplitData*>(persistent) = d;
  return Status::Ok();
}

Status prepare_split(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_split_common(ctx, false, persistent, mem);
}
Status prepare_split_v(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_split_common(ctx, true, persistent, mem);
}

Status eval_split_common(const OpNode& node, RuntimeTensor* t, uint32_t input_index) {
  const SplitData& d = *static_cast<const SplitData*>(node.persistent);
  int8_t* outputs[kMaxSplitOutputs];
  for (int32_t k = 0; k < d.num_outputs; ++k)
    outputs[k] = s8(node.out(t, static_cast<uint32_t>(k)));
  return split_s8(s8(node.in(t, input_index)), d.outer, d.inner, d.num_outputs, outputs,
                  d.axis_sizes);
}
Status eval_split(const OpNode& node, RuntimeTensor* t) { return eval_split_common(node, t, 1); }
Status eval_split_v(const OpNode& node, RuntimeTensor* t) { return eval_split_common(node, t, 0); }

}  // namespace

const OpKernel kReshapeKernel = {"RESHAPE", prepare_reshape, eval_reshape, nullptr};
const OpKernel kConcatenationKernel = {"CONCATENATION", prepare_concat, eval_concat, nullptr};
const OpKernel kStridedSliceKernel = {"STRIDED_SLICE", prepare_slice, eval_slice, nullptr};
const OpKernel kPadKernel = {"PAD", prepare_pad, eval_pad, nullptr};
const OpKernel kMeanKernel = {"MEAN", prepare_mean_op, eval_mean, nullptr};
const OpKernel kSplitKernel = {"SPLIT", prepare_split, eval_split, nullptr};
const OpKernel kSplitVKernel = {"SPLIT_V", prepare_split_v, eval_split_v, nullptr};

}  // namespace kws::nn::ops
