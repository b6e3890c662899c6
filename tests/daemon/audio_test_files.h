// Writes small audio files for the audio input tests (libsndfile), in a
// per-test temporary folder removed afterwards.
#pragma once

#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace kws::testing {

class TempAudioDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("kws_audio_") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Interleaved float frames to a file of the given libsndfile format.
  std::string write(const std::string& name, const std::vector<float>& interleaved, int rate,
                    int channels, int format = SF_FORMAT_WAV | SF_FORMAT_PCM_16) {
    const std::string path = (dir_ / name).string();
    SF_INFO info{};
    info.samplerate = rate;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    if (f == nullptr) return path;
    sf_writef_float(f, interleaved.data(), static_cast<sf_count_t>(interleaved.size()) / channels);
    sf_close(f);
    return path;
  }

  std::string write_bytes(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // A FLAC whose STREAMINFO says 0 samples (16 kHz mono 16-bit) and which has
  // no frames: libsndfile reports SF_COUNT_MAX frames ("length unknown").
  static std::string zero_sample_flac() {
    std::string b = std::string("fLaC") + '\x80' + std::string("\x00\x00\x22", 3) +
                    std::string("\x10\x00\x10\x00", 4) + std::string(6, '\0');
    const uint64_t packed = (16000ull << 44) | (15ull << 36);
    for (int shift = 56; shift >= 0; shift -= 8) b += static_cast<char>((packed >> shift) & 0xff);
    return b + std::string(16, '\0');
  }

  static std::vector<float> sine(double hz, int rate, size_t frames, float amp = 0.5f) {
    std::vector<float> out(frames);
    for (size_t i = 0; i < frames; ++i) {
      out[i] = amp * static_cast<float>(std::sin(2.0 * M_PI * hz * static_cast<double>(i) / rate));
    }
    return out;
  }

  std::filesystem::path dir_;
};

}  // namespace kws::testing
