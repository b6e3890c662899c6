// The interface between the interpreter and one op's glue (TFLite's
// Init -> Prepare -> Eval, minus the heap).
//
// prepare() runs twice with identical inputs: once while sizing the arena
// (persistent == nullptr: validate and report memory needs only) and once in
// init (persistent points to persistent_bytes, 16-byte aligned: also write the
// prepared parameters there). eval() runs on every invoke and must not
// allocate; its scratch is planned into the activation arena.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "nn/tflite_model.h"

// float32 glue, IF and input shapes on hosts; the MCU build sets 0 so that no
// float kernel is referenced, whatever the op selection.
#ifndef KWS_NN_FLOAT32
#define KWS_NN_FLOAT32 1
#endif

namespace kws::nn {

struct RuntimeTensor {
  uint8_t* data = nullptr;  // arena or model bytes; nullptr if never used
  size_t bytes = 0;
  TensorType type = TensorType::kInt8;
  int num_dims = 0;
  int32_t dims[kMaxDims] = {};
  float scale = 0.0f;  // channel 0 scale; 0 when not quantized
  int32_t zero_point = 0;
  bool constant = false;
};

struct OpMemory {
  size_t persistent_bytes = 0;
  size_t scratch_bytes = 0;
};

struct SubgraphExec;

struct PrepareContext {
  const TfliteModel* model = nullptr;
  uint32_t op_index = 0;
  const OperatorDesc* desc = nullptr;  // tensor lists index `tensors`
  RuntimeTensor* tensors = nullptr;
  uint32_t num_tensors = 0;
  const OperatorDesc* source = nullptr;  // the model's op (model tensor indices)
  // True only for init's final call (persistent memory given, `tensors` is the
  // interpreter's full table, earlier ops fully prepared).
  bool building = false;
  // The model subgraph the op belongs to.
  uint32_t subgraph = 0;
  // Building only: the runnable subgraphs, indexed by model subgraph (entries
  // of subgraphs no control-flow op runs have ops == nullptr); nullptr while sizing.
  const SubgraphExec* subgraphs = nullptr;

  // Input/output `i`, or nullptr when absent (-1) or past the list.
  RuntimeTensor* input(uint32_t i) const;
  RuntimeTensor* output(uint32_t i) const;
  uint32_t num_inputs() const { return desc->inputs.size(); }
  uint32_t num_outputs() const { return desc->outputs.size(); }
  // Full quantization (per-channel scales) of input `i`.
  QuantInfo input_quant(uint32_t i) const;
};

struct OpNode;

struct OpKernel {
  const char* name;
  Status (*prepare)(const PrepareContext& ctx, void* persistent, OpMemory* mem);
  Status (*eval)(const OpNode& node, RuntimeTensor* tensors);
  // Optional: returns the op's state to what init() left (streaming state).
  void (*reset)(const OpNode& node);
};

struct OpNode {
  const OpKernel* kernel = nullptr;
  uint32_t index = 0;
  I32List inputs;
  I32List outputs;
  void* persistent = nullptr;
  void* scratch = nullptr;
  size_t scratch_bytes = 0;

  RuntimeTensor& in(RuntimeTensor* t, uint32_t i) const { return t[inputs[i]]; }
  RuntimeTensor& out(RuntimeTensor* t, uint32_t i) const { return t[outputs[i]]; }
};

// A subgraph run by a control-flow op (IF): its ops and its slice of the
// interpreter's tensor table (indexed by the subgraph's own tensor indices).
struct SubgraphExec {
  const OpNode* ops = nullptr;
  uint32_t num_ops = 0;
  RuntimeTensor* tensors = nullptr;
  I32List inputs;
  I32List outputs;
};

// Evaluates every op of `sg` in order (nn/interpreter.cc).
Status run_subgraph(const SubgraphExec& sg);

// The glue for a builtin op whose first input has `type` (float32 ops have
// their own glue), or nullptr when the runtime does not support it.
const OpKernel* lookup_op(int32_t builtin, TensorType type);
// Whether lookup_op() knows `builtin` for int8 or float32.
bool op_exists(int32_t builtin);

// Streaming support (Interpreter's stream_shift_rows). An op whose output
// row r (dim 1 of a [1, H, W, C] tensor) reads exactly input rows
// [r * stride, r * stride + extent) of its input 0, with no padding along
// dim 1, can compute a range of output rows on its own.
struct RowWindow {
  int32_t stride = 1;
  int32_t extent = 1;
};

struct RowKernel {
  // True (and `w` filled) when the op, with these options and shapes, is such
  // an op: batch 1, no padding along dim 1, other inputs constant.
  bool (*window)(const PrepareContext& ctx, RowWindow* w);
  // Computes output rows [begin, end) only, exactly as eval() computes them.
  Status (*eval_rows)(const OpNode& node, RuntimeTensor* tensors, int32_t begin, int32_t end);
};

// The row kernel of a builtin op, or nullptr when it cannot stream.
const RowKernel* lookup_row_kernel(int32_t builtin, TensorType type);

// One op of a streamed invoke: output rows [shift, shift + first_row) move to
// [0, first_row), rows [first_row, H) are computed.
struct StreamStep {
  uint32_t op = 0;
  const RowKernel* rows = nullptr;
  int32_t first_row = 0;
  int32_t shift = 0;
};

}  // namespace kws::nn
