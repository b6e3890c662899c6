#include "nn/interpreter.h"

#include <cstring>

#include "nn/arena_planner.h"
#include "nn/ops/op_util.h"

namespace kws::nn {

namespace {

constexpr size_t kAlign = Interpreter::kArenaAlignment;
constexpr uint32_t kMaxRun = KWS_NN_MAX_RUN_SUBGRAPHS;

size_t align_up(size_t v) { return (v + kAlign - 1) & ~(kAlign - 1); }

// The subgraphs that run and their place on the one planning timeline.
// Run 0 is model subgraph 0; every IF of it adds its then and else subgraphs
// (each may be the branch of one IF only, and may not itself hold an IF). The
// IF at subgraph-0 op o takes steps [S, S + T + E + 1] (S its first step, T
// and E its branches' op counts): then-ops at S .. S+T-1 (outputs alive to
// S+T), else-ops at S+T+1 .. S+T+E (outputs alive to S+T+E+1).
struct RunPlan {
  uint32_t count = 0;
  uint32_t sg[kMaxRun] = {};
  uint32_t op_base[kMaxRun] = {};
  uint32_t tensor_base[kMaxRun] = {};
  int32_t step_begin[kMaxRun] = {};  // branches: their first step
  int32_t step_end[kMaxRun] = {};    // branches: the step their outputs are last read
  uint32_t caller[kMaxRun] = {};     // branches: the subgraph-0 IF op
  uint32_t total_ops = 0;
  uint32_t total_tensors = 0;
  int32_t total_steps = 0;  // steps of the whole timeline; graph outputs live to it
};

// The run index of model subgraph `sg`, or kMaxRun.
uint32_t run_of(const RunPlan& rp, uint32_t sg) {
  for (uint32_t r = 0; r < rp.count; ++r) {
    if (rp.sg[r] == sg) return r;
  }
  return kMaxRun;
}

Status make_run_plan(const TfliteModel& model, RunPlan* rp) {
  *rp = RunPlan{};
  rp->count = 1;
  const uint32_t n0 = model.num_operators(0);
  if constexpr (KWS_NN_FLOAT32 == 0) {
    // No IF in this build (it is float32 glue): subgraph 0 alone.
    rp->total_steps = static_cast<int32_t>(n0);
    rp->total_ops = n0;
    rp->total_tensors = model.num_tensors(0);
    if (rp->total_tensors > UINT16_MAX || rp->total_ops > UINT16_MAX) {
      return Status::Error(StatusCode::kUnsupported, "%u tensors and %u ops (at most %u each)",
                           static_cast<unsigned>(rp->total_tensors),
                           static_cast<unsigned>(rp->total_ops), static_cast<unsigned>(UINT16_MAX));
    }
    return Status::Ok();
  }
  // Branches in IF order.
  for (uint32_t o = 0; o < n0; ++o) {
    if (model.op_builtin(0, o) != op::kIf) continue;
    const OperatorDesc d = model.op(0, o);
    int32_t branch[2] = {-1, -1};
    KWS_RETURN_IF_ERROR(model.option<int32_t>(d, field::if_op::kThenSubgraphIndex, -1, &branch[0]));
    KWS_RETURN_IF_ERROR(model.option<int32_t>(d, field::if_op::kElseSubgraphIndex, -1, &branch[1]));
    for (int32_t b : branch) {
      if (b <= 0 || static_cast<uint32_t>(b) >= model.num_subgraphs()) {
        return Status::Error(StatusCode::kMalformedModel,
                             "IF at subgraph 0 operator %u: branch subgraph %d does not exist",
                             static_cast<unsigned>(o), static_cast<int>(b));
      }
      if (run_of(*rp, static_cast<uint32_t>(b)) != kMaxRun) {
        return Status::Error(StatusCode::kUnsupported,
                             "IF at subgraph 0 operator %u: subgraph %d is already a branch",
                             static_cast<unsigned>(o), static_cast<int>(b));
      }
      if (rp->count == kMaxRun) {
        return Status::Error(StatusCode::kUnsupported, "more than %u subgraphs to run",
                             static_cast<unsigned>(kMaxRun));
      }
      for (uint32_t k = 0; k < model.num_operators(static_cast<uint32_t>(b)); ++k) {
        if (model.op_builtin(static_cast<uint32_t>(b), k) == op::kIf) {
          return Status::Error(StatusCode::kUnsupported,
                               "IF at subgraph %d operator %u: nested IF is not supported",
                               static_cast<int>(b), static_cast<unsigned>(k));
        }
      }
      rp->sg[rp->count] = static_cast<uint32_t>(b);
      rp->caller[rp->count] = o;
      ++rp->count;
    }
  }
  // Bases and steps.
  int32_t extra = 0;  // steps the IFs before the current op added
  uint32_t r = 1;
  for (uint32_t o = 0; o < n0; ++o) {
    if (model.op_builtin(0, o) != op::kIf) continue;
    const int32_t first = static_cast<int32_t>(o) + extra;
    const auto t_ops = static_cast<int32_t>(model.num_operators(rp->sg[r]));
    const auto e_ops = static_cast<int32_t>(model.num_operators(rp->sg[r + 1]));
    rp->step_begin[r] = first;
    rp->step_end[r] = first + t_ops;
    rp->step_begin[r + 1] = first + t_ops + 1;
    rp->step_end[r + 1] = first + t_ops + 1 + e_ops;
    extra += t_ops + e_ops + 1;
    r += 2;
  }
  rp->total_steps = static_cast<int32_t>(n0) + extra;
  for (uint32_t k = 0; k < rp->count; ++k) {
    rp->op_base[k] = rp->total_ops;
    rp->tensor_base[k] = rp->total_tensors;
    rp->total_ops += model.num_operators(rp->sg[k]);
    rp->total_tensors += model.num_tensors(rp->sg[k]);
  }
  if (rp->total_tensors > UINT16_MAX || rp->total_ops > UINT16_MAX) {
    return Status::Error(StatusCode::kUnsupported, "%u tensors and %u ops (at most %u each)",
                         static_cast<unsigned>(rp->total_tensors),
                         static_cast<unsigned>(rp->total_ops), static_cast<unsigned>(UINT16_MAX));
  }
  return Status::Ok();
}

// Steps [first, last] during which op `o` of run `r` runs.
void op_steps(const TfliteModel& model, const RunPlan& rp, uint32_t r, uint32_t o, int32_t* first,
              int32_t* last) {
  if (KWS_NN_FLOAT32 == 0 || rp.count == 1) {
    *first = *last = static_cast<int32_t>(o);
    return;
  }
  if (r > 0) {
    *first = *last = rp.step_begin[r] + static_cast<int32_t>(o);
    return;
  }
  int32_t extra = 0;
  for (uint32_t k = 1; k < rp.count; k += 2) {
    if (rp.caller[k] < o) extra += rp.step_end[k + 1] - rp.step_begin[k] + 1;
  }
  *first = static_cast<int32_t>(o) + extra;
  *last = *first;
  if (model.op_builtin(0, o) == op::kIf) {
    for (uint32_t k = 1; k < rp.count; k += 2) {
      if (rp.caller[k] == o) *last = rp.step_end[k + 1];
    }
  }
}

// Lifetimes in steps of a window of consecutive tensors of one run
// (first == INT32_MAX: unused), all from one pass over the run's ops: asking
// per tensor would rescan every op for every tensor. Small enough for a
// microcontroller's stack.
constexpr uint32_t kLifetimeWindow = 32;
struct LifetimeWindow {
  uint32_t run = kMaxRun;
  uint32_t begin = 0;  // tensor index of slot 0
  uint32_t count = 0;
  int32_t first[kLifetimeWindow] = {};
  int32_t last[kLifetimeWindow] = {};
};

// Fills `w` with tensors [t0, t0 + kLifetimeWindow) of run `r`.
void fill_lifetimes(const TfliteModel& model, const RunPlan& rp, uint32_t r, uint32_t t0,
                    LifetimeWindow* w) {
  const uint32_t sg = rp.sg[r];
  const int32_t begin = r == 0 ? 0 : rp.step_begin[r];
  const int32_t end = r == 0 ? rp.total_steps : rp.step_end[r];
  const uint32_t nt = model.num_tensors(sg);
  w->run = r;
  w->begin = t0;
  w->count = nt - t0 < kLifetimeWindow ? nt - t0 : kLifetimeWindow;
  for (uint32_t k = 0; k < w->count; ++k) {
    w->first[k] = INT32_MAX;
    w->last[k] = -1;
  }
  // The window slot of tensor `t`, or count.
  auto slot = [&](int32_t t) -> uint32_t {
    const int64_t k = static_cast<int64_t>(t) - static_cast<int64_t>(t0);
    return k >= 0 && k < static_cast<int64_t>(w->count) ? static_cast<uint32_t>(k) : w->count;
  };
  const I32List ins = model.inputs(sg);
  for (uint32_t i = 0; i < ins.size(); ++i) {
    const uint32_t k = slot(ins[i]);
    if (k < w->count) w->first[k] = begin;
  }
  const uint32_t num_ops = model.num_operators(sg);
  for (uint32_t o = 0; o < num_ops; ++o) {
    const I32List lists[2] = {model.op_inputs(sg, o), model.op_outputs(sg, o)};
    bool have_steps = false;
    int32_t f = 0;
    int32_t e = 0;
    for (const I32List& l : lists) {
      for (uint32_t i = 0; i < l.size(); ++i) {
        const uint32_t k = slot(l[i]);
        if (k == w->count) continue;
        if (!have_steps) {
          op_steps(model, rp, r, o, &f, &e);
          have_steps = true;
        }
        if (f < w->first[k]) w->first[k] = f;
        if (e > w->last[k]) w->last[k] = e;
      }
    }
  }
  const I32List outs = model.outputs(sg);
  for (uint32_t i = 0; i < outs.size(); ++i) {
    const uint32_t k = slot(outs[i]);
    if (k == w->count) continue;
    if (w->first[k] == INT32_MAX) w->first[k] = begin;
    w->last[k] = end;
  }
  for (uint32_t k = 0; k < w->count; ++k) {
    if (w->first[k] != INT32_MAX && w->last[k] < w->first[k]) w->last[k] = w->first[k];
  }
}

// Lifetime of tensor `tensor` of run `r` in steps; first == INT32_MAX when
// unused. Refills `w` when the tensor is outside it.
void tensor_lifetime(const TfliteModel& model, const RunPlan& rp, uint32_t r, uint32_t tensor,
                     LifetimeWindow* w, int32_t* first, int32_t* last) {
  if (w->run != r || tensor < w->begin || tensor - w->begin >= w->count) {
    fill_lifetimes(model, rp, r, tensor, w);
  }
  *first = w->first[tensor - w->begin];
  *last = w->last[tensor - w->begin];
}

// Tensor `t` of run `r` as the runtime sees it: a branch input fed by a
// constant operand of its IF (converters pass a branch's weights that way) is
// that constant, so it is neither planned nor copied.
TensorDesc effective_desc(const TfliteModel& model, const RunPlan& rp, uint32_t r, uint32_t t) {
  TensorDesc d = model.tensor(rp.sg[r], t);
  if (KWS_NN_FLOAT32 == 0 || r == 0 || d.data != nullptr) return d;
  const I32List ins = model.inputs(rp.sg[r]);
  const I32List operands = model.op_inputs(0, rp.caller[r]);
  for (uint32_t i = 0; i < ins.size() && i + 1 < operands.size(); ++i) {
    if (ins[i] != static_cast<int32_t>(t) || operands[i + 1] < 0) continue;
    const TensorDesc src = model.tensor(0, static_cast<uint32_t>(operands[i + 1]));
    if (src.data != nullptr && src.type == d.type && src.bytes == d.bytes) {
      d.data = src.data;
      d.buffer = src.buffer;
    }
  }
  return d;
}

void fill_runtime_tensor(const TensorDesc& d, RuntimeTensor* rt) {
  *rt = RuntimeTensor{};
  rt->type = d.type;
  rt->num_dims = d.num_dims;
  for (int k = 0; k < d.num_dims; ++k) rt->dims[k] = d.dims[k];
  rt->bytes = d.bytes;
  rt->constant = d.data != nullptr;
  rt->data = const_cast<uint8_t*>(d.data);  // never written: outputs are checked non-constant
  if (d.quant.num_channels > 0) {
    rt->scale = d.quant.scale(0);
    rt->zero_point = static_cast<int32_t>(d.quant.zero_point(0));
  }
}

// The shape a planned tensor has after its producer's prepare (sizing pass:
// there is no tensor table then, so propagated shapes are kept here).
struct PlannedShape {
  int8_t num_dims = -1;  // -1: the model's shape
  int32_t dims[kMaxDims] = {};
};

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
  return model->tensor(subgraph, static_cast<uint32_t>(source->inputs[i])).quant;
}

Status run_subgraph(const SubgraphExec& sg) {
  for (uint32_t o = 0; o < sg.num_ops; ++o) {
    const OpNode& node = sg.ops[o];
    const Status s = node.kernel->eval(node, sg.tensors);
    if (!s.ok()) {
      return Status::Error(s.code(), "%s at branch operator %u: %s", node.kernel->name,
                           static_cast<unsigned>(o), s.message());
    }
  }
  return Status::Ok();
}

Status Interpreter::build(const TfliteModel& model, const InterpreterOptions& options,
                          uint8_t* base, size_t len, size_t* bytes, Interpreter* self) {
  if (!model.parsed()) {
    return Status::Error(StatusCode::kNotInitialized, "model was not parsed successfully");
  }
  RunPlan rp;
  KWS_RETURN_IF_ERROR(make_run_plan(model, &rp));
  const uint32_t num_ops = model.num_operators(0);
  const uint32_t num_tensors = model.num_tensors(0);
  const bool building = self != nullptr;
  // Graph inputs are written by the caller: they must live in the arena.
  const I32List graph_inputs = model.inputs(0);
  for (uint32_t i = 0; i < graph_inputs.size(); ++i) {
    if (model.tensor_data(0, static_cast<uint32_t>(graph_inputs[i])) != nullptr) {
      return Status::Error(StatusCode::kMalformedModel, "graph input %u (tensor %d) is constant",
                           static_cast<unsigned>(i), static_cast<int>(graph_inputs[i]));
    }
  }
  // Requested input shapes.
  if (options.num_input_shapes > 0 && options.input_shapes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "num_input_shapes without input_shapes");
  }
  if (KWS_NN_FLOAT32 == 0 && options.num_input_shapes > 0) {
    return Status::Error(StatusCode::kUnsupported, "input shapes need a float32 build");
  }
  for (uint32_t k = 0; KWS_NN_FLOAT32 != 0 && k < options.num_input_shapes; ++k) {
    const InputShape& is = options.input_shapes[k];
    if (is.input >= graph_inputs.size() || is.num_dims < 1 || is.num_dims > kMaxDims) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "input shape %u: input %u of %u, rank %d (1..%d)",
                           static_cast<unsigned>(k), static_cast<unsigned>(is.input),
                           static_cast<unsigned>(graph_inputs.size()), is.num_dims, kMaxDims);
    }
    size_t n = 1;
    for (int i = 0; i < is.num_dims; ++i) {
      if (is.dims[i] < 1 || n > (static_cast<size_t>(1) << 30) / static_cast<size_t>(is.dims[i])) {
        return Status::Error(StatusCode::kInvalidArgument, "input shape %u: dim %d is %d",
                             static_cast<unsigned>(k), i, static_cast<int>(is.dims[i]));
      }
      n *= static_cast<size_t>(is.dims[i]);
    }
  }

  // Bookkeeping: op nodes, runtime tensors, the runnable-subgraph table.
  size_t off = 0;
  const size_t ops_off = off;
  off = align_up(off + sizeof(OpNode) * rp.total_ops);
  const size_t tensors_off = off;
  off = align_up(off + sizeof(RuntimeTensor) * rp.total_tensors);
  const size_t execs_off = off;
  const uint32_t num_execs = rp.count > 1 ? model.num_subgraphs() : 0;
  off = align_up(off + sizeof(SubgraphExec) * num_execs);
  if (building && off > len) {
    return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
  }
  OpNode* nodes = building ? reinterpret_cast<OpNode*>(base + ops_off) : nullptr;
  RuntimeTensor* tensors =
      building ? reinterpret_cast<RuntimeTensor*>(base + tensors_off) : nullptr;
  SubgraphExec* execs =
      building && num_execs > 0 ? reinterpret_cast<SubgraphExec*>(base + execs_off) : nullptr;
  if (execs != nullptr) {
    for (uint32_t sg = 0; sg < num_execs; ++sg) execs[sg] = SubgraphExec{};
    for (uint32_t r = 0; r < rp.count; ++r) {
      SubgraphExec& e = execs[rp.sg[r]];
      e.ops = nodes + rp.op_base[r];
      e.num_ops = model.num_operators(rp.sg[r]);
      e.tensors = tensors + rp.tensor_base[r];
      e.inputs = model.inputs(rp.sg[r]);
      e.outputs = model.outputs(rp.sg[r]);
    }
  }

  // Fusion candidates: subgraph-0 ops o (CONV_2D) -> o + 1 (LEAKY_RELU) ->
  // o + 2 (MAXIMUM with a constant) where each intermediate feeds only the next
  // op. The MAXIMUM's output is then written from op o's step on.
  constexpr uint32_t kMaxFused = KWS_NN_FLOAT32 != 0 ? 64 : 1;
  uint32_t fuse_op[kMaxFused];
  uint32_t num_fuse = 0;
  auto fuse_out = [&](uint32_t k) { return model.op_outputs(0, fuse_op[k] + 2)[0]; };
  if (KWS_NN_FLOAT32 != 0 && options.fuse_activations) {
    const uint32_t n_ops = model.num_operators(0);
    auto uses = [&](int32_t t) {
      uint32_t n = 0;
      for (uint32_t o = 0; o < n_ops; ++o) {
        const I32List in = model.op_inputs(0, o);
        for (uint32_t i = 0; i < in.size(); ++i) n += in[i] == t ? 1u : 0u;
      }
      const I32List outs = model.outputs(0);
      for (uint32_t i = 0; i < outs.size(); ++i) n += outs[i] == t ? 2u : 0u;
      return n;
    };
    for (uint32_t o = 0; o + 2 < n_ops && num_fuse < kMaxFused; ++o) {
      const OperatorDesc c = model.op(0, o);
      const OperatorDesc l = model.op(0, o + 1);
      const OperatorDesc m = model.op(0, o + 2);
      if (c.builtin != op::kConv2d || l.builtin != op::kLeakyRelu || m.builtin != op::kMaximum ||
          c.inputs.size() < 1 || c.inputs[0] < 0 || c.outputs.size() != 1 || l.inputs.size() != 1 ||
          l.outputs.size() != 1 || m.inputs.size() != 2 || m.outputs.size() != 1) {
        continue;
      }
      const int32_t ct = c.outputs[0];
      const int32_t lt = l.outputs[0];
      const int32_t mt = m.outputs[0];
      const int32_t kt = m.inputs[1];
      if (ct < 0 || lt < 0 || mt < 0 || kt < 0 || l.inputs[0] != ct || m.inputs[0] != lt ||
          model.tensor(0, static_cast<uint32_t>(c.inputs[0])).type != TensorType::kFloat32 ||
          model.tensor(0, static_cast<uint32_t>(kt)).data == nullptr ||
          model.tensor(0, static_cast<uint32_t>(ct)).is_variable ||
          model.tensor(0, static_cast<uint32_t>(lt)).is_variable ||
          model.tensor(0, static_cast<uint32_t>(mt)).is_variable || uses(ct) != 1 ||
          uses(lt) != 1) {
        continue;
      }
      fuse_op[num_fuse++] = o;
      o += 2;
    }
  }

  // Planned buffers: activation tensors in (run, index) order, then op scratch
  // in op order (a scratch buffer lives for its op's step only).
  PlanBuffer plan[kMaxPlannedBuffers];
  // For tensor plans: the tensor (global index); for scratch plans: the op
  // (global index). Tensor plans: the row shift per streamed invoke (0: not
  // streamed); the streaming op that writes it (-1: none; then it is kept
  // between invokes) and that op's first computed row.
  // 16-bit fields keep this on a microcontroller's stack (checked above).
  uint16_t plan_owner[kMaxPlannedBuffers];
  int16_t plan_shift[kMaxPlannedBuffers];
  int16_t plan_writer[kMaxPlannedBuffers];
  int16_t plan_first_row[kMaxPlannedBuffers];
