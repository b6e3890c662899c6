// Builds small .tflite files in memory for tests and fuzz seeds (host only).
//
// The writer lays a flatbuffer out front to back: a parent table first, the
// objects it references after it, so every uoffset is positive as the format
// requires. It is not FlatBuffers' own builder and makes no attempt at sharing
// vtables; readers do not care.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nn/tflite_schema.h"

namespace kws::nn::testing {

// One scalar or int32-vector field of a builtin options table.
struct OptionField {
  enum class Kind { kI8, kI32, kF32, kI32Vector };
  int id = 0;
  Kind kind = Kind::kI32;
  int32_t i = 0;
  float f = 0.0f;
  std::vector<int32_t> v;

  static OptionField i8(int id, int32_t value) { return {id, Kind::kI8, value, 0.0f, {}}; }
  static OptionField i32(int id, int32_t value) { return {id, Kind::kI32, value, 0.0f, {}}; }
  static OptionField f32(int id, float value) { return {id, Kind::kF32, 0, value, {}}; }
  static OptionField vec(int id, std::vector<int32_t> value) {
    return {id, Kind::kI32Vector, 0, 0.0f, std::move(value)};
  }
};

struct TensorSpec {
  std::vector<int32_t> shape;
  TensorType type = TensorType::kInt8;
  std::vector<uint8_t> data;  // empty: activation tensor
  std::vector<float> scales;  // empty: no quantization table
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;
  std::string name;
  bool is_variable = false;
};

struct OpSpec {
  int32_t builtin = 0;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  uint8_t options_type = 0;
  std::vector<OptionField> options;
  std::string custom_code;  // for CUSTOM ops
};

struct ModelSpec {
  std::vector<TensorSpec> tensors;
  std::vector<OpSpec> ops;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<std::pair<std::string, std::string>> metadata;  // name, contents
  int extra_subgraphs = 0;  // empty subgraphs appended after the main one
};

// Serializes `spec` as a version-3 TFLite model ("TFL3").
std::vector<uint8_t> build_model(const ModelSpec& spec);

// Helpers for tensor data.
template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A tiny int8 model: input [1,4] -> FULLY_CONNECTED (3 outputs, bias) -> SOFTMAX
// -> output [1,3]. Used by reader, interpreter and fuzz-seed tests.
ModelSpec tiny_fc_softmax_model();

}  // namespace kws::nn::testing
