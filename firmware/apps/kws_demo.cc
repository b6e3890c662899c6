// Keyword spotting on the device: streams a WAV/raw file read over semihosting
// through Pipeline::push in small chunks (as an audio DMA would deliver them),
// with the model compiled into flash, and prints each detection as the same
// JSON line `kwsd replay` prints, then footprint and cost figures as
// `key=value` lines (tools: firmware/size_report.py, tests/firmware).
//
//   qemu-system-arm -M mps2-an386 -nographic -semihosting-config
//     enable=on,target=native [-icount shift=0] -kernel kws_demo.elf
//     -append "<audio.wav|audio.raw> [chunk_samples]"
//
// Exit status: 0 done, 2 bad usage or audio, 4 model or init error, 5 a push
// failed.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "firmware/cycle_counter.h"
#include "firmware/detection_line.h"
#include "firmware/frontend_tables.h"
#include "firmware/model_data.h"
#include "firmware/semihosting.h"
#include "firmware/stack_usage.h"
#include "firmware/wav_source.h"
#include "nn/tflite_model.h"
#include "pipeline/model_classifier.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

#ifndef KWS_FW_ARENA_BYTES
#error "KWS_FW_ARENA_BYTES must be set by the build (firmware/CMakeLists.txt)"
#endif
#ifndef KWS_FW_FRONTEND_TABLES
#error "KWS_FW_FRONTEND_TABLES must be set by the build (firmware/CMakeLists.txt)"
#endif

// One static block for the interpreter and the pipeline: the whole working
// memory of keyword spotting, sized at build time, reported at run time.
alignas(16) uint8_t kws_fw_arena[KWS_FW_ARENA_BYTES];

#ifndef KWS_FW_STREAMING
#define KWS_FW_STREAMING 1
#endif

namespace {

namespace sh = kws::fw::semihost;

constexpr size_t kMaxChunk = 512;      // 32 ms at 16 kHz, a typical audio DMA half-buffer
constexpr size_t kDefaultChunk = 160;  // 10 ms at 16 kHz

// Storage for an object constructed at the start of main(): a global with
// non-zero default member initialisers (ModelInfo, Pipeline) would be placed
// in .data, its initial image held in flash and copied into RAM; this is .bss.
template <typename T>
class InBss {
 public:
  T& construct() { return *::new (static_cast<void*>(bytes_)) T(); }
  T& get() { return *std::launder(reinterpret_cast<T*>(bytes_)); }

 private:
  alignas(T) unsigned char bytes_[sizeof(T)];
};

// Static so the stack high-water mark measures the pipeline, not these.
kws::nn::TfliteModel g_model;
kws::ModelClassifier g_classifier;  // the same classifier the host daemon and replay run
InBss<kws::ModelInfo> g_info;
InBss<kws::Pipeline> g_pipeline;
// The front end's tables in flash (KWS_FIRMWARE_FRONTEND_TABLES), or null:
// computed into the arena at init.
#if KWS_FW_FRONTEND_TABLES
const kws::FrontendTables* const g_frontend_tables = kws_frontend_tables;
#else
const kws::FrontendTables* const g_frontend_tables = nullptr;
#endif
int16_t g_chunk[kMaxChunk];
const char* g_path = "";  // points into the command line buffer

class PrintingSink final : public kws::EventSink {
 public:
  void on_event(const kws::Event& event) override {
    char line[400];
    if (kws::fw::format_detection_line(line, sizeof line, g_path, event) > 0) sh::print(line);
    ++events_;
  }
  uint32_t events() const { return events_; }

 private:
  uint32_t events_ = 0;
};

PrintingSink g_sink;

int fail(int code, const kws::Status& status, const char* what) {
  sh::printf("error: %s: %s\n", what, status.message());
  return code;
}

// Next space-separated token of *cursor, NUL-terminated in place; nullptr at the end.
char* next_token(char** cursor) {
  char* p = *cursor;
  while (*p == ' ') ++p;
  if (*p == '\0') return nullptr;
  char* start = p;
  while (*p != '\0' && *p != ' ') ++p;
  if (*p == ' ') *p++ = '\0';
  *cursor = p;
  return start;
}

// Splits the semihosting command line: the image name, the audio path, and an
// optional chunk size.
bool parse_command_line(size_t* chunk) {
  static char cmdline[256];
  if (!sh::command_line(cmdline, sizeof cmdline)) return false;
  char* cursor = cmdline;
  const char* image = next_token(&cursor);
  const char* path = next_token(&cursor);
  const char* chunk_text = next_token(&cursor);
  if (image == nullptr || path == nullptr) return false;
  g_path = path;
  *chunk = kDefaultChunk;
  if (chunk_text != nullptr) {
    const long n = std::strtol(chunk_text, nullptr, 10);
    if (n < 1 || n > static_cast<long>(kMaxChunk)) return false;
    *chunk = static_cast<size_t>(n);
  }
  return true;
}

kws::Status load_model_info() {
  const uint8_t* text = nullptr;
  size_t len = 0;
  if (g_model.metadata("kwsd", &text, &len)) {
    return kws::parse_model_metadata(reinterpret_cast<const char*>(text), len, &g_info.get());
  }
  if (kws_model_metadata[0] == '\0') {
    return kws::Status::Error(kws::StatusCode::kMalformedModel,
                              "model has no \"kwsd\" metadata and none was compiled in");
  }
  return kws::parse_model_metadata(kws_model_metadata, std::strlen(kws_model_metadata),
                                   &g_info.get());
}

}  // namespace

