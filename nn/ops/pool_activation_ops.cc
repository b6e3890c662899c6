// AVERAGE_POOL_2D, MAX_POOL_2D, SOFTMAX, LOGISTIC and LEAKY_RELU (int8).
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/quantization.h"
#include "nn/ops/op_table.h"
#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

namespace fp = field::pool2d;

struct PoolData {
  PoolParams params;
  Dims4 input;
  Dims4 output;
};

Status prepare_pool(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kPool2d));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  if (in->num_dims != 4 || out->num_dims != 4) {
    return Status::Error(StatusCode::kUnsupported, "input and output must be 4-D");
  }
  if (in->scale != out->scale || in->zero_point != out->zero_point) {
    return Status::Error(StatusCode::kUnsupported, "input and output quantization differ");
  }
  PoolData d;
  KWS_RETURN_IF_ERROR(to_dims4(*in, &d.input, "input"));
  KWS_RETURN_IF_ERROR(to_dims4(*out, &d.output, "output"));
  PoolOptions po;
  KWS_RETURN_IF_ERROR(read_pool_options(ctx, &po));
  PoolParams& p = d.params;
  p.stride_w = po.stride_w;
  p.stride_h = po.stride_h;
  p.filter_w = po.filter_w;
  p.filter_h = po.filter_h;
  KWS_RETURN_IF_ERROR(
      output_activation(ctx, fp::kActivation, *out, &p.activation_min, &p.activation_max));
  const Padding padding = po.padding;
  int32_t out_h = 0, out_w = 0;
  KWS_RETURN_IF_ERROR(
      compute_padding(padding, d.input.h, p.filter_h, p.stride_h, 1, &out_h, &p.pad_h));
  KWS_RETURN_IF_ERROR(
      compute_padding(padding, d.input.w, p.filter_w, p.stride_w, 1, &out_w, &p.pad_w));
  if (out_h != d.output.h || out_w != d.output.w || d.input.n != d.output.n ||
      d.input.c != d.output.c) {
    return Status::Error(StatusCode::kMalformedModel, "output shape does not match the options");
  }
  mem->persistent_bytes = sizeof(PoolData);
  if (persistent != nullptr) *static_cast<PoolData*>(persistent) = d;
  return Status::Ok();
}

Status eval_avg_pool(const OpNode& node, RuntimeTensor* t) {
  const PoolData& d = *static_cast<const PoolData*>(node.persistent);
  return avg_pool_s8(d.params, d.input, s8(node.in(t, 0)), d.output, s8(node.out(t, 0)));
}

Status eval_max_pool(const OpNode& node, RuntimeTensor* t) {
  const PoolData& d = *static_cast<const PoolData*>(node.persistent);
  return max_pool_s8(d.params, d.input, s8(node.in(t, 0)), d.output, s8(node.out(t, 0)));
}

struct SoftmaxData {
  SoftmaxParams params;
  int32_t rows = 0;
  int32_t depth = 0;
  bool u8_output = false;
};

Status prepare_softmax_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kSoftmax));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
  if (out == nullptr) return Status::Error(StatusCode::kMalformedModel, "missing output");
  SoftmaxData d;
  d.u8_output = out->type == TensorType::kUInt8;
  if (!d.u8_output) KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  const int32_t want_zp = d.u8_output ? 0 : -128;
  if (out->zero_point != want_zp || out->scale != 1.0f / 256.0f) {
    return Status::Error(StatusCode::kUnsupported,
                         "output quantization must be scale 1/256, zero point %d",
                         static_cast<int>(want_zp));
  }
  if (in->num_dims < 1 || elements(*in) != elements(*out)) {
    return Status::Error(StatusCode::kMalformedModel, "input and output sizes differ");
  }
  d.depth = in->dims[in->num_dims - 1];
  d.rows = d.depth > 0 ? static_cast<int32_t>(elements(*in) / static_cast<size_t>(d.depth)) : 0;
  float beta = 1.0f;
  KWS_RETURN_IF_ERROR(ctx.model->option<float>(*ctx.desc, field::softmax::kBeta, 1.0f, &beta));
  KWS_RETURN_IF_ERROR(prepare_softmax(static_cast<double>(beta), in->scale, &d.params));
  mem->persistent_bytes = sizeof(SoftmaxData);
  if (persistent != nullptr) *static_cast<SoftmaxData*>(persistent) = d;
  return Status::Ok();
}

