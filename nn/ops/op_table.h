// Op glue tables, one per supported builtin (defined in nn/ops/*_ops.cc).
#pragma once

#include "nn/ops/op_kernel.h"

namespace kws::nn::ops {

extern const OpKernel kConv2dKernel;
extern const OpKernel kDepthwiseConv2dKernel;
extern const OpKernel kFullyConnectedKernel;
extern const OpKernel kAveragePool2dKernel;
extern const OpKernel kMaxPool2dKernel;
extern const OpKernel kSoftmaxKernel;
extern const OpKernel kLogisticKernel;
extern const OpKernel kLeakyReluKernel;
extern const OpKernel kAddKernel;
extern const OpKernel kMulKernel;
extern const OpKernel kQuantizeKernel;
extern const OpKernel kDequantizeKernel;
extern const OpKernel kReshapeKernel;
extern const OpKernel kConcatenationKernel;
extern const OpKernel kStridedSliceKernel;
extern const OpKernel kPadKernel;
extern const OpKernel kMeanKernel;
extern const OpKernel kSplitKernel;
extern const OpKernel kSplitVKernel;
extern const OpKernel kCallOnceKernel;
extern const OpKernel kVarHandleKernel;
extern const OpKernel kReadVariableKernel;
extern const OpKernel kAssignVariableKernel;

// float32 (nn/ops/float_ops.cc) and control flow (nn/ops/control_flow_ops.cc).
extern const OpKernel kConv2dF32Kernel;
extern const OpKernel kMaxPool2dF32Kernel;
extern const OpKernel kFullyConnectedF32Kernel;
extern const OpKernel kAddF32Kernel;
extern const OpKernel kSubF32Kernel;
extern const OpKernel kMulF32Kernel;
extern const OpKernel kMaximumF32Kernel;
extern const OpKernel kMinimumF32Kernel;
extern const OpKernel kGreaterEqualF32Kernel;
extern const OpKernel kLeakyReluF32Kernel;
extern const OpKernel kRsqrtF32Kernel;
extern const OpKernel kLogF32Kernel;
extern const OpKernel kLogisticF32Kernel;
extern const OpKernel kSoftmaxF32Kernel;
extern const OpKernel kMeanF32Kernel;
extern const OpKernel kReduceMaxF32Kernel;
extern const OpKernel kPadF32Kernel;
extern const OpKernel kTransposeF32Kernel;
extern const OpKernel kBatchMatmulF32Kernel;
extern const OpKernel kReshapeF32Kernel;
extern const OpKernel kExpandDimsF32Kernel;
extern const OpKernel kSqueezeF32Kernel;
extern const OpKernel kIfKernel;

extern const RowKernel kConv2dRows;
extern const RowKernel kConv2dF32Rows;
extern const RowKernel kUnaryF32Rows;
extern const RowKernel kBinaryF32Rows;
extern const RowKernel kMaxPool2dF32Rows;
extern const RowKernel kPadF32Rows;

// The row window of a CONV_2D or DEPTHWISE_CONV_2D that does not pad along
// dim 1 (any tensor type; nn/ops/conv_ops.cc).
bool conv_row_window(const PrepareContext& ctx, RowWindow* w);
extern const RowKernel kDepthwiseConv2dRows;

}  // namespace kws::nn::ops
