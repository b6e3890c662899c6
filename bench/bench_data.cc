#include "bench/bench_data.h"

#include <sys/stat.h>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "nn/tflite_schema.h"

namespace kws::bench {

std::string repo_dir() { return KWS_BENCH_SOURCE_DIR; }

std::string shared_data_dir() {
  const char* env = std::getenv("KWS_SHARED_DATA");
  if (env != nullptr && *env != '\0') return env;
  return repo_dir() + "/../shared/data";
}

std::string shared_data_path(const std::string& relative) {
  std::string path = shared_data_dir() + "/" + relative;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? path : std::string();
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int64_t op_macs(const nn::TfliteModel& model, uint32_t op) {
  const nn::OperatorDesc d = model.op(0, op);
  if (d.builtin != nn::op::kConv2d && d.builtin != nn::op::kDepthwiseConv2d &&
      d.builtin != nn::op::kFullyConnected) {
    return 0;
  }
  const nn::TensorDesc w = model.tensor(0, static_cast<uint32_t>(d.inputs[1]));
  const nn::TensorDesc out = model.tensor(0, static_cast<uint32_t>(d.outputs[0]));
  int64_t out_elems = 1;
  for (int k = 0; k < out.num_dims; ++k) out_elems *= out.dims[k];
  if (d.builtin == nn::op::kFullyConnected) return out_elems * w.dims[w.num_dims - 1];
  // Filters: CONV_2D [O, kh, kw, I], DEPTHWISE_CONV_2D [1, kh, kw, O].
  const int64_t taps = int64_t{w.dims[1]} * w.dims[2];
  return d.builtin == nn::op::kConv2d ? out_elems * taps * w.dims[3] : out_elems * taps;
}

}  // namespace kws::bench
