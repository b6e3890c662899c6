// Float32 glue of every op the float path supports. Each prepare validates the
// float operands, computes the output shape from its inputs and options (so a
// resized model input propagates through the graph: InterpreterOptions) and
// writes it into the output tensor; eval calls one float kernel.
//
// Selected by nn/ops/registry.cc when an op's first input is FLOAT32; absent
// from builds with KWS_NN_FLOAT32=0 (the MCU image).
#include <cstring>

#include "nn/ops/op_table.h"
#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

namespace fc = field::conv2d;
namespace fp = field::pool2d;

inline float* f32(const RuntimeTensor& t) { return reinterpret_cast<float*>(t.data); }

// Sets `out`'s shape (and bytes from its type); a constant output is an error.
Status set_shape(RuntimeTensor* out, int rank, const int32_t* dims) {
  if (out->constant) return Status::Error(StatusCode::kMalformedModel, "output is constant");
  if (rank < 0 || rank > kMaxDims) {
    return Status::Error(StatusCode::kUnsupported, "output rank %d (at most %d)", rank, kMaxDims);
  }
  size_t n = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 1 || n > (static_cast<size_t>(1) << 31) / static_cast<size_t>(dims[i])) {
      return Status::Error(StatusCode::kUnsupported, "output dim %d is %d", i,
                           static_cast<int>(dims[i]));
    }
    n *= static_cast<size_t>(dims[i]);
  }
  out->num_dims = rank;
  for (int i = 0; i < rank; ++i) out->dims[i] = dims[i];
  out->bytes = n * tensor_type_size(out->type);
  return Status::Ok();
}

Status same_shape(const RuntimeTensor& in, RuntimeTensor* out) {
  return set_shape(out, in.num_dims, in.dims);
}

Status expect_f32(const PrepareContext& ctx, uint32_t inputs) {
  for (uint32_t i = 0; i < inputs; ++i) {
    static const char* const kNames[] = {"input", "input 2", "input 3"};
    KWS_RETURN_IF_ERROR(expect(ctx.input(i), TensorType::kFloat32, kNames[i < 3 ? i : 2]));
  }
  if (ctx.output(0) == nullptr) return Status::Error(StatusCode::kMalformedModel, "missing output");
  return Status::Ok();
}

Status float_activation(const PrepareContext& ctx, int id, float* lo, float* hi) {
  int8_t raw = 0;
  KWS_RETURN_IF_ERROR(ctx.model->option<int8_t>(*ctx.desc, id, 0, &raw));
  Activation act = Activation::kNone;
  KWS_RETURN_IF_ERROR(to_activation(raw, &act));
  *lo = -3.40282347e38f;
  *hi = 3.40282347e38f;
  if (act == Activation::kRelu) {
    *lo = 0.0f;
  } else if (act == Activation::kRelu6) {
    *lo = 0.0f;
    *hi = 6.0f;
  } else if (act == Activation::kReluN1To1) {
    *lo = -1.0f;
    *hi = 1.0f;
  }
  return Status::Ok();
}

template <typename T>
Status store(void* persistent, OpMemory* mem, const T& d) {
  mem->persistent_bytes = sizeof(T);
  if (persistent != nullptr) *static_cast<T*>(persistent) = d;
  return Status::Ok();
}

template <typename T>
const T& data_of(const OpNode& node) {
  return *static_cast<const T*>(node.persistent);
}

// --- CONV_2D ---------------------------------------------------------------------

struct ConvF32Data {
  ConvF32Params params;
  Dims4 input, filter, output;
};

Status prepare_conv(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kConv2d));
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 2));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* filter = ctx.input(1);
  RuntimeTensor* bias = ctx.input(2);
  if (in->num_dims != 4 || filter->num_dims != 4 || !filter->constant) {
    return Status::Error(StatusCode::kUnsupported, "input and constant filter must be 4-D");
  }
  ConvF32Data d;
  KWS_RETURN_IF_ERROR(to_dims4(*in, &d.input, "input"));
  KWS_RETURN_IF_ERROR(to_dims4(*filter, &d.filter, "filter"));
  if (bias != nullptr) {
    KWS_RETURN_IF_ERROR(expect(bias, TensorType::kFloat32, "bias"));
    if (!bias->constant || elements(*bias) != static_cast<size_t>(d.filter.n)) {
      return Status::Error(StatusCode::kMalformedModel, "bias must be %d constant values",
                           static_cast<int>(d.filter.n));
    }
  }
  if (d.filter.c <= 0 || d.input.c % d.filter.c != 0 ||
      d.filter.n % (d.input.c / d.filter.c) != 0) {
    return Status::Error(StatusCode::kMalformedModel, "input has %d channels, filter %d",
                         static_cast<int>(d.input.c), static_cast<int>(d.filter.c));
  }
  const auto& m = *ctx.model;
  const OperatorDesc& od = *ctx.desc;
  int8_t padding_raw = 0;
  ConvF32Params& p = d.params;
  KWS_RETURN_IF_ERROR(m.option<int8_t>(od, fc::kPadding, 0, &padding_raw));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fc::kStrideW, 1, &p.stride_w));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fc::kStrideH, 1, &p.stride_h));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fc::kDilationW, 1, &p.dilation_w));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fc::kDilationH, 1, &p.dilation_h));
  KWS_RETURN_IF_ERROR(float_activation(ctx, fc::kActivation, &p.activation_min, &p.activation_max));
  Padding padding = Padding::kSame;
  KWS_RETURN_IF_ERROR(to_padding(padding_raw, &padding));
  d.output = Dims4{d.input.n, 0, 0, d.filter.n};
  KWS_RETURN_IF_ERROR(compute_padding(padding, d.input.h, d.filter.h, p.stride_h, p.dilation_h,
                                      &d.output.h, &p.pad_h));
  KWS_RETURN_IF_ERROR(compute_padding(padding, d.input.w, d.filter.w, p.stride_w, p.dilation_w,
                                      &d.output.w, &p.pad_w));
  const int32_t shape[4] = {d.output.n, d.output.h, d.output.w, d.output.c};
  KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), 4, shape));
  KWS_RETURN_IF_ERROR(conv_f32_buffer_size(p, d.input, d.filter, d.output, &mem->scratch_bytes));
  const size_t scratch = mem->scratch_bytes;
  KWS_RETURN_IF_ERROR(store(persistent, mem, d));
  mem->scratch_bytes = scratch;
  return Status::Ok();
}

