// kws-bench-pipeline: the whole stage-1 pipeline (the model runtime kwsd
// replay and the daemon use) on a long stream of real speech, made at run time
// by concatenating the shared LibriSpeech utterances (never committed).
//
// Reports, as key=value lines: audio seconds, CPU seconds spent inside
// Pipeline::push (thread CPU time), real-time factor, CPU seconds per hour of
// audio, peak RSS of the process, and heap allocations made inside push()
// after init (counted by an allocator hook; the core promises 0).
//
// For instruction counts run it under callgrind with collection limited to
// push(), which leaves out init and file decoding:
//   valgrind --tool=callgrind --collect-atstart=no
//     --toggle-collect='kws::Pipeline::push*' kws-bench-pipeline --seconds 60
// (one command line; see bench/run.sh)
#include <sys/resource.h>

#include <dirent.h>
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/bench_data.h"
#include "daemon/audio/audio_file.h"
#include "daemon/guarded_main.h"
#include "daemon/model/model_runtime.h"
#include "nn/interpreter.h"
#include "nn/kernels/kernels.h"
#include "nn/tflite_schema.h"

namespace {

struct Options {
  std::string model;
  std::string speech_dir;
  double seconds = 600.0;
  size_t chunk = 160;
};

const char* const kUsage =
    "usage: kws-bench-pipeline [--model M.tflite] [--speech DIR] [--seconds S] [--chunk N]\n"
    "  --model    stage-1 model (default models/kwsd_default.tflite), or an openWakeWord\n"
    "             head; repeat for several heads on one backbone\n"
    "  --speech   folder of audio files concatenated in sorted order, looped until S\n"
    "             (default <shared>/speech/librispeech_train_clean_100)\n"
    "  --seconds  audio length (default 600)\n"
    "  --chunk    samples per Pipeline::push (default 160 = 10 ms, as kwsd replay)\n";

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--model") {  // repeated: several openWakeWord heads on one backbone
      o->model = o->model.empty() ? v : kws::daemon::join_model_list({o->model, v});
    } else if (a == "--speech") {
      o->speech_dir = v;
    } else if (a == "--seconds") {
      o->seconds = std::atof(v);
    } else if (a == "--chunk") {
      o->chunk = static_cast<size_t>(std::atol(v));
    } else {
      return false;
    }
  }
  return o->seconds > 0.0 && o->chunk > 0;
}

std::vector<std::string> audio_files(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 5 && (name.ends_with(".flac") || name.ends_with(".wav"))) {
      out.push_back(dir + "/" + name);
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// MACs of the model's CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ops for one
// full-window inference and for one streamed step (a streamed op computes only
// its rows from first_row on). Computed from the model's shapes and the
// streaming plan of an interpreter built as stage 1's is.
struct ModelMacs {
  uint64_t full = 0;
  uint64_t streamed = 0;
  uint32_t streamed_ops = 0;
  bool ok = false;
};

ModelMacs model_macs(const std::string& path, uint32_t stride_frames) {
  ModelMacs r;
  const std::vector<uint8_t> bytes = kws::bench::read_bytes(path);
  kws::nn::TfliteModel model;
  if (bytes.empty() || !model.parse(bytes.data(), bytes.size()).ok()) return r;
  kws::nn::InterpreterOptions opts;
  opts.stream_shift_rows = static_cast<int32_t>(stride_frames);
  size_t needed = 0;
  if (!kws::nn::Interpreter::needed_bytes(model, &needed, opts).ok()) return r;
  std::vector<std::max_align_t> arena(needed / sizeof(std::max_align_t) + 1);
  kws::nn::Interpreter interp;
  if (!interp.init(model, arena.data(), needed, opts).ok()) return r;
  r.streamed_ops = interp.streamed_ops();
  for (uint32_t o = 0; o < model.num_operators(0); ++o) {
    const uint64_t macs = static_cast<uint64_t>(kws::bench::op_macs(model, o));
    if (macs == 0) continue;
    const kws::nn::TensorDesc out =
        model.tensor(0, static_cast<uint32_t>(model.op(0, o).outputs[0]));
    r.full += macs;
    uint64_t step = macs;
    for (uint32_t i = 0; i < interp.streamed_ops(); ++i) {
      const kws::nn::StreamStep& st = interp.stream_steps()[i];
      if (st.op != o) continue;
      const uint64_t rows = static_cast<uint64_t>(out.dims[1]);
      step = macs / rows * (rows - static_cast<uint64_t>(st.first_row));
    }
    r.streamed += step;
  }
  r.ok = true;
  return r;
}

struct CountingSink final : kws::EventSink {
  void on_event(const kws::Event&) override { ++events; }
  uint64_t events = 0;
};

}  // namespace

