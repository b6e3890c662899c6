// kws-model-info: prints what a .tflite file holds (subgraphs, inputs and
// outputs, ops with counts, tensors with type, shape and quantisation,
// metadata) and whether kwsd's runtime loads it, with the runtime's exact
// error when it does not.
//
// Exit codes: 0 the runtime loads the model; 2 it does not (everything else
// is still printed); 1 usage error or a file that is not a valid .tflite.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "nn/kernels/kernels.h"
#include "nn/tflite_model.h"

namespace {

using kws::nn::I32List;
using kws::nn::TensorDesc;
using kws::nn::TfliteModel;

void usage() {
  std::fprintf(stderr,
               "usage: kws-model-info [--input-shape D0,D1,...] [--no-tensors] MODEL.tflite\n"
               "  --input-shape  load with this shape for input 0 (a model whose input is\n"
               "                 resizable, e.g. 1,1760 for openWakeWord's melspectrogram)\n"
               "  --no-tensors   do not list every tensor\n");
}

std::string dims_text(const int32_t* dims, int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

std::string list_text(const I32List& l) {
  std::string s = "[";
  for (uint32_t i = 0; i < l.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(l[i]);
  }
  return s + "]";
}

std::string quant_text(const TensorDesc& d) {
  if (d.quant.num_channels == 0) return "";
  char buf[128];
  if (d.quant.num_channels == 1) {
    std::snprintf(buf, sizeof buf, " scale %.9g zero_point %lld",
                  static_cast<double>(d.quant.scale(0)),
                  static_cast<long long>(d.quant.zero_point(0)));
  } else {
    std::snprintf(buf, sizeof buf, " per-channel (%u, dim %d), scale[0] %.9g",
                  static_cast<unsigned>(d.quant.num_channels),
                  static_cast<int>(d.quant.quantized_dimension),
                  static_cast<double>(d.quant.scale(0)));
  }
  return buf;
}

void print_tensor_line(const TfliteModel& m, uint32_t sg, int32_t t) {
  const TensorDesc d = m.tensor(sg, static_cast<uint32_t>(t));
  std::printf("    %d \"%s\" %s %s%s%s%s\n", static_cast<int>(t), d.name,
              kws::nn::tensor_type_name(d.type), dims_text(d.dims, d.num_dims).c_str(),
              d.data != nullptr ? " constant" : "", d.is_variable ? " variable" : "",
              quant_text(d).c_str());
}

// Printable text as is (one indented line per line), anything else as a size.
void print_metadata_value(const char* name, const uint8_t* data, size_t size) {
  size_t end = size;
  while (end > 0 && data[end - 1] == 0) --end;  // NUL-terminated strings
  bool text = end > 0;
  for (size_t i = 0; i < end; ++i) {
    if (!std::isprint(data[i]) && data[i] != '\n' && data[i] != '\t' && data[i] != '\r') {
      text = false;
    }
  }
  std::printf("  \"%s\" (%zu bytes)", name, size);
  if (!text) {
    std::printf(": binary\n");
    return;
  }
  const bool kwsd = std::strcmp(name, "kwsd") == 0;
  const size_t shown = kwsd ? end : (end < 200 ? end : 200);
  std::printf(":\n    ");
  for (size_t i = 0; i < shown; ++i) {
    std::putchar(data[i]);
    if (data[i] == '\n' && i + 1 < shown) std::printf("    ");
  }
  if (shown < end) std::printf("...");
  if (shown == 0 || data[shown - 1] != '\n') std::putchar('\n');
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  kws::nn::InputShape shape;
  bool has_shape = false;
  bool tensors = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    }
    if (a == "--no-tensors") {
      tensors = false;
    } else if (a == "--input-shape" && i + 1 < argc) {
      const std::string v = argv[++i];
      has_shape = true;
      size_t p = 0;
      while (p <= v.size()) {
        const size_t q = v.find(',', p);
        const std::string part = v.substr(p, q == std::string::npos ? std::string::npos : q - p);
        char* end = nullptr;
        const long d = std::strtol(part.c_str(), &end, 10);
        if (part.empty() || *end != '\0' || d < 1 || d > (1L << 30) ||
            shape.num_dims == kws::nn::kMaxDims) {
          std::fprintf(stderr, "kws-model-info: bad --input-shape \"%s\"\n", v.c_str());
          return 1;
        }
        shape.dims[shape.num_dims++] = static_cast<int32_t>(d);
        if (q == std::string::npos) break;
        p = q + 1;
      }
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "kws-model-info: unknown option %s\n", a.c_str());
      usage();
      return 1;
    } else if (path.empty()) {
      path = a;
    } else {
      usage();
      return 1;
    }
  }
  if (path.empty()) {
    usage();
    return 1;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "kws-model-info: cannot open %s\n", path.c_str());
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                   std::istreambuf_iterator<char>());
  TfliteModel m;
  const kws::Status parsed = m.parse(bytes.data(), bytes.size());
  if (!parsed.ok()) {
    std::fprintf(stderr, "kws-model-info: %s is not a valid .tflite: %s\n", path.c_str(),
                 parsed.message());
    return 1;
  }
  std::printf("model: %s (%zu bytes), schema version %u, %u subgraphs, %u buffers\n", path.c_str(),
              bytes.size(), static_cast<unsigned>(m.version()),
              static_cast<unsigned>(m.num_subgraphs()), static_cast<unsigned>(m.num_buffers()));
  for (uint32_t sg = 0; sg < m.num_subgraphs(); ++sg) {
    std::printf("subgraph %u: %u tensors, %u operators\n", static_cast<unsigned>(sg),
                static_cast<unsigned>(m.num_tensors(sg)),
                static_cast<unsigned>(m.num_operators(sg)));
    const I32List ins = m.inputs(sg);
    const I32List outs = m.outputs(sg);
    std::printf("  inputs:\n");
    for (uint32_t i = 0; i < ins.size(); ++i) print_tensor_line(m, sg, ins[i]);
    std::printf("  outputs:\n");
    for (uint32_t i = 0; i < outs.size(); ++i) print_tensor_line(m, sg, outs[i]);
    // Op counts with the indices of each op.
    std::map<std::string, std::vector<uint32_t>> by_op;
    for (uint32_t o = 0; o < m.num_operators(sg); ++o) {
      const kws::nn::OperatorDesc d = m.op(sg, o);
      by_op[d.builtin == kws::nn::op::kCustom ? std::string("CUSTOM:") + d.custom
                                              : kws::nn::builtin_op_name(d.builtin)]
          .push_back(o);
    }
    std::printf("  op counts:\n");
    for (const auto& [name, idx] : by_op) {
      std::string at;
      for (uint32_t o : idx) at += (at.empty() ? "" : ",") + std::to_string(o);
      std::printf("    %-20s %3zu  at %s\n", name.c_str(), idx.size(), at.c_str());
    }
    std::printf("  operators:\n");
    for (uint32_t o = 0; o < m.num_operators(sg); ++o) {
      const kws::nn::OperatorDesc d = m.op(sg, o);
      std::printf(
          "    %u %s v%d in %s out %s\n", static_cast<unsigned>(o),
          d.builtin == kws::nn::op::kCustom ? d.custom : kws::nn::builtin_op_name(d.builtin),
          static_cast<int>(d.version), list_text(d.inputs).c_str(), list_text(d.outputs).c_str());
    }
    if (tensors) {
      std::printf("  tensors:\n");
      for (uint32_t t = 0; t < m.num_tensors(sg); ++t) {
        print_tensor_line(m, sg, static_cast<int32_t>(t));
      }
    }
  }
  std::printf("metadata: %u entries\n", static_cast<unsigned>(m.num_metadata()));
  for (uint32_t i = 0; i < m.num_metadata(); ++i) {
    const char* name = nullptr;
    const uint8_t* data = nullptr;
    size_t size = 0;
    if (!m.metadata_entry(i, &name, &data, &size)) {
      std::printf("  entry %u: unreadable (no name or bad buffer)\n", static_cast<unsigned>(i));
      continue;
    }
    print_metadata_value(name, data, size);
  }
  kws::nn::InterpreterOptions options;
  if (has_shape) {
    options.input_shapes = &shape;
    options.num_input_shapes = 1;
  }
  size_t need = 0;
  kws::Status s = kws::nn::Interpreter::needed_bytes(m, &need, options);
  kws::nn::Interpreter interp;
  std::unique_ptr<uint8_t[]> arena;
  if (s.ok()) {
    arena.reset(new uint8_t[need]);
    s = interp.init(m, arena.get(), need, options);
  }
  if (!s.ok()) {
    std::printf("kwsd runtime: cannot load: %s\n", s.message());
    return 2;
  }
  std::printf("kwsd runtime: loads (arena %zu bytes, activations %zu bytes; kernels %s, %s)\n",
              need, interp.activation_bytes(), kws::nn::kernels_variant(), kws::nn::kernels_isa());
  for (size_t i = 0; i < interp.num_inputs(); ++i) {
    const kws::nn::TensorView v = interp.input(i);
    std::printf("  input %zu: %s %s\n", i, kws::nn::tensor_type_name(v.type),
                dims_text(v.dims, v.num_dims).c_str());
  }
  for (size_t i = 0; i < interp.num_outputs(); ++i) {
    const kws::nn::TensorView v = interp.output(i);
    std::printf("  output %zu: %s %s\n", i, kws::nn::tensor_type_name(v.type),
                dims_text(v.dims, v.num_dims).c_str());
  }
  return 0;
}
