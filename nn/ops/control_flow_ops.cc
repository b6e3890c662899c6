// IF: runs its then- or else-subgraph on its inputs 1.. and returns that
// subgraph's outputs. The interpreter plans both branches' tensors in the same
// arena (inside the IF's lifetime) and prepares their ops; IF itself copies the
// operands in and the results out, so a branch that passes an input straight
// through (no ops) works as any other. Branch shapes are the model's: an IF
// input must have exactly the shape of the branch input it feeds.
#include <cstring>

#include "nn/ops/op_table.h"
#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

namespace fi = field::if_op;

struct IfData {
  const SubgraphExec* branch[2] = {nullptr, nullptr};  // else, then
};

Status check_branch(const PrepareContext& ctx, int32_t sg, const char* which) {
  const TfliteModel& m = *ctx.model;
  if (sg < 0 || static_cast<uint32_t>(sg) >= m.num_subgraphs() ||
      static_cast<uint32_t>(sg) == ctx.subgraph) {
    return Status::Error(StatusCode::kMalformedModel, "%s subgraph %d is not a valid subgraph",
                         which, static_cast<int>(sg));
  }
  const auto s = static_cast<uint32_t>(sg);
  const I32List ins = m.inputs(s);
  const I32List outs = m.outputs(s);
  if (ins.size() + 1 != ctx.num_inputs() || outs.size() != ctx.num_outputs()) {
    return Status::Error(
        StatusCode::kMalformedModel, "%s subgraph %d has %u inputs and %u outputs, IF %u and %u",
        which, static_cast<int>(sg), static_cast<unsigned>(ins.size()),
        static_cast<unsigned>(outs.size()), static_cast<unsigned>(ctx.num_inputs() - 1),
        static_cast<unsigned>(ctx.num_outputs()));
  }
  for (uint32_t i = 0; i < ins.size(); ++i) {
    const RuntimeTensor* a = ctx.input(i + 1);
    const TensorDesc b = m.tensor(s, static_cast<uint32_t>(ins[i]));
    if (a == nullptr || a->type != b.type || a->bytes != b.bytes) {
      return Status::Error(
          StatusCode::kMalformedModel, "input %u does not match input %u of %s subgraph %d",
          static_cast<unsigned>(i + 1), static_cast<unsigned>(i), which, static_cast<int>(sg));
    }
  }
  for (uint32_t i = 0; i < outs.size(); ++i) {
    const RuntimeTensor* a = ctx.output(i);
    const TensorDesc b = m.tensor(s, static_cast<uint32_t>(outs[i]));
    if (a == nullptr || a->type != b.type) {
      return Status::Error(StatusCode::kMalformedModel, "output %u type differs in %s subgraph %d",
                           static_cast<unsigned>(i), which, static_cast<int>(sg));
    }
  }
  return Status::Ok();
}

Status prepare_if(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  const RuntimeTensor* cond = ctx.input(0);
  KWS_RETURN_IF_ERROR(expect(cond, TensorType::kBool, "condition"));
  if (elements(*cond) != 1) {
    return Status::Error(StatusCode::kUnsupported, "condition has %zu values (must be 1)",
                         elements(*cond));
  }
  int32_t then_sg = -1;
  int32_t else_sg = -1;
  KWS_RETURN_IF_ERROR(ctx.model->option<int32_t>(*ctx.desc, fi::kThenSubgraphIndex, -1, &then_sg));
  KWS_RETURN_IF_ERROR(ctx.model->option<int32_t>(*ctx.desc, fi::kElseSubgraphIndex, -1, &else_sg));
  KWS_RETURN_IF_ERROR(check_branch(ctx, then_sg, "then"));
  KWS_RETURN_IF_ERROR(check_branch(ctx, else_sg, "else"));
  // The outputs take the branches' shapes, which must agree.
  const TfliteModel& m = *ctx.model;
  for (uint32_t i = 0; i < ctx.num_outputs(); ++i) {
    const TensorDesc a =
        m.tensor(static_cast<uint32_t>(then_sg),
                 static_cast<uint32_t>(m.outputs(static_cast<uint32_t>(then_sg))[i]));
    const TensorDesc b =
        m.tensor(static_cast<uint32_t>(else_sg),
                 static_cast<uint32_t>(m.outputs(static_cast<uint32_t>(else_sg))[i]));
    RuntimeTensor* out = ctx.output(i);
    if (a.bytes != b.bytes || a.num_dims != b.num_dims || out->constant) {
      return Status::Error(StatusCode::kMalformedModel, "output %u: branch shapes differ",
                           static_cast<unsigned>(i));
    }
    out->num_dims = a.num_dims;
    for (int k = 0; k < a.num_dims; ++k) out->dims[k] = a.dims[k];
    out->bytes = a.bytes;
  }
  mem->persistent_bytes = sizeof(IfData);
  if (persistent == nullptr) return Status::Ok();
  if (ctx.subgraphs == nullptr) return Status::Error(StatusCode::kInternal, "no subgraph table");
  IfData d;
  d.branch[0] = &ctx.subgraphs[else_sg];
  d.branch[1] = &ctx.subgraphs[then_sg];
  if (d.branch[0]->tensors == nullptr || d.branch[1]->tensors == nullptr) {
    return Status::Error(StatusCode::kInternal, "branch subgraph not planned");
  }
  *static_cast<IfData*>(persistent) = d;
  return Status::Ok();
}

Status eval_if(const OpNode& node, RuntimeTensor* t) {
  const IfData& d = *static_cast<const IfData*>(node.persistent);
  const bool cond = *reinterpret_cast<const bool*>(node.in(t, 0).data);
  const SubgraphExec& sg = *d.branch[cond ? 1 : 0];
  for (uint32_t i = 0; i < sg.inputs.size(); ++i) {
    const RuntimeTensor& from = node.in(t, i + 1);
    RuntimeTensor& to = sg.tensors[sg.inputs[i]];
    if (to.data != from.data) std::memmove(to.data, from.data, from.bytes);
  }
  KWS_RETURN_IF_ERROR(run_subgraph(sg));
  for (uint32_t i = 0; i < sg.outputs.size(); ++i) {
    const RuntimeTensor& from = sg.tensors[sg.outputs[i]];
    RuntimeTensor& to = node.out(t, i);
    if (to.data != from.data) std::memmove(to.data, from.data, to.bytes);
  }
  return Status::Ok();
}

}  // namespace

const OpKernel kIfKernel = {"IF", prepare_if, eval_if, nullptr};

}  // namespace kws::nn::ops
