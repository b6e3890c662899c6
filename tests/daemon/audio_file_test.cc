#include "daemon/audio/audio_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "tests/daemon/audio_test_files.h"

namespace kws::audio {
namespace {

using kws::testing::TempAudioDir;
using ::testing::HasSubstr;

class AudioFile : public TempAudioDir {};

TEST_F(AudioFile, Mono16kIsReadBitExact) {
  std::vector<float> x(1000);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(static_cast<int>(i) - 500) / 32768.0f;
  const std::string path = write("a.wav", x, 16000, 1);
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 1000u);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ((*r)[i], static_cast<int>(i) - 500) << i;
}

TEST_F(AudioFile, StereoIsAveragedToMono) {
  std::vector<float> x;
  for (int i = 0; i < 100; ++i) {
    x.push_back(0.25f);
    x.push_back(-0.125f);
  }
  Result<std::vector<int16_t>> r = read_audio_file(write("s.wav", x, 16000, 2), 16000);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 100u);
  EXPECT_EQ((*r)[50], 2048);  // (0.25 - 0.125) / 2 * 32768
}

TEST_F(AudioFile, Stereo48kFlacIsResampledTo16k) {
  const auto mono = sine(1000.0, 48000, 48000);
  std::vector<float> x;
  for (float v : mono) {
    x.push_back(v);
    x.push_back(v);
  }
  const std::string path = write("s.flac", x, 48000, 2, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_NEAR(static_cast<double>(r->size()), 16000.0, 2.0);
  // Still a 1 kHz sine of amplitude 0.5: compare with the ideal in the middle.
  double err = 0.0;
  double ref_energy = 0.0;
  // Find the phase by correlation-free check: amplitude of the output.
  int16_t peak = 0;
  for (size_t i = 4000; i < 12000; ++i) peak = std::max<int16_t>(peak, (*r)[i]);
  EXPECT_NEAR(peak, 16384, 200);
  for (size_t i = 4000; i < 12000; ++i) {
    const double ideal = 16384.0 * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(i) / 16000.0);
    err += std::pow((*r)[i] - ideal, 2);
    ref_energy += ideal * ideal;
  }
  EXPECT_LT(err / ref_energy, 0.01);  // within -20 dB of the ideal (phase-aligned converter)
}

TEST_F(AudioFile, MissingFile) {
  Result<std::vector<int16_t>> r = read_audio_file((dir_ / "nope.wav").string(), 16000);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("nope.wav: no such file"));
}

TEST_F(AudioFile, EmptyFile) {
  EXPECT_THAT(read_audio_file(write_bytes("e.wav", ""), 16000).error(),
              HasSubstr("e.wav: empty file (0 bytes)"));
}

TEST_F(AudioFile, NotAudio) {
  EXPECT_THAT(read_audio_file(write_bytes("t.wav", std::string(400, 'x')), 16000).error(),
              HasSubstr("t.wav: not a readable audio file"));
}

TEST_F(AudioFile, ZeroFrames) {
  EXPECT_THAT(read_audio_file(write("z.wav", {}, 16000, 1), 16000).error(),
              HasSubstr("z.wav: contains no audio (0 frames)"));
}

TEST_F(AudioFile, TooManyChannels) {
  const std::vector<float> x(10 * 100, 0.1f);
  EXPECT_THAT(read_audio_file(write("c10.wav", x, 16000, 10), 16000).error(),
              HasSubstr("c10.wav: unsupported channel count 10 (1..8)"));
}

// Bytes of `path` with the FLAC STREAMINFO's total-samples field (36 bits at
// byte 21, low nibble, to 25) and MD5 zeroed: what `flac -c` writes to a pipe,
// which libsndfile reports as SF_COUNT_MAX frames ("length unknown").
std::string as_streamed_flac(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(b.substr(0, 4), "fLaC");
  b[21] = static_cast<char>(b[21] & 0xf0);
  for (size_t i = 22; i < 42; ++i) b[i] = 0;
  return b;
}

TEST_F(AudioFile, FlacWithUnknownLengthIsReadToTheEnd) {
  std::vector<float> x(5000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 200) / 32768.0f;
  const std::string known = write("k.flac", x, 16000, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
  const std::string path = write_bytes("streamed.flac", as_streamed_flac(known));
  auto reader = AudioFileReader::open(path, 16000);
  ASSERT_TRUE(reader.ok()) << reader.error();
  EXPECT_EQ((*reader)->info().frames, 5000u);
  EXPECT_TRUE((*reader)->info().length_was_unknown);
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 5000u);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ((*r)[i], static_cast<int>(i % 200)) << i;
}

// Regression: a FLAC whose header says 0 samples made read_audio_file throw
// std::length_error (vector::reserve of SF_COUNT_MAX) and replay report
// "read 0 of 9223372036854775807 frames".
TEST_F(AudioFile, FlacWithZeroSamplesIsNoAudio) {
  const std::string path = write_bytes("z.flac", zero_sample_flac());
  auto reader = AudioFileReader::open(path, 16000);
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.error(), HasSubstr("z.flac: contains no audio (0 frames)"));
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);  // threw std::length_error
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("z.flac: contains no audio (0 frames)"));
}

// A WAV written to a pipe by a writer that leaves the data length at 0:
// libsndfile reads no frames; that must not pass silently as a 0-length file.
TEST_F(AudioFile, WavWithUnfinishedHeaderIsRefusedWithTheRepair) {
  const std::string path = write("w.wav", sine(440.0, 16000, 1600), 16000, 1);
  std::ifstream in(path, std::ios::binary);
  std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(b.substr(36, 4), "data");
  for (size_t i = 40; i < 44; ++i) b[i] = 0;
  const std::string broken = write_bytes("w0.wav", b);
  EXPECT_THAT(
      read_audio_file(broken, 16000).error(),
      HasSubstr(
          "w0.wav: contains no audio (its header says 0 frames, but the file has 3244 bytes"));
}

