// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: shape checks and TFLite's
// requantization (per channel for convolutions, per tensor or per channel for
// fully connected) computed once in prepare.
#include "nn/ops/op_table.h"

#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

namespace fc = field::conv2d;
namespace fd = field::depthwise_conv2d;
namespace ff = field::fully_connected;

struct ConvData {
  DepthwiseConvParams params;  // .conv for CONV_2D
  Dims4 input;
  Dims4 filter;
  Dims4 output;
  int32_t channels = 0;
  int32_t* multipliers = nullptr;
  int32_t* shifts = nullptr;
};

// Padding, strides and dilations of a CONV_2D or DEPTHWISE_CONV_2D (the two
// tables share the padding and stride slots, not the dilation ones).
struct ConvOptions {
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1, dil_w = 1, dil_h = 1;
};

Status read_conv_options(const PrepareContext& ctx, bool depthwise, ConvOptions* o) {
  int8_t padding_raw = 0;
  const OperatorDesc& od = *ctx.desc;
  const auto& m = *ctx.model;
  KWS_RETURN_IF_ERROR(m.option<int8_t>(od, fc::kPadding, 0, &padding_raw));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fc::kStrideW, 1, &o->stride_w));
  KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fc::kStrideH, 1, &o->stride_h));
  KWS_RETURN_IF_ERROR(
      m.option<int32_t>(od, depthwise ? fd::kDilationW : fc::kDilationW, 1, &o->dil_w));
  KWS_RETURN_IF_ERROR(
      m.option<int32_t>(od, depthwise ? fd::kDilationH : fc::kDilationH, 1, &o->dil_h));
  return to_padding(padding_raw, &o->padding);
}