Status eval_conv(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<ConvF32Data>(node);
  const float* bias = node.inputs.size() > 2 && node.inputs[2] >= 0 ? f32(node.in(t, 2)) : nullptr;
  return conv_f32(Scratch{node.scratch, node.scratch_bytes}, d.params, d.input, f32(node.in(t, 0)),
                  d.filter, f32(node.in(t, 1)), bias, d.output, f32(node.out(t, 0)));
}

// --- MAX_POOL_2D -----------------------------------------------------------------

struct PoolF32Data {
  PoolF32Params params;
  Dims4 input, output;
};

Status prepare_max_pool(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kPool2d));
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  RuntimeTensor* in = ctx.input(0);
  if (in->num_dims != 4) return Status::Error(StatusCode::kUnsupported, "input must be 4-D");
  PoolF32Data d;
  KWS_RETURN_IF_ERROR(to_dims4(*in, &d.input, "input"));
  const auto& m = *ctx.model;
  const OperatorDesc& od = *ctx.desc;
  int8_t padding_raw = 0;
  PoolF32Params& p = d.params;
  KWS_RETURN_IF_ERROR(m.option<int8_t>(od, fp::kPadding, 0, &padding_raw));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fp::kStrideW, 1, &p.stride_w));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fp::kStrideH, 1, &p.stride_h));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fp::kFilterW, 1, &p.filter_w));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fp::kFilterH, 1, &p.filter_h));
  KWS_RETURN_IF_ERROR(float_activation(ctx, fp::kActivation, &p.activation_min, &p.activation_max));
  Padding padding = Padding::kSame;
  KWS_RETURN_IF_ERROR(to_padding(padding_raw, &padding));
  d.output = Dims4{d.input.n, 0, 0, d.input.c};
  KWS_RETURN_IF_ERROR(
      compute_padding(padding, d.input.h, p.filter_h, p.stride_h, 1, &d.output.h, &p.pad_h));
  KWS_RETURN_IF_ERROR(
      compute_padding(padding, d.input.w, p.filter_w, p.stride_w, 1, &d.output.w, &p.pad_w));
  const int32_t shape[4] = {d.output.n, d.output.h, d.output.w, d.output.c};
  KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), 4, shape));
  return store(persistent, mem, d);
}

Status eval_max_pool(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<PoolF32Data>(node);
  return max_pool_f32(d.params, d.input, f32(node.in(t, 0)), d.output, f32(node.out(t, 0)));
}

// --- FULLY_CONNECTED -------------------------------------------------------------

struct FcF32Data {
  FullyConnectedDims dims;
  float act_min = 0.0f, act_max = 0.0f;
};

Status prepare_fc(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kFullyConnected));
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 2));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* filter = ctx.input(1);
  RuntimeTensor* bias = ctx.input(2);
  if (filter->num_dims != 2 || !filter->constant) {
    return Status::Error(StatusCode::kUnsupported, "weights must be constant and 2-D");
  }
  const auto& m = *ctx.model;
  int8_t format = 0;
  bool keep_dims = false;
  KWS_RETURN_IF_ERROR(
      m.option<int8_t>(*ctx.desc, field::fully_connected::kWeightsFormat, 0, &format));
  KWS_RETURN_IF_ERROR(
      m.option<bool>(*ctx.desc, field::fully_connected::kKeepNumDims, false, &keep_dims));
  if (format != 0) return Status::Error(StatusCode::kUnsupported, "shuffled weights format");
  FcF32Data d;
  d.dims.output_depth = filter->dims[0];
  d.dims.accum_depth = filter->dims[1];
  const size_t n = elements(*in);
  if (d.dims.accum_depth <= 0 || n % static_cast<size_t>(d.dims.accum_depth) != 0) {
    return Status::Error(StatusCode::kMalformedModel, "input of %zu values, depth %d", n,
                         static_cast<int>(d.dims.accum_depth));
  }
  d.dims.batches = static_cast<int32_t>(n / static_cast<size_t>(d.dims.accum_depth));
  if (bias != nullptr) {
    KWS_RETURN_IF_ERROR(expect(bias, TensorType::kFloat32, "bias"));
    if (!bias->constant || elements(*bias) != static_cast<size_t>(d.dims.output_depth)) {
      return Status::Error(StatusCode::kMalformedModel, "bias must be %d constant values",
                           static_cast<int>(d.dims.output_depth));
    }
  }
  KWS_RETURN_IF_ERROR(
      float_activation(ctx, field::fully_connected::kActivation, &d.act_min, &d.act_max));
  if (keep_dims && in->num_dims >= 1 && in->dims[in->num_dims - 1] == d.dims.accum_depth) {
    int32_t shape[kMaxDims];
    for (int i = 0; i < in->num_dims; ++i) shape[i] = in->dims[i];
    shape[in->num_dims - 1] = d.dims.output_depth;
    KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), in->num_dims, shape));
  } else {
    const int32_t shape[2] = {d.dims.batches, d.dims.output_depth};
    KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), 2, shape));
  }
  return store(persistent, mem, d);
}