#if KWS_NN_FLOAT32
  PlannedShape plan_shape[kMaxPlannedBuffers];
#endif
  size_t num_plan = 0;
  LifetimeWindow window;
  for (uint32_t r = 0; r < rp.count; ++r) {
    const uint32_t sg = rp.sg[r];
    const uint32_t sg_tensors = model.num_tensors(sg);
    for (uint32_t t = 0; t < sg_tensors; ++t) {
      const uint32_t g = rp.tensor_base[r] + t;
      const TensorDesc d = effective_desc(model, rp, r, t);
      size_t tensor_bytes = d.bytes;
      const InputShape* shape = nullptr;
      if (KWS_NN_FLOAT32 != 0 && r == 0) {
        for (uint32_t k = 0; k < options.num_input_shapes; ++k) {
          if (graph_inputs[options.input_shapes[k].input] == static_cast<int32_t>(t)) {
            shape = &options.input_shapes[k];
          }
        }
      }
      if (shape != nullptr) {
        tensor_bytes = tensor_type_size(d.type);
        for (int i = 0; i < shape->num_dims; ++i)
          tensor_bytes *= static_cast<size_t>(shape->dims[i]);
      }
      if (building) {
        RuntimeTensor& rt = tensors[g];
        fill_runtime_tensor(d, &rt);
        if (shape != nullptr) {
          rt.num_dims = shape->num_dims;
          for (int i = 0; i < shape->num_dims; ++i) rt.dims[i] = shape->dims[i];
          rt.bytes = tensor_bytes;
        }
      }
      if (d.data != nullptr || tensor_bytes == 0) continue;
      int32_t first = 0;
      int32_t last = 0;
      tensor_lifetime(model, rp, r, t, &window, &first, &last);
      if (first == INT32_MAX) continue;  // never used
      for (uint32_t k = 0; r == 0 && k < num_fuse; ++k) {
        if (fuse_out(k) != static_cast<int32_t>(t)) continue;
        int32_t f = 0;
        int32_t e = 0;
        op_steps(model, rp, 0, fuse_op[k], &f, &e);
        if (f < first) first = f;
      }
      if (d.is_variable) {
        first = 0;
        last = rp.total_steps;
      }
      if (num_plan == kMaxPlannedBuffers) {
        return Status::Error(StatusCode::kUnsupported, "more than %zu activation buffers",
                             kMaxPlannedBuffers);
      }
      plan_owner[num_plan] = static_cast<uint16_t>(g);
      plan_shift[num_plan] = 0;
      plan_writer[num_plan] = -1;
      plan_first_row[num_plan] = 0;
#if KWS_NN_FLOAT32
      plan_shape[num_plan] = PlannedShape{};
      if (shape != nullptr) {
        plan_shape[num_plan].num_dims = static_cast<int8_t>(shape->num_dims);
        for (int i = 0; i < shape->num_dims; ++i) plan_shape[num_plan].dims[i] = shape->dims[i];
      }
#endif
      if (tensor_bytes > UINT32_MAX) {
        return Status::Error(StatusCode::kUnsupported, "tensor %u of %zu bytes",
                             static_cast<unsigned>(t), tensor_bytes);
      }
      plan[num_plan++] = PlanBuffer{static_cast<uint32_t>(tensor_bytes), first, last, 0};
    }
  }
  const size_t num_tensor_plans = num_plan;
  // The plan of global tensor `g`, or num_tensor_plans (constant, unused).
  // Tensor plans were added in ascending global index: a binary search.
  auto plan_of = [&](uint32_t g) -> size_t {
    size_t lo = 0;
    size_t hi = num_tensor_plans;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (plan_owner[mid] < g) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < num_tensor_plans && plan_owner[lo] == g ? lo : num_tensor_plans;
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
  if (shift > 0 && graph_inputs.size() == 1 && options.num_input_shapes == 0) {
    const TensorDesc in = model.tensor(0, static_cast<uint32_t>(graph_inputs[0]));
    const size_t k = plan_of(static_cast<uint32_t>(graph_inputs[0]));
    if (in.num_dims >= 2 && in.dims[0] == 1 && in.dims[1] > shift && in.dims[1] <= INT16_MAX &&
        k < num_tensor_plans && !in.is_variable &&
        in.bytes % static_cast<size_t>(in.dims[1]) == 0) {
      plan_shift[k] = static_cast<int16_t>(shift);
      stream_input_bytes = in.bytes;
      stream_shift_bytes = in.bytes / static_cast<size_t>(in.dims[1]) * static_cast<size_t>(shift);
    }
  }
  uint32_t streamed_ops = 0;
  // Decides whether subgraph-0 op `o` streams (its input 0 is streamed, it has
  // a row window whose stride divides the shift, and some rows can be kept).
  auto analyse = [&](const PrepareContext& ctx) {
    if (stream_input_bytes == 0 || ctx.num_outputs() != 1 || ctx.num_inputs() < 1) return;
    const RuntimeTensor* in = ctx.input(0);
    const RuntimeTensor* out = ctx.output(0);
    const RowKernel* rk =
        lookup_row_kernel(ctx.source->builtin, in == nullptr ? TensorType::kInt8 : in->type);
    if (rk == nullptr || ctx.source->inputs[0] < 0 || ctx.source->outputs[0] < 0) return;
    const size_t in_plan = plan_of(static_cast<uint32_t>(ctx.source->inputs[0]));
    const size_t out_plan = plan_of(static_cast<uint32_t>(ctx.source->outputs[0]));
    if (in_plan >= num_tensor_plans || out_plan >= num_tensor_plans) return;
    const int32_t s_in = plan_shift[in_plan];
    RowWindow w;
    if (s_in <= 0 || !rk->window(ctx, &w) || s_in % w.stride != 0) return;
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

  // Ops: check support, run prepare (sizing, or for real into the arena), in
  // timeline order: a branch's ops right after its IF.
  // While sizing there is no tensor table: each op gets a small on-stack table
  // of the tensors it touches, filled from the model and the shapes earlier
  // ops' prepares computed.
  size_t persistent_total = 0;
  auto prepare_op = [&](uint32_t r, uint32_t o) -> Status {
    const uint32_t sg = rp.sg[r];
    const uint32_t tbase = rp.tensor_base[r];
    const OperatorDesc d = model.op(sg, o);
    TensorType type = TensorType::kInt8;
    if (d.inputs.size() > 0 && d.inputs[0] >= 0) {
      type = model.tensor_type(sg, static_cast<uint32_t>(d.inputs[0]));
    } else if (d.outputs.size() > 0 && d.outputs[0] >= 0) {
      type = model.tensor_type(sg, static_cast<uint32_t>(d.outputs[0]));
    }
    const OpKernel* kernel = lookup_op(d.builtin, type);
    if (kernel == nullptr) {
      if (d.builtin == op::kCustom) {
        return Status::Error(StatusCode::kUnsupported,
                             "unsupported custom op \"%s\" at subgraph %u operator %u", d.custom,
                             static_cast<unsigned>(sg), static_cast<unsigned>(o));
      }
      if (op_exists(d.builtin)) {
        return Status::Error(StatusCode::kUnsupported,
                             "unsupported op %s (builtin %d) for %s inputs at subgraph %u "
                             "operator %u",
                             builtin_op_name(d.builtin), static_cast<int>(d.builtin),
                             tensor_type_name(type), static_cast<unsigned>(sg),
                             static_cast<unsigned>(o));
      }
      return Status::Error(StatusCode::kUnsupported,
                           "unsupported op %s (builtin %d) at subgraph %u operator %u",
                           builtin_op_name(d.builtin), static_cast<int>(d.builtin),
                           static_cast<unsigned>(sg), static_cast<unsigned>(o));
    }
    for (uint32_t i = 0; i < d.outputs.size(); ++i) {
      const int32_t t = d.outputs[i];
      if (t >= 0 && model.tensor_data(sg, static_cast<uint32_t>(t)) != nullptr) {
        return Status::Error(
            StatusCode::kMalformedModel, "%s at subgraph %u operator %u writes constant tensor %d",
            kernel->name, static_cast<unsigned>(sg), static_cast<unsigned>(o), static_cast<int>(t));
      }
    }
    OpMemory mem;
    Status s;
    // Sizing pass: a temporary tensor table holding only this op's tensors.
    constexpr uint32_t kMaxOpTensors = 16;
    RuntimeTensor local[kMaxOpTensors];
    int32_t ids_in[kMaxOpTensors];
    int32_t ids_out[kMaxOpTensors];
    uint32_t local_global[kMaxOpTensors];
    uint32_t n = 0;
    OperatorDesc shadow = d;
    PrepareContext ctx{&model, o, &d, tensors + tbase, model.num_tensors(sg), &d};
    ctx.subgraph = sg;
    ctx.subgraphs = execs;
    if (building) {
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
        if (s.ok() && r == 0) analyse(ctx);
        nodes[rp.op_base[r] + o] =
            OpNode{kernel, o, d.inputs, d.outputs, persistent, nullptr, mem.scratch_bytes};
      }
    } else {
      if (d.inputs.size() + d.outputs.size() > kMaxOpTensors) {
        return Status::Error(StatusCode::kUnsupported,
                             "%s at subgraph %u operator %u has too many tensors", kernel->name,
                             static_cast<unsigned>(sg), static_cast<unsigned>(o));
      }
      // Re-index the op's tensors 0..n-1 into `local` through a shadow
      // OperatorDesc whose lists point at ids_in/ids_out.
      const I32List lists[2] = {d.inputs, d.outputs};
      int32_t* ids[2] = {ids_in, ids_out};
      for (int k = 0; k < 2; ++k) {
        for (uint32_t i = 0; i < lists[k].size(); ++i) {
          const int32_t t = lists[k][i];
          if (t < 0) {
            ids[k][i] = -1;
            continue;
          }
          RuntimeTensor& rt = local[n];
          fill_runtime_tensor(effective_desc(model, rp, r, static_cast<uint32_t>(t)), &rt);
          const uint32_t g = tbase + static_cast<uint32_t>(t);
          local_global[n] = g;
#if KWS_NN_FLOAT32
          const size_t p = plan_of(g);
          if (p < num_tensor_plans && plan_shape[p].num_dims >= 0) {
            rt.num_dims = plan_shape[p].num_dims;
            for (int q = 0; q < rt.num_dims; ++q) rt.dims[q] = plan_shape[p].dims[q];
            rt.bytes = plan[p].size;
          }
#endif
          ids[k][i] = static_cast<int32_t>(n++);
        }
      }
      shadow.inputs = I32List(reinterpret_cast<const uint8_t*>(ids_in), d.inputs.size());
      shadow.outputs = I32List(reinterpret_cast<const uint8_t*>(ids_out), d.outputs.size());
      ctx.desc = &shadow;
      ctx.tensors = local;
      ctx.num_tensors = n;
      s = kernel->prepare(ctx, nullptr, &mem);
      if (s.ok() && r == 0) analyse(ctx);
    }
    if (!s.ok()) {
      return Status::Error(s.code(), "%s at subgraph %u operator %u: %s", kernel->name,
                           static_cast<unsigned>(sg), static_cast<unsigned>(o), s.message());
    }
    // Outputs: the planned size follows the shape prepare computed.
    for (uint32_t i = 0; i < d.outputs.size(); ++i) {
      if (d.outputs[i] < 0) continue;
      const uint32_t g = tbase + static_cast<uint32_t>(d.outputs[i]);
      const size_t p = plan_of(g);
      if (p >= num_tensor_plans) continue;
      const RuntimeTensor* rt = building ? &tensors[g] : nullptr;
      for (uint32_t k = 0; !building && k < n; ++k) {
        if (local_global[k] == g) rt = &local[k];
      }
      if (rt == nullptr) continue;
      if (rt->bytes > UINT32_MAX) {
        return Status::Error(StatusCode::kUnsupported,
                             "%s at subgraph %u operator %u: output of "
                             "%zu bytes",
                             kernel->name, static_cast<unsigned>(sg), static_cast<unsigned>(o),
                             rt->bytes);
      }
      plan[p].size = static_cast<uint32_t>(rt->bytes);
#if KWS_NN_FLOAT32
      plan_shape[p].num_dims = static_cast<int8_t>(rt->num_dims);
      for (int q = 0; q < rt->num_dims; ++q) plan_shape[p].dims[q] = rt->dims[q];
#endif
    }
    persistent_total = align_up(persistent_total) + mem.persistent_bytes;
    if (mem.scratch_bytes > 0) {
      if (num_plan == kMaxPlannedBuffers) {
        return Status::Error(StatusCode::kUnsupported, "more than %zu activation buffers",
                             kMaxPlannedBuffers);
      }
      int32_t first = 0;
      int32_t last = 0;
      op_steps(model, rp, r, o, &first, &last);
      plan_owner[num_plan] = static_cast<uint16_t>(rp.op_base[r] + o);
      plan[num_plan++] = PlanBuffer{static_cast<uint32_t>(mem.scratch_bytes), first, last, 0};
    }
    return Status::Ok();
  };
  for (uint32_t o = 0; o < num_ops; ++o) {
    KWS_RETURN_IF_ERROR(prepare_op(0, o));
    for (uint32_t r = 1; r < rp.count; ++r) {
      if (rp.caller[r] != o) continue;
      for (uint32_t j = 0; j < model.num_operators(rp.sg[r]); ++j) {
        KWS_RETURN_IF_ERROR(prepare_op(r, j));
      }
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
      plan[k].last = rp.total_steps;
      if (!building) continue;
      // Insert in op order.
      const uint32_t o = static_cast<uint32_t>(plan_writer[k]);
      uint32_t at = n++;
      while (at > 0 && stream_steps[at - 1].op > o) {
        stream_steps[at] = stream_steps[at - 1];
        --at;
      }
      const OperatorDesc od = model.op(0, o);
      stream_steps[at] = StreamStep{
          o,
          lookup_row_kernel(od.builtin, model.tensor(0, static_cast<uint32_t>(od.inputs[0])).type),
          plan_first_row[k], plan_shift[k]};
    }
  }

  FusedChain* chains = nullptr;
  if (num_fuse > 0) {
    if (building) {
      if (off + num_fuse * sizeof(FusedChain) > len) {
        return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
      }
      chains = reinterpret_cast<FusedChain*>(base + off);
    }
    off = align_up(off + num_fuse * sizeof(FusedChain));
  }

  // Activations and scratch, placed by lifetime.
  size_t activation = 0;
  KWS_RETURN_IF_ERROR(plan_buffers(plan, num_plan, kAlign, &activation));
  if (building) {
    if (off + activation > len) {
      return Status::Error(StatusCode::kBufferTooSmall, "arena of %zu bytes too small", len);
    }
    for (size_t i = 0; i < num_plan; ++i) {
      uint8_t* p = base + off + plan[i].offset;
      if (i < num_tensor_plans) {
        tensors[plan_owner[i]].data = p;
      } else {
        nodes[plan_owner[i]].scratch = p;
      }
    }
    // Variables start at zero (TFLite resets them to zero at allocation).
    for (uint32_t t = 0; t < num_tensors; ++t) {
      if (tensors[t].data != nullptr && !tensors[t].constant && model.tensor(0, t).is_variable) {
        std::memset(tensors[t].data, 0, tensors[t].bytes);
      }
    }
  }
  off += activation;
  *bytes = off;
  uint32_t num_chains = 0;
  for (uint32_t k = 0; building && k < num_fuse; ++k) {
    // Fuse only where prepare confirmed equal shapes and streaming treats the
    // three outputs alike (all streamed with the same rows, or none).
    const uint32_t o = fuse_op[k];
    const RuntimeTensor& ct = nodes[o].out(tensors, 0);
    const RuntimeTensor& lt = nodes[o + 1].out(tensors, 0);
    const RuntimeTensor& mt = nodes[o + 2].out(tensors, 0);
    if (ct.bytes != mt.bytes || lt.bytes != mt.bytes || ct.type != TensorType::kFloat32 ||
        mt.type != TensorType::kFloat32 || !nodes[o + 2].in(tensors, 1).constant) {
      continue;
    }
    const StreamStep* st[3] = {};
    for (uint32_t i = 0; i < streamed_ops; ++i) {
      for (uint32_t j = 0; j < 3; ++j) {
        if (stream_steps[i].op == o + j) st[j] = &stream_steps[i];
      }
    }
    const bool all = st[0] != nullptr && st[1] != nullptr && st[2] != nullptr;
    if (!all && (st[0] != nullptr || st[1] != nullptr || st[2] != nullptr)) continue;
    if (all && (st[0]->shift != st[1]->shift || st[0]->shift != st[2]->shift ||
                st[0]->first_row != st[1]->first_row || st[0]->first_row != st[2]->first_row)) {
      continue;
    }
    FusedChain& fc = chains[num_chains++];
    fc = FusedChain{};
    fc.op = o;
    fc.ids[0] = fuse_out(k);
    fc.ids[1] = nodes[o + 2].inputs[1];
    const I32List one(reinterpret_cast<const uint8_t*>(fc.ids), 1);
    const I32List two(reinterpret_cast<const uint8_t*>(fc.ids), 2);
    fc.nodes[0] = nodes[o];
    fc.nodes[0].outputs = one;
    fc.nodes[1] = nodes[o + 1];
    fc.nodes[1].inputs = one;
    fc.nodes[1].outputs = one;
    fc.nodes[2] = nodes[o + 2];
    fc.nodes[2].inputs = two;
    fc.nodes[2].outputs = one;
  }
  if (building) {
    self->fused_ = chains;
    self->num_fused_ = num_chains;
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

Status Interpreter::invoke_op(uint32_t index) {
  if (!initialized_) {
    return Status::Error(StatusCode::kNotInitialized, "invoke_op() before a successful init()");
  }
  if (index >= num_ops_) {
    return Status::Error(StatusCode::kInvalidArgument, "op %u of %u", static_cast<unsigned>(index),
                         static_cast<unsigned>(num_ops_));
  }
  stream_prev_valid_ = false;  // the kept rows no longer follow the input
  const OpNode& node = ops_[index];
  return node.kernel->eval(node, tensors_);
}

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
  uint32_t next_chain = 0;
  for (uint32_t o = 0; o < count; ++o) {
    // A fused chain runs its three nodes, each on the MAXIMUM's output.
    while (next_chain < num_fused_ && fused_[next_chain].op < o) ++next_chain;
    const OpNode* nodes = &ops_[o];
    uint32_t n = 1;
    if (KWS_NN_FLOAT32 != 0 && allow_stream && next_chain < num_fused_ &&
        fused_[next_chain].op == o && o + 2 < count) {
      nodes = fused_[next_chain].nodes;
      n = 3;
    }
    const bool rows = stream && next_step < streamed_ops_ && stream_steps_[next_step].op == o;
    for (uint32_t k = 0; k < n; ++k) {
      const OpNode& node = nodes[k];
      Status s;
      if (rows) {
        // Kept rows move once per chain: its nodes share the output.
        const StreamStep& step = stream_steps_[next_step++];
        RuntimeTensor& out = node.out(tensors_, 0);
        const int32_t h = out.dims[1];
        if (k == 0) {
          const size_t row_bytes = out.bytes / static_cast<size_t>(h);
          std::memmove(out.data, out.data + static_cast<size_t>(step.shift) * row_bytes,
                       static_cast<size_t>(step.first_row) * row_bytes);
        }
        s = step.rows->eval_rows(node, tensors_, step.first_row, h);
      } else {
        s = node.kernel->eval(node, tensors_);
      }
      if (!s.ok()) {
        return Status::Error(s.code(), "%s at operator %u: %s", node.kernel->name,
                             static_cast<unsigned>(o + k), s.message());
      }
    }
    o += n - 1;
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
