#include "daemon/audio/audio_file.h"

#include <FLAC/stream_decoder.h>
#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace kws::audio {

namespace {

std::string format_name(int format) {
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_MAJOR, &fi, sizeof fi) == 0 && fi.extension != nullptr) {
    std::string name = fi.extension;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
  }
  return "unknown";
}

struct FlacCheck {
  unsigned errors = 0;
  FLAC__StreamDecoderErrorStatus first = FLAC__STREAM_DECODER_ERROR_STATUS_LOST_SYNC;
  uint64_t error_sample = 0;
  uint64_t samples = 0;
  // Decoding from memory (open_memory): the bytes and the read position.
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
};

FLAC__StreamDecoderReadStatus flac_mem_read(const FLAC__StreamDecoder*, FLAC__byte buffer[],
                                            size_t* bytes, void* user) {
  auto* c = static_cast<FlacCheck*>(user);
  const size_t n = std::min(*bytes, c->size - c->pos);
  if (n > 0) std::memcpy(buffer, c->data + c->pos, n);
  c->pos += n;
  *bytes = n;
  return n == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
                : FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
}

FLAC__StreamDecoderWriteStatus flac_write(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
                                          const FLAC__int32* const[], void* user) {
  static_cast<FlacCheck*>(user)->samples += frame->header.blocksize;
  return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
}

void flac_error(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status, void* user) {
  auto* check = static_cast<FlacCheck*>(user);
  if (check->errors++ == 0) {
    check->first = status;
    check->error_sample = check->samples;
  }
}

const char* file_kind(const std::filesystem::file_status& st) {
  switch (st.type()) {
    case std::filesystem::file_type::fifo:
      return "a FIFO";
    case std::filesystem::file_type::socket:
      return "a socket";
    case std::filesystem::file_type::character:
      return "a character device";
    case std::filesystem::file_type::block:
      return "a block device";
    default:
      return "not a plain file";
  }
}

// A canonical 16-bit PCM WAV header with no data is 44 bytes.
constexpr uintmax_t kMinimalWavBytes = 44;

// libsndfile reads a WAV whose data chunk is longer than the file up to the
// end of the file and only says so in its log ("data : 32000 (should be
// 15978)"): a truncated file would pass as a shorter one. A declared length of
// 0xFFFFFFFF or near 2^31 is a stream writer's "unknown", not a truncation;
// 0 is reported as "no audio" by the caller.
std::string wav_truncation(SNDFILE* file) {
  char log[8192] = {};
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof log);
  const char* at = std::strstr(log, "\ndata : ");
  if (at == nullptr) return {};
  unsigned long long declared = 0, present = 0;
  if (std::sscanf(at, "\ndata : %llu (should be %llu)", &declared, &present) != 2) return {};
  if (declared == 0 || declared >= 0x7fff0000ull || declared <= present) return {};
  return "the header says " + std::to_string(declared) + " bytes of audio, the file holds " +
         std::to_string(present);
}

Result<uint64_t> count_frames(SNDFILE* file, int channels) {
  using R = Result<uint64_t>;
  std::vector<float> block(4096 * static_cast<size_t>(channels));
  uint64_t total = 0;
  for (;;) {
    const sf_count_t got = sf_readf_float(file, block.data(), 4096);
    if (got < 0 || sf_error(file) != SF_ERR_NO_ERROR) {
      return R::failure("read error after " + std::to_string(total) +
                        " frames (libsndfile: " + sf_strerror(file) + ")");
    }
    if (got == 0) break;
    total += static_cast<uint64_t>(got);
  }
  return R::success(total);
}

}  // namespace