// Shared by CONV_2D and DEPTHWISE_CONV_2D.
Status prepare_conv_like(const PrepareContext& ctx, bool depthwise, void* persistent,
                         OpMemory* mem) {
  KWS_RETURN_IF_ERROR(
      expect_options(ctx, depthwise ? options_type::kDepthwiseConv2d : options_type::kConv2d));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* filter = ctx.input(1);
  RuntimeTensor* bias = ctx.input(2);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(filter, TensorType::kInt8, "filter"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  if (in->num_dims != 4 || filter->num_dims != 4 || out->num_dims != 4) {
    return Status::Error(StatusCode::kUnsupported, "input, filter and output must be 4-D");
  }
  if (!filter->constant) {
    return Status::Error(StatusCode::kUnsupported, "filter must be constant");
  }
  KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
  KWS_RETURN_IF_ERROR(expect_quantized(out, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(filter, "filter"));
  ConvData d;
  KWS_RETURN_IF_ERROR(to_dims4(*in, &d.input, "input"));
  KWS_RETURN_IF_ERROR(to_dims4(*filter, &d.filter, "filter"));
  KWS_RETURN_IF_ERROR(to_dims4(*out, &d.output, "output"));
  d.channels = d.output.c;
  const int32_t filter_channels = depthwise ? d.filter.c : d.filter.n;
  if (filter_channels != d.channels) {
    return Status::Error(StatusCode::kMalformedModel, "filter has %d output channels, output %d",
                         static_cast<int>(filter_channels), static_cast<int>(d.channels));
  }
  if (bias != nullptr) {
    KWS_RETURN_IF_ERROR(expect(bias, TensorType::kInt32, "bias"));
    if (elements(*bias) != static_cast<size_t>(d.channels) || !bias->constant) {
      return Status::Error(StatusCode::kMalformedModel, "bias must be %d constant values",
                           static_cast<int>(d.channels));
    }
  }
  const QuantInfo fq = ctx.input_quant(1);
  if (fq.num_channels != 1 && fq.num_channels != static_cast<uint32_t>(d.channels)) {
    return Status::Error(StatusCode::kMalformedModel, "filter has %u scales for %d channels",
                         static_cast<unsigned>(fq.num_channels), static_cast<int>(d.channels));
  }
  for (uint32_t c = 0; c < fq.num_channels; ++c) {
    if (fq.zero_point(c) != 0) {
      return Status::Error(StatusCode::kUnsupported, "filter zero point %lld (must be 0)",
                           static_cast<long long>(fq.zero_point(c)));
    }
  }
  ConvOptions co;
  KWS_RETURN_IF_ERROR(read_conv_options(ctx, depthwise, &co));
  const OperatorDesc& od = *ctx.desc;
  const auto& m = *ctx.model;
  if (depthwise) {
    KWS_RETURN_IF_ERROR(m.option<int32_t>(od, fd::kDepthMultiplier, 1, &d.params.depth_multiplier));
    KWS_RETURN_IF_ERROR(output_activation(ctx, fd::kActivation, *out, &d.params.conv.activation_min,
                                          &d.params.conv.activation_max));
    if (d.params.depth_multiplier <= 0 || d.input.c * d.params.depth_multiplier != d.channels) {
      // Some converters write depth_multiplier 0/1 loosely: derive it as TFLite does.
      if (d.input.c > 0 && d.channels % d.input.c == 0) {
        d.params.depth_multiplier = d.channels / d.input.c;
      } else {
        return Status::Error(StatusCode::kMalformedModel,
                             "%d output channels for %d input channels",
                             static_cast<int>(d.channels), static_cast<int>(d.input.c));
      }
    }
  } else {
    KWS_RETURN_IF_ERROR(output_activation(ctx, fc::kActivation, *out, &d.params.conv.activation_min,
                                          &d.params.conv.activation_max));
    if (d.filter.c <= 0 || d.input.c % d.filter.c != 0) {
      return Status::Error(StatusCode::kMalformedModel, "input has %d channels, filter %d",
                           static_cast<int>(d.input.c), static_cast<int>(d.filter.c));
    }
  }
  if (d.input.n != d.output.n) {
    return Status::Error(StatusCode::kMalformedModel, "batch %d in, %d out",
                         static_cast<int>(d.input.n), static_cast<int>(d.output.n));
  }
  ConvParams& p = d.params.conv;
  p.stride_h = co.stride_h;
  p.stride_w = co.stride_w;
  p.dilation_h = co.dil_h;
  p.dilation_w = co.dil_w;
  int32_t out_h = 0, out_w = 0;
  KWS_RETURN_IF_ERROR(
      compute_padding(co.padding, d.input.h, d.filter.h, co.stride_h, co.dil_h, &out_h, &p.pad_h));
  KWS_RETURN_IF_ERROR(
      compute_padding(co.padding, d.input.w, d.filter.w, co.stride_w, co.dil_w, &out_w, &p.pad_w));
  if (out_h != d.output.h || out_w != d.output.w) {
    return Status::Error(StatusCode::kMalformedModel, "output is %dx%d, options give %dx%d",
                         static_cast<int>(d.output.h), static_cast<int>(d.output.w),
                         static_cast<int>(out_h), static_cast<int>(out_w));
  }
  p.input_offset = -in->zero_point;
  p.output_offset = out->zero_point;
  if (depthwise) {
    KWS_RETURN_IF_ERROR(
        depthwise_conv_s8_buffer_size(d.params, d.input, d.filter, d.output, &mem->scratch_bytes));
  } else {
    KWS_RETURN_IF_ERROR(conv_s8_buffer_size(p, d.input, d.filter, d.output, &mem->scratch_bytes));
  }
  const size_t arrays = 2 * sizeof(int32_t) * static_cast<size_t>(d.channels);
  mem->persistent_bytes = align16(sizeof(ConvData)) + arrays;
  if (persistent == nullptr) return Status::Ok();

  uint8_t* base = static_cast<uint8_t*>(persistent);
  d.multipliers = reinterpret_cast<int32_t*>(base + align16(sizeof(ConvData)));
  d.shifts = d.multipliers + d.channels;
  KWS_RETURN_IF_ERROR(prepare_per_channel(in->scale, reinterpret_cast<const float*>(fq.scales),
                                          static_cast<int32_t>(fq.num_channels), out->scale,
                                          d.channels, d.multipliers, d.shifts));
  *static_cast<ConvData*>(persistent) = d;
  return Status::Ok();
}

Status prepare_conv(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_conv_like(ctx, false, persistent, mem);
}

Status prepare_depthwise(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  return prepare_conv_like(ctx, true, persistent, mem);
}

Status eval_conv(const OpNode& node, RuntimeTensor* t) {
  const ConvData& d = *static_cast<const ConvData*>(node.persistent);
  const int32_t* bias =
      node.inputs.size() > 2 && node.inputs[2] >= 0 ? s32(node.in(t, 2)) : nullptr;
  return conv_s8(Scratch{node.scratch, node.scratch_bytes}, d.params.conv,
                 PerChannelQuant{d.multipliers, d.shifts}, d.input, s8(node.in(t, 0)), d.filter,
                 s8(node.in(t, 1)), bias, d.output, s8(node.out(t, 0)));
}

Status eval_depthwise(const OpNode& node, RuntimeTensor* t) {
  const ConvData& d = *static_cast<const ConvData*>(node.persistent);
  const int32_t* bias =
      node.inputs.size() > 2 && node.inputs[2] >= 0 ? s32(node.in(t, 2)) : nullptr;
  return depthwise_conv_s8(Scratch{node.scratch, node.scratch_bytes}, d.params,
                           PerChannelQuant{d.multipliers, d.shifts}, d.input, s8(node.in(t, 0)),
                           d.filter, s8(node.in(t, 1)), bias, d.output, s8(node.out(t, 0)));
}

}  // namespace

// Streaming: the conv's row window when it does not pad along dim 1.
bool conv_row_window(const PrepareContext& ctx, RowWindow* w) {
  const RuntimeTensor* in = ctx.input(0);
  const RuntimeTensor* filter = ctx.input(1);
  const RuntimeTensor* bias = ctx.input(2);
  const RuntimeTensor* out = ctx.output(0);
  if (in == nullptr || filter == nullptr || out == nullptr || in->num_dims != 4 ||
      filter->num_dims != 4 || out->num_dims != 4 || in->dims[0] != 1 || out->dims[0] != 1 ||
      !filter->constant || (bias != nullptr && !bias->constant)) {
    return false;
  }
  ConvOptions co;
  if (!read_conv_options(ctx, ctx.desc->builtin == op::kDepthwiseConv2d, &co).ok()) return false;
  const int32_t stride_h = co.stride_h;
  const int32_t dil_h = co.dil_h;
  int32_t out_h = 0;
  int32_t pad_top = 0;
  if (!compute_padding(co.padding, in->dims[1], filter->dims[1], stride_h, dil_h, &out_h, &pad_top)
           .ok() ||
      stride_h <= 0 || out_h != out->dims[1]) {
    return false;
  }
  const int32_t extent = (filter->dims[1] - 1) * dil_h + 1;
  // No padded row on either side: VALID, or SAME that happens to pad nothing.
  if (pad_top != 0 || in->dims[1] < extent || out_h != (in->dims[1] - extent) / stride_h + 1) {
    return false;
  }
  w->stride = stride_h;
  w->extent = extent;
  return true;
}

namespace {

// The rows [begin, end) of the output and the input rows they read, as
// sub-tensors (batch 1, rows are contiguous).
struct RowSlice {
  Dims4 input;
  Dims4 output;
  size_t input_offset = 0;
  size_t output_offset = 0;
};

RowSlice row_slice(const ConvData& d, int32_t begin, int32_t end) {
  RowSlice r;
  r.input = d.input;
  r.output = d.output;
  const ConvParams& p = d.params.conv;
  r.output.h = end - begin;
  r.input.h = (r.output.h - 1) * p.stride_h + (d.filter.h - 1) * p.dilation_h + 1;
  r.input_offset = static_cast<size_t>(begin) * static_cast<size_t>(p.stride_h) *
                   static_cast<size_t>(d.input.w) * static_cast<size_t>(d.input.c);
  r.output_offset = static_cast<size_t>(begin) * static_cast<size_t>(d.output.w) *
                    static_cast<size_t>(d.output.c);
  return r;
}

Status check_rows(const ConvData& d, int32_t begin, int32_t end) {
  if (begin < 0 || end > d.output.h || begin >= end || d.input.n != 1 || d.params.conv.pad_h != 0) {
    return Status::Error(StatusCode::kInvalidArgument, "rows [%d, %d) of %d",
                         static_cast<int>(begin), static_cast<int>(end),
                         static_cast<int>(d.output.h));
  }
  return Status::Ok();
}

Status eval_conv_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const ConvData& d = *static_cast<const ConvData*>(node.persistent);
  KWS_RETURN_IF_ERROR(check_rows(d, begin, end));
  const RowSlice r = row_slice(d, begin, end);
  const int32_t* bias =
      node.inputs.size() > 2 && node.inputs[2] >= 0 ? s32(node.in(t, 2)) : nullptr;
  return conv_s8(Scratch{node.scratch, node.scratch_bytes}, d.params.conv,
                 PerChannelQuant{d.multipliers, d.shifts}, r.input,
                 s8(node.in(t, 0)) + r.input_offset, d.filter, s8(node.in(t, 1)), bias, r.output,
                 s8(node.out(t, 0)) + r.output_offset);
}

Status eval_depthwise_rows(const OpNode& node, RuntimeTensor* t, int32_t begin, int32_t end) {
  const ConvData& d = *static_cast<const ConvData*>(node.persistent);
  KWS_RETURN_IF_ERROR(check_rows(d, begin, end));
  const RowSlice r = row_slice(d, begin, end);
  const int32_t* bias =
      node.inputs.size() > 2 && node.inputs[2] >= 0 ? s32(node.in(t, 2)) : nullptr;
  return depthwise_conv_s8(Scratch{node.scratch, node.scratch_bytes}, d.params,
                           PerChannelQuant{d.multipliers, d.shifts}, r.input,
                           s8(node.in(t, 0)) + r.input_offset, d.filter, s8(node.in(t, 1)), bias,
                           r.output, s8(node.out(t, 0)) + r.output_offset);
}

struct FcData {
  FullyConnectedParams params;
  FullyConnectedDims dims;
};

Status prepare_fc(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  KWS_RETURN_IF_ERROR(expect_options(ctx, options_type::kFullyConnected));
  RuntimeTensor* in = ctx.input(0);
  RuntimeTensor* filter = ctx.input(1);
  RuntimeTensor* bias = ctx.input(2);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(in, TensorType::kInt8, "input"));
  KWS_RETURN_IF_ERROR(expect(filter, TensorType::kInt8, "weights"));
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kInt8, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(in, "input"));
  KWS_RETURN_IF_ERROR(expect_quantized(out, "output"));
  KWS_RETURN_IF_ERROR(expect_quantized(filter, "weights"));
  if (filter->num_dims != 2 || !filter->constant) {
    return Status::Error(StatusCode::kUnsupported, "weights must be constant and 2-D");
  }
  int8_t format = 0;
  KWS_RETURN_IF_ERROR(ctx.model->option<int8_t>(*ctx.desc, ff::kWeightsFormat, 0, &format));
  if (format != 0) return Status::Error(StatusCode::kUnsupported, "shuffled weights format");
  FcData d;
  d.dims.output_depth = filter->dims[0];
  d.dims.accum_depth = filter->dims[1];
  const size_t in_elems = elements(*in);
  if (d.dims.accum_depth <= 0 || in_elems % static_cast<size_t>(d.dims.accum_depth) != 0) {
    return Status::Error(StatusCode::kMalformedModel, "input of %zu values, depth %d", in_elems,
                         static_cast<int>(d.dims.accum_depth));
  }
  d.dims.batches = static_cast<int32_t>(in_elems / static_cast<size_t>(d.dims.accum_depth));
  if (elements(*out) !=
      static_cast<size_t>(d.dims.batches) * static_cast<size_t>(d.dims.output_depth)) {
    return Status::Error(StatusCode::kMalformedModel, "output has %zu values, expected %d x %d",
                         elements(*out), static_cast<int>(d.dims.batches),
                         static_cast<int>(d.dims.output_depth));
  }
  if (bias != nullptr) {
    KWS_RETURN_IF_ERROR(expect(bias, TensorType::kInt32, "bias"));
    if (elements(*bias) != static_cast<size_t>(d.dims.output_depth) || !bias->constant) {
      return Status::Error(StatusCode::kMalformedModel, "bias must be %d constant values",
                           static_cast<int>(d.dims.output_depth));
    }
  }
  const QuantInfo fq = ctx.input_quant(1);
  FullyConnectedParams& p = d.params;
  p.input_offset = -in->zero_point;
  p.filter_offset = -static_cast<int32_t>(fq.zero_point(0));
  p.output_offset = out->zero_point;
  KWS_RETURN_IF_ERROR(
      output_activation(ctx, ff::kActivation, *out, &p.activation_min, &p.activation_max));
  const bool per_channel = fq.num_channels > 1;
  if (per_channel && fq.num_channels != static_cast<uint32_t>(d.dims.output_depth)) {
    return Status::Error(StatusCode::kMalformedModel, "%u weight scales for %d outputs",
                         static_cast<unsigned>(fq.num_channels),
                         static_cast<int>(d.dims.output_depth));
  }
  KWS_RETURN_IF_ERROR(fully_connected_s8_buffer_size(p, d.dims, &mem->scratch_bytes));
  const size_t arrays = per_channel ? 2 * sizeof(int32_t) * fq.num_channels : 0;
  mem->persistent_bytes = align16(sizeof(FcData)) + arrays;
  if (persistent == nullptr) return Status::Ok();
  if (per_channel) {
    int32_t* mult =
        reinterpret_cast<int32_t*>(static_cast<uint8_t*>(persistent) + align16(sizeof(FcData)));
    int32_t* shift = mult + fq.num_channels;
    KWS_RETURN_IF_ERROR(prepare_per_channel(in->scale, reinterpret_cast<const float*>(fq.scales),
                                            static_cast<int32_t>(fq.num_channels), out->scale,
                                            d.dims.output_depth, mult, shift));
    p.per_channel_multiplier = mult;
    p.per_channel_shift = shift;
  } else {
    // TFLite's GetQuantizedConvolutionMultipler: the product is taken in float,
    // then widened, then divided in double.
    const double input_product_scale = static_cast<double>(in->scale * filter->scale);
    int shift = 0;
    KWS_RETURN_IF_ERROR(quantize_multiplier(input_product_scale / static_cast<double>(out->scale),
                                            &p.multiplier, &shift));
    p.shift = shift;
  }
  *static_cast<FcData*>(persistent) = d;
  return Status::Ok();
}

Status eval_fc(const OpNode& node, RuntimeTensor* t) {
  const FcData& d = *static_cast<const FcData*>(node.persistent);
  const int32_t* bias =
      node.inputs.size() > 2 && node.inputs[2] >= 0 ? s32(node.in(t, 2)) : nullptr;
  return fully_connected_s8(Scratch{node.scratch, node.scratch_bytes}, d.params, d.dims,
                            s8(node.in(t, 0)), s8(node.in(t, 1)), bias, s8(node.out(t, 0)));
}

}  // namespace

const OpKernel kConv2dKernel = {"CONV_2D", prepare_conv, eval_conv, nullptr};
const OpKernel kDepthwiseConv2dKernel = {"DEPTHWISE_CONV_2D", prepare_depthwise, eval_depthwise,
                                         nullptr};
const OpKernel kFullyConnectedKernel = {"FULLY_CONNECTED", prepare_fc, eval_fc, nullptr};

const RowKernel kConv2dRows = {conv_row_window, eval_conv_rows};
const RowKernel kDepthwiseConv2dRows = {conv_row_window, eval_depthwise_rows};

}  // namespace kws::nn::ops
