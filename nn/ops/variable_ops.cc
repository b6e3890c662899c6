// Resource variables (streaming state, as microWakeWord models use them):
// VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, and CALL_ONCE running an init
// subgraph that only assigns constants to variables.
//
// A variable is identified by (container, shared_name) as in TFLite. Its bytes
// live in the persistent data of the first VAR_HANDLE op of subgraph 0 with
// that name; every VAR_HANDLE output tensor (RESOURCE) points at them, so
// READ/ASSIGN are plain copies. All of it is resolved statically in prepare:
// eval never searches. Variables start zeroed; CALL_ONCE fills them with the
// init subgraph's constants on the first invoke (and again after reset).
#include <cstring>

#include "nn/ops/op_table.h"
#include "nn/ops/op_util.h"

namespace kws::nn::ops {

namespace {

namespace fv = field::var_handle;

struct VarName {
  const char* container = "";
  const char* name = "";
  bool operator==(const VarName& o) const {
    return std::strcmp(container, o.container) == 0 && std::strcmp(name, o.name) == 0;
  }
};

Status var_name(const TfliteModel& m, const OperatorDesc& vh, VarName* out) {
  KWS_RETURN_IF_ERROR(m.option_string(vh, fv::kContainer, &out->container));
  return m.option_string(vh, fv::kSharedName, &out->name);
}

// The first of ops [0, before) of subgraph `sg` that outputs `tensor`, or -1.
int32_t producer(const TfliteModel& m, uint32_t sg, int32_t tensor, uint32_t before) {
  const uint32_t n = m.num_operators(sg);
  for (uint32_t o = 0; o < n && o < before; ++o) {
    const I32List outputs = m.op_outputs(sg, o);
    for (uint32_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i] == tensor) return static_cast<int32_t>(o);
    }
  }
  return -1;
}

// The variable a RESOURCE tensor of subgraph `sg` refers to (its VAR_HANDLE
// must be an earlier op than `before`).
Status resolve(const TfliteModel& m, uint32_t sg, int32_t tensor, uint32_t before, VarName* out) {
  const int32_t p = tensor < 0 ? -1 : producer(m, sg, tensor, before);
  if (p < 0 || static_cast<uint32_t>(p) >= before ||
      m.op_builtin(sg, static_cast<uint32_t>(p)) != op::kVarHandle) {
    return Status::Error(StatusCode::kUnsupported,
                         "resource tensor %d is not produced by an earlier VAR_HANDLE",
                         static_cast<int>(tensor));
  }
  return var_name(m, m.op(sg, static_cast<uint32_t>(p)), out);
}

// First VAR_HANDLE of subgraph 0 named `name`: its output tensor, or -1.
int32_t canonical_tensor(const TfliteModel& m, const VarName& name) {
  for (uint32_t o = 0; o < m.num_operators(0); ++o) {
    if (m.op_builtin(0, o) != op::kVarHandle) continue;
    const OperatorDesc d = m.op(0, o);
    if (d.outputs.size() != 1) continue;
    VarName n;
    if (var_name(m, d, &n).ok() && n == name) return d.outputs[0];
  }
  return -1;
}

// Bytes of variable `name`: the value size of every READ/ASSIGN that uses it,
// in every subgraph; they must agree.
Status var_bytes(const TfliteModel& m, const VarName& name, size_t* bytes) {
  *bytes = 0;
  for (uint32_t sg = 0; sg < m.num_subgraphs(); ++sg) {
    for (uint32_t o = 0; o < m.num_operators(sg); ++o) {
      const int32_t builtin = m.op_builtin(sg, o);
      if (builtin != op::kReadVariable && builtin != op::kAssignVariable) continue;
      const I32List inputs = m.op_inputs(sg, o);
      const I32List outputs = m.op_outputs(sg, o);
      int32_t value = -1;
      if (builtin == op::kReadVariable && inputs.size() == 1 && outputs.size() == 1) {
        value = outputs[0];
      } else if (builtin == op::kAssignVariable && inputs.size() == 2) {
        value = inputs[1];
      } else {
        continue;
      }
      VarName n;
      if (!resolve(m, sg, inputs[0], o, &n).ok() || !(n == name) || value < 0) continue;
      const size_t b = m.tensor(sg, static_cast<uint32_t>(value)).bytes;
      if (*bytes != 0 && b != *bytes) {
        return Status::Error(StatusCode::kMalformedModel,
                             "variable \"%s\" used with %zu and %zu bytes", name.name, *bytes, b);
      }
      *bytes = b;
    }
  }
  return Status::Ok();
}