Status eval_fc(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<FcF32Data>(node);
  const float* bias = node.inputs.size() > 2 && node.inputs[2] >= 0 ? f32(node.in(t, 2)) : nullptr;
  return fully_connected_f32(d.dims, d.act_min, d.act_max, f32(node.in(t, 0)), f32(node.in(t, 1)),
                             bias, f32(node.out(t, 0)));
}

// --- elementwise binary ----------------------------------------------------------

struct BinaryF32Data {
  BinaryF32Op op = BinaryF32Op::kAdd;
  float act_min = 0.0f, act_max = 0.0f;
  Dims4 in1, in2, out;
};

// Output shape of a broadcasting binary op (numpy rules, rank <= 4).
Status broadcast_shape(const RuntimeTensor& a, const RuntimeTensor& b, RuntimeTensor* out) {
  const int rank = a.num_dims > b.num_dims ? a.num_dims : b.num_dims;
  if (rank > 4) return Status::Error(StatusCode::kUnsupported, "rank %d (at most 4)", rank);
  int32_t shape[4] = {};
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.num_dims);
    const int ib = i - (rank - b.num_dims);
    const int32_t da = ia >= 0 ? a.dims[ia] : 1;
    const int32_t db = ib >= 0 ? b.dims[ib] : 1;
    if (da != db && da != 1 && db != 1) {
      return Status::Error(StatusCode::kMalformedModel, "shapes do not broadcast (dim %d: %d, %d)",
                           i, static_cast<int>(da), static_cast<int>(db));
    }
    shape[i] = da == 1 ? db : da;
  }
  return set_shape(out, rank, shape);
}

Status prepare_binary(const PrepareContext& ctx, BinaryF32Op op, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 2));
  BinaryF32Data d;
  d.op = op;
  d.act_min = -3.40282347e38f;
  d.act_max = 3.40282347e38f;
  if (op == BinaryF32Op::kAdd || op == BinaryF32Op::kSub || op == BinaryF32Op::kMul) {
    // ADD, SUB and MUL options all hold the fused activation in field 0.
    KWS_RETURN_IF_ERROR(float_activation(ctx, field::add::kActivation, &d.act_min, &d.act_max));
  }
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(broadcast_shape(*ctx.input(0), *ctx.input(1), out));
  KWS_RETURN_IF_ERROR(to_dims4(*ctx.input(0), &d.in1, "input 1"));
  KWS_RETURN_IF_ERROR(to_dims4(*ctx.input(1), &d.in2, "input 2"));
  KWS_RETURN_IF_ERROR(to_dims4(*out, &d.out, "output"));
  return store(persistent, mem, d);
}

Status prepare_add(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_binary(c, BinaryF32Op::kAdd, p, m);
}
Status prepare_sub(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_binary(c, BinaryF32Op::kSub, p, m);
}
Status prepare_mul(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_binary(c, BinaryF32Op::kMul, p, m);
}
Status prepare_maximum(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_binary(c, BinaryF32Op::kMaximum, p, m);
}
Status prepare_minimum(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_binary(c, BinaryF32Op::kMinimum, p, m);
}

Status eval_binary(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<BinaryF32Data>(node);
  return binary_f32(d.op, d.act_min, d.act_max, d.in1, f32(node.in(t, 0)), d.in2,
                    f32(node.in(t, 1)), d.out, f32(node.out(t, 0)));
}

Status prepare_greater_equal(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 2));
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kBool, "output"));
  BinaryF32Data d;
  KWS_RETURN_IF_ERROR(broadcast_shape(*ctx.input(0), *ctx.input(1), out));
  KWS_RETURN_IF_ERROR(to_dims4(*ctx.input(0), &d.in1, "input 1"));
  KWS_RETURN_IF_ERROR(to_dims4(*ctx.input(1), &d.in2, "input 2"));
  KWS_RETURN_IF_ERROR(to_dims4(*out, &d.out, "output"));
  return store(persistent, mem, d);
}

Status eval_greater_equal(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<BinaryF32Data>(node);
  return greater_equal_f32(d.in1, f32(node.in(t, 0)), d.in2, f32(node.in(t, 1)), d.out,
                           reinterpret_cast<bool*>(node.out(t, 0).data));
}

// --- elementwise unary -----------------------------------------------------------

struct UnaryF32Data {
  UnaryF32Op op = UnaryF32Op::kLog;
  float alpha = 0.0f;
  int32_t size = 0;
};