int main() {
  kws::fw::cycle_counter_start();
  kws::ModelInfo& info = g_info.construct();
  kws::Pipeline& pipeline = g_pipeline.construct();
  size_t chunk = 0;
  if (!parse_command_line(&chunk)) {
    sh::print("usage: kws_demo.elf <audio.wav|audio.raw> [chunk_samples 1..512]\n");
    return 2;
  }

  kws::Status st = g_model.parse(kws_model_data, kws_model_size);
  if (!st.ok()) return fail(4, st, "model");
  st = load_model_info();
  if (!st.ok()) return fail(4, st, "model metadata");

  size_t interpreter_bytes = 0;
  size_t pipeline_bytes = 0;
  const uint32_t sliding = KWS_FW_STREAMING ? info.stride_frames : 0;  // stage 1 streams
  st = kws::ModelClassifier::needed_bytes(g_model, &interpreter_bytes, sliding);
  if (!st.ok()) return fail(4, st, "interpreter size");
  st = kws::Pipeline::needed_bytes(info, &pipeline_bytes, false, g_frontend_tables);
  if (!st.ok()) return fail(4, st, "pipeline size");
  const size_t pipeline_offset = (interpreter_bytes + 15) & ~size_t{15};
  sh::printf(
      "model_bytes=%lu arena_bytes=%lu arena_used_bytes=%lu interpreter_bytes=%lu "
      "pipeline_bytes=%lu\n",
      static_cast<unsigned long>(kws_model_size), static_cast<unsigned long>(sizeof kws_fw_arena),
      static_cast<unsigned long>(pipeline_offset + pipeline_bytes),
      static_cast<unsigned long>(interpreter_bytes), static_cast<unsigned long>(pipeline_bytes));
  if (pipeline_offset + pipeline_bytes > sizeof kws_fw_arena) {
    sh::print("error: arena too small; raise KWS_FIRMWARE_ARENA_BYTES\n");
    return 4;
  }
  st = g_classifier.init(g_model, info, kws_fw_arena, interpreter_bytes, sliding);
  if (!st.ok()) return fail(4, st, "classifier");
  st = pipeline.init(info, &g_classifier, kws_fw_arena + pipeline_offset, pipeline_bytes, nullptr,
                     g_frontend_tables);
  if (!st.ok()) return fail(4, st, "pipeline");

  kws::fw::WavSource audio;
  st = audio.open(g_path, info.frontend.sample_rate);
  if (!st.ok()) return fail(2, st, "audio");
  if (audio.sample_rate() != info.frontend.sample_rate) {
    sh::printf("error: %s is %lu Hz, the model needs %lu Hz (the firmware does not resample)\n",
               g_path, static_cast<unsigned long>(audio.sample_rate()),
               static_cast<unsigned long>(info.frontend.sample_rate));
    return 2;
  }

  // Init (model parsing, arena planning) runs once and is the deepest user of
  // the stack; the streaming loop is what runs all day. Measure both.
  const size_t init_stack = kws::fw::stack_high_water_bytes();
  kws::fw::paint_stack();

  uint64_t ticks = 0;
  for (size_t n; (n = audio.read(g_chunk, chunk)) > 0;) {
    const uint64_t t0 = kws::fw::cycle_counter_now();
    st = pipeline.push(g_chunk, n, &g_sink);
    ticks += kws::fw::cycle_counter_now() - t0;
    if (!st.ok()) return fail(5, st, "push");
  }

  const uint64_t samples = pipeline.samples_processed();
  char seconds[32];
  kws::fw::format_fixed(seconds, sizeof seconds,
                        static_cast<double>(samples) / info.frontend.sample_rate, 3);
  char tick_text[24];  // 64-bit: newlib-nano's printf has no %llu
  kws::fw::format_fixed(tick_text, sizeof tick_text, static_cast<double>(ticks), 0);
  sh::printf("audio_samples=%lu audio_seconds=%s steps=%lu events=%lu process_ticks=%s\n",
             static_cast<unsigned long>(samples), seconds,
             static_cast<unsigned long>(pipeline.steps()),
             static_cast<unsigned long>(g_sink.events()), tick_text);
  const size_t stream_stack = kws::fw::stack_high_water_bytes();
  sh::printf(
      "stack_high_water_bytes=%lu init_stack_bytes=%lu stream_stack_bytes=%lu "
      "stack_bytes=%lu\n",
      static_cast<unsigned long>(init_stack > stream_stack ? init_stack : stream_stack),
      static_cast<unsigned long>(init_stack), static_cast<unsigned long>(stream_stack),
      static_cast<unsigned long>(kws::fw::stack_size_bytes()));
  return 0;
}
