// Runs a parsed int8 or float32 .tflite model inside one caller-owned arena.
//
// Usage: needed_bytes(model) -> caller provides that many bytes (any alignment)
// -> init(model, arena, len) -> fill input(i) -> invoke() -> read output(i).
// Contract: init validates every op (types, shapes, quantization) and computes
// all requantization parameters (TFLite's Prepare); invoke() allocates nothing
// and touches only the arena. Constant tensors point into the model bytes,
// which must outlive the interpreter. Activations share arena bytes by
// lifetime: an input is valid until invoke() starts, an output until the next
// input write. No heap, no exceptions.
//
// Subgraphs: subgraph 0 is the model; the then/else subgraphs of its IF ops
// run inside those ops. Their tensors and ops are planned with subgraph 0's in
// the same arena: on one timeline, each branch's steps lie inside the IF's
// step, so branch tensors never overlap anything alive across the IF. (The
// init subgraph of CALL_ONCE is a constant table, read by that op.)
//
// Input shapes (InterpreterOptions::input_shapes, float32 builds): a model
// input gets the given shape before planning; every op's prepare computes its
// output shape from its inputs, so the arena is planned for the real sizes
// (e.g. melspectrogram.tflite declares [1, 1] and runs on [1, 1760]). Ops
// whose output shape is fixed by the file (int8 glue) reject a mismatch.
//
// Streaming (InterpreterOptions::stream_shift_rows = S > 0): for a model with
// one [1, H, ...] input that is fed a sliding window moving by S rows per
// invoke. Every convolution that reads a streamed tensor without padding along
// H and whose H stride divides that tensor's shift keeps its output between
// invokes (those tensors are never shared in the arena) and, on an invoke whose
// input equals the previous input moved by S rows, shifts the kept rows and
// computes only the rows that read new data. Ops downstream run as usual.
// invoke() compares the input with a kept copy of the previous one, so any
// other input (the first invoke, after reset_state(), a gap in the stream)
// simply runs every op in full: results are bit-identical to
// stream_shift_rows = 0 for every input sequence.
//
// Fusion (InterpreterOptions::fuse_activations, float32 builds): a float
// CONV_2D whose output feeds only a LEAKY_RELU whose output feeds only a
// MAXIMUM with a constant runs as one step: the conv writes the MAXIMUM's
// output and the two activations run in place on the rows just computed, with
// the same kernels (results are bit-identical to unfused). The conv's and the
// LEAKY_RELU's own outputs are then not written by invoke() (invoke_ops() and
// invoke_op() run ops unfused).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/ops/op_kernel.h"
#include "nn/status.h"
#include "nn/tflite_model.h"

#ifndef KWS_NN_MAX_PLANNED_BUFFERS
#define KWS_NN_MAX_PLANNED_BUFFERS 192
#endif
// Subgraphs one model may run (subgraph 0 + IF branches).
#ifndef KWS_NN_MAX_RUN_SUBGRAPHS
#define KWS_NN_MAX_RUN_SUBGRAPHS 9
#endif

namespace kws::nn {

// A shape for graph input `input` (index into the model's inputs).
struct InputShape {
  uint32_t input = 0;
  int num_dims = 0;
  int32_t dims[kMaxDims] = {};
};

struct InterpreterOptions {
  // Rows (dim 1) by which input 0 moves between consecutive invokes; 0: off.
  int32_t stream_shift_rows = 0;
  // Shapes replacing the declared shapes of some inputs (not copied: must stay
  // valid during needed_bytes()/init()).
  const InputShape* input_shapes = nullptr;
  uint32_t num_input_shapes = 0;
  // Runs CONV_2D -> LEAKY_RELU -> MAXIMUM(constant) chains as one step.
  bool fuse_activations = true;
};

// A CONV_2D -> LEAKY_RELU -> MAXIMUM chain run as one step: copies of the three
// nodes that all write the MAXIMUM's output (ids: that tensor, the constant).
struct FusedChain {
  uint32_t op = 0;  // the CONV_2D; ops op + 1 and op + 2 are folded in
  OpNode nodes[3];
  int32_t ids[2] = {};
};

// A model input or output as the caller sees it.
struct TensorView {
  TensorType type = TensorType::kInt8;
  int32_t dims[kMaxDims] = {};
  int num_dims = 0;
  float scale = 0.0f;  // 0 when not quantized
  int32_t zero_point = 0;
  void* data = nullptr;
  size_t bytes = 0;
};

class Interpreter {
 public:
  static constexpr size_t kArenaAlignment = 16;
  // Planner bookkeeping is bounded so that sizing needs no heap; it lives on
  // the stack of needed_bytes()/init() (about 24 bytes per buffer), so the
  // firmware build lowers the bound (KWS_NN_MAX_PLANNED_BUFFERS).
  static constexpr size_t kMaxPlannedBuffers = KWS_NN_MAX_PLANNED_BUFFERS;

