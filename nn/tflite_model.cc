#include "nn/tflite_model.h"

namespace kws::nn {

namespace f = field;

namespace {

// Largest tensor the runtime accepts; keeps every size computation far from
// overflow on a 32-bit target.
constexpr uint64_t kMaxTensorBytes = 1ull << 30;

// Types the reader can represent: fixed-size elements, or RESOURCE handles
// (no data). Whether an op accepts a type is the interpreter's question.
bool type_supported(TensorType type) {
  return tensor_type_size(type) > 0 || type == TensorType::kResource;
}

}  // namespace

Status TfliteModel::parse(const void* data, size_t size) {
  parsed_ = false;
  reader_ = fb::Reader(static_cast<const uint8_t*>(data), size);
  if (size >= 8 && std::memcmp(static_cast<const uint8_t*>(data) + 4, "TFL3", 4) != 0) {
    return Status::Error(StatusCode::kMalformedModel,
                         "not a TFLite model (file identifier is not \"TFL3\")");
  }
  KWS_RETURN_IF_ERROR(reader_.root(&root_));
  KWS_RETURN_IF_ERROR(reader_.scalar<uint32_t>(root_, f::model::kVersion, 0, &version_));
  if (version_ != 3) {
    return Status::Error(StatusCode::kUnsupported, "model schema version %u (expected 3)",
                         static_cast<unsigned>(version_));
  }
  KWS_RETURN_IF_ERROR(parse_buffers());
  KWS_RETURN_IF_ERROR(parse_opcodes());
  bool present = false;
  KWS_RETURN_IF_ERROR(
      reader_.vector_field(root_, f::model::kSubgraphs, 4, 1, &subgraphs_, &present));
  if (!present || subgraphs_.size == 0) {
    return Status::Error(StatusCode::kMalformedModel, "model has no subgraphs");
  }
  for (uint32_t sg = 0; sg < subgraphs_.size; ++sg) {
    KWS_RETURN_IF_ERROR(parse_subgraph(sg));
  }
  KWS_RETURN_IF_ERROR(parse_metadata());
  // Subgraph 0's tensor and operator vectors, read by every planning scan.
  sg0_tensors_ = subgraph_vector(0, f::subgraph::kTensors, 4);
  sg0_operators_ = subgraph_vector(0, f::subgraph::kOperators, 4);
  parsed_ = true;
  return Status::Ok();
}

Status TfliteModel::parse_buffers() {
  bool present = false;
  KWS_RETURN_IF_ERROR(reader_.vector_field(root_, f::model::kBuffers, 4, 1, &buffers_, &present));
  if (!present) buffers_ = fb::Vector{};
  for (uint32_t i = 0; i < buffers_.size; ++i) {
    const uint8_t* data = nullptr;
    size_t size = 0;
    Status s = buffer_data(i, &data, &size);
    if (!s.ok()) {
      return Status::Error(s.code(), "buffer %u: %s", static_cast<unsigned>(i), s.message());
    }
  }
  return Status::Ok();
}

Status TfliteModel::buffer_data(uint32_t index, const uint8_t** data, size_t* size) const {
  fb::Table b;
  KWS_RETURN_IF_ERROR(reader_.table_element(buffers_, index, &b));
  fb::Vector v;
  bool present = false;
  KWS_RETURN_IF_ERROR(reader_.vector_field(b, f::buffer::kData, 1, 1, &v, &present));
  uint64_t offset = 0;
  uint64_t bytes = 0;
  KWS_RETURN_IF_ERROR(reader_.scalar<uint64_t>(b, f::buffer::kOffset, 0, &offset));
  KWS_RETURN_IF_ERROR(reader_.scalar<uint64_t>(b, f::buffer::kSize, 0, &bytes));
  *data = nullptr;
  *size = 0;
  if (present && v.size > 0) {
    *data = reader_.data() + v.data;
    *size = v.size;
  } else if (offset > 1) {
    // Data stored after the flatbuffer, at an offset from the file start.
    if (offset > reader_.size() || bytes > reader_.size() - offset) {
      return Status::Error(StatusCode::kMalformedModel,
                           "external data [%llu, +%llu) outside the file (%zu bytes)",
                           static_cast<unsigned long long>(offset),
                           static_cast<unsigned long long>(bytes), reader_.size());
    }
    *data = reader_.data() + offset;
    *size = static_cast<size_t>(bytes);
  }
  return Status::Ok();
}

Status TfliteModel::parse_opcodes() {
  bool present = false;
  KWS_RETURN_IF_ERROR(
      reader_.vector_field(root_, f::model::kOperatorCodes, 4, 1, &opcodes_, &present));
  if (!present) opcodes_ = fb::Vector{};
  for (uint32_t i = 0; i < opcodes_.size; ++i) {
    fb::Table t;
    Status s = reader_.table_element(opcodes_, i, &t);
    int8_t deprecated = 0;
    int32_t builtin = 0;
    int32_t version = 1;
    const char* custom = nullptr;
    uint32_t len = 0;
    bool has_custom = false;
    if (s.ok())
      s = reader_.scalar<int8_t>(t, f::operator_code::kDeprecatedBuiltinCode, 0, &deprecated);
    if (s.ok()) s = reader_.scalar<int32_t>(t, f::operator_code::kBuiltinCode, 0, &builtin);
    if (s.ok()) s = reader_.scalar<int32_t>(t, f::operator_code::kVersion, 1, &version);
    if (s.ok())
      s = reader_.string_field(t, f::operator_code::kCustomCode, &custom, &len, &has_custom);
    if (!s.ok())
      return Status::Error(s.code(), "operator code %u: %s", static_cast<unsigned>(i), s.message());
    if (deprecated < 0 || builtin < 0) {
      return Status::Error(StatusCode::kMalformedModel, "operator code %u: negative builtin code",
                           static_cast<unsigned>(i));
    }
  }
  return Status::Ok();
}

fb::Table TfliteModel::subgraph_table(uint32_t sg) const {
  fb::Table t;
  (void)reader_.table_element(subgraphs_, sg, &t);  // validated by parse()
  return t;
}

fb::Vector TfliteModel::subgraph_vector(uint32_t sg, int field_id, size_t elem_size) const {
  if (parsed_ && sg == 0) {
    if (field_id == f::subgraph::kTensors) return sg0_tensors_;
    if (field_id == f::subgraph::kOperators) return sg0_operators_;
  }
  fb::Vector v;
  bool present = false;
  (void)reader_.vector_field(subgraph_table(sg), field_id, elem_size, 1, &v, &present);
  return present ? v : fb::Vector{};
}

Status TfliteModel::parse_tensor(uint32_t sg, uint32_t index, const fb::Table& t,
                                 TensorDesc* out) const {
  (void)sg;
  (void)index;
  *out = TensorDesc{};
  bool present = false;
  fb::Vector shape;
  KWS_RETURN_IF_ERROR(reader_.vector_field(t, f::tensor::kShape, 4, 1, &shape, &present));
  if (!present) shape = fb::Vector{};
  if (shape.size > static_cast<uint32_t>(kMaxDims)) {
    return Status::Error(StatusCode::kUnsupported, "%u dimensions (at most %d supported)",
                         static_cast<unsigned>(shape.size), kMaxDims);
  }
  uint64_t elements = 1;
  out->num_dims = static_cast<int>(shape.size);
  for (uint32_t d = 0; d < shape.size; ++d) {
    const int32_t dim = reader_.element<int32_t>(shape, d);
    if (dim < 0) {
      return Status::Error(StatusCode::kUnsupported,
                           "dimension %u is %d (dynamic shapes are not "
                           "supported)",
                           static_cast<unsigned>(d), static_cast<int>(dim));
    }
    out->dims[d] = dim;
    elements *= static_cast<uint64_t>(dim);
    if (elements > kMaxTensorBytes) {
      return Status::Error(StatusCode::kUnsupported, "more than %llu elements",
                           static_cast<unsigned long long>(kMaxTensorBytes));
    }
  }
  uint8_t type = 0;
  KWS_RETURN_IF_ERROR(reader_.scalar<uint8_t>(t, f::tensor::kType, 0, &type));
  out->type = static_cast<TensorType>(type);
  if (!type_supported(out->type)) {
    return Status::Error(StatusCode::kUnsupported, "unsupported type %s (%u)",
                         tensor_type_name(out->type), type);
  }
  const size_t type_size = tensor_type_size(out->type);
  const uint64_t bytes = elements * type_size;
  if (bytes > kMaxTensorBytes) {
    return Status::Error(StatusCode::kUnsupported, "%llu bytes is too large",
                         static_cast<unsigned long long>(bytes));
  }
  out->elements = static_cast<size_t>(elements);
  out->bytes = static_cast<size_t>(bytes);

  KWS_RETURN_IF_ERROR(reader_.scalar<uint32_t>(t, f::tensor::kBuffer, 0, &out->buffer));
  if (out->buffer >= buffers_.size && !(out->buffer == 0 && buffers_.size == 0)) {
    return Status::Error(StatusCode::kMalformedModel, "buffer %u out of range (%u buffers)",
                         static_cast<unsigned>(out->buffer), static_cast<unsigned>(buffers_.size));
  }
  if (buffers_.size > 0) {
    const uint8_t* data = nullptr;
    size_t size = 0;
    KWS_RETURN_IF_ERROR(buffer_data(out->buffer, &data, &size));
    if (data != nullptr) {
      if (size != out->bytes) {
        return Status::Error(
            StatusCode::kMalformedModel, "buffer %u holds %zu bytes, shape x %s needs %zu",
            static_cast<unsigned>(out->buffer), size, tensor_type_name(out->type), out->bytes);
      }
      const size_t align = type_size < 8 ? (type_size == 0 ? 1 : type_size) : 8;
      if (reinterpret_cast<uintptr_t>(data) % align != 0) {
        return Status::Error(StatusCode::kMalformedModel, "buffer %u data is not %zu-byte aligned",
                             static_cast<unsigned>(out->buffer), align);
      }
      out->data = data;
    }
  }

  uint8_t is_variable = 0;
  KWS_RETURN_IF_ERROR(reader_.scalar<uint8_t>(t, f::tensor::kIsVariable, 0, &is_variable));
  out->is_variable = is_variable != 0;
  const char* name = nullptr;
  uint32_t name_len = 0;
  KWS_RETURN_IF_ERROR(reader_.string_field(t, f::tensor::kName, &name, &name_len, &present));
  if (present) out->name = name;

  uint32_t sparsity_pos = 0;
  KWS_RETURN_IF_ERROR(reader_.field(t, f::tensor::kSparsity, 4, &sparsity_pos));
  if (sparsity_pos != 0) {
    return Status::Error(StatusCode::kUnsupported, "sparse tensors are not supported");
  }

  fb::Table q;
  KWS_RETURN_IF_ERROR(reader_.table_field(t, f::tensor::kQuantization, &q, &present));
  if (present) {
    fb::Vector scales;
    fb::Vector zps;
    bool has_scales = false;
    bool has_zps = false;
    KWS_RETURN_IF_ERROR(
        reader_.vector_field(q, f::quantization::kScale, 4, 4, &scales, &has_scales));
    KWS_RETURN_IF_ERROR(reader_.vector_field(q, f::quantization::kZeroPoint, 8, 1, &zps, &has_zps));
    uint8_t details_type = 0;
    KWS_RETURN_IF_ERROR(
        reader_.scalar<uint8_t>(q, f::quantization::kDetailsType, 0, &details_type));
    if (details_type != 0) {
      return Status::Error(StatusCode::kUnsupported, "custom quantization details");
    }
    KWS_RETURN_IF_ERROR(reader_.scalar<int32_t>(q, f::quantization::kQuantizedDimension, 0,
                                                &out->quant.quantized_dimension));
    if (has_scales && scales.size > 0) {
      if (has_zps && zps.size != scales.size && zps.size != 0) {
        return Status::Error(StatusCode::kMalformedModel, "%u scales but %u zero points",
                             static_cast<unsigned>(scales.size), static_cast<unsigned>(zps.size));
      }
      if (scales.size > 1) {
        const int32_t qd = out->quant.quantized_dimension;
        if (qd < 0 || qd >= out->num_dims || static_cast<uint32_t>(out->dims[qd]) != scales.size) {
          return Status::Error(StatusCode::kMalformedModel,
                               "%u per-channel scales do not match quantized dimension %d",
                               static_cast<unsigned>(scales.size), static_cast<int>(qd));
        }
      }
      for (uint32_t c = 0; c < scales.size; ++c) {
        const float s = reader_.element<float>(scales, c);
        if (!(s >= 0.0f && s <= 3.0e38f)) {
          return Status::Error(StatusCode::kMalformedModel, "scale %u is not finite and >= 0",
                               static_cast<unsigned>(c));
        }
      }
      out->quant.num_channels = scales.size;
      out->quant.scales = reader_.data() + scales.data;
      out->quant.zero_points = (has_zps && zps.size != 0) ? reader_.data() + zps.data : nullptr;
    }
  }
  return Status::Ok();
}

Status TfliteModel::parse_operator(uint32_t sg, uint32_t index, uint32_t num_tensors,
                                   const fb::Table& t, OperatorDesc* out) const {
  (void)sg;
  (void)index;
  *out = OperatorDesc{};
  KWS_RETURN_IF_ERROR(
      reader_.scalar<uint32_t>(t, f::operator_::kOpcodeIndex, 0, &out->opcode_index));
  if (out->opcode_index >= opcodes_.size) {
    return Status::Error(StatusCode::kMalformedModel, "opcode index %u out of range (%u codes)",
                         static_cast<unsigned>(out->opcode_index),
                         static_cast<unsigned>(opcodes_.size));
  }
  fb::Table code;
  KWS_RETURN_IF_ERROR(reader_.table_element(opcodes_, out->opcode_index, &code));
  int8_t deprecated = 0;
  int32_t builtin = 0;
  KWS_RETURN_IF_ERROR(
      reader_.scalar<int8_t>(code, f::operator_code::kDeprecatedBuiltinCode, 0, &deprecated));
  KWS_RETURN_IF_ERROR(reader_.scalar<int32_t>(code, f::operator_code::kBuiltinCode, 0, &builtin));
  KWS_RETURN_IF_ERROR(reader_.scalar<int32_t>(code, f::operator_code::kVersion, 1, &out->version));
  // Old files only set the int8 field, new ones both: the larger value wins.
  out->builtin = builtin > deprecated ? builtin : deprecated;
  const char* custom = nullptr;
  uint32_t len = 0;
  bool present = false;
  KWS_RETURN_IF_ERROR(
      reader_.string_field(code, f::operator_code::kCustomCode, &custom, &len, &present));
  if (present) out->custom = custom;

  const int lists[2] = {f::operator_::kInputs, f::operator_::kOutputs};
  I32List* outs[2] = {&out->inputs, &out->outputs};
  for (int k = 0; k < 2; ++k) {
    fb::Vector v;
    KWS_RETURN_IF_ERROR(reader_.vector_field(t, lists[k], 4, 1, &v, &present));
    if (!present) v = fb::Vector{};
    for (uint32_t i = 0; i < v.size; ++i) {
      const int32_t ti = reader_.element<int32_t>(v, i);
      if (ti < -1 || ti >= static_cast<int32_t>(num_tensors)) {
        return Status::Error(StatusCode::kMalformedModel, "%s %u: tensor %d out of range (%u)",
                             k == 0 ? "input" : "output", static_cast<unsigned>(i),
                             static_cast<int>(ti), static_cast<unsigned>(num_tensors));
      }
    }
    *outs[k] = I32List(reader_.data() + v.data, v.size);
  }
  KWS_RETURN_IF_ERROR(
      reader_.scalar<uint8_t>(t, f::operator_::kBuiltinOptionsType, 0, &out->options_type));
  KWS_RETURN_IF_ERROR(
      reader_.table_field(t, f::operator_::kBuiltinOptions, &out->options, &out->has_options));
  fb::Vector custom_options;
  KWS_RETURN_IF_ERROR(
      reader_.vector_field(t, f::operator_::kCustomOptions, 1, 1, &custom_options, &present));
  if (present) {
    out->custom_options = reader_.data() + custom_options.data;
    out->custom_options_size = custom_options.size;
  }
  return Status::Ok();
}

Status TfliteModel::parse_subgraph(uint32_t sg) {
  fb::Table t;
  Status s = reader_.table_element(subgraphs_, sg, &t);
  if (!s.ok())
    return Status::Error(s.code(), "subgraph %u: %s", static_cast<unsigned>(sg), s.message());
  fb::Vector tensors;
  fb::Vector ops;
  bool present = false;
  s = reader_.vector_field(t, f::subgraph::kTensors, 4, 1, &tensors, &present);
  if (!s.ok())
    return Status::Error(s.code(), "subgraph %u tensors: %s", static_cast<unsigned>(sg),
                         s.message());
  if (!present) tensors = fb::Vector{};
  for (uint32_t i = 0; i < tensors.size; ++i) {
    fb::Table tt;
    TensorDesc desc;
    s = reader_.table_element(tensors, i, &tt);
    if (s.ok()) s = parse_tensor(sg, i, tt, &desc);
    if (!s.ok()) {
      return Status::Error(s.code(), "subgraph %u tensor %u: %s", static_cast<unsigned>(sg),
                           static_cast<unsigned>(i), s.message());
    }
  }
  const int io[2] = {f::subgraph::kInputs, f::subgraph::kOutputs};
  for (int k = 0; k < 2; ++k) {
    fb::Vector v;
    s = reader_.vector_field(t, io[k], 4, 1, &v, &present);
    if (!s.ok())
      return Status::Error(s.code(), "subgraph %u inputs/outputs: %s", static_cast<unsigned>(sg),
                           s.message());
    if (!present) v = fb::Vector{};
    for (uint32_t i = 0; i < v.size; ++i) {
      const int32_t ti = reader_.element<int32_t>(v, i);
      if (ti < 0 || ti >= static_cast<int32_t>(tensors.size)) {
        return Status::Error(
            StatusCode::kMalformedModel, "subgraph %u %s %u: tensor %d out of range (%u tensors)",
            static_cast<unsigned>(sg), k == 0 ? "input" : "output", static_cast<unsigned>(i),
            static_cast<int>(ti), static_cast<unsigned>(tensors.size));
      }
    }
  }
  s = reader_.vector_field(t, f::subgraph::kOperators, 4, 1, &ops, &present);
  if (!s.ok())
    return Status::Error(s.code(), "subgraph %u operators: %s", static_cast<unsigned>(sg),
                         s.message());
  if (!present) ops = fb::Vector{};
  for (uint32_t i = 0; i < ops.size; ++i) {
    fb::Table ot;
    OperatorDesc desc;
    s = reader_.table_element(ops, i, &ot);
    if (s.ok()) s = parse_operator(sg, i, tensors.size, ot, &desc);
    if (!s.ok()) {
      return Status::Error(s.code(), "subgraph %u operator %u: %s", static_cast<unsigned>(sg),
                           static_cast<unsigned>(i), s.message());
    }
  }
  return Status::Ok();
}

Status TfliteModel::parse_metadata() {
  bool present = false;
  KWS_RETURN_IF_ERROR(reader_.vector_field(root_, f::model::kMetadata, 4, 1, &metadata_, &present));
  if (!present) metadata_ = fb::Vector{};
  for (uint32_t i = 0; i < metadata_.size; ++i) {
    fb::Table m;
    const char* name = nullptr;
    uint32_t len = 0;
    bool has_name = false;
    uint32_t buffer = 0;
    Status s = reader_.table_element(metadata_, i, &m);
    if (s.ok()) s = reader_.string_field(m, f::metadata::kName, &name, &len, &has_name);
    if (s.ok()) s = reader_.scalar<uint32_t>(m, f::metadata::kBuffer, 0, &buffer);
    if (s.ok() && buffer >= buffers_.size) {
      s = Status::Error(StatusCode::kMalformedModel, "buffer %u out of range (%u buffers)",
                        static_cast<unsigned>(buffer), static_cast<unsigned>(buffers_.size));
    }
    if (!s.ok())
      return Status::Error(s.code(), "metadata %u: %s", static_cast<unsigned>(i), s.message());
  }
  return Status::Ok();
}

uint32_t TfliteModel::num_tensors(uint32_t sg) const {
  return subgraph_vector(sg, f::subgraph::kTensors, 4).size;
}

uint32_t TfliteModel::num_operators(uint32_t sg) const {
  return subgraph_vector(sg, f::subgraph::kOperators, 4).size;
}

I32List TfliteModel::inputs(uint32_t sg) const {
  const fb::Vector v = subgraph_vector(sg, f::subgraph::kInputs, 4);
  return I32List(reader_.data() + v.data, v.size);
}

I32List TfliteModel::outputs(uint32_t sg) const {
  const fb::Vector v = subgraph_vector(sg, f::subgraph::kOutputs, 4);
  return I32List(reader_.data() + v.data, v.size);
}

TensorDesc TfliteModel::tensor(uint32_t sg, uint32_t index) const {
  const fb::Vector v = subgraph_vector(sg, f::subgraph::kTensors, 4);
  fb::Table t;
  TensorDesc desc;
  if (reader_.table_element(v, index, &t).ok()) (void)parse_tensor(sg, index, t, &desc);
  return desc;
}

TensorType TfliteModel::tensor_type(uint32_t sg, uint32_t index) const {
  // Validated by parse(): the reads below cannot fail.
  fb::Table t;
  uint8_t type = 0;
  (void)reader_.table_element(subgraph_vector(sg, f::subgraph::kTensors, 4), index, &t);
  (void)reader_.scalar<uint8_t>(t, f::tensor::kType, 0, &type);
  return static_cast<TensorType>(type);
}

const uint8_t* TfliteModel::tensor_data(uint32_t sg, uint32_t index) const {
  if (buffers_.size == 0) return nullptr;
  fb::Table t;
  uint32_t buffer = 0;
  (void)reader_.table_element(subgraph_vector(sg, f::subgraph::kTensors, 4), index, &t);
  (void)reader_.scalar<uint32_t>(t, f::tensor::kBuffer, 0, &buffer);
  const uint8_t* data = nullptr;
  size_t size = 0;
  return buffer_data(buffer, &data, &size).ok() ? data : nullptr;
}

OperatorDesc TfliteModel::op(uint32_t sg, uint32_t index) const {
  const fb::Vector v = subgraph_vector(sg, f::subgraph::kOperators, 4);
  fb::Table t;
  OperatorDesc desc;
  if (reader_.table_element(v, index, &t).ok()) {
    (void)parse_operator(sg, index, num_tensors(sg), t, &desc);
  }
  return desc;
}

int32_t TfliteModel::op_builtin(uint32_t sg, uint32_t index) const {
  // All validated by parse(): the reads below cannot fail.
  fb::Table t;
  fb::Table code;
  uint32_t opcode = 0;
  int8_t deprecated = 0;
  int32_t builtin = 0;
  (void)reader_.table_element(subgraph_vector(sg, f::subgraph::kOperators, 4), index, &t);
  (void)reader_.scalar<uint32_t>(t, f::operator_::kOpcodeIndex, 0, &opcode);
  (void)reader_.table_element(opcodes_, opcode, &code);
  (void)reader_.scalar<int8_t>(code, f::operator_code::kDeprecatedBuiltinCode, 0, &deprecated);
  (void)reader_.scalar<int32_t>(code, f::operator_code::kBuiltinCode, 0, &builtin);
  return builtin > deprecated ? builtin : deprecated;
}

I32List TfliteModel::op_list(uint32_t sg, uint32_t index, int field_id) const {
  fb::Table t;
  fb::Vector v;
  bool present = false;
  (void)reader_.table_element(subgraph_vector(sg, f::subgraph::kOperators, 4), index, &t);
  (void)reader_.vector_field(t, field_id, 4, 1, &v, &present);
  return present ? I32List(reader_.data() + v.data, v.size) : I32List();
}

I32List TfliteModel::op_inputs(uint32_t sg, uint32_t index) const {
  return op_list(sg, index, f::operator_::kInputs);
}

I32List TfliteModel::op_outputs(uint32_t sg, uint32_t index) const {
  return op_list(sg, index, f::operator_::kOutputs);
}

bool TfliteModel::metadata_entry(uint32_t i, const char** name, const uint8_t** data,
                                 size_t* size) const {
  if (!parsed_ || i >= metadata_.size) return false;
  fb::Table m;
  const char* entry = nullptr;
  uint32_t len = 0;
  bool has_name = false;
  uint32_t buffer = 0;
  if (!reader_.table_element(metadata_, i, &m).ok()) return false;
  if (!reader_.string_field(m, f::metadata::kName, &entry, &len, &has_name).ok() || !has_name) {
    return false;
  }
  if (!reader_.scalar<uint32_t>(m, f::metadata::kBuffer, 0, &buffer).ok()) return false;
  const uint8_t* bytes = nullptr;
  size_t n = 0;
  if (!buffer_data(buffer, &bytes, &n).ok()) return false;
  *name = entry;
  *data = bytes;
  *size = n;
  return true;
}

bool TfliteModel::metadata(const char* name, const uint8_t** data, size_t* size) const {
  for (uint32_t i = 0; i < num_metadata(); ++i) {
    const char* entry = nullptr;
    if (metadata_entry(i, &entry, data, size) && std::strcmp(entry, name) == 0) return true;
  }
  return false;
}

Status TfliteModel::option_string(const OperatorDesc& op, int id, const char** out) const {
  *out = "";
  if (!op.has_options) return Status::Ok();
  const char* str = nullptr;
  uint32_t len = 0;
  bool present = false;
  KWS_RETURN_IF_ERROR(reader_.string_field(op.options, id, &str, &len, &present));
  if (present) *out = str;
  return Status::Ok();
}

Status TfliteModel::option_list(const OperatorDesc& op, int id, I32List* out, bool* present) const {
  *present = false;
  if (!op.has_options) return Status::Ok();
  fb::Vector v;
  KWS_RETURN_IF_ERROR(reader_.vector_field(op.options, id, 4, 1, &v, present));
  if (*present) *out = I32List(reader_.data() + v.data, v.size);
  return Status::Ok();
}

}  // namespace kws::nn
