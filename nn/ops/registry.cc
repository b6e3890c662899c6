// Maps builtin op codes to their glue. The only list of supported ops.
#include "nn/ops/op_table.h"
#include "nn/tflite_schema.h"

namespace kws::nn {

const OpKernel* lookup_op(int32_t builtin) {
  switch (builtin) {
    case op::kConv2d:
      return &ops::kConv2dKernel;
    case op::kDepthwiseConv2d:
      return &ops::kDepthwiseConv2dKernel;
    case op::kFullyConnected:
      return &ops::kFullyConnectedKernel;
    case op::kAveragePool2d:
      return &ops::kAveragePool2dKernel;
    case op::kMaxPool2d:
      return &ops::kMaxPool2dKernel;
    case op::kSoftmax:
      return &ops::kSoftmaxKernel;
    case op::kLogistic:
      return &ops::kLogisticKernel;
    case op::kAdd:
      return &ops::kAddKernel;
    case op::kMul:
      return &ops::kMulKernel;
    case op::kQuantize:
      return &ops::kQuantizeKernel;
    case op::kDequantize:
      return &ops::kDequantizeKernel;
    case op::kReshape:
      return &ops::kReshapeKernel;
    case op::kConcatenation:
      return &ops::kConcatenationKernel;
    case op::kStridedSlice:
      return &ops::kStridedSliceKernel;
    case op::kPad:
      return &ops::kPadKernel;
    case op::kMean:
      return &ops::kMeanKernel;
    case op::kSplit:
      return &ops::kSplitKernel;
    case op::kSplitV:
      return &ops::kSplitVKernel;
    case op::kCallOnce:
      return &ops::kCallOnceKernel;
    case op::kVarHandle:
      return &ops::kVarHandleKernel;
    case op::kReadVariable:
      return &ops::kReadVariableKernel;
    case op::kAssignVariable:
      return &ops::kAssignVariableKernel;
    default:
      return nullptr;
  }
}

const RowKernel* lookup_row_kernel(int32_t builtin) {
  switch (builtin) {
    case op::kConv2d:
      return &ops::kConv2dRows;
    case op::kDepthwiseConv2d:
      return &ops::kDepthwiseConv2dRows;
    default:
      return nullptr;
  }
}

}  // namespace kws::nn
