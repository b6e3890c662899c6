#include "nn/interpreter.h"

#include <cstring>

#include "nn/arena_planner.h"

namespace kws::nn {

namespace {

constexpr size_t kAlign = Interpreter::kArenaAlignment;

size_t align_up(size_t v) { return (v + kAlign - 1) & ~(kAlign - 1); }

// Lifetime of every tensor of subgraph 0 in op steps; -1/-1 when unused.
void tensor_lifetime(const TfliteModel& model, int32_t tensor, int32_t* first, int32_t* last) {
  const uint32_t num_ops = model.num_operators(0);
  *first = INT32_MAX;
  *last = -1;
  const I32List ins = model.inputs(0);
  for (uint32_t i = 0; i < ins.size(); ++i) {
    if (ins[i] == tensor) *first = 0;
  }
  for (uint32_t o = 0; o < num_ops; ++o) {
    const I32List lists[2] = {model.op_inputs(0, o), model.op_outputs(0, o)};
    for (const I32List& l : lists) {
      for (uint32_t i = 0; i < l.size(); ++i) {
        if (l[i] != tensor) continue;
        if (static_cast<int32_t>(o) < *first) *first = static_cast<int32_t>(o);
        if (static_cast<int32_t>(o) > *last) *last = static_cast<int32_t>(o);
      }
    }
  }
  const I32List outs = model.outputs(0);
  for (uint32_t i = 0; i < outs.size(); ++i) {
    if (outs[i] == tensor) {
      if (*first == INT32_MAX) *first = 0;
      *last = static_cast<int32_t>(num_ops);
    }
  }
  if (*first != INT32_MAX && *last < *first) *last = *first;
}

}  // namespace

RuntimeTensor* PrepareContext::input(uint32_t i) const {
  if (i >= desc->inputs.size() || desc->inputs[i] < 0) return nullptr;
  return &tensors[desc->inputs[i]];
}

RuntimeTensor* PrepareContext::output(uint32_t i) const {
  if (i >= desc->outputs.size() || desc->outputs[i] < 0) return nullptr;
  return &tensors[desc->outputs[i]];
}

QuantInfo PrepareContext::input_quant(uint32_t i) const {
  if (i >= source->inputs.size() || source->inputs[i] < 0) return QuantInfo{};
  return model->tensor(0, static_cast<uint32_t>(source->inputs[i])).quant;
}

Status Interpreter::build(const TfliteModel& model, const InterpreterOptions& options,
                          uint8_t* base, size_t len, size_t* bytes, Interpreter* self) {
  if (!model.parsed()) {
    return Status::Error(StatusCode::kNotInitialized, "model was not parsed successfully");
  }
  // Only subgraph 0 runs. Other subgraphs are reachable only through control
  // flow ops (CALL_ONCE, IF, WHILE), which the op check below reports.
  const uint32_t num_ops = model.num_operators(0);
  const uint32_t num_tensors = model.num_tensors(0);
  const bool building = self != nullptr;
  if (num_tensors > UINT16_MAX) {
    return Status::Error(StatusCode::kUnsupported, "%u tensors (at most %u)",
                         static_cast<unsigned>(num_tensors), static_cast<unsigned>(UINT16_MAX));
  }
  // Graph inputs are written by the caller: they must live in the arena.
  const I32List graph_inputs = model.inputs(0);
  for (uint32_t i = 0; i < graph_inputs.size(); ++i) {
    const TensorDesc d = model.tensor(0, static_cast<uint32_t>(graph_inputs[i]));
    if (d.data != nullptr) {
      return Status::Error(StatusCode::kMalformedModel, "graph input %u (tensor %d) is constant",
                           static_cast<unsigned>(i), static_cast<int>(graph_inputs[i]));
    }
  }

  // Bookkeeping: op nodes, runtime tensors.
  size_t off = 0;
  const size_t ops_off = off;
  off = align_up(off + sizeof(OpNode) * num_ops);
  const size_t tensors_off = off;
  off = align_up(off + sizeof(RuntimeTensor) * num_tensors);
  if (building && off > len) {
    return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
  }
  OpNode* nodes = building ? reinterpret_cast<OpNode*>(base + ops_off) : nullptr;
  RuntimeTensor* tensors =
      building ? reinterpret_cast<RuntimeTensor*>(base + tensors_off) : nullptr;

  // Planned buffers: activation tensors in index order, then op scratch in op
  // order (a scratch buffer lives for its op's step only).
  PlanBuffer plan[kMaxPlannedBuffers];
  // For tensor plans: the tensor; its row shift per streamed invoke (0: not
  // streamed); the streaming op that writes it (-1: none; then it is kept
  // between invokes) and that op's first computed row.
  // 16-bit fields keep this on a microcontroller's stack (checked below).
  uint16_t plan_tensor[kMaxPlannedBuffers];
  int16_t plan_shift[kMaxPlannedBuffers];
  int16_t plan_writer[kMaxPlannedBuffers];
  int16_t plan_first_row[kMaxPlannedBuffers];
  size_t num_plan = 0;
  for (uint32_t t = 0; t < num_tensors; ++t) {
    const TensorDesc d = model.tensor(0, t);
    if (building) {
      RuntimeTensor& rt = tensors[t];
      rt = RuntimeTensor{};
      rt.type = d.type;
      rt.num_dims = d.num_dims;
      for (int k = 0; k < d.num_dims; ++k) rt.dims[k] = d.dims[k];
      rt.bytes = d.bytes;
      rt.constant = d.data != nullptr;
      rt.data = const_cast<uint8_t*>(d.data);  // never written: outputs are checked non-constant
      if (d.quant.num_channels > 0) {
        rt.scale = d.quant.scale(0);
        rt.zero_point = static_cast<int32_t>(d.quant.zero_point(0));
      }
    }
    if (d.data != nullptr || d.bytes == 0) continue;
    int32_t first = 0;
    int32_t last = 0;
    tensor_lifetime(model, static_cast<int32_t>(t), &first, &last);
    if (first == INT32_MAX) continue;  // never used
    if (d.is_variable) {
      first = 0;
      last = static_cast<int32_t>(num_ops);
    }
    if (num_plan == kMaxPlannedBuffers) {
      return Status::Error(StatusCode::kUnsupported, "more than %zu activation buffers",
                           kMaxPlannedBuffers);
    }
    plan_tensor[num_plan] = static_cast<uint16_t>(t);
    plan_shift[num_plan] = 0;
    plan_writer[num_plan] = -1;
    plan_first_row[num_plan] = 0;
    plan[num_plan++] = PlanBuffer{static_cast<uint32_t>(d.bytes), first, last, 0};
  }
  const size_t num_tensor_plans = num_plan;
  auto plan_of = [&](int32_t tensor) -> size_t {
    for (size_t k = 0; k < num_tensor_plans; ++k) {
      if (static_cast<int32_t>(plan_tensor[k]) == tensor) return k;
    }
    return num_plan;  // constant or unused: never streamed
  };

  // Streaming: the input's shift seeds the analysis (one input, batch 1,
  // shift smaller than its rows).
  const int32_t shift = options.stream_shift_rows;
  if (shift < 0) {
    return Status::Error(StatusCode::kInvalidArgument, "stream_shift_rows %d is negative",
                         static_cast<int>(shift));
  }
  size_t stream_input_bytes = 0;
  size_t stream_shift_bytes = 0;
  if (shift > 0 && graph_inputs.size() == 1) {
    const TensorDesc in = model.tensor(0, static_cast<uint32_t>(graph_inputs[0]));
    const size_t k = plan_of(graph_inputs[0]);
    if (in.num_dims >= 2 && in.dims[0] == 1 && in.dims[1] > shift && in.dims[1] <= INT16_MAX &&
        k < num_tensor_plans && !in.is_variable &&
        in.bytes % static_cast<size_t>(in.dims[1]) == 0) {
      plan_shift[k] = static_cast<int16_t>(shift);
      stream_input_bytes = in.bytes;
      stream_shift_bytes = in.bytes / static_cast<size_t>(in.dims[1]) * static_cast<size_t>(shift);
    }
  }
  uint32_t streamed_ops = 0;
  // Decides whether op `o` streams (its input 0 is streamed, it has a row
  // window whose stride divides the shift, and some rows can be kept).
  auto analyse = [&](const PrepareContext& ctx) {
    if (stream_input_bytes == 0 || ctx.num_outputs() != 1 || ctx.num_inputs() < 1) return;
    const RowKernel* rk = lookup_row_kernel(ctx.source->builtin);
    const size_t in_plan = plan_of(ctx.source->inputs[0]);
    const size_t out_plan = plan_of(ctx.source->outputs[0]);
    if (rk == nullptr || in_plan >= num_tensor_plans || out_plan >= num_tensor_plans) return;
    const int32_t s_in = plan_shift[in_plan];
    RowWindow w;
    if (s_in <= 0 || !rk->window(ctx, &w) || s_in % w.stride != 0) return;
    const RuntimeTensor* in = ctx.input(0);
    const RuntimeTensor* out = ctx.output(0);
    const int32_t in_h = in->dims[1];
    const int32_t out_h = out->dims[1];
    const int32_t s_out = s_in / w.stride;
    if (model.tensor(0, static_cast<uint32_t>(ctx.source->outputs[0])).is_variable ||
        s_out >= out_h || in_h - s_in < w.extent || out_h > INT16_MAX || ctx.op_index > INT16_MAX ||
        plan_writer[out_plan] >= 0) {
      return;
    }
    // Output row r can be kept when it read only rows that the shift keeps and
    // the previous invoke had row r + s_out.
    const int32_t keep = (in_h - s_in - w.extent) / w.stride + 1;
    const int32_t first = keep < out_h - s_out ? keep : out_h - s_out;
    if (first <= 0) return;
    plan_shift[out_plan] = static_cast<int16_t>(s_out);
    plan_writer[out_plan] = static_cast<int16_t>(ctx.op_index);
    plan_first_row[out_plan] = static_cast<int16_t>(first);
    ++streamed_ops;
  };

  // Ops: check support, run prepare (sizing, or for real into the arena).
  // While sizing there is no tensor table: each op gets a small on-stack table
  // of the tensors it touches, filled from the model.
  size_t persistent_total = 0;
  for (uint32_t o = 0; o < num_ops; ++o) {
    const OperatorDesc d = model.op(0, o);
    const OpKernel* kernel = lookup_op(d.builtin);
    if (kernel == nullptr) {
      if (d.builtin == op::kCustom) {
        return Status::Error(StatusCode::kUnsupported,
                             "unsupported custom op \"%s\" at subgraph 0 operator %u", d.custom,
                             static_cast<unsigned>(o));
      }
      return Status::Error(
          StatusCode::kUnsupported, "unsupported op %s (builtin %d) at subgraph 0 operator %u",
          builtin_op_name(d.builtin), static_cast<int>(d.builtin), static_cast<unsigned>(o));
    }
    for (uint32_t i = 0; i < d.outputs.size(); ++i) {
      const int32_t t = d.outputs[i];
      if (t >= 0 && model.tensor(0, static_cast<uint32_t>(t)).data != nullptr) {
        return Status::Error(StatusCode::kMalformedModel,
                             "%s at operator %u writes constant tensor %d", kernel->name,
                             static_cast<unsigned>(o), static_cast<int>(t));
      }
    }
    OpMemory mem;
    Status s;
    if (building) {
      PrepareContext ctx{&model, o, &d, tensors, num_tensors, &d};
      s = kernel->prepare(ctx, nullptr, &mem);
      if (s.ok()) {
        const size_t poff = align_up(off + persistent_total);
        if (poff + mem.persistent_bytes > len) {
          return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
        }
        void* persistent = mem.persistent_bytes > 0 ? base + poff : nullptr;
        OpMemory again;
        ctx.building = true;
        s = kernel->prepare(ctx, persistent, &again);
        if (s.ok()) analyse(ctx);
        nodes[o] = OpNode{kernel, o, d.inputs, d.outputs, persistent, nullptr, mem.scratch_bytes};
      }
    } else {
      // Sizing pass: a temporary tensor table holding only this op's tensors.
      constexpr uint32_t kMaxOpTensors = 16;
      RuntimeTensor local[kMaxOpTensors];
      int32_t ids_in[kMaxOpTensors];
      int32_t ids_out[kMaxOpTensors];
      if (d.inputs.size() + d.outputs.size() > kMaxOpTensors) {
        return Status::Error(StatusCode::kUnsupported, "%s at operator %u has too many tensors",
                             kernel->name, static_cast<unsigned>(o));
      }
      // Re-index the op's tensors 0..n-1 into `local` through a shadow OperatorDesc
      // whose lists point at ids_in/ids_out.
      uint32_t n = 0;
      const I32List lists[2] = {d.inputs, d.outputs};
      int32_t* ids[2] = {ids_in, ids_out};
      for (int k = 0; k < 2; ++k) {
        for (uint32_t i = 0; i < lists[k].size(); ++i) {
          const int32_t t = lists[k][i];
          if (t < 0) {
            ids[k][i] = -1;
            continue;
          }
          const TensorDesc td = model.tensor(0, static_cast<uint32_t>(t));
          RuntimeTensor& rt = local[n];
          rt = RuntimeTensor{};
          rt.type = td.type;
          rt.num_dims = td.num_dims;
          for (int q = 0; q < td.num_dims; ++q) rt.dims[q] = td.dims[q];
          rt.bytes = td.bytes;
          rt.constant = td.data != nullptr;
          rt.data = const_cast<uint8_t*>(td.data);
          if (td.quant.num_channels > 0) {
            rt.scale = td.quant.scale(0);
            rt.zero_point = static_cast<int32_t>(td.quant.zero_point(0));
          }
          ids[k][i] = static_cast<int32_t>(n++);
        }
      }
      OperatorDesc shadow = d;
      shadow.inputs = I32List(reinterpret_cast<const uint8_t*>(ids_in), d.inputs.size());
      shadow.outputs = I32List(reinterpret_cast<const uint8_t*>(ids_out), d.outputs.size());
      PrepareContext ctx{&model, o, &shadow, local, n, &d};
      s = kernel->prepare(ctx, nullptr, &mem);
      if (s.ok()) analyse(ctx);
    }
    if (!s.ok()) {
      return Status::Error(s.code(), "%s at subgraph 0 operator %u: %s", kernel->name,
                           static_cast<unsigned>(o), s.message());
    }
    persistent_total = align_up(persistent_total) + mem.persistent_bytes;
    if (mem.scratch_bytes > 0) {
      if (num_plan == kMaxPlannedBuffers) {
        return Status::Error(StatusCode::kUnsupported, "more than %zu activation buffers",
                             kMaxPlannedBuffers);
      }
      plan[num_plan++] = PlanBuffer{static_cast<uint32_t>(mem.scratch_bytes),
                                    static_cast<int32_t>(o), static_cast<int32_t>(o), 0};
    }
  }
  off = align_up(off + persistent_total);
  // Streaming: the previous input, and kept tensors live across invokes.
  uint8_t* stream_prev = nullptr;
  StreamStep* stream_steps = nullptr;
  if (streamed_ops > 0) {
    if (off + streamed_ops * sizeof(StreamStep) + stream_input_bytes > len && building) {
      return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
    }
    if (building) stream_steps = reinterpret_cast<StreamStep*>(base + off);
    off = align_up(off + streamed_ops * sizeof(StreamStep));
    if (building) stream_prev = base + off;
    off = align_up(off + stream_input_bytes);
    uint32_t n = 0;
    for (size_t k = 0; k < num_tensor_plans; ++k) {
      if (plan_writer[k] < 0) continue;
      plan[k].first = 0;
      plan[k].last = static_cast<int32_t>(num_ops);
      if (!building) continue;
      // Insert in op order.
      const uint32_t o = static_cast<uint32_t>(plan_writer[k]);
      uint32_t at = n++;
      while (at > 0 && stream_steps[at - 1].op > o) {
        stream_steps[at] = stream_steps[at - 1];
        --at;
      }
      stream_steps[at] = StreamStep{o, lookup_row_kernel(model.op(0, o).builtin), plan_first_row[k],
                                    plan_shift[k]};
    }
  }

  // Activations and scratch, placed by lifetime.
  size_t activation = 0;
  {
    const uint16_t* owner = plan_tensor;
    KWS_RETURN_IF_ERROR(plan_buffers(plan, num_plan, kAlign, &activation));
    if (building) {
      if (off + activation > len) {
        return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
      }
      for (size_t i = 0; i < num_plan; ++i) {
        uint8_t* p = base + off + plan[i].offset;
        if (i < num_tensor_plans) {
          tensors[owner[i]].data = p;
        } else {
          nodes[plan[i].first].scratch = p;
        }
      }
      // Variables start at zero (TFLite resets them to zero at allocation).
      for (uint32_t t = 0; t < num_tensors; ++t) {
        if (model.tensor(0, t).is_variable && tensors[t].data != nullptr && !tensors[t].constant) {
          std::memset(tensors[t].data, 0, tensors[t].bytes);
        }
      }
    }
  }
  off += activation;
  *bytes = off;
  if (building) {
    self->model_ = &model;
    self->ops_ = nodes;
    self->tensors_ = tensors;
    self->num_ops_ = num_ops;
    self->num_tensors_ = num_tensors;
    self->inputs_ = model.inputs(0);
    self->outputs_ = model.outputs(0);
    self->activation_bytes_ = activation;
    self->stream_prev_ = stream_prev;
    self->stream_steps_ = stream_steps;
    self->stream_shift_bytes_ = stream_shift_bytes;
    self->stream_prev_valid_ = false;
    self->streamed_ops_ = streamed_ops;
    self->last_streamed_ = false;
  }
  return Status::Ok();
}

Status Interpreter::needed_bytes(const TfliteModel& model, size_t* bytes,
                                 const InterpreterOptions& options) {
  size_t total = 0;
  KWS_RETURN_IF_ERROR(build(model, options, nullptr, 0, &total, nullptr));
  *bytes = total + kAlign - 1;
  return Status::Ok();
}

Status Interpreter::init(const TfliteModel& model, void* arena, size_t len,
                         const InterpreterOptions& options) {
  initialized_ = false;
  size_t needed = 0;
  KWS_RETURN_IF_ERROR(needed_bytes(model, &needed, options));
  if (arena == nullptr || len < needed) {
    return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes, model needs %zu", len,
                         needed);
  }
  const uintptr_t raw = reinterpret_cast<uintptr_t>(arena);
  const size_t pad = (kAlign - raw % kAlign) % kAlign;
  uint8_t* base = static_cast<uint8_t*>(arena) + pad;
  size_t built = 0;
  KWS_RETURN_IF_ERROR(build(model, options, base, len - pad, &built, this));
  initialized_ = true;
  return Status::Ok();
}

