#include "nn/kernels/internal/validate.h"

namespace kws::nn::internal {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 31;

Status invalid(const char* op, const char* what) {
  return Status::Error(StatusCode::kInvalidArgument, "%s: %s", op, what);
}

}  // namespace

int64_t element_count(const Dims4& d) {
  const int32_t dims[4] = {d.n, d.h, d.w, d.c};
  int64_t count = 1;
  for (int32_t v : dims) {
    if (v < 1) return -1;
    count *= v;
    if (count >= kMaxElements) return -1;
  }
  return count;
}

int64_t element_count(const Shape& s) {
  if (s.rank < 0 || s.rank > kMaxRank) return -1;
  int64_t count = 1;
  for (int32_t i = 0; i < s.rank; ++i) {
    if (s.dims[i] < 1) return -1;
    count *= s.dims[i];
    if (count >= kMaxElements) return -1;
  }
  return count;
}

Status check_dims(const char* op, const char* what, const Dims4& d) {
  if (element_count(d) < 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: %s dims [%d,%d,%d,%d] must be >= 1 with < 2^31 elements", op, what,
                         static_cast<int>(d.n), static_cast<int>(d.h), static_cast<int>(d.w),
                         static_cast<int>(d.c));
  }
  return Status::Ok();
}

Status check_shape(const char* op, const char* what, const Shape& s) {
  if (s.rank < 0 || s.rank > kMaxRank) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: %s rank %d outside [0, %d]", op, what,
                         static_cast<int>(s.rank), kMaxRank);
  }
  if (element_count(s) < 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: %s dims must be >= 1 with < 2^31 elements", op, what);
  }
  return Status::Ok();
}

Status check_activation(const char* op, int32_t act_min, int32_t act_max, int32_t lo, int32_t hi) {
  if (act_min > act_max || act_min < lo || act_max > hi) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: activation range [%d, %d] not within [%d, %d] or inverted", op,
                         static_cast<int>(act_min), static_cast<int>(act_max), static_cast<int>(lo),
                         static_cast<int>(hi));
  }
  return Status::Ok();
}

Status check_shift(const char* op, const char* what, int32_t shift) {
  if (shift < -31 || shift > 31) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: %s %d outside [-31, 31]", op, what,
                         static_cast<int>(shift));
  }
  return Status::Ok();
}

Status check_quant(const char* op, const PerChannelQuant& quant, int32_t channels) {
  if (quant.multiplier == nullptr || quant.shift == nullptr) {
    return invalid(op, "per-channel multiplier/shift arrays are null");
  }
  for (int32_t c = 0; c < channels; ++c) {
    if (quant.shift[c] < -31 || quant.shift[c] > 31) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: shift[%d] = %d outside [-31, 31]", op,
                           static_cast<int>(c), static_cast<int>(quant.shift[c]));
    }
  }
  return Status::Ok();
}

Status check_scratch(const char* op, const Scratch& scratch, size_t needed) {
  if (needed == 0) return Status::Ok();
  if (scratch.data == nullptr || scratch.bytes < needed) {
    return Status::Error(StatusCode::kBufferTooSmall, "%s: scratch of %zu bytes, needs %zu", op,
                         scratch.data == nullptr ? size_t{0} : scratch.bytes, needed);
  }
  if (reinterpret_cast<uintptr_t>(scratch.data) % 16 != 0) {
    return invalid(op, "scratch must be 16-byte aligned");
  }
  return Status::Ok();
}

namespace {

Status check_window(const char* op, int32_t stride_h, int32_t stride_w, int32_t dilation_h,
                    int32_t dilation_w, int32_t pad_h, int32_t pad_w) {
  if (stride_h < 1 || stride_w < 1) return invalid(op, "strides must be >= 1");
  if (dilation_h < 1 || dilation_w < 1) return invalid(op, "dilations must be >= 1");
  if (pad_h < 0 || pad_w < 0) return invalid(op, "padding must be >= 0");
  // Keep every index computation (out * stride + dilation * filter - pad) in int32.
  if (stride_h > (1 << 16) || stride_w > (1 << 16) || dilation_h > (1 << 16) ||
      dilation_w > (1 << 16) || pad_h > (1 << 16) || pad_w > (1 << 16)) {
    return invalid(op, "stride, dilation or padding above 65536");
  }
  return Status::Ok();
}

// Every index the kernels form (out * stride - pad + tap * dilation) must fit in int32.
Status check_reach(const char* op, const Dims4& out, int32_t stride_h, int32_t stride_w,
                   int32_t filter_h, int32_t filter_w, int32_t dilation_h, int32_t dilation_w) {
  const int64_t reach_h = (int64_t{out.h} - 1) * stride_h + (int64_t{filter_h} - 1) * dilation_h;
  const int64_t reach_w = (int64_t{out.w} - 1) * stride_w + (int64_t{filter_w} - 1) * dilation_w;
  if (reach_h >= kMaxElements || reach_w >= kMaxElements) {
    return invalid(op, "output size * stride + filter reach exceeds int32");
  }
  return Status::Ok();
}

}  // namespace