Status prepare_unary(const PrepareContext& ctx, UnaryF32Op op, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  KWS_RETURN_IF_ERROR(expect(ctx.output(0), TensorType::kFloat32, "output"));
  UnaryF32Data d;
  d.op = op;
  if (op == UnaryF32Op::kLeakyRelu) {
    KWS_RETURN_IF_ERROR(
        ctx.model->option<float>(*ctx.desc, field::leaky_relu::kAlpha, 0.0f, &d.alpha));
  }
  KWS_RETURN_IF_ERROR(same_shape(*ctx.input(0), ctx.output(0)));
  d.size = static_cast<int32_t>(elements(*ctx.input(0)));
  return store(persistent, mem, d);
}

Status prepare_leaky_relu(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_unary(c, UnaryF32Op::kLeakyRelu, p, m);
}
Status prepare_rsqrt(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_unary(c, UnaryF32Op::kRsqrt, p, m);
}
Status prepare_log(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_unary(c, UnaryF32Op::kLog, p, m);
}
Status prepare_logistic(const PrepareContext& c, void* p, OpMemory* m) {
  return prepare_unary(c, UnaryF32Op::kLogistic, p, m);
}

Status eval_unary(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<UnaryF32Data>(node);
  return unary_f32(d.op, d.alpha, d.size, f32(node.in(t, 0)), f32(node.out(t, 0)));
}

// --- SOFTMAX ---------------------------------------------------------------------

struct SoftmaxF32Data {
  float beta = 1.0f;
  int32_t rows = 0, depth = 0;
};

Status prepare_softmax(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kSoftmax));
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  KWS_RETURN_IF_ERROR(expect(ctx.output(0), TensorType::kFloat32, "output"));
  const RuntimeTensor* in = ctx.input(0);
  SoftmaxF32Data d;
  KWS_RETURN_IF_ERROR(ctx.model->option<float>(*ctx.desc, field::softmax::kBeta, 1.0f, &d.beta));
  if (in->num_dims < 1) return Status::Error(StatusCode::kUnsupported, "scalar input");
  d.depth = in->dims[in->num_dims - 1];
  d.rows = static_cast<int32_t>(elements(*in) / static_cast<size_t>(d.depth > 0 ? d.depth : 1));
  KWS_RETURN_IF_ERROR(same_shape(*in, ctx.output(0)));
  return store(persistent, mem, d);
}

Status eval_softmax(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<SoftmaxF32Data>(node);
  return softmax_f32(d.beta, d.rows, d.depth, f32(node.in(t, 0)), f32(node.out(t, 0)));
}

// --- MEAN, REDUCE_MAX ------------------------------------------------------------

struct ReduceF32Data {
  Shape input;
  uint32_t axis_mask = 0;
};

Status prepare_reduce(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kReducer));
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  KWS_RETURN_IF_ERROR(expect(ctx.output(0), TensorType::kFloat32, "output"));
  RuntimeTensor* axes = ctx.input(1);
  KWS_RETURN_IF_ERROR(constant_i32(axes, "axis"));
  ReduceF32Data d;
  KWS_RETURN_IF_ERROR(to_shape(*ctx.input(0), &d.input, "input"));
  for (size_t i = 0; i < elements(*axes); ++i) {
    int32_t a = read_i32(*axes, i);
    if (a < 0) a += d.input.rank;
    if (a < 0 || a >= d.input.rank) {
      return Status::Error(StatusCode::kMalformedModel, "axis %d out of range",
                           static_cast<int>(a));
    }
    d.axis_mask |= 1u << a;
  }
  bool keep_dims = false;
  KWS_RETURN_IF_ERROR(
      ctx.model->option<bool>(*ctx.desc, field::reducer::kKeepDims, false, &keep_dims));
  int32_t shape[kMaxDims];
  int rank = 0;
  for (int i = 0; i < d.input.rank; ++i) {
    if ((d.axis_mask & (1u << i)) == 0) {
      shape[rank++] = d.input.dims[i];
    } else if (keep_dims) {
      shape[rank++] = 1;
    }
  }
  KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), rank, shape));
  return store(persistent, mem, d);
}

Status eval_mean(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<ReduceF32Data>(node);
  return mean_f32(d.input, d.axis_mask, f32(node.in(t, 0)), f32(node.out(t, 0)));
}

Status eval_reduce_max(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<ReduceF32Data>(node);
  return reduce_max_f32(d.input, d.axis_mask, f32(node.in(t, 0)), f32(node.out(t, 0)));
}

// --- PAD -------------------------------------------------------------------------

struct PadF32Data {
  PadParams params;
  Shape input;
};

Status prepare_pad(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  RuntimeTensor* pads = ctx.input(1);
  KWS_RETURN_IF_ERROR(constant_i32(pads, "paddings"));
  PadF32Data d;
  KWS_RETURN_IF_ERROR(to_shape(*ctx.input(0), &d.input, "input"));
  if (elements(*pads) != 2 * static_cast<size_t>(d.input.rank)) {
    return Status::Error(StatusCode::kMalformedModel, "paddings do not match rank %d",
                         static_cast<int>(d.input.rank));
  }
  if (ctx.num_inputs() > 2 && ctx.input(2) != nullptr) {
    return Status::Error(StatusCode::kUnsupported, "a pad value (PADV2)");
  }
  d.params.rank = d.input.rank;
  int32_t shape[kMaxDims];
  for (int i = 0; i < d.input.rank; ++i) {
    d.params.before[i] = read_i32(*pads, 2 * static_cast<size_t>(i));
    d.params.after[i] = read_i32(*pads, 2 * static_cast<size_t>(i) + 1);
    if (d.params.before[i] < 0 || d.params.after[i] < 0 || d.params.before[i] > (1 << 20) ||
        d.params.after[i] > (1 << 20)) {
      return Status::Error(StatusCode::kMalformedModel, "axis %d: bad padding", i);
    }
    shape[i] = d.input.dims[i] + d.params.before[i] + d.params.after[i];
  }
  KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), d.input.rank, shape));
  return store(persistent, mem, d);
}