namespace {

// path, or (path empty) the bytes data[0, size).
std::string verify_flac_source(const std::string& path, const uint8_t* data, size_t size) {
  FLAC__StreamDecoder* decoder = FLAC__stream_decoder_new();
  if (decoder == nullptr) return "out of memory";
  FLAC__stream_decoder_set_md5_checking(decoder, true);
  FlacCheck check;
  check.data = data;
  check.size = size;
  std::string problem;
  const FLAC__StreamDecoderInitStatus init =
      path.empty()
          ? FLAC__stream_decoder_init_stream(decoder, flac_mem_read, nullptr, nullptr, nullptr,
                                             nullptr, flac_write, nullptr, flac_error, &check)
          : FLAC__stream_decoder_init_file(decoder, path.c_str(), flac_write, nullptr, flac_error,
                                           &check);
  if (init != FLAC__STREAM_DECODER_INIT_STATUS_OK) {
    problem = "cannot open as FLAC";
  } else {
    const bool ok = FLAC__stream_decoder_process_until_end_of_stream(decoder);
    const bool md5_ok = FLAC__stream_decoder_finish(decoder);
    if (check.errors > 0) {
      problem = "damaged FLAC: " + std::to_string(check.errors) + " decode error(s), first (" +
                FLAC__StreamDecoderErrorStatusString[check.first] + ") at sample " +
                std::to_string(check.error_sample);
    } else if (!ok) {
      problem = "damaged FLAC: decoding stopped at sample " + std::to_string(check.samples);
    } else if (!md5_ok) {
      problem = "damaged FLAC: audio does not match the stream's MD5 signature";
    }
  }
  FLAC__stream_decoder_delete(decoder);
  return problem;
}

// libsndfile's virtual I/O over AudioFileReader's memory bytes.
sf_count_t vio_length(void* user) {
  return static_cast<sf_count_t>(static_cast<MemorySource*>(user)->size);
}
sf_count_t vio_seek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<MemorySource*>(user);
  const sf_count_t base = whence == SEEK_SET   ? 0
                          : whence == SEEK_CUR ? m->pos
                                               : static_cast<sf_count_t>(m->size);
  const sf_count_t to = base + offset;
  if (to < 0 || to > static_cast<sf_count_t>(m->size)) return -1;
  m->pos = to;
  return m->pos;
}
sf_count_t vio_read(void* ptr, sf_count_t count, void* user) {
  auto* m = static_cast<MemorySource*>(user);
  const sf_count_t left = static_cast<sf_count_t>(m->size) - m->pos;
  const sf_count_t n = std::max<sf_count_t>(0, std::min(count, left));
  if (n > 0) std::memcpy(ptr, m->data + m->pos, static_cast<size_t>(n));
  m->pos += n;
  return n;
}
sf_count_t vio_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t vio_tell(void* user) { return static_cast<MemorySource*>(user)->pos; }

}  // namespace

std::string verify_flac(const std::string& path) { return verify_flac_source(path, nullptr, 0); }

SNDFILE* AudioFileReader::open_sndfile(SF_INFO* info) {
  *info = SF_INFO{};
  if (memory_.data == nullptr) return sf_open(path_.c_str(), SFM_READ, info);
  static SF_VIRTUAL_IO vio = {vio_length, vio_seek, vio_read, vio_write, vio_tell};
  memory_.pos = 0;
  return sf_open_virtual(&vio, SFM_READ, info, &memory_);
}

AudioFileReader::~AudioFileReader() {
  if (file_ != nullptr) sf_close(file_);
}

Result<std::unique_ptr<AudioFileReader>> AudioFileReader::open(const std::string& path,
                                                               uint32_t target_rate) {
  using R = Result<std::unique_ptr<AudioFileReader>>;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) return R::failure(path + ": no such file");
  if (fs::is_directory(st)) return R::failure(path + ": is a directory, not an audio file");
  // A FIFO, socket or device would block sf_open or cannot be re-read.
  if (!fs::is_regular_file(st)) {
    return R::failure(path + ": not a regular file (" + file_kind(st) + "), not an audio file");
  }
  const uintmax_t bytes = fs::file_size(path, ec);
  if (bytes == 0) return R::failure(path + ": empty file (0 bytes)");
  std::unique_ptr<AudioFileReader> r(new AudioFileReader());
  r->path_ = path;
  return open_common(std::move(r), bytes, target_rate);
}

Result<std::unique_ptr<AudioFileReader>> AudioFileReader::open_memory(const void* data, size_t size,
                                                                      const std::string& name,
                                                                      uint32_t target_rate) {
  using R = Result<std::unique_ptr<AudioFileReader>>;
  if (size == 0) return R::failure(name + ": empty file (0 bytes)");
  std::unique_ptr<AudioFileReader> r(new AudioFileReader());
  r->path_ = name;
  r->memory_.data = static_cast<const uint8_t*>(data);
  r->memory_.size = size;
  return open_common(std::move(r), size, target_rate);
}