Status validate_conv_f32(const ConvF32Params& p, const Dims4& in_d, const float* input,
                         const Dims4& f_d, const float* filter, const Dims4& out_d,
                         const float* output) {
  constexpr const char* kOp = "conv_f32";
  if (input == nullptr || filter == nullptr || output == nullptr) {
    return invalid(kOp, "input, filter or output pointer is null");
  }
  KWS_RETURN_IF_ERROR(check_dims(kOp, "input", in_d));
  KWS_RETURN_IF_ERROR(check_dims(kOp, "filter", f_d));
  KWS_RETURN_IF_ERROR(check_dims(kOp, "output", out_d));
  if (in_d.n != out_d.n) return invalid(kOp, "input and output batch differ");
  if (f_d.n != out_d.c) return invalid(kOp, "filter output channels (dim 0) != output channels");
  if (in_d.c % f_d.c != 0) {
    return invalid(kOp, "input channels not a multiple of filter input channels (groups)");
  }
  if (out_d.c % (in_d.c / f_d.c) != 0) {
    return invalid(kOp, "output channels not a multiple of the group count");
  }
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1) {
    return invalid(kOp, "strides and dilations must be >= 1");
  }
  return Status::Ok();
}

Status validate_conv(const ConvParams& params, const PerChannelQuant& quant,
                     const Dims4& input_dims, const int8_t* input, const Dims4& filter_dims,
                     const int8_t* filter, const Dims4& output_dims, const int8_t* output) {
  constexpr const char* kOp = "conv_s8";
  if (input == nullptr || filter == nullptr || output == nullptr) {
    return invalid(kOp, "input, filter or output pointer is null");
  }
  KWS_RETURN_IF_ERROR(check_dims(kOp, "input", input_dims));
  KWS_RETURN_IF_ERROR(check_dims(kOp, "filter", filter_dims));
  KWS_RETURN_IF_ERROR(check_dims(kOp, "output", output_dims));
  if (input_dims.n != output_dims.n) return invalid(kOp, "input and output batch differ");
  if (filter_dims.n != output_dims.c) {
    return invalid(kOp, "filter output channels (dim 0) != output channels");
  }
  if (input_dims.c % filter_dims.c != 0) {
    return invalid(kOp, "input channels not a multiple of filter input channels (groups)");
  }
  const int32_t groups = input_dims.c / filter_dims.c;
  if (output_dims.c % groups != 0) {
    return invalid(kOp, "output channels not a multiple of the group count");
  }
  KWS_RETURN_IF_ERROR(check_window(kOp, params.stride_h, params.stride_w, params.dilation_h,
                                   params.dilation_w, params.pad_h, params.pad_w));
  KWS_RETURN_IF_ERROR(check_reach(kOp, output_dims, params.stride_h, params.stride_w, filter_dims.h,
                                  filter_dims.w, params.dilation_h, params.dilation_w));
  if (params.input_offset < -255 || params.input_offset > 255 || params.output_offset < -128 ||
      params.output_offset > 127) {
    return invalid(kOp, "input_offset or output_offset out of the int8 zero-point range");
  }
  KWS_RETURN_IF_ERROR(
      check_activation(kOp, params.activation_min, params.activation_max, -128, 127));
  return check_quant(kOp, quant, output_dims.c);
}