Status eval_pad(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<PadF32Data>(node);
  return pad_f32(d.params, d.input, f32(node.in(t, 0)), f32(node.out(t, 0)));
}

// --- TRANSPOSE -------------------------------------------------------------------

struct TransposeF32Data {
  Shape input;
  int32_t perm[kMaxRank] = {};
};

Status prepare_transpose(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  RuntimeTensor* perm = ctx.input(1);
  KWS_RETURN_IF_ERROR(constant_i32(perm, "perm"));
  TransposeF32Data d;
  KWS_RETURN_IF_ERROR(to_shape(*ctx.input(0), &d.input, "input"));
  if (elements(*perm) != static_cast<size_t>(d.input.rank)) {
    return Status::Error(StatusCode::kMalformedModel, "perm does not match rank %d",
                         static_cast<int>(d.input.rank));
  }
  int32_t shape[kMaxDims];
  uint32_t seen = 0;
  for (int i = 0; i < d.input.rank; ++i) {
    d.perm[i] = read_i32(*perm, static_cast<size_t>(i));
    if (d.perm[i] < 0 || d.perm[i] >= d.input.rank || (seen & (1u << d.perm[i]))) {
      return Status::Error(StatusCode::kMalformedModel, "perm is not a permutation");
    }
    seen |= 1u << d.perm[i];
    shape[i] = d.input.dims[d.perm[i]];
  }
  KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), d.input.rank, shape));
  return store(persistent, mem, d);
}

Status eval_transpose(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<TransposeF32Data>(node);
  return transpose_f32(d.input, d.perm, f32(node.in(t, 0)), f32(node.out(t, 0)));
}

// --- BATCH_MATMUL ----------------------------------------------------------------

struct BatchMatmulF32Data {
  Shape lhs, rhs, out;
  bool adj_x = false, adj_y = false;
};

Status prepare_batch_matmul(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 2));
  BatchMatmulF32Data d;
  const auto& m = *ctx.model;
  KWS_RETURN_IF_ERROR(m.option<bool>(*ctx.desc, field::batch_matmul::kAdjX, false, &d.adj_x));
  KWS_RETURN_IF_ERROR(m.option<bool>(*ctx.desc, field::batch_matmul::kAdjY, false, &d.adj_y));
  KWS_RETURN_IF_ERROR(to_shape(*ctx.input(0), &d.lhs, "lhs"));
  KWS_RETURN_IF_ERROR(to_shape(*ctx.input(1), &d.rhs, "rhs"));
  // Equal ranks: the lower-rank operand gets leading 1s.
  const int32_t r = d.lhs.rank > d.rhs.rank ? d.lhs.rank : d.rhs.rank;
  if (r < 2) return Status::Error(StatusCode::kMalformedModel, "operands of rank < 2");
  Shape* operands[2] = {&d.lhs, &d.rhs};
  for (Shape* s : operands) {
    const int32_t lead = r - s->rank;
    for (int32_t i = s->rank - 1; i >= 0; --i) s->dims[i + lead] = s->dims[i];
    for (int32_t i = 0; i < lead; ++i) s->dims[i] = 1;
    s->rank = r;
  }
  const int32_t rows = d.adj_x ? d.lhs.dims[r - 1] : d.lhs.dims[r - 2];
  const int32_t depth = d.adj_x ? d.lhs.dims[r - 2] : d.lhs.dims[r - 1];
  const int32_t rdepth = d.adj_y ? d.rhs.dims[r - 1] : d.rhs.dims[r - 2];
  const int32_t cols = d.adj_y ? d.rhs.dims[r - 2] : d.rhs.dims[r - 1];
  if (depth != rdepth) {
    return Status::Error(StatusCode::kMalformedModel, "inner dims %d and %d differ",
                         static_cast<int>(depth), static_cast<int>(rdepth));
  }
  d.out.rank = r;
  for (int32_t i = 0; i < r - 2; ++i) {
    const int32_t a = d.lhs.dims[i], b = d.rhs.dims[i];
    if (a != b && a != 1 && b != 1) {
      return Status::Error(StatusCode::kMalformedModel, "batch dims do not broadcast");
    }
    d.out.dims[i] = a == 1 ? b : a;
  }
  d.out.dims[r - 2] = rows;
  d.out.dims[r - 1] = cols;
  KWS_RETURN_IF_ERROR(set_shape(ctx.output(0), r, d.out.dims));
  return store(persistent, mem, d);
}

Status eval_batch_matmul(const OpNode& node, RuntimeTensor* t) {
  const auto& d = data_of<BatchMatmulF32Data>(node);
  return batch_matmul_f32(d.lhs, f32(node.in(t, 0)), d.adj_x, d.rhs, f32(node.in(t, 1)), d.adj_y,
                          d.out, f32(node.out(t, 0)));
}