Status eval_softmax(const OpNode& node, RuntimeTensor* t) {
  const SoftmaxData& d = *static_cast<const SoftmaxData*>(node.persistent);
  if (d.u8_output) {
    return softmax_s8_u8(d.params, d.rows, d.depth, s8(node.in(t, 0)), node.out(t, 0).data);
  }
  return softmax_s8(d.params, d.rows, d.depth, s8(node.in(t, 0)), s8(node.out(t, 0)));
}

struct LogisticData {
  LogisticParams params;
  int32_t size = 0;
};

Status prepare_logistic_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
  if (out->zero_point != -128 || out->scale != 1.0f / 256.0f) {
    return Status::Error(StatusCode::kUnsupported,
                         "output quantization must be scale 1/256, zero point -128");
  }
  if (elements(*in) != elements(*out)) {
    return Status::Error(StatusCode::kMalformedModel, "input and output sizes differ");
  }
  LogisticData d;
  d.size = static_cast<int32_t>(elements(*in));
  KWS_RETURN_IF_ERROR(prepare_logistic(in->scale, in->zero_point, &d.params));
  mem->persistent_bytes = sizeof(LogisticData);
  if (persistent != nullptr) *static_cast<LogisticData*>(persistent) = d;
  return Status::Ok();
}

Status eval_logistic(const OpNode& node, RuntimeTensor* t) {
  const LogisticData& d = *static_cast<const LogisticData*>(node.persistent);
  return logistic_s8(d.params, d.size, s8(node.in(t, 0)), s8(node.out(t, 0)));
}

// LEAKY_RELU int8 as TFLite's reference: x - in_zp, scaled by in/out (x >= 0)
// or by alpha * in/out (x < 0) with its quantised multiplier, plus out_zp,
// clamped to [-128, 127].
struct LeakyReluData {
  int32_t in_zp = 0;
  int32_t out_zp = 0;
  int32_t mult_identity = 0;
  int shift_identity = 0;
  int32_t mult_alpha = 0;
  int shift_alpha = 0;
  int32_t size = 0;
};

Status prepare_leaky_relu_op(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
  KWS_RETURN_IF_ERROR(expect_quantized(out, "output"));
  if (elements(*in) != elements(*out)) {
    return Status::Error(StatusCode::kMalformedModel, "input and output sizes differ");
  }
  float alpha = 0.0f;
  KWS_RETURN_IF_ERROR(ctx.model->option<float>(*ctx.desc, field::leaky_relu::kAlpha, 0.0f, &alpha));
  LeakyReluData d;
  d.in_zp = in->zero_point;
  d.out_zp = out->zero_point;
  d.size = static_cast<int32_t>(elements(*in));
  const double ratio = static_cast<double>(in->scale) / static_cast<double>(out->scale);
  KWS_RETURN_IF_ERROR(quantize_multiplier(ratio, &d.mult_identity, &d.shift_identity));
  KWS_RETURN_IF_ERROR(
      quantize_multiplier(ratio * static_cast<double>(alpha), &d.mult_alpha, &d.shift_alpha));
  mem->persistent_bytes = sizeof(LeakyReluData);
  if (persistent != nullptr) *static_cast<LeakyReluData*>(persistent) = d;
  return Status::Ok();
}

Status eval_leaky_relu(const OpNode& node, RuntimeTensor* t) {
  const LeakyReluData& d = *static_cast<const LeakyReluData*>(node.persistent);
  const int8_t* x = s8(node.in(t, 0));
  int8_t* y = s8(node.out(t, 0));
  for (int32_t i = 0; i < d.size; ++i) {
    const int32_t v = static_cast<int32_t>(x[i]) - d.in_zp;
    const int32_t r = v >= 0
                          ? multiply_by_quantized_multiplier(v, d.mult_identity, d.shift_identity)
                          : multiply_by_quantized_multiplier(v, d.mult_alpha, d.shift_alpha);
    const int32_t q = r + d.out_zp;
    y[i] = static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
  }
  return Status::Ok();
}

}  // namespace

const OpKernel kLeakyReluKernel = {"LEAKY_RELU", prepare_leaky_relu_op, eval_leaky_relu, nullptr};
const OpKernel kAveragePool2dKernel = {"AVERAGE_POOL_2D", prepare_pool, eval_avg_pool, nullptr};
const OpKernel kMaxPool2dKernel = {"MAX_POOL_2D", prepare_pool, eval_max_pool, nullptr};
const OpKernel kSoftmaxKernel = {"SOFTMAX", prepare_softmax_op, eval_softmax, nullptr};
const OpKernel kLogisticKernel = {"LOGISTIC", prepare_logistic_op, eval_logistic, nullptr};

}  // namespace kws::nn::ops