Status prepare_var_handle(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(out, TensorType::kResource, "output"));
  VarName name;
  KWS_RETURN_IF_ERROR(var_name(*ctx.model, *ctx.source, &name));
  size_t bytes = 0;
  KWS_RETURN_IF_ERROR(var_bytes(*ctx.model, name, &bytes));
  const int32_t canonical = canonical_tensor(*ctx.model, name);
  const bool owner = canonical == ctx.source->outputs[0];
  mem->persistent_bytes = owner ? bytes : 0;
  out->bytes = bytes;
  if (!ctx.building) return Status::Ok();
  // Final pass: the owner's storage, or the owner's tensor (set by an earlier op).
  if (owner) {
    out->data = static_cast<uint8_t*>(persistent);
    if (persistent != nullptr) std::memset(persistent, 0, bytes);
  } else {
    out->data = ctx.tensors[canonical].data;
  }
  return Status::Ok();
}

Status eval_nothing(const OpNode&, RuntimeTensor*) { return Status::Ok(); }

Status prepare_read(const PrepareContext& ctx, void*, OpMemory*) {
  RuntimeTensor* res = ctx.input(0);
  RuntimeTensor* out = ctx.output(0);
  KWS_RETURN_IF_ERROR(expect(res, TensorType::kResource, "resource"));
  if (out == nullptr) return Status::Error(StatusCode::kMalformedModel, "missing output");
  VarName name;
  KWS_RETURN_IF_ERROR(resolve(*ctx.model, 0, ctx.source->inputs[0], ctx.op_index, &name));
  size_t bytes = 0;
  KWS_RETURN_IF_ERROR(var_bytes(*ctx.model, name, &bytes));
  if (bytes != out->bytes) {
    return Status::Error(StatusCode::kMalformedModel, "variable \"%s\" has %zu bytes, output %zu",
                         name.name, bytes, out->bytes);
  }
  return Status::Ok();
}

Status eval_read(const OpNode& node, RuntimeTensor* t) {
  RuntimeTensor& out = node.out(t, 0);
  const RuntimeTensor& res = node.in(t, 0);
  if (res.data == nullptr || res.bytes != out.bytes) {
    return Status::Error(StatusCode::kInternal, "variable storage missing");
  }
  if (out.bytes > 0) std::memcpy(out.data, res.data, out.bytes);
  return Status::Ok();
}

Status prepare_assign(const PrepareContext& ctx, void*, OpMemory*) {
  RuntimeTensor* res = ctx.input(0);
  RuntimeTensor* value = ctx.input(1);
  KWS_RETURN_IF_ERROR(expect(res, TensorType::kResource, "resource"));
  if (value == nullptr) return Status::Error(StatusCode::kMalformedModel, "missing value");
  VarName name;
  KWS_RETURN_IF_ERROR(resolve(*ctx.model, 0, ctx.source->inputs[0], ctx.op_index, &name));
  size_t bytes = 0;
  KWS_RETURN_IF_ERROR(var_bytes(*ctx.model, name, &bytes));
  if (bytes != value->bytes) {
    return Status::Error(StatusCode::kMalformedModel, "variable \"%s\" has %zu bytes, value %zu",
                         name.name, bytes, value->bytes);
  }
  return Status::Ok();
}

Status eval_assign(const OpNode& node, RuntimeTensor* t) {
  const RuntimeTensor& value = node.in(t, 1);
  RuntimeTensor& res = node.in(t, 0);
  if (res.data == nullptr || res.bytes != value.bytes) {
    return Status::Error(StatusCode::kInternal, "variable storage missing");
  }
  if (value.bytes > 0) std::memmove(res.data, value.data, value.bytes);
  return Status::Ok();
}