// --- RESHAPE, EXPAND_DIMS, SQUEEZE: same bytes, new shape --------------------------

Status eval_copy(const OpNode& node, RuntimeTensor* t) {
  const RuntimeTensor& in = node.in(t, 0);
  RuntimeTensor& out = node.out(t, 0);
  if (in.data != out.data && in.bytes > 0) std::memmove(out.data, in.data, in.bytes);
  return Status::Ok();
}

Status prepare_reshape(const PrepareContext& ctx, void*, OpMemory*) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  const RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  // The new shape: the shape operand when constant, else the options, else the
  // output's declared shape; one -1 takes what is left.
  int32_t shape[kMaxDims];
  int rank = out->num_dims;
  for (int i = 0; i < rank; ++i) shape[i] = out->dims[i];
  const RuntimeTensor* s = ctx.input(1);
  if (s != nullptr && s->constant && s->type == TensorType::kInt32 && elements(*s) <= kMaxDims) {
    rank = static_cast<int>(elements(*s));
    for (int i = 0; i < rank; ++i) shape[i] = read_i32(*s, static_cast<size_t>(i));
  }
  size_t known = 1;
  int unknown = -1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] == -1 && unknown < 0) {
      unknown = i;
    } else if (shape[i] < 1) {
      return Status::Error(StatusCode::kMalformedModel, "new shape dim %d is %d", i,
                           static_cast<int>(shape[i]));
    } else {
      known *= static_cast<size_t>(shape[i]);
    }
  }
  const size_t n = elements(*in);
  if (unknown >= 0 && known > 0 && n % known == 0) {
    shape[unknown] = static_cast<int32_t>(n / known);
    known = n;
  }
  if (known != n) {
    return Status::Error(StatusCode::kMalformedModel, "new shape has %zu values, input %zu", known,
                         n);
  }
  return set_shape(out, rank, shape);
}

Status prepare_expand_dims(const PrepareContext& ctx, void*, OpMemory*) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  const RuntimeTensor* in = ctx.input(0);
  const RuntimeTensor* axis_t = ctx.input(1);
  KWS_RETURN_IF_ERROR(constant_i32(axis_t, "axis"));
  if (elements(*axis_t) != 1) return Status::Error(StatusCode::kMalformedModel, "axis not scalar");
  int32_t axis = read_i32(*axis_t, 0);
  if (axis < 0) axis += in->num_dims + 1;
  if (axis < 0 || axis > in->num_dims || in->num_dims >= kMaxDims) {
    return Status::Error(StatusCode::kMalformedModel, "axis %d for rank %d", static_cast<int>(axis),
                         in->num_dims);
  }
  int32_t shape[kMaxDims];
  int r = 0;
  for (int i = 0; i <= in->num_dims; ++i) {
    if (i == axis) shape[r++] = 1;
    if (i < in->num_dims) shape[r++] = in->dims[i];
  }
  return set_shape(ctx.output(0), r, shape);
}

Status prepare_squeeze(const PrepareContext& ctx, void*, OpMemory*) {
  KWS_RETURN_IF_ERROR(expect_f32(ctx, 1));
  const RuntimeTensor* in = ctx.input(0);
  I32List dims;
  bool present = false;
  KWS_RETURN_IF_ERROR(
      ctx.model->option_list(*ctx.desc, field::squeeze::kSqueezeDims, &dims, &present));
  uint32_t mask = 0;
  if (present && dims.size() > 0) {
    for (uint32_t i = 0; i < dims.size(); ++i) {
      int32_t a = dims[i];
      if (a < 0) a += in->num_dims;
      if (a < 0 || a >= in->num_dims || in->dims[a] != 1) {
        return Status::Error(StatusCode::kMalformedModel, "squeeze dim %d", static_cast<int>(a));
      }
      mask |= 1u << a;
    }
  } else {
    for (int i = 0; i < in->num_dims; ++i) {
      if (in->dims[i] == 1) mask |= 1u << i;
    }
  }
  int32_t shape[kMaxDims];
  int r = 0;
  for (int i = 0; i < in->num_dims; ++i) {
    if ((mask & (1u << i)) == 0) shape[r++] = in->dims[i];
  }
  return set_shape(ctx.output(0), r, shape);
}

// --- streaming: output rows [begin, end) of a [1, H, ...] output -----------------

// Bytes per dim-1 row of `t` (batch 1).
size_t row_elems(const RuntimeTensor& t) {
  return t.num_dims >= 2 && t.dims[1] > 0 ? elements(t) / static_cast<size_t>(t.dims[1]) : 0;
}

bool batch1_rows(const RuntimeTensor* t) {
  return t != nullptr && t->num_dims >= 2 && t->dims[0] == 1 && t->type == TensorType::kFloat32;
}

Status check_rows(int32_t begin, int32_t end, int32_t rows) {
  if (begin < 0 || end > rows || begin >= end) {
    return Status::Error(StatusCode::kInvalidArgument, "rows [%d, %d) of %d",
                         static_cast<int>(begin), static_cast<int>(end), static_cast<int>(rows));
  }
  return Status::Ok();
}

