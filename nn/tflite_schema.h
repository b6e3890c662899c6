// Facts of the TFLite flatbuffer schema (schema.fbs) that the reader needs:
// enum values and the field ids (vtable slots) of each table. A union field
// takes two slots: its type, then its value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kws::nn {

enum class TensorType : uint8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUInt64 = 12,
  kResource = 13,
  kVariant = 14,
  kUInt32 = 15,
  kUInt16 = 16,
  kInt4 = 17,
};

// "INT8", "FLOAT32", ...; "UNKNOWN" for a value outside the enum.
const char* tensor_type_name(TensorType type);
// Bytes per element of the types the runtime can hold; 0 for the others
// (RESOURCE tensors carry no data).
size_t tensor_type_size(TensorType type);

// BuiltinOperator values used by name in the runtime.
namespace op {
constexpr int32_t kAdd = 0;
constexpr int32_t kAveragePool2d = 1;
constexpr int32_t kConcatenation = 2;
constexpr int32_t kConv2d = 3;
constexpr int32_t kDepthwiseConv2d = 4;
constexpr int32_t kDequantize = 6;
constexpr int32_t kFullyConnected = 9;
constexpr int32_t kLogistic = 14;
constexpr int32_t kMaxPool2d = 17;
constexpr int32_t kMul = 18;
constexpr int32_t kReshape = 22;
constexpr int32_t kSoftmax = 25;
constexpr int32_t kCustom = 32;
constexpr int32_t kPad = 34;
constexpr int32_t kTranspose = 39;
constexpr int32_t kSub = 41;
constexpr int32_t kSqueeze = 43;
constexpr int32_t kMaximum = 55;
constexpr int32_t kMinimum = 57;
constexpr int32_t kGreaterEqual = 62;
constexpr int32_t kExpandDims = 70;
constexpr int32_t kLog = 73;
constexpr int32_t kRsqrt = 76;
constexpr int32_t kReduceMax = 82;
constexpr int32_t kLeakyRelu = 98;
constexpr int32_t kIf = 118;
constexpr int32_t kBatchMatmul = 126;
constexpr int32_t kMean = 40;
constexpr int32_t kStridedSlice = 45;
constexpr int32_t kSplit = 49;
constexpr int32_t kSplitV = 102;
constexpr int32_t kQuantize = 114;
constexpr int32_t kCallOnce = 129;
constexpr int32_t kVarHandle = 142;
constexpr int32_t kReadVariable = 143;
constexpr int32_t kAssignVariable = 144;
}  // namespace op

// "CONV_2D", ...; "UNKNOWN" past the known range.
const char* builtin_op_name(int32_t code);

// BuiltinOptions union type values of the options tables the runtime reads.
namespace options_type {
constexpr uint8_t kNone = 0;
constexpr uint8_t kConv2d = 1;
constexpr uint8_t kDepthwiseConv2d = 2;
constexpr uint8_t kPool2d = 5;
constexpr uint8_t kFullyConnected = 8;
constexpr uint8_t kSoftmax = 9;
constexpr uint8_t kConcatenation = 10;
constexpr uint8_t kAdd = 11;
constexpr uint8_t kReshape = 17;
constexpr uint8_t kMul = 21;
constexpr uint8_t kPad = 22;
constexpr uint8_t kReducer = 27;
constexpr uint8_t kStridedSlice = 32;
}  // namespace options_type

// Padding (SAME = 0, VALID = 1) and ActivationFunctionType (NONE = 0, RELU = 1,
// RELU_N1_TO_1 = 2, RELU6 = 3, TANH = 4, SIGN_BIT = 5) are read as raw int8 and mapped
// onto the kernels' enums by the op glue.
namespace schema_padding {
constexpr int8_t kSame = 0, kValid = 1;
}
namespace schema_activation {
constexpr int8_t kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3;
}

// Field ids (vtable slots) per table.
namespace field {
namespace model {
constexpr int kVersion = 0, kOperatorCodes = 1, kSubgraphs = 2, kDescription = 3, kBuffers = 4,
              kMetadataBuffer = 5, kMetadata = 6, kSignatureDefs = 7;
}
namespace operator_code {
constexpr int kDeprecatedBuiltinCode = 0, kCustomCode = 1, kVersion = 2, kBuiltinCode = 3;
}
namespace subgraph {
constexpr int kTensors = 0, kInputs = 1, kOutputs = 2, kOperators = 3, kName = 4;
}
namespace tensor {
constexpr int kShape = 0, kType = 1, kBuffer = 2, kName = 3, kQuantization = 4, kIsVariable = 5,
              kSparsity = 6, kShapeSignature = 7;
}
namespace quantization {
constexpr int kMin = 0, kMax = 1, kScale = 2, kZeroPoint = 3, kDetailsType = 4, kDetails = 5,
              kQuantizedDimension = 6;
}
namespace operator_ {
constexpr int kOpcodeIndex = 0, kInputs = 1, kOutputs = 2, kBuiltinOptionsType = 3,
              kBuiltinOptions = 4, kCustomOptions = 5, kCustomOptionsFormat = 6,
              kMutatingVariableInputs = 7, kIntermediates = 8;
}
namespace buffer {
constexpr int kData = 0, kOffset = 1, kSize = 2;
}
namespace metadata {
constexpr int kName = 0, kBuffer = 1;
}
// Builtin options tables.
namespace conv2d {
constexpr int kPadding = 0, kStrideW = 1, kStrideH = 2, kActivation = 3, kDilationW = 4,
              kDilationH = 5;
}
namespace depthwise_conv2d {
constexpr int kPadding = 0, kStrideW = 1, kStrideH = 2, kDepthMultiplier = 3, kActivation = 4,
              kDilationW = 5, kDilationH = 6;
}
namespace pool2d {
constexpr int kPadding = 0, kStrideW = 1, kStrideH = 2, kFilterW = 3, kFilterH = 4, kActivation = 5;
}
namespace fully_connected {
constexpr int kActivation = 0, kWeightsFormat = 1, kKeepNumDims = 2;
}
namespace softmax {
constexpr int kBeta = 0;
}
namespace concatenation {
constexpr int kAxis = 0, kActivation = 1;
}
namespace add {
constexpr int kActivation = 0;
}
namespace mul {
constexpr int kActivation = 0;
}
namespace reshape {
constexpr int kNewShape = 0;
}
namespace reducer {
constexpr int kKeepDims = 0;
}
namespace split {
constexpr int kNumSplits = 0;  // SplitOptions and SplitVOptions
}
namespace var_handle {
constexpr int kContainer = 0, kSharedName = 1;
}
namespace leaky_relu {
constexpr int kAlpha = 0;
}
namespace squeeze {
constexpr int kSqueezeDims = 0;
}
namespace batch_matmul {
constexpr int kAdjX = 0, kAdjY = 1;
}
namespace if_op {
constexpr int kThenSubgraphIndex = 0, kElseSubgraphIndex = 1;
}
namespace call_once {
constexpr int kInitSubgraphIndex = 0;
}
namespace strided_slice {
constexpr int kBeginMask = 0, kEndMask = 1, kEllipsisMask = 2, kNewAxisMask = 3,
              kShrinkAxisMask = 4, kOffset = 5;
}
}  // namespace field

}  // namespace kws::nn