  // Arena bytes for `model` (bookkeeping + prepared op data + planned
  // activations and kernel scratch + alignment slack). Unsupported ops and
  // invalid op parameters are reported here.
  static Status needed_bytes(const TfliteModel& model, size_t* bytes,
                             const InterpreterOptions& options = {});

  Status init(const TfliteModel& model, void* arena, size_t len,
              const InterpreterOptions& options = {});
  Status invoke();
  // Returns streaming state (resource variables, kept rows) to its initial
  // values: the next invoke() starts as the first one did.
  void reset_state();
  // Runs only the first `count` ops (debugging, layer-by-layer comparisons):
  // afterwards the outputs of op count-1 are valid through tensor().
  Status invoke_ops(uint32_t count);
  // Runs op `index` of subgraph 0 alone on what the arena holds (profiling:
  // right after invoke_ops(index) its inputs are valid, and it may be repeated).
  Status invoke_op(uint32_t index);
  // Any tensor of subgraph 0 by index (constant ones point into the model).
  // Ops and tensors below are subgraph 0's.
  TensorView tensor(uint32_t index) const { return view(static_cast<int32_t>(index)); }
  uint32_t num_ops() const { return num_ops_; }

  bool initialized() const { return initialized_; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  TensorView input(size_t i) const;
  TensorView output(size_t i) const;
  // Bytes of the arena the activation plan uses (for reports and tests).
  size_t activation_bytes() const { return activation_bytes_; }
  // Streaming: ops that compute only new rows on a streamed invoke, and
  // whether the last invoke() was one.
  uint32_t streamed_ops() const { return streamed_ops_; }
  // The streamed ops in op order (streamed_ops() of them; nullptr when none).
  const StreamStep* stream_steps() const { return stream_steps_; }
  bool last_invoke_streamed() const { return last_streamed_; }
  // Fused chains (fuse_activations), in op order.
  uint32_t fused_chains() const { return num_fused_; }

 private:
  // Sizes (self == nullptr) or builds (self != nullptr, base/len the aligned
  // arena) the whole runtime state; one code path so both always agree.
  static Status build(const TfliteModel& model, const InterpreterOptions& options, uint8_t* base,
                      size_t len, size_t* bytes, Interpreter* self);
  Status run(uint32_t count, bool allow_stream);
  TensorView view(int32_t tensor_index) const;

  const TfliteModel* model_ = nullptr;
  OpNode* ops_ = nullptr;
  RuntimeTensor* tensors_ = nullptr;
  uint32_t num_ops_ = 0;
  uint32_t num_tensors_ = 0;
  I32List inputs_;
  I32List outputs_;
  size_t activation_bytes_ = 0;
  // Streaming: the previous input (nullptr when no op streams), the bytes the
  // input moves per invoke, whether `stream_prev_` holds a fully run input.
  uint8_t* stream_prev_ = nullptr;
  StreamStep* stream_steps_ = nullptr;  // streamed_ops_ of them, by op index
  size_t stream_shift_bytes_ = 0;
  bool stream_prev_valid_ = false;
  uint32_t streamed_ops_ = 0;
  bool last_streamed_ = false;
  FusedChain* fused_ = nullptr;
  uint32_t num_fused_ = 0;
  bool initialized_ = false;
};

}  // namespace kws::nn