// CALL_ONCE: the init subgraph's assignments, copied on first invoke.
struct InitCopy {
  int32_t resource_tensor = -1;  // subgraph 0 tensor whose data is the variable
  const uint8_t* src = nullptr;  // constant in the model
  size_t bytes = 0;
};

struct CallOnceData {
  bool done = false;
  uint32_t count = 0;
  InitCopy* copies = nullptr;
};

Status prepare_call_once(const PrepareContext& ctx, void* persistent, OpMemory* mem) {
  const TfliteModel& m = *ctx.model;
  int32_t sg = 0;
  KWS_RETURN_IF_ERROR(m.option<int32_t>(*ctx.desc, field::call_once::kInitSubgraphIndex, 0, &sg));
  if (sg <= 0 || static_cast<uint32_t>(sg) >= m.num_subgraphs()) {
    return Status::Error(StatusCode::kMalformedModel, "init subgraph %d out of range (%u)",
                         static_cast<int>(sg), static_cast<unsigned>(m.num_subgraphs()));
  }
  const uint32_t isg = static_cast<uint32_t>(sg);
  uint32_t count = 0;
  CallOnceData* d = static_cast<CallOnceData*>(persistent);
  InitCopy* copies = nullptr;
  if (d != nullptr)
    copies = reinterpret_cast<InitCopy*>(static_cast<uint8_t*>(persistent) +
                                         align16(sizeof(CallOnceData)));
  for (uint32_t o = 0; o < m.num_operators(isg); ++o) {
    const OperatorDesc op_desc = m.op(isg, o);
    if (op_desc.builtin == op::kVarHandle) continue;
    if (op_desc.builtin != op::kAssignVariable || op_desc.inputs.size() != 2 ||
        op_desc.inputs[1] < 0) {
      return Status::Error(StatusCode::kUnsupported,
                           "init subgraph %u operator %u: only VAR_HANDLE and ASSIGN_VARIABLE "
                           "of constants are supported (found %s)",
                           static_cast<unsigned>(isg), static_cast<unsigned>(o),
                           builtin_op_name(op_desc.builtin));
    }
    const TensorDesc value = m.tensor(isg, static_cast<uint32_t>(op_desc.inputs[1]));
    if (value.data == nullptr) {
      return Status::Error(StatusCode::kUnsupported,
                           "init subgraph %u operator %u assigns a non-constant value",
                           static_cast<unsigned>(isg), static_cast<unsigned>(o));
    }
    VarName name;
    KWS_RETURN_IF_ERROR(resolve(m, isg, op_desc.inputs[0], o, &name));
    const int32_t target = canonical_tensor(m, name);
    if (target < 0) continue;  // never used by subgraph 0
    if (copies != nullptr) copies[count] = InitCopy{target, value.data, value.bytes};
    ++count;
  }
  mem->persistent_bytes = align16(sizeof(CallOnceData)) + count * sizeof(InitCopy);
  if (d != nullptr) *d = CallOnceData{false, count, copies};
  return Status::Ok();
}

Status eval_call_once(const OpNode& node, RuntimeTensor* t) {
  CallOnceData& d = *static_cast<CallOnceData*>(node.persistent);
  if (d.done) return Status::Ok();
  for (uint32_t i = 0; i < d.count; ++i) {
    RuntimeTensor& var = t[d.copies[i].resource_tensor];
    if (var.data == nullptr || var.bytes != d.copies[i].bytes) {
      return Status::Error(StatusCode::kInternal, "variable storage missing");
    }
    std::memcpy(var.data, d.copies[i].src, d.copies[i].bytes);
  }
  d.done = true;
  return Status::Ok();
}

void reset_call_once(const OpNode& node) {
  static_cast<CallOnceData*>(node.persistent)->done = false;
}

}  // namespace

const OpKernel kCallOnceKernel = {"CALL_ONCE", prepare_call_once, eval_call_once, reset_call_once};
const OpKernel kVarHandleKernel = {"VAR_HANDLE", prepare_var_handle, eval_nothing, nullptr};
const OpKernel kReadVariableKernel = {"READ_VARIABLE", prepare_read, eval_read, nullptr};
const OpKernel kAssignVariableKernel = {"ASSIGN_VARIABLE", prepare_assign, eval_assign, nullptr};

}  // namespace kws::nn::ops
