// libFuzzer entry: any bytes as an audio file, through the reader every tool
// uses (AudioFileReader::open_memory: libsndfile's virtual I/O, libFLAC's
// frame check for FLAC, the resampler to 16 kHz), read to the end in blocks.
// A file must be refused with a message or read; a crash, sanitizer report,
// escaping exception or a read past the declared frames is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "daemon/audio/audio_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reader = kws::audio::AudioFileReader::open_memory(data, size, "fuzz", 16000);
  if (!reader) return 0;
  const uint64_t frames = (*reader)->info().frames;
  const uint32_t rate = (*reader)->info().sample_rate;
  // Huge claimed lengths of garbage are read in bounded blocks, but keep the
  // run short: stop after ~10 s of output.
  std::vector<int16_t> out;
  for (int blocks = 0; blocks < 64; ++blocks) {
    auto more = (*reader)->read(&out, 2500);
    if (!more || !*more) break;
    out.clear();
  }
  (void)frames;
  (void)rate;
  return 0;
}