static int tool_main(int argc, char** argv) {
  Options o;
  o.speech_dir = kws::bench::shared_data_dir() + "/speech/librispeech_train_clean_100";
  if (!parse(argc, argv, &o)) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  if (o.model.empty()) o.model = kws::bench::repo_dir() + "/models/kwsd_default.tflite";
  const std::vector<std::string> files = audio_files(o.speech_dir);
  if (files.empty()) {
    std::fprintf(stderr, "kws-bench-pipeline: no .flac/.wav files in %s (set KWS_SHARED_DATA)\n",
                 o.speech_dir.c_str());
    return 1;
  }
  auto runtime = kws::daemon::ModelRuntime::load(o.model, "", nullptr);
  if (!runtime) {
    std::fprintf(stderr, "kws-bench-pipeline: %s\n", runtime.error().c_str());
    return 1;
  }
  kws::Pipeline& pipeline = (*runtime)->pipeline();
  const uint32_t rate = (*runtime)->info().frontend.sample_rate;
  const uint64_t target = static_cast<uint64_t>(o.seconds * rate);

  // The hook must see a heap allocation it is shown, else a 0 below would mean nothing.
  bool hook_works = false;
  if (kws::bench::alloc_counting_available()) {
    const uint64_t before = kws::bench::counted_allocations();
    kws::bench::set_alloc_counting(true);
    auto* probe = new std::vector<int>(1000);
    kws::bench::set_alloc_counting(false);
    hook_works = kws::bench::counted_allocations() > before;
    delete probe;
  }
  const uint64_t allocations_at_start = kws::bench::counted_allocations();
  const uint64_t allocated_bytes_at_start = kws::bench::counted_allocation_bytes();

  CountingSink sink;
  uint64_t pushed = 0;
  size_t files_used = 0;
  double cpu = 0.0, wall = 0.0;
  for (size_t i = 0; pushed < target; i = (i + 1) % files.size()) {
    auto audio = kws::audio::read_audio_file(files[i], rate);
    if (!audio) {
      std::fprintf(stderr, "kws-bench-pipeline: %s\n", audio.error().c_str());
      return 1;
    }
    const std::vector<int16_t>& x = *audio;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(x.size(), target - pushed));
    ++files_used;
    const double c0 = thread_cpu_seconds(), w0 = wall_seconds();
    kws::bench::set_alloc_counting(true);
    for (size_t pos = 0; pos < n; pos += o.chunk) {
      const kws::Status s = pipeline.push(x.data() + pos, std::min(o.chunk, n - pos), &sink);
      if (!s.ok()) {
        kws::bench::set_alloc_counting(false);
        std::fprintf(stderr, "kws-bench-pipeline: push: %s\n", s.message());
        return 1;
      }
    }
    kws::bench::set_alloc_counting(false);
    cpu += thread_cpu_seconds() - c0;
    wall += wall_seconds() - w0;
    pushed += n;
  }

  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const double audio_s = static_cast<double>(pushed) / rate;
  std::printf("model=%s\n", o.model.c_str());
  std::printf("kernels=%s/%s\n", kws::nn::kernels_variant(), kws::nn::kernels_isa());
  std::printf("audio_files=%zu\n", files_used);
  std::printf("audio_seconds=%.1f\n", audio_s);
  std::printf("classifier_steps=%llu\n", static_cast<unsigned long long>(pipeline.steps()));
  const ModelMacs macs = model_macs(o.model, (*runtime)->info().stride_frames);
  if (macs.ok) {
    std::printf("model_macs_full_window=%llu\n", static_cast<unsigned long long>(macs.full));
    std::printf("model_macs_streamed_step=%llu\n", static_cast<unsigned long long>(macs.streamed));
    std::printf("model_streamed_ops=%u\n", macs.streamed_ops);
  }
  std::printf("detections=%llu\n", static_cast<unsigned long long>(sink.events));
  std::printf("push_cpu_seconds=%.4f\n", cpu);
  std::printf("push_wall_seconds=%.4f\n", wall);
  std::printf("real_time_factor=%.6f\n", cpu / audio_s);
  std::printf("speed_x_real_time=%.0f\n", audio_s / cpu);
  std::printf("cpu_seconds_per_audio_hour=%.3f\n", cpu / audio_s * 3600.0);
  std::printf("peak_rss_kib=%ld\n", ru.ru_maxrss);
  if (hook_works) {
    std::printf(
        "allocations_in_push=%llu\n",
        static_cast<unsigned long long>(kws::bench::counted_allocations() - allocations_at_start));
    std::printf("allocated_bytes_in_push=%llu\n",
                static_cast<unsigned long long>(kws::bench::counted_allocation_bytes() -
                                                allocated_bytes_at_start));
  } else {
    std::printf("allocations_in_push=unavailable (no allocator hook in this build)\n");
  }
  return 0;
}

int main(int argc, char** argv) {
  return kws::guarded_main("kws-bench-pipeline", [&] { return tool_main(argc, argv); });
}
