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

extern const RowKernel kConv2dRows;
extern const RowKernel kDepthwiseConv2dRows;

}  // namespace kws::nn::ops
