// kws-nn-run MODEL IN.f32 OUT.f32 [--ranges RANGES.txt] [--input-shape 1,N]
//
// Runs MODEL (float32 or int8 .tflite) on every input in IN.f32 (raw
// little-endian float32, back to back, each the size of input 0) and writes
// output 0 of each as float32 to OUT.f32 (an int8 input is quantised with its
// scale/zero point, an int8 output dequantised). --ranges runs op by op and
// writes "tensor min max" per op output over all inputs (float models only):
// the activation ranges the post-training quantiser (tools/train/quantize_oww.py)
// calibrates on, computed by the runtime that serves the model.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "nn/tflite_model.h"

namespace {

using kws::nn::Interpreter;
using kws::nn::TensorType;
using kws::nn::TensorView;
using kws::nn::TfliteModel;

bool read_all(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

size_t elements(const TensorView& v) {
  size_t n = 1;
  for (int i = 0; i < v.num_dims; ++i) n *= static_cast<size_t>(v.dims[i]);
  return n;
}

int run(int argc, char** argv) {
  const char* ranges_path = nullptr;
  kws::nn::InputShape shape;
  bool bad = argc < 4;
  for (int a = 4; a + 1 < argc + 1 && !bad; a += 2) {
    if (a + 1 >= argc) {
      bad = true;
    } else if (std::strcmp(argv[a], "--ranges") == 0) {
      ranges_path = argv[a + 1];
    } else if (std::strcmp(argv[a], "--input-shape") == 0) {
      for (const char* p = argv[a + 1]; *p != '\0' && shape.num_dims < kws::nn::kMaxDims;) {
        char* end = nullptr;
        const long d = std::strtol(p, &end, 10);
        if (end == p || d <= 0 || d > (1L << 24)) {
          bad = true;
          break;
        }
        shape.dims[shape.num_dims++] = static_cast<int32_t>(d);
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0') bad = true;
      }
      if (shape.num_dims == 0) bad = true;
    } else {
      bad = true;
    }
  }
  if (bad) {
    std::fprintf(stderr,
                 "usage: kws-nn-run MODEL IN.f32 OUT.f32 [--ranges RANGES.txt] "
                 "[--input-shape 1,N]\n");
    return 1;
  }
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> in_bytes;
  if (!read_all(argv[1], &bytes)) {
    std::fprintf(stderr, "kws-nn-run: cannot read %s\n", argv[1]);
    return 1;
  }
  if (!read_all(argv[2], &in_bytes)) {
    std::fprintf(stderr, "kws-nn-run: cannot read %s\n", argv[2]);
    return 1;
  }
  TfliteModel model;
  kws::Status s = model.parse(bytes.data(), bytes.size());
  size_t need = 0;
  kws::nn::InterpreterOptions options;
  if (shape.num_dims > 0) {
    options.input_shapes = &shape;
    options.num_input_shapes = 1;
  }
  if (s.ok()) s = Interpreter::needed_bytes(model, &need, options);
  std::unique_ptr<uint8_t[]> arena(new uint8_t[need + 16]);
  Interpreter interp;
  if (s.ok()) s = interp.init(model, arena.get(), need + 16, options);
  if (!s.ok()) {
    std::fprintf(stderr, "kws-nn-run: %s: %s\n", argv[1], s.message());
    return 2;
  }
  const TensorView in = interp.input(0);
  const size_t n_in = elements(in);
  if (n_in == 0 || in_bytes.size() % (n_in * 4) != 0) {
    std::fprintf(stderr, "kws-nn-run: %s is not a whole number of %zu-float inputs\n", argv[2],
                 n_in);
    return 1;
  }
  const size_t count = in_bytes.size() / (n_in * 4);
  const bool ranges = ranges_path != nullptr;
  const uint32_t ops = interp.num_ops();
  std::vector<float> lo(ops, std::numeric_limits<float>::max());
  std::vector<float> hi(ops, std::numeric_limits<float>::lowest());
  std::vector<float> x(n_in);
  std::FILE* out = std::fopen(argv[3], "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "kws-nn-run: cannot write %s\n", argv[3]);
    return 1;
  }
  for (size_t w = 0; w < count; ++w) {
    std::memcpy(x.data(), in_bytes.data() + w * n_in * 4, n_in * 4);
    if (in.type == TensorType::kFloat32) {
      std::memcpy(in.data, x.data(), n_in * 4);
    } else {
      auto* q = static_cast<int8_t*>(in.data);
      for (size_t i = 0; i < n_in; ++i) {
        const float v = std::nearbyint(x[i] / in.scale) + static_cast<float>(in.zero_point);
        q[i] = static_cast<int8_t>(std::clamp(v, -128.0f, 127.0f));
      }
    }
    if (ranges) {
      for (uint32_t op = 0; op < ops && s.ok(); ++op) {
        s = op == 0 ? interp.invoke_ops(1) : interp.invoke_op(op);
        const kws::nn::I32List outs = model.op_outputs(0, op);
        const TensorView t = interp.tensor(static_cast<uint32_t>(outs[0]));
        if (t.type != TensorType::kFloat32) continue;
        const float* d = static_cast<const float*>(t.data);
        for (size_t i = 0; i < elements(t); ++i) {
          lo[op] = std::min(lo[op], d[i]);
          hi[op] = std::max(hi[op], d[i]);
        }
      }
    } else {
      s = interp.invoke();
    }
    if (!s.ok()) {
      std::fprintf(stderr, "kws-nn-run: invoke: %s\n", s.message());
      std::fclose(out);
      return 2;
    }
    const TensorView o = interp.output(0);
    std::vector<float> y(elements(o));
    for (size_t i = 0; i < y.size(); ++i) {
      y[i] =
          o.type == TensorType::kFloat32
              ? static_cast<const float*>(o.data)[i]
              : o.scale * static_cast<float>(static_cast<const int8_t*>(o.data)[i] - o.zero_point);
    }
    std::fwrite(y.data(), 4, y.size(), out);
  }
  std::fclose(out);
  if (ranges) {
    std::FILE* r = std::fopen(ranges_path, "w");
    if (r == nullptr) {
      std::fprintf(stderr, "kws-nn-run: cannot write %s\n", ranges_path);
      return 1;
    }
    for (uint32_t op = 0; op < ops; ++op) {
      std::fprintf(r, "%d %.9g %.9g\n", model.op_outputs(0, op)[0], static_cast<double>(lo[op]),
                   static_cast<double>(hi[op]));
    }
    std::fclose(r);
  }
  std::printf("kws-nn-run: %zu inputs\n", count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