Status Interpreter::invoke() { return run(num_ops_, true); }

Status Interpreter::invoke_ops(uint32_t count) { return run(count, false); }

Status Interpreter::run(uint32_t count, bool allow_stream) {
  if (!initialized_) {
    return Status::Error(StatusCode::kNotInitialized, "invoke() before a successful init()");
  }
  if (count > num_ops_) {
    return Status::Error(StatusCode::kInvalidArgument, "%u ops requested, model has %u",
                         static_cast<unsigned>(count), static_cast<unsigned>(num_ops_));
  }
  bool stream = false;
  if (stream_prev_ != nullptr) {
    // The input buffer may be reused by later ops: compare and keep it first.
    const RuntimeTensor& in = tensors_[inputs_[0]];
    stream = allow_stream && stream_prev_valid_ &&
             std::memcmp(in.data, stream_prev_ + stream_shift_bytes_,
                         in.bytes - stream_shift_bytes_) == 0;
    std::memcpy(stream_prev_, in.data, in.bytes);
    stream_prev_valid_ = false;  // until every op has run
  }
  last_streamed_ = false;
  uint32_t next_step = 0;
  for (uint32_t o = 0; o < count; ++o) {
    const OpNode& node = ops_[o];
    Status s;
    if (stream && next_step < streamed_ops_ && stream_steps_[next_step].op == o) {
      const StreamStep& step = stream_steps_[next_step++];
      RuntimeTensor& out = node.out(tensors_, 0);
      const int32_t rows = out.dims[1];
      const size_t row_bytes = out.bytes / static_cast<size_t>(rows);
      std::memmove(out.data, out.data + static_cast<size_t>(step.shift) * row_bytes,
                   static_cast<size_t>(step.first_row) * row_bytes);
      s = step.rows->eval_rows(node, tensors_, step.first_row, rows);
    } else {
      s = node.kernel->eval(node, tensors_);
    }
    if (!s.ok()) {
      return Status::Error(s.code(), "%s at operator %u: %s", node.kernel->name,
                           static_cast<unsigned>(o), s.message());
    }
  }
  // Kept rows are whole only after a run of every op.
  stream_prev_valid_ = stream_prev_ != nullptr && count == num_ops_;
  last_streamed_ = stream;
  return Status::Ok();
}

void Interpreter::reset_state() {
  if (!initialized_) return;
  stream_prev_valid_ = false;
  for (uint32_t o = 0; o < num_ops_; ++o) {
    if (ops_[o].kernel->reset != nullptr) ops_[o].kernel->reset(ops_[o]);
  }
}

TensorView Interpreter::view(int32_t tensor_index) const {
  TensorView v;
  if (!initialized_ || tensor_index < 0 || static_cast<uint32_t>(tensor_index) >= num_tensors_) {
    return v;
  }
  const RuntimeTensor& t = tensors_[tensor_index];
  v.type = t.type;
  v.num_dims = t.num_dims;
  for (int k = 0; k < t.num_dims; ++k) v.dims[k] = t.dims[k];
  v.scale = t.scale;
  v.zero_point = t.zero_point;
  v.data = t.data;
  v.bytes = t.bytes;
  return v;
}

TensorView Interpreter::input(size_t i) const {
  return i < inputs_.size() ? view(inputs_[static_cast<uint32_t>(i)]) : TensorView{};
}

TensorView Interpreter::output(size_t i) const {
  return i < outputs_.size() ? view(outputs_[static_cast<uint32_t>(i)]) : TensorView{};
}

}  // namespace kws::nn