Status validate_depthwise_conv(const DepthwiseConvParams& params, const PerChannelQuant& quant,
                               const Dims4& input_dims, const int8_t* input,
                               const Dims4& filter_dims, const int8_t* filter,
                               const Dims4& output_dims, const int8_t* output) {
  constexpr const char* kOp = "depthwise_conv_s8";
  const ConvParams& conv = params.conv;
  if (input == nullptr || filter == nullptr || output == nullptr) {
    return invalid(kOp, "input, filter or output pointer is null");
  }
  KWS_RETURN_IF_ERROR(check_dims(kOp, "input", input_dims));
  KWS_RETURN_IF_ERROR(check_dims(kOp, "filter", filter_dims));
  KWS_RETURN_IF_ERROR(check_dims(kOp, "output", output_dims));
  if (input_dims.n != output_dims.n) return invalid(kOp, "input and output batch differ");
  if (filter_dims.n != 1) return invalid(kOp, "filter dim 0 must be 1");
  if (params.depth_multiplier < 1) return invalid(kOp, "depth_multiplier must be >= 1");
  if (static_cast<int64_t>(input_dims.c) * params.depth_multiplier != output_dims.c ||
      filter_dims.c != output_dims.c) {
    return invalid(kOp, "output and filter channels must equal input channels * multiplier");
  }
  KWS_RETURN_IF_ERROR(check_window(kOp, conv.stride_h, conv.stride_w, conv.dilation_h,
                                   conv.dilation_w, conv.pad_h, conv.pad_w));
  KWS_RETURN_IF_ERROR(check_reach(kOp, output_dims, conv.stride_h, conv.stride_w, filter_dims.h,
                                  filter_dims.w, conv.dilation_h, conv.dilation_w));
  if (conv.input_offset < -255 || conv.input_offset > 255 || conv.output_offset < -128 ||
      conv.output_offset > 127) {
    return invalid(kOp, "input_offset or output_offset out of the int8 zero-point range");
  }
  KWS_RETURN_IF_ERROR(check_activation(kOp, conv.activation_min, conv.activation_max, -128, 127));
  return check_quant(kOp, quant, output_dims.c);
}

Status validate_fully_connected(const FullyConnectedParams& params, const FullyConnectedDims& dims,
                                const int8_t* input, const int8_t* filter, const int8_t* output) {
  constexpr const char* kOp = "fully_connected_s8";
  if (input == nullptr || filter == nullptr || output == nullptr) {
    return invalid(kOp, "input, filter or output pointer is null");
  }
  if (dims.batches < 1 || dims.accum_depth < 1 || dims.output_depth < 1) {
    return invalid(kOp, "batches, accum_depth and output_depth must be >= 1");
  }
  if (static_cast<int64_t>(dims.batches) * dims.accum_depth >= kMaxElements ||
      static_cast<int64_t>(dims.output_depth) * dims.accum_depth >= kMaxElements ||
      static_cast<int64_t>(dims.batches) * dims.output_depth >= kMaxElements) {
    return invalid(kOp, "tensor sizes reach 2^31 elements");
  }
  if (params.input_offset < -255 || params.input_offset > 255 || params.filter_offset < -255 ||
      params.filter_offset > 255 || params.output_offset < -128 || params.output_offset > 127) {
    return invalid(kOp, "an offset is out of the int8 zero-point range");
  }
  KWS_RETURN_IF_ERROR(
      check_activation(kOp, params.activation_min, params.activation_max, -128, 127));
  if ((params.per_channel_multiplier == nullptr) != (params.per_channel_shift == nullptr)) {
    return invalid(kOp, "per-channel multiplier and shift must both be set or both null");
  }
  if (params.per_channel_multiplier != nullptr) {
    return check_quant(kOp,
                       PerChannelQuant{params.per_channel_multiplier, params.per_channel_shift},
                       dims.output_depth);
  }
  return check_shift(kOp, "shift", params.shift);
}

Status validate_pool(const char* op, const PoolParams& params, const Dims4& input_dims,
                     const int8_t* input, const Dims4& output_dims, const int8_t* output) {
  if (input == nullptr || output == nullptr) return invalid(op, "input or output is null");
  KWS_RETURN_IF_ERROR(check_dims(op, "input", input_dims));
  KWS_RETURN_IF_ERROR(check_dims(op, "output", output_dims));
  if (input_dims.n != output_dims.n || input_dims.c != output_dims.c) {
    return invalid(op, "input and output batch/channels differ");
  }
  if (params.filter_h < 1 || params.filter_w < 1) return invalid(op, "filter size must be >= 1");
  KWS_RETURN_IF_ERROR(
      check_window(op, params.stride_h, params.stride_w, 1, 1, params.pad_h, params.pad_w));
  if (params.filter_h > (1 << 16) || params.filter_w > (1 << 16)) {
    return invalid(op, "filter size above 65536");
  }
  KWS_RETURN_IF_ERROR(check_reach(op, output_dims, params.stride_h, params.stride_w,
                                  params.filter_h, params.filter_w, 1, 1));
  return check_activation(op, params.activation_min, params.activation_max, -128, 127);
}

}  // namespace kws::nn::internal