TEST_F(AudioFile, WavWithMaximalDataLengthIsReadToTheEnd) {
  const std::string path = write("m.wav", sine(440.0, 16000, 1600), 16000, 1);
  std::ifstream in(path, std::ios::binary);
  std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t i : {4, 5, 6, 7, 40, 41, 42, 43}) b[i] = '\xff';
  Result<std::vector<int16_t>> r = read_audio_file(write_bytes("mx.wav", b), 16000);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->size(), 1600u);
}

// libsndfile reads a WAV shorter than its header to the end of the file and
// says so only in its log: that must not pass as a shorter recording.
TEST_F(AudioFile, TruncatedWavIsRefused) {
  const std::string path = write("t.wav", sine(440.0, 16000, 1600), 16000, 1);
  std::ifstream in(path, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(read_audio_file(write_bytes("cut.wav", b.substr(0, 1044)), 16000).error(),
              HasSubstr("cut.wav: truncated: the header says 3200 bytes of audio, the file "
                        "holds 1000"));
}

// open_memory (the audio fuzzer's way in) reads what open() reads, and fails
// the same way, for WAV, FLAC of unknown length and the 0-sample FLAC.
TEST_F(AudioFile, MemoryBytesReadLikeTheFile) {
  const std::string wav = write("m.wav", sine(300.0, 44100, 5000), 44100, 1);
  const std::string flac =
      write_bytes("s.flac", as_streamed_flac(write("k.flac", sine(300.0, 16000, 5000), 16000, 1,
                                                   SF_FORMAT_FLAC | SF_FORMAT_PCM_16)));
  for (const std::string& path : {wav, flac}) {
    std::ifstream in(path, std::ios::binary);
    const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto reader = AudioFileReader::open_memory(b.data(), b.size(), "mem", 16000);
    ASSERT_TRUE(reader.ok()) << reader.error();
    std::vector<int16_t> got;
    for (;;) {
      Result<bool> more = (*reader)->read(&got, 1000);
      ASSERT_TRUE(more.ok()) << more.error();
      if (!*more) break;
    }
    EXPECT_EQ(got, *read_audio_file(path, 16000)) << path;
  }
  const std::string zero = zero_sample_flac();
  EXPECT_EQ(AudioFileReader::open_memory(zero.data(), zero.size(), "z", 16000).error(),
            "z: contains no audio (0 frames)");
  EXPECT_EQ(AudioFileReader::open_memory(zero.data(), 0, "e", 16000).error(),
            "e: empty file (0 bytes)");
}

TEST_F(AudioFile, FifoIsRefusedWithoutBlocking) {
  const std::string path = (dir_ / "fifo.wav").string();
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  EXPECT_THAT(read_audio_file(path, 16000).error(),
              HasSubstr("fifo.wav: not a regular file (a FIFO)"));
}

TEST_F(AudioFile, DirectoryIsRefused) {
  EXPECT_THAT(read_audio_file(dir_.string(), 16000).error(),
              HasSubstr("is a directory, not an audio file"));
}

TEST_F(AudioFile, OneSampleIsRead) {
  Result<std::vector<int16_t>> r = read_audio_file(write("one.wav", {0.5f}, 16000, 1), 16000);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->size(), 1u);
}

class DamagedFlac : public TempAudioDir {
 protected:
  std::string good_flac_bytes() {
    const std::string path =
        write("good.flac", sine(440.0, 16000, 48000), 16000, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

TEST_F(DamagedFlac, GoodFileVerifies) {
  good_flac_bytes();
  EXPECT_EQ(verify_flac((dir_ / "good.flac").string()), "");
}

TEST_F(DamagedFlac, CorruptedFramesAreReported) {
  std::string bytes = good_flac_bytes();
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 200; ++i) bytes[i] ^= 0x5a;
  const std::string path = write_bytes("bad.flac", bytes);
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("bad.flac: damaged FLAC"));
}

TEST_F(DamagedFlac, TruncatedFileIsReported) {
  const std::string bytes = good_flac_bytes();
  const std::string path = write_bytes("cut.flac", bytes.substr(0, bytes.size() / 2));
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("cut.flac: damaged FLAC"));
}

TEST_F(DamagedFlac, HeaderOnlyIsNotAudio) {
  const std::string path = write_bytes("hdr.flac", good_flac_bytes().substr(0, 60));
  Result<std::vector<int16_t>> r = read_audio_file(path, 16000);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("hdr.flac: "));
}

TEST_F(AudioFile, StreamingReadGivesSameSamplesAsWholeFile) {
  const std::string path = write("long.wav", sine(300.0, 44100, 44100 * 3), 44100, 1);
  Result<std::vector<int16_t>> whole = read_audio_file(path, 16000);
  ASSERT_TRUE(whole.ok()) << whole.error();
  auto reader = AudioFileReader::open(path, 16000);
  ASSERT_TRUE(reader.ok()) << reader.error();
  std::vector<int16_t> streamed;
  for (;;) {
    Result<bool> more = (*reader)->read(&streamed, 333);
    ASSERT_TRUE(more.ok()) << more.error();
    if (!*more) break;
  }
  EXPECT_EQ(streamed, *whole);
  EXPECT_NEAR(static_cast<double>(streamed.size()), 48000.0, 2.0);
}

}  // namespace
}  // namespace kws::audio
