// Each int8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED at the shapes it has
// in the default model (read from the .tflite, so a retrained model is
// benchmarked as it is), for the reference and the optimized kernels.
// Weights and biases are the model's own; activations are random; the
// requantization multipliers are fixed (they do not change the work done).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "bench/micro/aligned_buffer.h"
#include "bench/micro/kernels_bench.h"
#include "bench/micro/micro_model.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/reference.h"
#include "nn/tflite_schema.h"

namespace kws::bench {
namespace {

namespace sch = kws::nn::field;

nn::Dims4 dims4(const nn::TensorDesc& t) {
  nn::Dims4 d;
  int32_t v[4] = {1, 1, 1, 1};
  for (int i = 0; i < t.num_dims && i < 4; ++i) v[4 - t.num_dims + i] = t.dims[i];
  d.n = v[0], d.h = v[1], d.w = v[2], d.c = v[3];
  return d;
}

int32_t same_or_valid_pad(int32_t in, int32_t out, int32_t filter, int32_t stride, int32_t dil) {
  const int32_t effective = (filter - 1) * dil + 1;
  const int32_t total = (out - 1) * stride + effective - in;
  return total > 0 ? total / 2 : 0;
}

std::vector<int8_t> random_int8(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> u(-128, 127);
  std::vector<int8_t> x(n);
  for (int8_t& v : x) v = static_cast<int8_t>(u(rng));
  return x;
}

struct Layer {
  int32_t builtin = 0;
  std::string name;
  nn::Dims4 in, filter, out;
  nn::DepthwiseConvParams dw;  // dw.conv used by CONV_2D too
  nn::FullyConnectedParams fc;
  nn::FullyConnectedDims fc_dims;
  const int8_t* weights = nullptr;
  const int32_t* bias = nullptr;
  int64_t macs = 0;
};

enum class Variant { kReference, kOptimized };

void run_layer(benchmark::State& state, const Layer& layer, Variant variant) {
  const size_t in_elems = static_cast<size_t>(layer.in.n) * static_cast<size_t>(layer.in.h) *
                          static_cast<size_t>(layer.in.w) * static_cast<size_t>(layer.in.c);
  const size_t out_elems = static_cast<size_t>(layer.out.n) * static_cast<size_t>(layer.out.h) *
                           static_cast<size_t>(layer.out.w) * static_cast<size_t>(layer.out.c);
  const std::vector<int8_t> input = random_int8(in_elems, 11);
  std::vector<int8_t> output(out_elems);
  const size_t channels = static_cast<size_t>(layer.out.c);
  const std::vector<int32_t> multiplier(channels, 1 << 30), shift(channels, -7);
  const nn::PerChannelQuant quant{multiplier.data(), shift.data()};
  const bool opt = variant == Variant::kOptimized;
  size_t bytes = 0;
  Status s = Status::Ok();
  if (layer.builtin == nn::op::kConv2d) {
    s = opt ? nn::opt::conv_s8_buffer_size(layer.dw.conv, layer.in, layer.filter, layer.out, &bytes)
            : nn::ref::conv_s8_buffer_size(layer.dw.conv, layer.in, layer.filter, layer.out,
                                           &bytes);
  } else if (layer.builtin == nn::op::kDepthwiseConv2d) {
    s = opt ? nn::opt::depthwise_conv_s8_buffer_size(layer.dw, layer.in, layer.filter, layer.out,
                                                     &bytes)
            : nn::ref::depthwise_conv_s8_buffer_size(layer.dw, layer.in, layer.filter, layer.out,
                                                     &bytes);
  } else {
    s = opt ? nn::opt::fully_connected_s8_buffer_size(layer.fc, layer.fc_dims, &bytes)
            : nn::ref::fully_connected_s8_buffer_size(layer.fc, layer.fc_dims, &bytes);
  }
  if (!s.ok()) return state.SkipWithError(s.message());
  AlignedBuffer scratch_mem(bytes);
  const nn::Scratch scratch{bytes ? scratch_mem.data() : nullptr, bytes};
  for (auto _ : state) {
    if (layer.builtin == nn::op::kConv2d) {
      s = opt ? nn::opt::conv_s8(scratch, layer.dw.conv, quant, layer.in, input.data(),
                                 layer.filter, layer.weights, layer.bias, layer.out, output.data())
              : nn::ref::conv_s8(scratch, layer.dw.conv, quant, layer.in, input.data(),
                                 layer.filter, layer.weights, layer.bias, layer.out, output.data());
    } else if (layer.builtin == nn::op::kDepthwiseConv2d) {
      s = opt ? nn::opt::depthwise_conv_s8(scratch, layer.dw, quant, layer.in, input.data(),
                                           layer.filter, layer.weights, layer.bias, layer.out,
                                           output.data())
              : nn::ref::depthwise_conv_s8(scratch, layer.dw, quant, layer.in, input.data(),
                                           layer.filter, layer.weights, layer.bias, layer.out,
                                           output.data());
    } else {
      s = opt ? nn::opt::fully_connected_s8(scratch, layer.fc, layer.fc_dims, input.data(),
                                            layer.weights, layer.bias, output.data())
              : nn::ref::fully_connected_s8(scratch, layer.fc, layer.fc_dims, input.data(),
                                            layer.weights, layer.bias, output.data());
    }
    benchmark::DoNotOptimize(output.data());
    benchmark::ClobberMemory();
  }
  if (!s.ok()) return state.SkipWithError(s.message());
  state.counters["MACs"] = static_cast<double>(layer.macs);
  state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(layer.macs),
                                               benchmark::Counter::kIsIterationInvariantRate);
}

bool describe_layer(const nn::TfliteModel& m, uint32_t index, Layer* layer) {
  const nn::OperatorDesc od = m.op(0, index);
  if (od.builtin != nn::op::kConv2d && od.builtin != nn::op::kDepthwiseConv2d &&
      od.builtin != nn::op::kFullyConnected) {
    return false;
  }
  const nn::TensorDesc in = m.tensor(0, static_cast<uint32_t>(od.inputs[0]));
  const nn::TensorDesc w = m.tensor(0, static_cast<uint32_t>(od.inputs[1]));
  const nn::TensorDesc out = m.tensor(0, static_cast<uint32_t>(od.outputs[0]));
  if (in.type != nn::TensorType::kInt8 || w.type != nn::TensorType::kInt8 || w.data == nullptr) {
    return false;
  }
  layer->builtin = od.builtin;
  layer->weights = reinterpret_cast<const int8_t*>(w.data);
  if (od.inputs.size() > 2 && od.inputs[2] >= 0) {
    const nn::TensorDesc b = m.tensor(0, static_cast<uint32_t>(od.inputs[2]));
    layer->bias = reinterpret_cast<const int32_t*>(b.data);
  }
  const int32_t in_zp = in.quant.num_channels ? static_cast<int32_t>(in.quant.zero_point(0)) : 0;
  const int32_t out_zp = out.quant.num_channels ? static_cast<int32_t>(out.quant.zero_point(0)) : 0;
  if (od.builtin == nn::op::kFullyConnected) {
    const int32_t accum = w.dims[w.num_dims - 1];
    const int32_t outputs = w.dims[0];
    layer->fc_dims.accum_depth = accum;
    layer->fc_dims.output_depth = outputs;
    layer->fc_dims.batches = static_cast<int32_t>(in.elements) / accum;
    layer->fc.input_offset = -in_zp;
    layer->fc.output_offset = out_zp;
    layer->fc.multiplier = 1 << 30;
    layer->fc.shift = -7;
    layer->in = nn::Dims4{1, 1, layer->fc_dims.batches, accum};
    layer->out = nn::Dims4{1, 1, layer->fc_dims.batches, outputs};
  } else {
    layer->in = dims4(in);
    layer->filter = dims4(w);
    layer->out = dims4(out);
    nn::ConvParams& p = layer->dw.conv;
    const bool dw = od.builtin == nn::op::kDepthwiseConv2d;
    const int sw = dw ? sch::depthwise_conv2d::kStrideW : sch::conv2d::kStrideW;
    const int sh = dw ? sch::depthwise_conv2d::kStrideH : sch::conv2d::kStrideH;
    const int dlw = dw ? sch::depthwise_conv2d::kDilationW : sch::conv2d::kDilationW;
    const int dlh = dw ? sch::depthwise_conv2d::kDilationH : sch::conv2d::kDilationH;
    if (!m.option<int32_t>(od, sw, 1, &p.stride_w).ok() ||
        !m.option<int32_t>(od, sh, 1, &p.stride_h).ok() ||
        !m.option<int32_t>(od, dlw, 1, &p.dilation_w).ok() ||
        !m.option<int32_t>(od, dlh, 1, &p.dilation_h).ok()) {
      return false;
    }
    p.pad_h =
        same_or_valid_pad(layer->in.h, layer->out.h, layer->filter.h, p.stride_h, p.dilation_h);
    p.pad_w =
        same_or_valid_pad(layer->in.w, layer->out.w, layer->filter.w, p.stride_w, p.dilation_w);
    p.input_offset = -in_zp;
    p.output_offset = out_zp;
    if (dw) layer->dw.depth_multiplier = layer->out.c / layer->in.c;
  }
  layer->macs = op_macs(m, index);
  const char* kind = od.builtin == nn::op::kConv2d            ? "conv"
                     : od.builtin == nn::op::kDepthwiseConv2d ? "depthwise"
                                                              : "fc";
  char name[160];
  std::snprintf(name, sizeof(name), "op%02u_%s_in%dx%dx%d_f%dx%d_out%dx%dx%d", index, kind,
                layer->in.h, layer->in.w, layer->in.c, layer->filter.h, layer->filter.w,
                layer->out.h, layer->out.w, layer->out.c);
  layer->name = name;
  return true;
}

}  // namespace

void register_kernel_benchmarks() {
  const LoadedModel& m = default_model();
  if (!m.ok) {
    std::fprintf(stderr, "kernel benchmarks skipped: %s\n", m.error.c_str());
    return;
  }
  for (uint32_t i = 0; i < m.model.num_operators(0); ++i) {
    auto layer = std::make_shared<Layer>();
    if (!describe_layer(m.model, i, layer.get())) continue;
    benchmark::RegisterBenchmark(
        ("BM_Kernel/ref/" + layer->name).c_str(),
        [layer](benchmark::State& st) { run_layer(st, *layer, Variant::kReference); });
    benchmark::RegisterBenchmark(
        ("BM_Kernel/opt/" + layer->name).c_str(),
        [layer](benchmark::State& st) { run_layer(st, *layer, Variant::kOptimized); });
  }
}

}  // namespace kws::bench
