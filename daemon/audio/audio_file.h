// Audio files (WAV, FLAC, OGG, ... anything libsndfile reads) as mono int16
// at a target rate, read in blocks so an hour-long file never sits in memory.
//
// Every failure is one line naming the file: missing file, not a regular
// file (directory, FIFO, device), empty file, not audio, no audio frames
// (including a header that says 0 frames), unsupported channel count (0 or > 8), damaged or
// truncated data (FLAC frames are CRC-checked by libFLAC before decoding,
// since libsndfile silently skips damaged FLAC frames).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "daemon/audio/resampler.h"

typedef struct sf_private_tag SNDFILE;
struct SF_INFO;

namespace kws::audio {

struct AudioFileInfo {
  uint32_t sample_rate = 0;  // of the file
  uint32_t channels = 0;
  uint64_t frames = 0;  // per channel: as the header states, or counted (below)
  // The header said "length unknown" (a stream written to a pipe): open()
  // read the file through once to count the frames.
  bool length_was_unknown = false;
  std::string format;  // e.g. "FLAC", "WAV"
};

struct MemorySource {
  const uint8_t* data = nullptr;
  size_t size = 0;
  int64_t pos = 0;
};

class AudioFileReader {
 public:
  ~AudioFileReader();
  AudioFileReader(const AudioFileReader&) = delete;
  AudioFileReader& operator=(const AudioFileReader&) = delete;

  static Result<std::unique_ptr<AudioFileReader>> open(const std::string& path,
                                                       uint32_t target_rate);

  // The same from bytes in memory (libsndfile's virtual I/O; the fuzzer and
  // callers that hold a file's bytes). `name` stands for the path in errors.
  // The bytes must outlive the reader.
  static Result<std::unique_ptr<AudioFileReader>> open_memory(const void* data, size_t size,
                                                              const std::string& name,
                                                              uint32_t target_rate);

  const AudioFileInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

  // Appends the next block (block_frames input frames, converted; possibly
  // none while the resampler fills up) to *out. Returns true while more may
  // follow, false once the file is finished (that call may still have appended
  // the tail). An error (damaged data, file shorter than its header says) is
  // "path: ...".
  Result<bool> read(std::vector<int16_t>* out, size_t block_frames = 4096);

 private:
  AudioFileReader() = default;
  static Result<std::unique_ptr<AudioFileReader>> open_common(std::unique_ptr<AudioFileReader> r,
                                                              uintmax_t bytes,
                                                              uint32_t target_rate);
  SNDFILE* open_sndfile(SF_INFO* info);  // from path_ or memory_, from the start

  std::string path_;
  AudioFileInfo info_;
  MemorySource memory_;  // data == nullptr: read path_
  SNDFILE* file_ = nullptr;
  std::unique_ptr<Resampler> resampler_;
  std::vector<float> block_;
  uint64_t frames_read_ = 0;
  bool done_ = false;
};

// Whole file at once (clips, tests). Same errors as AudioFileReader.
Result<std::vector<int16_t>> read_audio_file(const std::string& path, uint32_t target_rate);

// Decodes a FLAC file with libFLAC only to check frame CRCs, sync and the
// stream MD5. Returns "" or what is wrong.
std::string verify_flac(const std::string& path);

}  // namespace kws::audio
