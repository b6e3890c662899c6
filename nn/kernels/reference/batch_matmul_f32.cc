// Reference float BATCH_MATMUL (TFLite's reference_ops::BatchMatMul semantics:
// batch dims broadcast, adj_x/adj_y transpose the last two axes).
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status batch_matmul_f32(const Shape& ls, const float* lhs, bool adj_x, const Shape& rs,
                        const float* rhs, bool adj_y, const Shape& os, float* out) {
  KWS_RETURN_IF_ERROR(internal::check_shape("batch_matmul_f32", "lhs", ls));
  KWS_RETURN_IF_ERROR(internal::check_shape("batch_matmul_f32", "rhs", rs));
  KWS_RETURN_IF_ERROR(internal::check_shape("batch_matmul_f32", "output", os));
  const int32_t r = ls.rank;
  if (lhs == nullptr || rhs == nullptr || out == nullptr || r < 2 || rs.rank != r || os.rank != r) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "batch_matmul_f32: null tensor or ranks differ (need equal ranks >= 2)");
  }
  const int32_t rows = adj_x ? ls.dims[r - 1] : ls.dims[r - 2];
  const int32_t depth = adj_x ? ls.dims[r - 2] : ls.dims[r - 1];
  const int32_t rdepth = adj_y ? rs.dims[r - 1] : rs.dims[r - 2];
  const int32_t cols = adj_y ? rs.dims[r - 2] : rs.dims[r - 1];
  if (depth != rdepth || os.dims[r - 2] != rows || os.dims[r - 1] != cols) {
    return Status::Error(StatusCode::kInvalidArgument, "batch_matmul_f32: shapes do not match");
  }
  // Batch strides (0 where a dim broadcasts).
  int64_t lstride[kMaxRank] = {}, rstride[kMaxRank] = {};
  int64_t la = static_cast<int64_t>(rows) * depth, ra = static_cast<int64_t>(depth) * cols;
  int64_t batches = 1;
  for (int32_t i = r - 3; i >= 0; --i) {
    if ((ls.dims[i] != os.dims[i] && ls.dims[i] != 1) ||
        (rs.dims[i] != os.dims[i] && rs.dims[i] != 1)) {
      return Status::Error(StatusCode::kInvalidArgument, "batch_matmul_f32: batch dims");
    }
    lstride[i] = ls.dims[i] == 1 ? 0 : la;
    rstride[i] = rs.dims[i] == 1 ? 0 : ra;
    la *= ls.dims[i];
    ra *= rs.dims[i];
    batches *= os.dims[i];
  }
  int32_t idx[kMaxRank] = {};
  for (int64_t b = 0; b < batches; ++b) {
    int64_t lo = 0, ro = 0;
    for (int32_t i = 0; i < r - 2; ++i) {
      lo += idx[i] * lstride[i];
      ro += idx[i] * rstride[i];
    }
    const float* x = lhs + lo;
    const float* y = rhs + ro;
    float* z = out + b * rows * cols;
    for (int32_t i = 0; i < rows; ++i) {
      for (int32_t j = 0; j < cols; ++j) {
        float acc = 0.0f;
        for (int32_t k = 0; k < depth; ++k) {
          const float xv = adj_x ? x[static_cast<int64_t>(k) * rows + i]
                                 : x[static_cast<int64_t>(i) * depth + k];
          const float yv = adj_y ? y[static_cast<int64_t>(j) * depth + k]
                                 : y[static_cast<int64_t>(k) * cols + j];
          acc += xv * yv;
        }
        z[static_cast<int64_t>(i) * cols + j] = acc;
      }
    }
    for (int32_t i = r - 3; i >= 0; --i) {
      if (++idx[i] < os.dims[i]) break;
      idx[i] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