Status eval_conv_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const auto& d = data_of<ConvF32Data>(node);
  KWS_RETURN_IF_ERROR(check_rows(begin, end, d.output.h));
  if (d.input.n != 1 || d.params.pad_h != 0) {
    return Status::Error(StatusCode::kInvalidArgument, "conv rows need batch 1 and no H padding");
  }
  Dims4 in = d.input;
  Dims4 out = d.output;
  out.h = end - begin;
  in.h = (out.h - 1) * d.params.stride_h + (d.filter.h - 1) * d.params.dilation_h + 1;
  const size_t in_off = static_cast<size_t>(begin) * static_cast<size_t>(d.params.stride_h) *
                        static_cast<size_t>(d.input.w) * static_cast<size_t>(d.input.c);
  const size_t out_off = static_cast<size_t>(begin) * static_cast<size_t>(d.output.w) *
                         static_cast<size_t>(d.output.c);
  const float* bias = node.inputs.size() > 2 && node.inputs[2] >= 0 ? f32(node.in(t, 2)) : nullptr;
  return conv_f32(Scratch{node.scratch, node.scratch_bytes}, d.params, in,
                  f32(node.in(t, 0)) + in_off, d.filter, f32(node.in(t, 1)), bias, out,
                  f32(node.out(t, 0)) + out_off);
}

bool unary_window(const PrepareContext& ctx, RowWindow* w) {
  const RuntimeTensor* in = ctx.input(0);
  const RuntimeTensor* out = ctx.output(0);
  if (!batch1_rows(in) || !batch1_rows(out) || in->bytes != out->bytes ||
      in->dims[1] != out->dims[1]) {
    return false;
  }
  *w = RowWindow{1, 1};
  return true;
}

Status eval_unary_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const auto& d = data_of<UnaryF32Data>(node);
  const RuntimeTensor& in = node.in(t, 0);
  KWS_RETURN_IF_ERROR(check_rows(begin, end, in.dims[1]));
  const size_t row = row_elems(in);
  const size_t off = static_cast<size_t>(begin) * row;
  return unary_f32(d.op, d.alpha, static_cast<int32_t>(static_cast<size_t>(end - begin) * row),
                   f32(in) + off, f32(node.out(t, 0)) + off);
}

// Input 1 has the output's shape; input 2 is constant and the same for every
// row (dim 1 of size 1).
bool binary_window(const PrepareContext& ctx, RowWindow* w) {
  const RuntimeTensor* a = ctx.input(0);
  const RuntimeTensor* b = ctx.input(1);
  const RuntimeTensor* out = ctx.output(0);
  if (!batch1_rows(a) || !batch1_rows(out) || b == nullptr || !b->constant || a->num_dims != 4 ||
      out->num_dims != 4 || a->bytes != out->bytes || out->type != a->type) {
    return false;
  }
  Dims4 bd;
  if (!to_dims4(*b, &bd, "input 2").ok() || bd.n != 1 || bd.h != 1) return false;
  *w = RowWindow{1, 1};
  return true;
}

Status eval_binary_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const auto& d = data_of<BinaryF32Data>(node);
  KWS_RETURN_IF_ERROR(check_rows(begin, end, d.out.h));
  Dims4 rows = d.out;
  rows.h = end - begin;
  const size_t off =
      static_cast<size_t>(begin) * static_cast<size_t>(d.out.w) * static_cast<size_t>(d.out.c);
  return binary_f32(d.op, d.act_min, d.act_max, rows, f32(node.in(t, 0)) + off, d.in2,
                    f32(node.in(t, 1)), rows, f32(node.out(t, 0)) + off);
}

bool max_pool_window(const PrepareContext& ctx, RowWindow* w) {
  const RuntimeTensor* in = ctx.input(0);
  const RuntimeTensor* out = ctx.output(0);
  if (!batch1_rows(in) || !batch1_rows(out) || in->num_dims != 4 || out->num_dims != 4) {
    return false;
  }
  const auto& m = *ctx.model;
  int8_t padding_raw = 0;
  int32_t stride_h = 1, filter_h = 1;
  if (!m.option<int8_t>(*ctx.desc, fp::kPadding, 0, &padding_raw).ok() ||
      !m.option<int32_t>(*ctx.desc, fp::kStrideH, 1, &stride_h).ok() ||
      !m.option<int32_t>(*ctx.desc, fp::kFilterH, 1, &filter_h).ok()) {
    return false;
  }
  Padding padding = Padding::kSame;
  int32_t out_h = 0, pad = 0;
  if (!to_padding(padding_raw, &padding).ok() ||
      !compute_padding(padding, in->dims[1], filter_h, stride_h, 1, &out_h, &pad).ok() ||
      pad != 0 || stride_h <= 0 || out_h != out->dims[1] || in->dims[1] < filter_h ||
      out_h != (in->dims[1] - filter_h) / stride_h + 1) {
    return false;
  }
  *w = RowWindow{stride_h, filter_h};
  return true;
}

