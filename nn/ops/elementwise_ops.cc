// ADD, MUL (int8 with 4-D broadcasting), QUANTIZE and DEQUANTIZE.
#include "nn/ops/op_table.h"
#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

struct BinaryData {
  AddParams add;
  MulParams mul;
  Dims4 in1;
  Dims4 in2;
  Dims4 out;
};

Status prepare_binary(const PrepareContext& ctx, bool is_add, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, is_add ? options_type::kAdd : options_type::kMul));
  RuntimeTensor* a = ctx.input(0);
  RuntimeTensor* b = ctx.input(1);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(a, TensorType::kInt8, "input 1"));
  KWS_RETURN_IF_ERROR(expect(b, TensorType::kInt8, "input 2"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(a, "input 1"));
  KWS_RETURN_IF_ERROR(expect_quantized(b, "input 2"));
  KWS_RETURN_IF_ERROR(expect_quantized(out, "output"));
  BinaryData d;
  KWS_RETURN_IF_ERROR(to_dims4(*a, &d.in1, "input 1"));
  KWS_RETURN_IF_ERROR(to_dims4(*b, &d.in2, "input 2"));
  KWS_RETURN_IF_ERROR(to_dims4(*out, &d.out, "output"));
  const int32_t* x = &d.in1.n;
  const int32_t* y = &d.in2.n;
  const int32_t* z = &d.out.n;
  for (int i = 0; i < 4; ++i) {
    if ((x[i] != z[i] && x[i] != 1) || (y[i] != z[i] && y[i] != 1)) {
      return Status::Error(StatusCode::kMalformedModel, "shapes do not broadcast to the output");
    }
  }
  int32_t act_min = 0, act_max = 0;
  KWS_RETURN_IF_ERROR(output_activation(ctx, field::add::kActivation, *out, &act_min, &act_max));
  if (is_add) {
    KWS_RETURN_IF_ERROR(prepare_add(a->scale, a->zero_point, b->scale, b->zero_point, out->scale,
                                    out->zero_point, act_min, act_max, &d.add));
  } else {
    KWS_RETURN_IF_ERROR(prepare_mul(a->scale, a->zero_point, b->scale, b->zero_point, out->scale,
                                    out->zero_point, act_min, act_max, &d.mul));
  }
  mem->persistent_bytes = sizeof(BinaryData);
  if (persistent != nullptr) *static_cast<BinaryData*>(persistent) = d;
  return Status::Ok();
}

Status prepare_add_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_binary(ctx, true, persistent, mem);
}
Status prepare_mul_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_binary(ctx, false, persistent, mem);
}

Status eval_add(const OpNode& node, RuntimeTensor* t) {
  const BinaryData& d = *static_cast<const BinaryData*>(node.persistent);
  return add_s8(d.add, d.in1, s8(node.in(t, 0)), d.in2, s8(node.in(t, 1)), d.out,
                s8(node.out(t, 0)));
}
Status eval_mul(const OpNode& node, RuntimeTensor* t) {
  const BinaryData& d = *static_cast<const BinaryData*>(node.persistent);
  return mul_s8(d.mul, d.in1, s8(node.in(t, 0)), d.in2, s8(node.in(t, 1)), d.out,
                s8(node.out(t, 0)));
}

enum class QuantKind : uint8_t {
  kF32ToS8,
  kF32ToU8,
  kS8ToS8,
  kS8ToU8,
  kU8ToS8,
  kS8ToF32,
  kU8ToF32
};

struct QuantData {
  QuantKind kind = QuantKind::kF32ToS8;
  RequantizeParams requant;
  float scale = 0.0f;
  int32_t zero_point = 0;
  int32_t size = 0;
};

