// A zero-copy view of a .tflite model held in caller memory (a mapped file on
// the host, a const array in flash on the MCU).
//
// Contract: parse() checks every offset, length, index and size the accessors
// will later use (vtables, vectors, strings, buffer and tensor indices, tensor
// data size = shape x type size, operator tensor indices, opcode indices,
// quantization vectors). After a successful parse the accessors cannot fail
// and never read outside the bytes. The model bytes must outlive this object
// and every view taken from it. No heap; the object is a few dozen bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/flatbuffer.h"
#include "nn/status.h"
#include "nn/tflite_schema.h"

namespace kws::nn {

constexpr int kMaxDims = 6;

// A read-only list of int32 values inside the model (read through memcpy, so
// no alignment is required of the file).
class I32List {
 public:
  I32List() = default;
  I32List(const uint8_t* data, uint32_t size) : data_(data), size_(size) {}
  uint32_t size() const { return size_; }
  int32_t operator[](uint32_t i) const {
    int32_t v;
    std::memcpy(&v, data_ + 4 * static_cast<size_t>(i), 4);
    return v;
  }

 private:
  const uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
};

// Quantization of one tensor. num_channels == 0: not quantized.
struct QuantInfo {
  uint32_t num_channels = 0;  // 1 = per tensor, else per channel
  int32_t quantized_dimension = 0;
  const uint8_t* scales = nullptr;       // num_channels floats
  const uint8_t* zero_points = nullptr;  // num_channels int64, or nullptr (all 0)

  float scale(uint32_t i) const {
    float v;
    std::memcpy(&v, scales + 4 * static_cast<size_t>(i), 4);
    return v;
  }
  int64_t zero_point(uint32_t i) const {
    if (zero_points == nullptr) return 0;
    int64_t v;
    std::memcpy(&v, zero_points + 8 * static_cast<size_t>(i), 8);
    return v;
  }
};

struct TensorDesc {
  TensorType type = TensorType::kFloat32;
  int32_t dims[kMaxDims] = {};
  int num_dims = 0;
  size_t elements = 0;            // product of dims (1 for a scalar)
  size_t bytes = 0;               // elements x type size
  const uint8_t* data = nullptr;  // constant data in the model, else nullptr
  uint32_t buffer = 0;            // index into the model's buffers
  bool is_variable = false;
  const char* name = "";
  QuantInfo quant;
};

struct OperatorDesc {
  int32_t builtin = 0;      // BuiltinOperator
  const char* custom = "";  // custom_code for CUSTOM ops
  int32_t version = 1;      // operator_codes[i].version
  uint32_t opcode_index = 0;
  I32List inputs;  // tensor indices, -1 = optional input absent
  I32List outputs;
  uint8_t options_type = 0;  // BuiltinOptions union type
  bool has_options = false;
  fb::Table options;  // the validated options table when has_options
  const uint8_t* custom_options = nullptr;
  uint32_t custom_options_size = 0;
};

class TfliteModel {
 public:
  // Validates the whole model; on error the object stays unusable.
  Status parse(const void* data, size_t size);
  bool parsed() const { return parsed_; }

  uint32_t version() const { return version_; }
  uint32_t num_subgraphs() const { return subgraphs_.size; }
  uint32_t num_buffers() const { return buffers_.size; }
  uint32_t num_operator_codes() const { return opcodes_.size; }

  // Subgraph accessors: `sg` < num_subgraphs(), indices in range (contract).
  uint32_t num_tensors(uint32_t sg) const;
  uint32_t num_operators(uint32_t sg) const;
  I32List inputs(uint32_t sg) const;
  I32List outputs(uint32_t sg) const;
  TensorDesc tensor(uint32_t sg, uint32_t index) const;
  // Cheap single fields of tensor(sg, index) for hot loops (tensor() re-derives
  // and re-checks the whole description).
  TensorType tensor_type(uint32_t sg, uint32_t index) const;
  const uint8_t* tensor_data(uint32_t sg, uint32_t index) const;  // nullptr: not constant
  OperatorDesc op(uint32_t sg, uint32_t index) const;
  // Cheap views of one operator for repeated scans (op() re-derives everything).
  int32_t op_builtin(uint32_t sg, uint32_t index) const;
  I32List op_inputs(uint32_t sg, uint32_t index) const;
  I32List op_outputs(uint32_t sg, uint32_t index) const;

  // Metadata entries in file order: name and bytes of entry i; false when
  // i is out of range or the entry has no name or a bad buffer.
  uint32_t num_metadata() const { return metadata_.size; }
  bool metadata_entry(uint32_t i, const char** name, const uint8_t** data, size_t* size) const;
  // Finds the metadata entry called `name`; false when there is none.
  bool metadata(const char* name, const uint8_t** data, size_t* size) const;

  // Reads a scalar field of an operator's builtin options; `def` when the op has
  // no options or the field is absent.
  template <typename T>
  Status option(const OperatorDesc& op, int id, T def, T* out) const {
    if (!op.has_options) {
      *out = def;
      return Status::Ok();
    }
    return reader_.scalar(op.options, id, def, out);
  }
  // Reads a string field of an operator's builtin options ("" when absent).
  Status option_string(const OperatorDesc& op, int id, const char** out) const;
  // Reads an int32 vector field of an operator's builtin options.
  Status option_list(const OperatorDesc& op, int id, I32List* out, bool* present) const;

  const fb::Reader& reader() const { return reader_; }

 private:
  Status parse_buffers();
  Status parse_opcodes();
  Status parse_subgraph(uint32_t sg);
  Status parse_tensor(uint32_t sg, uint32_t index, const fb::Table& t, TensorDesc* out) const;
  Status parse_operator(uint32_t sg, uint32_t index, uint32_t num_tensors, const fb::Table& t,
                        OperatorDesc* out) const;
  Status parse_metadata();
  Status buffer_data(uint32_t index, const uint8_t** data, size_t* size) const;
  fb::Table subgraph_table(uint32_t sg) const;
  fb::Vector subgraph_vector(uint32_t sg, int field_id, size_t elem_size) const;
  I32List op_list(uint32_t sg, uint32_t index, int field_id) const;

  fb::Reader reader_;
  fb::Table root_;
  fb::Vector opcodes_;
  fb::Vector subgraphs_;
  fb::Vector buffers_;
  fb::Vector metadata_;
  fb::Vector sg0_tensors_;  // cached by parse(): the hot planning scans read them
  fb::Vector sg0_operators_;
  uint32_t version_ = 0;
  bool parsed_ = false;
};

}  // namespace kws::nn