Status eval_max_pool_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const auto& d = data_of<PoolF32Data>(node);
  KWS_RETURN_IF_ERROR(check_rows(begin, end, d.output.h));
  if (d.input.n != 1 || d.params.pad_h != 0) {
    return Status::Error(StatusCode::kInvalidArgument, "pool rows need batch 1 and no H padding");
  }
  Dims4 in = d.input;
  Dims4 out = d.output;
  out.h = end - begin;
  in.h = (out.h - 1) * d.params.stride_h + d.params.filter_h;
  const size_t in_off = static_cast<size_t>(begin) * static_cast<size_t>(d.params.stride_h) *
                        static_cast<size_t>(d.input.w) * static_cast<size_t>(d.input.c);
  const size_t out_off = static_cast<size_t>(begin) * static_cast<size_t>(d.output.w) *
                         static_cast<size_t>(d.output.c);
  return max_pool_f32(d.params, in, f32(node.in(t, 0)) + in_off, out,
                      f32(node.out(t, 0)) + out_off);
}

// PAD that pads neither dim 0 nor dim 1.
bool pad_window(const PrepareContext& ctx, RowWindow* w) {
  const RuntimeTensor* in = ctx.input(0);
  const RuntimeTensor* pads = ctx.input(1);
  const RuntimeTensor* out = ctx.output(0);
  if (!batch1_rows(in) || !batch1_rows(out) || pads == nullptr || !pads->constant ||
      pads->type != TensorType::kInt32 || elements(*pads) < 4 || in->dims[1] != out->dims[1]) {
    return false;
  }
  for (size_t i = 0; i < 4; ++i) {
    if (read_i32(*pads, i) != 0) return false;
  }
  *w = RowWindow{1, 1};
  return true;
}

Status eval_pad_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const auto& d = data_of<PadF32Data>(node);
  KWS_RETURN_IF_ERROR(check_rows(begin, end, d.input.rank >= 2 ? d.input.dims[1] : 0));
  if (d.params.before[0] != 0 || d.params.before[1] != 0 || d.params.after[1] != 0) {
    return Status::Error(StatusCode::kInvalidArgument, "pad rows need no padding on dims 0, 1");
  }
  Shape in = d.input;
  in.dims[1] = end - begin;
  const RuntimeTensor& src = node.in(t, 0);
  RuntimeTensor& dst = node.out(t, 0);
  const size_t in_off = static_cast<size_t>(begin) * row_elems(src);
  const size_t out_off = static_cast<size_t>(begin) * row_elems(dst);
  return pad_f32(d.params, in, f32(src) + in_off, f32(dst) + out_off);
}

}  // namespace

const RowKernel kConv2dF32Rows = {conv_row_window, eval_conv_rows};
const RowKernel kUnaryF32Rows = {unary_window, eval_unary_rows};
const RowKernel kBinaryF32Rows = {binary_window, eval_binary_rows};
const RowKernel kMaxPool2dF32Rows = {max_pool_window, eval_max_pool_rows};
const RowKernel kPadF32Rows = {pad_window, eval_pad_rows};

const OpKernel kConv2dF32Kernel = {"CONV_2D", prepare_conv, eval_conv, nullptr};
const OpKernel kMaxPool2dF32Kernel = {"MAX_POOL_2D", prepare_max_pool, eval_max_pool, nullptr};
const OpKernel kFullyConnectedF32Kernel = {"FULLY_CONNECTED", prepare_fc, eval_fc, nullptr};
const OpKernel kAddF32Kernel = {"ADD", prepare_add, eval_binary, nullptr};
const OpKernel kSubF32Kernel = {"SUB", prepare_sub, eval_binary, nullptr};
const OpKernel kMulF32Kernel = {"MUL", prepare_mul, eval_binary, nullptr};
const OpKernel kMaximumF32Kernel = {"MAXIMUM", prepare_maximum, eval_binary, nullptr};
const OpKernel kMinimumF32Kernel = {"MINIMUM", prepare_minimum, eval_binary, nullptr};
const OpKernel kGreaterEqualF32Kernel = {"GREATER_EQUAL", prepare_greater_equal, eval_greater_equal,
                                         nullptr};
const OpKernel kLeakyReluF32Kernel = {"LEAKY_RELU", prepare_leaky_relu, eval_unary, nullptr};
const OpKernel kRsqrtF32Kernel = {"RSQRT", prepare_rsqrt, eval_unary, nullptr};
const OpKernel kLogF32Kernel = {"LOG", prepare_log, eval_unary, nullptr};
const OpKernel kLogisticF32Kernel = {"LOGISTIC", prepare_logistic, eval_unary, nullptr};
const OpKernel kSoftmaxF32Kernel = {"SOFTMAX", prepare_softmax, eval_softmax, nullptr};
const OpKernel kMeanF32Kernel = {"MEAN", prepare_reduce, eval_mean, nullptr};
const OpKernel kReduceMaxF32Kernel = {"REDUCE_MAX", prepare_reduce, eval_reduce_max, nullptr};
const OpKernel kPadF32Kernel = {"PAD", prepare_pad, eval_pad, nullptr};
const OpKernel kTransposeF32Kernel = {"TRANSPOSE", prepare_transpose, eval_transpose, nullptr};
const OpKernel kBatchMatmulF32Kernel = {"BATCH_MATMUL", prepare_batch_matmul, eval_batch_matmul,
                                        nullptr};
const OpKernel kReshapeF32Kernel = {"RESHAPE", prepare_reshape, eval_copy, nullptr};
const OpKernel kExpandDimsF32Kernel = {"EXPAND_DIMS", prepare_expand_dims, eval_copy, nullptr};
const OpKernel kSqueezeF32Kernel = {"SQUEEZE", prepare_squeeze, eval_copy, nullptr};

}  // namespace kws::nn::ops