Status prepare_quant(const PrepareContext& ctx, bool quantize, void* persistent, OpMemory* mem) {
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  if (in == nullptr || out == nullptr) {
    return Status::Error(StatusCode::kMalformedModel, "missing input or output");
  }
  if (elements(*in) != elements(*out)) {
    return Status::Error(StatusCode::kMalformedModel, "input and output sizes differ");
  }
  QuantData d;
  d.size = static_cast<int32_t>(elements(*in));
  const TensorType it = in->type;
  const TensorType ot = out->type;
  bool ok = true;
  if (quantize) {
    KWS_RETURN_IF_ERROR(expect_quantized(out, "output"));
    d.scale = out->scale;
    d.zero_point = out->zero_point;
    if (it == TensorType::kFloat32 && ot == TensorType::kInt8) {
      d.kind = QuantKind::kF32ToS8;
    } else if (it == TensorType::kFloat32 && ot == TensorType::kUInt8) {
      d.kind = QuantKind::kF32ToU8;
    } else if ((it == TensorType::kInt8 || it == TensorType::kUInt8) &&
               (ot == TensorType::kInt8 || ot == TensorType::kUInt8) &&
               !(it == TensorType::kUInt8 && ot == TensorType::kUInt8)) {
      KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
      d.kind = it == TensorType::kUInt8   ? QuantKind::kU8ToS8
               : ot == TensorType::kUInt8 ? QuantKind::kS8ToU8
                                          : QuantKind::kS8ToS8;
      KWS_RETURN_IF_ERROR(
          prepare_requantize(in->scale, in->zero_point, out->scale, out->zero_point, &d.requant));
    } else {
      ok = false;
    }
  } else {
    KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
    d.scale = in->scale;
    d.zero_point = in->zero_point;
    if (it == TensorType::kInt8 && ot == TensorType::kFloat32) {
      d.kind = QuantKind::kS8ToF32;
    } else if (it == TensorType::kUInt8 && ot == TensorType::kFloat32) {
      d.kind = QuantKind::kU8ToF32;
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return Status::Error(StatusCode::kUnsupported, "%s to %s", tensor_type_name(it),
                         tensor_type_name(ot));
  }
  mem->persistent_bytes = sizeof(QuantData);
  if (persistent != nullptr) *static_cast<QuantData*>(persistent) = d;
  return Status::Ok();
}

Status prepare_quantize_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_quant(ctx, true, persistent, mem);
}
Status prepare_dequantize_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_quant(ctx, false, persistent, mem);
}

Status eval_quant(const OpNode& node, RuntimeTensor* t) {
  const QuantData& d = *static_cast<const QuantData*>(node.persistent);
  uint8_t* in = node.in(t, 0).data;
  uint8_t* out = node.out(t, 0).data;
  switch (d.kind) {
    case QuantKind::kF32ToS8:
      return quantize_f32_s8(d.scale, d.zero_point, d.size, reinterpret_cast<const float*>(in),
                             reinterpret_cast<int8_t*>(out));
    case QuantKind::kF32ToU8:
      return quantize_f32_u8(d.scale, d.zero_point, d.size, reinterpret_cast<const float*>(in),
                             out);
    case QuantKind::kS8ToS8:
      return requantize_s8_s8(d.requant, d.size, reinterpret_cast<const int8_t*>(in),
                              reinterpret_cast<int8_t*>(out));
    case QuantKind::kS8ToU8:
      return requantize_s8_u8(d.requant, d.size, reinterpret_cast<const int8_t*>(in), out);
    case QuantKind::kU8ToS8:
      return requantize_u8_s8(d.requant, d.size, in, reinterpret_cast<int8_t*>(out));
    case QuantKind::kS8ToF32:
      return dequantize_s8_f32(d.scale, d.zero_point, d.size, reinterpret_cast<const int8_t*>(in),
                               reinterpret_cast<float*>(out));
    case QuantKind::kU8ToF32:
      return dequantize_u8_f32(d.scale, d.zero_point, d.size, in, reinterpret_cast<float*>(out));
  }
  return Status::Error(StatusCode::kInternal, "bad quantize kind");
}

}  // namespace

const OpKernel kAddKernel = {"ADD", prepare_add_op, eval_add, nullptr};
const OpKernel kMulKernel = {"MUL", prepare_mul_op, eval_mul, nullptr};
const OpKernel kQuantizeKernel = {"QUANTIZE", prepare_quantize_op, eval_quant, nullptr};
const OpKernel kDequantizeKernel = {"DEQUANTIZE", prepare_dequantize_op, eval_quant, nullptr};

}  // namespace kws::nn::ops
