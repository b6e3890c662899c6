// libFuzzer entry: parse the input as a model; if it parses, size, init and
// invoke an interpreter on zero input: twice, with streaming inference on (a
// 2-row shift, the shipped models' stride), so the second invoke takes the
// streamed path wherever the model streams. int8 and float32 models alike
// (the glue is chosen by tensor type; IF branches run). A model whose init
// fails at its declared shapes is tried once more with input 0's last dim
// resized to 672 (InterpreterOptions::input_shapes: resizable float models such
// as openWakeWord's melspectrogram). Any crash, sanitizer report or
// out-of-bounds access is a bug in the reader, the op glue or the streaming
// plan.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "nn/interpreter.h"
#include "nn/tflite_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy with exact length and 16-byte alignment, like a mapped file.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size + 1]);
  if (size > 0) std::memcpy(copy.get(), data, size);
  kws::nn::TfliteModel model;
  if (!model.parse(copy.get(), size).ok()) return 0;
  kws::nn::InterpreterOptions options;
  options.stream_shift_rows = 2;  // the shipped models' stride
  // Real keyword models need < 100 KiB; bigger arenas (> 1 MiB) only make
  // runs slow (linear kernels over millions of elements), not more interesting.
  size_t needed = 0;
  kws::nn::InputShape shape;
  bool sized = kws::nn::Interpreter::needed_bytes(model, &needed, options).ok();
  if (!sized && model.num_subgraphs() > 0 && model.inputs(0).size() > 0) {
    const kws::nn::TensorDesc in = model.tensor(0, static_cast<uint32_t>(model.inputs(0)[0]));
    if (in.num_dims >= 1) {
      shape.num_dims = in.num_dims;
      for (int k = 0; k < in.num_dims; ++k) shape.dims[k] = in.dims[k] > 0 ? in.dims[k] : 1;
      shape.dims[in.num_dims - 1] = 672;  // 2 melspectrogram frames
      options.input_shapes = &shape;
      options.num_input_shapes = 1;
      sized = kws::nn::Interpreter::needed_bytes(model, &needed, options).ok();
    }
  }
  if (!sized || needed > (1u << 20)) return 0;
  std::unique_ptr<uint8_t[]> arena(new uint8_t[needed]);
  kws::nn::Interpreter interp;
  if (!interp.init(model, arena.get(), needed, options).ok()) return 0;
  for (int run = 0; run < 2; ++run) {
    for (size_t i = 0; i < interp.num_inputs(); ++i) {
      const kws::nn::TensorView in = interp.input(i);
      if (in.data != nullptr) std::memset(in.data, 0, in.bytes);
    }
    if (!interp.invoke().ok()) break;
  }
  return 0;
}
