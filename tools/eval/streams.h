// The audio kws-eval pushes through the pipeline.
//
// Positive streams: keyword clips one after another, each in its own region
// [gap/2 of background][clip][gap/2 of background] (the first region starts
// with lead_s more background so the feature window is full before the first
// clip). Each region's background is a stretch of one noise file (chosen, with
// its start, from a hash of the seed and stream name; looped if short) scaled
// so that the clip's active speech level is snr_db above the background's
// level in that region. Clips keep their recorded level. The word inside each
// clip is located by 10 ms frame energy (the loudest voiced run: frames above
// max(floor + 12 dB, peak - 35 dB), gaps up to 150 ms), which gives the word's
// end for latency and the hit window [word start, word end + hit_after_s].
//
// Negative streams: the files of one source concatenated in sorted order,
// cut into streams of at most max_stream_s (the pipeline restarts per stream).
// Unless negative_snr_db is NaN (clean), background noise goes under them by
// the same rule as under the positives: each file is cut into equal parts of
// at most negative_segment_s, and each part's background is scaled so that its
// loudest voiced run (located as for the clips) is negative_snr_db above the
// background over that part. A part without a voiced run (steady noise, music
// without pauses) uses its mean power instead; a digitally silent part keeps
// the background level of the nearest part that has one, as a room's noise
// does not stop when nobody speaks. Each file's background is one noise file
// and start (from a hash of the seed, the stream name and the file's index in
// the stream), continuing across its parts and looped if short.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "config/result.h"
#include "tools/eval/dataset.h"

namespace kws::eval {

struct MixOptions {
  double snr_db = 10.0;           // NaN: clean clips over digital silence
  double negative_snr_db = 10.0;  // NaN: negatives as recorded (no background)
  double negative_segment_s = 10.0;
  double gap_s = 2.0;
  double lead_s = 1.0;
  double hit_after_s = 1.0;
  uint64_t seed = 1;
};

struct NoiseClip {
  std::string path;
  std::vector<float> samples;  // model rate, -1..1
};

struct EmbeddedKeyword {
  uint32_t label = 0;  // stage-1 label index
  std::string clip;
  uint64_t clip_start = 0;  // stream samples
  uint64_t word_start = 0;
  uint64_t word_end = 0;
  uint64_t hit_end = 0;  // last stream sample at which a trigger still counts as this clip's hit
};

struct StreamSpec {
  bool positive = false;
  std::string name;
  std::vector<size_t> clips;       // positive: indices into the clip list
  std::vector<std::string> files;  // negative
  double planned_s = 0.0;          // negative: length by the file headers
};

struct BuiltStream {
  std::vector<int16_t> audio;
  std::vector<EmbeddedKeyword> truth;
  std::vector<std::string> warnings;  // clips skipped (damaged, silent)
};

// (start, end) samples of the loudest voiced run, or false for a silent clip.
bool locate_word(const std::vector<int16_t>& x, uint32_t rate, uint64_t* start, uint64_t* end);

Result<BuiltStream> build_positive_stream(const StreamSpec& spec,
                                          const std::vector<LabelledClip>& clips,
                                          const std::vector<uint32_t>& clip_labels,
                                          const std::vector<NoiseClip>& noise,
                                          const MixOptions& mix, uint32_t rate);

Result<BuiltStream> build_negative_stream(const StreamSpec& spec,
                                          const std::vector<NoiseClip>& noise,
                                          const MixOptions& mix, uint32_t rate);

// Groups negative files into streams of at most max_stream_s (by header length).
Result<std::vector<StreamSpec>> plan_negative_streams(const std::vector<NegativeFile>& files,
                                                      double max_stream_s);

// Positive clips, sorted by keyword then path, clips_per_stream at a time.
std::vector<StreamSpec> plan_positive_streams(const std::vector<LabelledClip>& clips,
                                              size_t clips_per_stream);

}  // namespace kws::eval