Result<std::unique_ptr<AudioFileReader>> AudioFileReader::open_common(
    std::unique_ptr<AudioFileReader> r, uintmax_t bytes, uint32_t target_rate) {
  using R = Result<std::unique_ptr<AudioFileReader>>;
  const std::string& path = r->path_;
  SF_INFO sf{};
  r->file_ = r->open_sndfile(&sf);
  if (r->file_ == nullptr) {
    return R::failure(path + ": not a readable audio file (libsndfile: " + sf_strerror(nullptr) +
                      ")");
  }
  r->info_.sample_rate = static_cast<uint32_t>(sf.samplerate);
  r->info_.channels = static_cast<uint32_t>(sf.channels);
  r->info_.format = format_name(sf.format);
  if (sf.channels <= 0 || sf.channels > static_cast<int>(kMaxChannels)) {
    return R::failure(path + ": unsupported channel count " + std::to_string(sf.channels) +
                      " (1.." + std::to_string(kMaxChannels) + ")");
  }
  if (sf.samplerate <= 0) {
    return R::failure(path + ": invalid sample rate " + std::to_string(sf.samplerate));
  }
  sf_count_t frames = sf.frames;
  if (frames < 0 || frames == SF_COUNT_MAX) {
    // "Length unknown" (a FLAC or other stream written to a pipe, whose header
    // was never finished): count the frames by reading to the end, then open
    // again (reopening works where sf_seek does not, e.g. a FLAC without frames).
    Result<uint64_t> counted = count_frames(r->file_, sf.channels);
    if (!counted) return R::failure(path + ": " + counted.error());
    frames = static_cast<sf_count_t>(*counted);
    r->info_.length_was_unknown = true;
    sf_close(r->file_);
    SF_INFO again{};
    r->file_ = r->open_sndfile(&again);
    if (r->file_ == nullptr || again.channels != sf.channels || again.samplerate != sf.samplerate) {
      return R::failure(path + ": changed while being read (libsndfile: " + sf_strerror(r->file_) +
                        ")");
    }
  }
  r->info_.frames = static_cast<uint64_t>(frames);
  if ((sf.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV) {
    if (std::string cut = wav_truncation(r->file_); !cut.empty()) {
      return R::failure(path + ": truncated: " + cut);
    }
  }
  if (frames == 0) {
    if ((sf.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV && bytes > kMinimalWavBytes) {
      return R::failure(path + ": contains no audio (its header says 0 frames, but the file has " +
                        std::to_string(bytes) +
                        " bytes: a WAV written to a pipe whose header was never "
                        "finished? `sox --ignore-length` repairs it)");
    }
    return R::failure(path + ": contains no audio (0 frames)");
  }
  if ((sf.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC) {
    if (std::string problem = r->memory_.data != nullptr
                                  ? verify_flac_source("", r->memory_.data, r->memory_.size)
                                  : verify_flac(path);
        !problem.empty()) {
      return R::failure(path + ": " + problem);
    }
  }
  auto resampler = Resampler::create(r->info_.sample_rate, r->info_.channels, target_rate);
  if (!resampler) return R::failure(path + ": " + resampler.error());
  r->resampler_ = std::move(*resampler);
  return R::success(std::move(r));
}

Result<bool> AudioFileReader::read(std::vector<int16_t>* out, size_t block_frames) {
  using R = Result<bool>;
  if (done_) return R::success(false);
  block_.resize(block_frames * info_.channels);
  const sf_count_t got =
      sf_readf_float(file_, block_.data(), static_cast<sf_count_t>(block_frames));
  if (got < 0 || sf_error(file_) != SF_ERR_NO_ERROR) {
    return R::failure(path_ + ": read error after " + std::to_string(frames_read_) +
                      " frames (libsndfile: " + sf_strerror(file_) + ")");
  }
  frames_read_ += static_cast<uint64_t>(got);
  if (got > 0) {
    if (std::string err = resampler_->process(block_.data(), static_cast<size_t>(got), out);
        !err.empty()) {
      return R::failure(path_ + ": " + err);
    }
  }
  if (static_cast<size_t>(got) < block_frames) {
    if (frames_read_ < info_.frames) {
      return R::failure(path_ + ": truncated or damaged: read " + std::to_string(frames_read_) +
                        " of " + std::to_string(info_.frames) + " frames");
    }
    if (std::string err = resampler_->flush(out); !err.empty()) {
      return R::failure(path_ + ": " + err);
    }
    done_ = true;
  }
  return R::success(!done_);
}

Result<std::vector<int16_t>> read_audio_file(const std::string& path, uint32_t target_rate) {
  constexpr double kMaxReserveSamples = 16000.0 * 3600.0;  // one hour at 16 kHz
  using R = Result<std::vector<int16_t>>;
  auto reader = AudioFileReader::open(path, target_rate);
  if (!reader) return R::failure(reader.error());
  std::vector<int16_t> samples;
  const double ratio = static_cast<double>(target_rate) / (*reader)->info().sample_rate;
  // info().frames is what was counted or a header's claim (checked while
  // reading); cap the reservation so a lying header cannot make it throw.
  const double expected = static_cast<double>((*reader)->info().frames) * ratio;
  samples.reserve(static_cast<size_t>(std::min(expected, kMaxReserveSamples)) + 64);
  for (;;) {
    Result<bool> more = (*reader)->read(&samples, 16384);
    if (!more) return R::failure(more.error());
    if (!*more) break;
  }
  return R::success(std::move(samples));
}

}  // namespace kws::audio
