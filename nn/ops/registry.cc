// Maps builtin op codes to their glue. The only list of supported ops.
//
// Compile-time op selection: when KWS_NN_OPS is defined (a string of
// comma-separated TFLite builtin names, e.g. "CONV_2D,SOFTMAX"), lookup_op()
// knows only those ops, so an image links only their glue and kernels (what
// TFLite Micro's MicroMutableOpResolver does at run time). A model using any
// other op fails Interpreter::needed_bytes/init with "unsupported op <NAME>".
// A name that is not in the list below is a compile error. Undefined or empty:
// every op. The firmware build sets it from its model (firmware/CMakeLists.txt).
#include <cstddef>
#include <string_view>

#include "nn/ops/op_table.h"
#include "nn/tflite_schema.h"

#ifndef KWS_NN_OPS
#define KWS_NN_OPS ""
#endif

namespace kws::nn {
namespace {

// X(builtin constant in nn::op, TFLite name, glue table in nn::ops)
#define KWS_NN_FOR_EACH_OP(X)                                      \
  X(kConv2d, "CONV_2D", kConv2dKernel)                             \
  X(kDepthwiseConv2d, "DEPTHWISE_CONV_2D", kDepthwiseConv2dKernel) \
  X(kFullyConnected, "FULLY_CONNECTED", kFullyConnectedKernel)     \
  X(kAveragePool2d, "AVERAGE_POOL_2D", kAveragePool2dKernel)       \
  X(kMaxPool2d, "MAX_POOL_2D", kMaxPool2dKernel)                   \
  X(kSoftmax, "SOFTMAX", kSoftmaxKernel)                           \
  X(kLogistic, "LOGISTIC", kLogisticKernel)                        \
  X(kLeakyRelu, "LEAKY_RELU", kLeakyReluKernel)                    \
  X(kAdd, "ADD", kAddKernel)                                       \
  X(kMul, "MUL", kMulKernel)                                       \
  X(kQuantize, "QUANTIZE", kQuantizeKernel)                        \
  X(kDequantize, "DEQUANTIZE", kDequantizeKernel)                  \
  X(kReshape, "RESHAPE", kReshapeKernel)                           \
  X(kConcatenation, "CONCATENATION", kConcatenationKernel)         \
  X(kStridedSlice, "STRIDED_SLICE", kStridedSliceKernel)           \
  X(kPad, "PAD", kPadKernel)                                       \
  X(kMean, "MEAN", kMeanKernel)                                    \
  X(kSplit, "SPLIT", kSplitKernel)                                 \
  X(kSplitV, "SPLIT_V", kSplitVKernel)                             \
  X(kCallOnce, "CALL_ONCE", kCallOnceKernel)                       \
  X(kVarHandle, "VAR_HANDLE", kVarHandleKernel)                    \
  X(kReadVariable, "READ_VARIABLE", kReadVariableKernel)           \
  X(kAssignVariable, "ASSIGN_VARIABLE", kAssignVariableKernel)

// The float32 glue: chosen when the op's first input (or, without inputs, its
// first output) is FLOAT32. An op of this list with other types falls back to
// the list above.
#define KWS_NN_FOR_EACH_F32_OP(X)                                 \
  X(kConv2d, "CONV_2D", kConv2dF32Kernel)                         \
  X(kMaxPool2d, "MAX_POOL_2D", kMaxPool2dF32Kernel)               \
  X(kFullyConnected, "FULLY_CONNECTED", kFullyConnectedF32Kernel) \
  X(kAdd, "ADD", kAddF32Kernel)                                   \
  X(kSub, "SUB", kSubF32Kernel)                                   \
  X(kMul, "MUL", kMulF32Kernel)                                   \
  X(kMaximum, "MAXIMUM", kMaximumF32Kernel)                       \
  X(kMinimum, "MINIMUM", kMinimumF32Kernel)                       \
  X(kGreaterEqual, "GREATER_EQUAL", kGreaterEqualF32Kernel)       \
  X(kLeakyRelu, "LEAKY_RELU", kLeakyReluF32Kernel)                \
  X(kRsqrt, "RSQRT", kRsqrtF32Kernel)                             \
  X(kLog, "LOG", kLogF32Kernel)                                   \
  X(kLogistic, "LOGISTIC", kLogisticF32Kernel)                    \
  X(kSoftmax, "SOFTMAX", kSoftmaxF32Kernel)                       \
  X(kMean, "MEAN", kMeanF32Kernel)                                \
  X(kReduceMax, "REDUCE_MAX", kReduceMaxF32Kernel)                \
  X(kPad, "PAD", kPadF32Kernel)                                   \
  X(kTranspose, "TRANSPOSE", kTransposeF32Kernel)                 \
  X(kBatchMatmul, "BATCH_MATMUL", kBatchMatmulF32Kernel)          \
  X(kReshape, "RESHAPE", kReshapeF32Kernel)                       \
  X(kExpandDims, "EXPAND_DIMS", kExpandDimsF32Kernel)             \
  X(kSqueeze, "SQUEEZE", kSqueezeF32Kernel)                       \
  X(kIf, "IF", kIfKernel)

constexpr std::string_view kSelection = KWS_NN_OPS;

#define KWS_NN_OP_NAME(code, name, kernel) name,
constexpr std::string_view kKnownNames[] = {KWS_NN_FOR_EACH_OP(KWS_NN_OP_NAME)
                                                KWS_NN_FOR_EACH_F32_OP(KWS_NN_OP_NAME)};
#undef KWS_NN_OP_NAME

// Calls f(name) for each comma-separated name of the selection; false as soon
// as f returns false.
template <typename F>
constexpr bool each_selected(F f) {
  size_t start = 0;
  while (start < kSelection.size()) {
    size_t end = kSelection.find(',', start);
    if (end == std::string_view::npos) end = kSelection.size();
    if (!f(kSelection.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

constexpr bool selected(std::string_view name) {
  if (kSelection.empty()) return true;
  return !each_selected([name](std::string_view s) { return s != name; });
}

constexpr bool known(std::string_view name) {
  for (std::string_view k : kKnownNames) {
    if (k == name) return true;
  }
  return false;
}

static_assert(each_selected(known), "KWS_NN_OPS names an op the runtime does not have");

}  // namespace

// A discarded `if constexpr` branch emits no reference, so an op left out of
// the selection takes its glue and kernels out of the link.
#define KWS_NN_OP_CASE(code, name, kernel) \
  case op::code:                           \
    if constexpr (selected(name)) {        \
      return &ops::kernel;                 \
    } else {                               \
      return nullptr;                      \
    }

const OpKernel* lookup_op(int32_t builtin, TensorType type) {
  if constexpr (KWS_NN_FLOAT32 != 0) {
    // IF is type-agnostic (its first input is the BOOL condition).
    if (type == TensorType::kFloat32 || builtin == op::kIf) {
      switch (builtin) {
        KWS_NN_FOR_EACH_F32_OP(KWS_NN_OP_CASE)
        default:
          break;
      }
    }
  }
  switch (builtin) {
    KWS_NN_FOR_EACH_OP(KWS_NN_OP_CASE)
    default:
      return nullptr;
  }
}

#undef KWS_NN_OP_CASE

namespace {

// Float streaming row kernels (the ops of a conv backbone), selected ops only.
const RowKernel* lookup_f32_row_kernel(int32_t builtin) {
  switch (builtin) {
    case op::kConv2d:
      if constexpr (selected("CONV_2D")) return &ops::kConv2dF32Rows;
      return nullptr;
    case op::kMaxPool2d:
      if constexpr (selected("MAX_POOL_2D")) return &ops::kMaxPool2dF32Rows;
      return nullptr;
    case op::kPad:
      if constexpr (selected("PAD")) return &ops::kPadF32Rows;
      return nullptr;
    case op::kLeakyRelu:
      if constexpr (selected("LEAKY_RELU")) return &ops::kUnaryF32Rows;
      return nullptr;
    case op::kLogistic:
      if constexpr (selected("LOGISTIC")) return &ops::kUnaryF32Rows;
      return nullptr;
    case op::kMaximum:
      if constexpr (selected("MAXIMUM")) return &ops::kBinaryF32Rows;
      return nullptr;
    case op::kMinimum:
      if constexpr (selected("MINIMUM")) return &ops::kBinaryF32Rows;
      return nullptr;
    case op::kAdd:
      if constexpr (selected("ADD")) return &ops::kBinaryF32Rows;
      return nullptr;
    case op::kMul:
      if constexpr (selected("MUL")) return &ops::kBinaryF32Rows;
      return nullptr;
    default:
      return nullptr;
  }
}

}  // namespace

// Whether the runtime has `builtin` for some tensor type (for the error of an
// op that exists only for other types).
bool op_exists(int32_t builtin) {
  if (lookup_op(builtin, TensorType::kInt8) != nullptr) return true;
  return lookup_op(builtin, TensorType::kFloat32) != nullptr;
}

// Streaming row kernels (int8 convolutions), for the selected ops only.
const RowKernel* lookup_row_kernel(int32_t builtin, TensorType type) {
  if constexpr (KWS_NN_FLOAT32 != 0) {
    if (type == TensorType::kFloat32) return lookup_f32_row_kernel(builtin);
  }
  if (type != TensorType::kInt8) return nullptr;
  switch (builtin) {
    case op::kConv2d:
      if constexpr (selected("CONV_2D")) return &ops::kConv2dRows;
      return nullptr;
    case op::kDepthwiseConv2d:
      if constexpr (selected("DEPTHWISE_CONV_2D")) return &ops::kDepthwiseConv2dRows;
      return nullptr;
    default:
      return nullptr;
  }
}

}  // namespace kws::nn
