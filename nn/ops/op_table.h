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

}  // namespace kws::nn::ops
