#include "nn/interpreter.h"

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

Status Interpreter::build(const TfliteModel& model, uint8_t* base, size_t len, size_t* bytes,
                          Interpreter* self) {
  if (!model.parsed()) {
    return Status::Error(StatusCode::kNotInitialized, "model was not parsed successfully");
  }
  // Only subgraph 0 runs. Other subgraphs are reachable only through control
  // flow ops (CALL_ONCE, IF, WHILE), which the op check below reports.
  const uint32_t num_ops = model.num_operators(0);
  const uint32_t num_tensors = model.num_tensors(0);
  const bool building = self != nullptr;
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
    plan[num_plan++] = PlanBuffer{static_cast<uint32_t>(d.bytes), first, last, 0};
  }
  const size_t num_tensor_plans = num_plan;

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

  // Activations and scratch, placed by lifetime.
  size_t activation = 0;
  {
    uint32_t owner[kMaxPlannedBuffers];
    for (size_t i = 0; i < num_plan; ++i) owner[i] = 0;
    // Rebuild owners: tensors in order, then scratch in op order.
    size_t k = 0;
    for (uint32_t t = 0; t < num_tensors && k < num_tensor_plans; ++t) {
      const TensorDesc d = model.tensor(0, t);
      if (d.data != nullptr || d.bytes == 0) continue;
      int32_t first = 0;
      int32_t last = 0;
      tensor_lifetime(model, static_cast<int32_t>(t), &first, &last);
      if (first == INT32_MAX) continue;
      owner[k++] = t;
    }
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
  }
  return Status::Ok();
}

Status Interpreter::needed_bytes(const TfliteModel& model, size_t* bytes) {
  size_t total = 0;
  KWS_RETURN_IF_ERROR(build(model, nullptr, 0, &total, nullptr));
  *bytes = total + kAlign - 1;
  return Status::Ok();
}

Status Interpreter::init(const TfliteModel& model, void* arena, size_t len) {
  initialized_ = false;
  size_t needed = 0;
  KWS_RETURN_IF_ERROR(needed_bytes(model, &needed));
  if (arena == nullptr || len < needed) {
    return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes, model needs %zu", len,
                         needed);
  }
  const uintptr_t raw = reinterpret_cast<uintptr_t>(arena);
  const size_t pad = (kAlign - raw % kAlign) % kAlign;
  uint8_t* base = static_cast<uint8_t*>(arena) + pad;
  size_t built = 0;
  KWS_RETURN_IF_ERROR(build(model, base, len - pad, &built, this));
  initialized_ = true;
  return Status::Ok();
}

Status Interpreter::invoke() { return invoke_ops(num_ops_); }

Status Interpreter::invoke_ops(uint32_t count) {
  if (!initialized_) {
    return Status::Error(StatusCode::kNotInitialized, "invoke() before a successful init()");
  }
  if (count > num_ops_) {
    return Status::Error(StatusCode::kInvalidArgument, "%u ops requested, model has %u",
                         static_cast<unsigned>(count), static_cast<unsigned>(num_ops_));
  }
  for (uint32_t o = 0; o < count; ++o) {
    const OpNode& node = ops_[o];
    const Status s = node.kernel->eval(node, tensors_);
    if (!s.ok()) {
      return Status::Error(s.code(), "%s at operator %u: %s", node.kernel->name,
                           static_cast<unsigned>(o), s.message());
    }
  }
  return Status::Ok();
}

void Interpreter::reset_state() {
  if (!initialized_) return;
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
