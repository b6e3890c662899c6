// kws-bench-oww-mel: openWakeWord's mel computed natively (pipeline/oww_mel.h)
// versus melspectrogram.tflite run by our interpreter (resized to [1, 1760]),
// on the streaming calls openWakeWord makes (the last 1760 samples every
// 1280) over the three reference clips, looped: thread CPU time per audio
// hour of each, and the largest difference between them (dB).
//   kws-bench-oww-mel [--loops N] [--mel melspectrogram.tflite]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "nn/interpreter.h"
#include "nn/tflite_model.h"
#include "pipeline/oww_mel.h"

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<int16_t> wav_samples(const std::string& path) {
  const std::vector<uint8_t> b = kws::bench::read_bytes(path);
  std::vector<int16_t> s(b.size() > 44 ? (b.size() - 44) / 2 : 0);
  if (!s.empty()) std::memcpy(s.data(), b.data() + 44, s.size() * 2);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int loops = 20;
  std::string mel_path = kws::bench::shared_data_path("models/openwakeword/melspectrogram.tflite");
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--loops") {
      loops = std::max(1, std::atoi(argv[i + 1]));
    } else if (a == "--mel") {
      mel_path = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: kws-bench-oww-mel [--loops N] [--mel melspectrogram.tflite]\n");
      return 2;
    }
  }
  std::vector<std::vector<int16_t>> clips;
  for (const char* c : {"alexa_0", "jarvis_first", "librispeech_10s"}) {
    const std::string p =
        kws::bench::shared_data_path(std::string("models/openwakeword/reference/") + c + ".wav");
    if (p.empty()) {
      std::fprintf(stderr, "kws-bench-oww-mel: reference clips not found (set KWS_SHARED_DATA)\n");
      return 1;
    }
    clips.push_back(wav_samples(p));
  }
  constexpr size_t kCall = 1760, kStep = 1280, kFrames = 8, kBins = 32;

  size_t native_bytes = 0;
  if (!kws::OwwMel::needed_bytes(&native_bytes).ok()) return 1;
  std::vector<std::max_align_t> native_mem(native_bytes / sizeof(std::max_align_t) + 1);
  kws::OwwMel native;
  if (!native.init(native_mem.data(), native_bytes).ok()) return 1;

  const std::vector<uint8_t> bytes = kws::bench::read_bytes(mel_path);
  kws::nn::TfliteModel model;
  if (bytes.empty() || !model.parse(bytes.data(), bytes.size()).ok()) {
    std::fprintf(stderr, "kws-bench-oww-mel: cannot read %s\n", mel_path.c_str());
    return 1;
  }
  kws::nn::InputShape shape;
  shape.num_dims = 2;
  shape.dims[0] = 1;
  shape.dims[1] = static_cast<int32_t>(kCall);
  kws::nn::InterpreterOptions opts;
  opts.input_shapes = &shape;
  opts.num_input_shapes = 1;
  size_t arena_bytes = 0;
  kws::Status s = kws::nn::Interpreter::needed_bytes(model, &arena_bytes, opts);
  std::vector<std::max_align_t> arena(arena_bytes / sizeof(std::max_align_t) + 1);
  kws::nn::Interpreter graph;
  if (s.ok()) s = graph.init(model, arena.data(), arena_bytes, opts);
  if (!s.ok()) {
    std::fprintf(stderr, "kws-bench-oww-mel: %s: %s\n", mel_path.c_str(), s.message());
    return 1;
  }

  float a[kFrames * kBins], b[kFrames * kBins];
  double cpu_native = 0.0, cpu_graph = 0.0, max_diff = 0.0;
  size_t calls = 0;
  for (int loop = 0; loop < loops; ++loop) {
    for (const std::vector<int16_t>& x : clips) {
      for (size_t end = kCall; end <= x.size(); end += kStep) {
        const int16_t* p = x.data() + end - kCall;
        size_t frames = 0;
        double t0 = thread_cpu_seconds();
        (void)native.compute(p, kCall, a, kFrames, &frames);
        cpu_native += thread_cpu_seconds() - t0;
        t0 = thread_cpu_seconds();
        float* in = static_cast<float*>(graph.input(0).data);
        for (size_t i = 0; i < kCall; ++i) in[i] = static_cast<float>(p[i]);
        if (!graph.invoke().ok()) return 1;
        std::memcpy(b, graph.output(0).data, sizeof(b));
        cpu_graph += thread_cpu_seconds() - t0;
        if (loop == 0) {
          for (size_t i = 0; i < kFrames * kBins; ++i) {
            max_diff = std::max(max_diff, std::fabs(double{a[i]} - double{b[i]}));
          }
        }
        ++calls;
      }
    }
  }
  const double audio_s = static_cast<double>(calls) * kStep / 16000.0;
  std::printf("calls=%zu (1760 samples each, one per 80 ms step)\n", calls);
  std::printf("audio_seconds=%.1f\n", audio_s);
  std::printf("native_cpu_seconds_per_audio_hour=%.3f\n", cpu_native / audio_s * 3600.0);
  std::printf("tflite_cpu_seconds_per_audio_hour=%.3f\n", cpu_graph / audio_s * 3600.0);
  std::printf("max_abs_diff_native_vs_tflite_db=%.3g\n", max_diff);
  return 0;
}
