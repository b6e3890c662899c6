// Reference int8 strided slice: TFLite's reference_ops::StridedSlice over resolved
// start/stop/stride (see resolve_strided_slice()).
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {
namespace {

bool done(int32_t index, int32_t stop, int32_t stride) {
  return stride > 0 ? index >= stop : index <= stop;
}

}  // namespace

Status strided_slice_s8(const StridedSliceParams& params, const Shape& input_shape,
                        const int8_t* input, int8_t* output, int32_t output_capacity) {
  constexpr const char* kOp = "strided_slice_s8";
  if (input == nullptr || output == nullptr || output_capacity < 0) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null input/output", kOp);
  }
  KWS_RETURN_IF_ERROR(internal::check_shape(kOp, "input", input_shape));
  if (params.rank != input_shape.rank) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: params rank %d != input rank %d", kOp,
                         static_cast<int>(params.rank), static_cast<int>(input_shape.rank));
  }
  // Extend to 5-D with leading unit axes, as TFLite does.
  int32_t dims[kMaxRank];
  int32_t start[kMaxRank];
  int32_t stop[kMaxRank];
  int32_t stride[kMaxRank];
  const int32_t lead = kMaxRank - input_shape.rank;
  int64_t expected = 1;
  for (int32_t i = 0; i < kMaxRank; ++i) {
    if (i < lead) {
      dims[i] = 1;
      start[i] = 0;
      stop[i] = 1;
      stride[i] = 1;
      continue;
    }
    const int32_t a = i - lead;
    dims[i] = input_shape.dims[a];
    start[i] = params.start[a];
    stop[i] = params.stop[a];
    stride[i] = params.stride[a];
    if (stride[i] == 0) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: stride of axis %d is 0", kOp,
                           static_cast<int>(a));
    }
    // Every visited index must lie inside the axis.
    const bool empty = done(start[i], stop[i], stride[i]);
    if (!empty && (start[i] < 0 || start[i] >= dims[i] || stop[i] < -1 || stop[i] > dims[i])) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "%s: axis %d range [%d, %d) outside size %d", kOp, static_cast<int>(a),
                           static_cast<int>(start[i]), static_cast<int>(stop[i]),
                           static_cast<int>(dims[i]));
    }
    const int64_t len =
        empty ? 0
              : (stride[i] > 0 ? (int64_t{stop[i]} - start[i] + stride[i] - 1) / stride[i]
                               : (int64_t{start[i]} - stop[i] - stride[i] - 1) / -stride[i]);
    expected *= len;
  }
  if (expected > output_capacity) {
    return Status::Error(StatusCode::kBufferTooSmall, "%s: output needs %lld elements, capacity %d",
                         kOp, static_cast<long long>(expected), static_cast<int>(output_capacity));
  }
  int8_t* out = output;
  for (int32_t i0 = start[0]; !done(i0, stop[0], stride[0]); i0 += stride[0]) {
    for (int32_t i1 = start[1]; !done(i1, stop[1], stride[1]); i1 += stride[1]) {
      for (int32_t i2 = start[2]; !done(i2, stop[2], stride[2]); i2 += stride[2]) {
        for (int32_t i3 = start[3]; !done(i3, stop[3], stride[3]); i3 += stride[3]) {
          const int64_t base =
              (((static_cast<int64_t>(i0) * dims[1] + i1) * dims[2] + i2) * dims[3] + i3) * dims[4];
          for (int32_t i4 = start[4]; !done(i4, stop[4], stride[4]); i4 += stride[4]) {
            *out++ = input[base + i4];
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
