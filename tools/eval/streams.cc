#include "tools/eval/streams.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "daemon/audio/audio_file.h"

namespace kws::eval {

bool locate_word(const std::vector<int16_t>& x, uint32_t rate, uint64_t* start, uint64_t* end) {
  const size_t n = rate / 100;  // 10 ms frames
  const size_t m = n == 0 ? 0 : x.size() / n;
  if (m == 0) return false;
  std::vector<double> db(m);
  for (size_t i = 0; i < m; ++i) {
    double e = 0.0;
    for (size_t j = 0; j < n; ++j) {
      const double v = x[i * n + j] / 32768.0;
      e += v * v;
    }
    db[i] = 10.0 * std::log10(e / static_cast<double>(n) + 1e-10);
  }
  std::vector<double> sorted = db;
  std::sort(sorted.begin(), sorted.end());
  const double floor = sorted[m / 10];
  const double peak = sorted.back();
  if (peak < -70.0 || peak - floor < 10.0) return false;
  const double gate = std::max(floor + 12.0, peak - 35.0);
  const size_t max_gap = 15;  // frames (150 ms)
  size_t best_a = 0, best_b = 0;
  double best_energy = -1.0;
  size_t a = 0, b = 0, gap = 0;
  bool open = false;
  auto close_run = [&]() {
    double e = 0.0;
    for (size_t i = a; i <= b; ++i) e += std::pow(10.0, db[i] / 10.0);
    if (e > best_energy) best_energy = e, best_a = a, best_b = b;
    open = false;
  };
  for (size_t i = 0; i < m; ++i) {
    if (db[i] > gate) {
      if (!open) open = true, a = i;
      b = i;
      gap = 0;
    } else if (open && ++gap > max_gap) {
      close_run();
    }
  }
  if (open) close_run();
  *start = best_a * n;
  *end = (best_b + 1) * n;
  return true;
}

namespace {

// Mean power of x[a, b) in full-scale units.
double power(const std::vector<int16_t>& x, uint64_t a, uint64_t b) {
  double e = 0.0;
  for (uint64_t i = a; i < b; ++i) {
    const double v = x[i] / 32768.0;
    e += v * v;
  }
  return b > a ? e / static_cast<double>(b - a) : 0.0;
}

int16_t to_int16(double v) {
  const double s = std::round(v * 32768.0);
  return static_cast<int16_t>(std::clamp(s, -32768.0, 32767.0));
}

// The background choices of one stream (or one file of it): a hash of the
// seed and a name, stirred by the murmur3 finaliser.
class MixRandom {
 public:
  MixRandom(uint64_t seed, const std::string& name)
      : h_(fnv1a64(std::to_string(seed) + "|" + name)) {}
  uint64_t next() {
    h_ ^= h_ >> 33;
    h_ *= 0xff51afd7ed558ccdull;
    h_ ^= h_ >> 33;
    return h_;
  }

 private:
  uint64_t h_;
};

}  // namespace

std::vector<StreamSpec> plan_positive_streams(const std::vector<LabelledClip>& clips,
                                              size_t clips_per_stream) {
  std::vector<size_t> order(clips.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return std::tie(clips[x].keyword, clips[x].path) < std::tie(clips[y].keyword, clips[y].path);
  });
  std::vector<StreamSpec> out;
  for (size_t i = 0; i < order.size(); i += clips_per_stream) {
    StreamSpec s;
    s.positive = true;
    s.clips.assign(
        order.begin() + static_cast<std::ptrdiff_t>(i),
        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), i + clips_per_stream)));
    s.name = "positives/" + clips[s.clips.front()].keyword + "/" + std::to_string(out.size());
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<StreamSpec>> plan_negative_streams(const std::vector<NegativeFile>& files,
                                                      double max_stream_s) {
  using R = Result<std::vector<StreamSpec>>;
  std::vector<StreamSpec> out;
  StreamSpec cur;
  double cur_s = 0.0;
  std::string cur_group;
  auto close = [&]() {
    if (cur.files.empty()) return;
    cur.name = "negatives/" + cur_group + "#" + std::to_string(out.size());
    out.push_back(std::move(cur));
    cur = StreamSpec{};
    cur_s = 0.0;
  };
  for (const NegativeFile& f : files) {
    auto reader = audio::AudioFileReader::open(f.path, 16000);
    if (!reader) return R::failure("negatives: " + reader.error());
    const auto& info = (*reader)->info();
    const double seconds =
        info.sample_rate == 0 ? 0.0 : static_cast<double>(info.frames) / info.sample_rate;
    if (f.group != cur_group || (cur_s > 0.0 && cur_s + seconds > max_stream_s)) close();
    cur_group = f.group;
    cur.files.push_back(f.path);
    cur_s += seconds;
    cur.planned_s = cur_s;
  }
  close();
  return R::success(std::move(out));
}

Result<BuiltStream> build_negative_stream(const StreamSpec& spec,
                                          const std::vector<NoiseClip>& noise,
                                          const MixOptions& mix, uint32_t rate) {
  using R = Result<BuiltStream>;
  BuiltStream out;
  const bool clean = std::isnan(mix.negative_snr_db) || noise.empty();
  struct Part {
    uint64_t begin = 0, end = 0;  // stream samples
    double noise_power = -1.0;    // wanted background power; < 0: silent part
    const NoiseClip* bg = nullptr;
    uint64_t bg_pos = 0;
  };
  std::vector<Part> parts;
  const uint64_t max_part =
      std::max<uint64_t>(1, static_cast<uint64_t>(mix.negative_segment_s * rate));
  for (size_t k = 0; k < spec.files.size(); ++k) {
    auto samples = audio::read_audio_file(spec.files[k], rate);
    if (!samples) return R::failure("negatives: " + samples.error());
    const uint64_t base = out.audio.size();
    out.audio.insert(out.audio.end(), samples->begin(), samples->end());
    if (clean || samples->empty()) continue;
    MixRandom rnd(mix.seed, spec.name + "|" + std::to_string(k));
    const NoiseClip* bg = &noise[rnd.next() % noise.size()];
    uint64_t bg_pos = rnd.next() % bg->samples.size();
    const uint64_t n = samples->size();
    const uint64_t count = (n + max_part - 1) / max_part;
    for (uint64_t p = 0; p < count; ++p) {
      Part part;
      part.begin = base + n * p / count;
      part.end = base + n * (p + 1) / count;
      part.bg = bg;
      part.bg_pos = bg_pos;
      bg_pos = (bg_pos + (part.end - part.begin)) % bg->samples.size();
      const std::vector<int16_t> x(out.audio.begin() + static_cast<std::ptrdiff_t>(part.begin),
                                   out.audio.begin() + static_cast<std::ptrdiff_t>(part.end));
      uint64_t ws = 0, we = 0;
      const double ps = locate_word(x, rate, &ws, &we) ? power(x, ws, we) : power(x, 0, x.size());
      if (ps > 1e-10) part.noise_power = ps / std::pow(10.0, mix.negative_snr_db / 10.0);
      parts.push_back(part);
    }
  }
  // Silent parts take the level of the nearest earlier part, else of the next one.
  double level = -1.0;
  for (const Part& p : parts) {
    if (p.noise_power >= 0.0) {
      level = p.noise_power;
      break;
    }
  }
  for (Part& p : parts) {
    if (p.noise_power < 0.0) p.noise_power = level;
    level = p.noise_power;
  }
  for (const Part& p : parts) {
    if (p.noise_power <= 0.0) continue;
    const uint64_t len = p.end - p.begin;
    double pn = 0.0;
    for (uint64_t i = 0, j = p.bg_pos; i < len;
         ++i, j = j + 1 == p.bg->samples.size() ? 0 : j + 1) {
      pn += static_cast<double>(p.bg->samples[j]) * p.bg->samples[j];
    }
    pn /= static_cast<double>(len);
    if (pn <= 0.0) continue;
    const double gain = std::sqrt(p.noise_power / pn);
    for (uint64_t i = 0, j = p.bg_pos; i < len;
         ++i, j = j + 1 == p.bg->samples.size() ? 0 : j + 1) {
      int16_t& v = out.audio[p.begin + i];
      v = to_int16(v / 32768.0 + gain * p.bg->samples[j]);
    }
  }
  return R::success(std::move(out));
}

Result<BuiltStream> build_positive_stream(const StreamSpec& spec,
                                          const std::vector<LabelledClip>& clips,
                                          const std::vector<uint32_t>& clip_labels,
                                          const std::vector<NoiseClip>& noise,
                                          const MixOptions& mix, uint32_t rate) {
  BuiltStream out;
  const bool clean = std::isnan(mix.snr_db) || noise.empty();
  MixRandom rnd(mix.seed, spec.name);
  const NoiseClip* bg = clean ? nullptr : &noise[rnd.next() % noise.size()];
  uint64_t bg_pos = clean ? 0 : rnd.next() % bg->samples.size();
  const uint64_t half_gap = static_cast<uint64_t>(mix.gap_s / 2.0 * rate);
  const uint64_t lead = static_cast<uint64_t>(mix.lead_s * rate);
  for (size_t k = 0; k < spec.clips.size(); ++k) {
    const LabelledClip& clip = clips[spec.clips[k]];
    auto x = audio::read_audio_file(clip.path, rate);
    if (!x) {
      out.warnings.push_back("skipped " + x.error());
      continue;
    }
    uint64_t ws = 0, we = 0;
    if (!locate_word(*x, rate, &ws, &we)) {
      out.warnings.push_back("skipped " + clip.path + ": no speech found (silent clip)");
      continue;
    }
    const uint64_t before = half_gap + (out.audio.empty() ? lead : 0);
    const uint64_t region = before + x->size() + half_gap;
    const uint64_t base = out.audio.size();
    std::vector<double> mixed(region, 0.0);
    for (size_t i = 0; i < x->size(); ++i) mixed[before + i] = (*x)[i] / 32768.0;
    if (!clean) {
      std::vector<double> n(region);
      for (uint64_t i = 0; i < region; ++i) {
        n[i] = bg->samples[bg_pos];
        bg_pos = bg_pos + 1 == bg->samples.size() ? 0 : bg_pos + 1;
      }
      double pn = 0.0;
      for (double v : n) pn += v * v;
      pn /= static_cast<double>(region);
      const double ps = power(*x, ws, we);
      if (pn > 0.0 && ps > 0.0) {
        const double gain = std::sqrt(ps / (pn * std::pow(10.0, mix.snr_db / 10.0)));
        for (uint64_t i = 0; i < region; ++i) mixed[i] += gain * n[i];
      }
    }
    out.audio.reserve(out.audio.size() + region);
    for (double v : mixed) out.audio.push_back(to_int16(v));
    EmbeddedKeyword t;
    t.label = clip_labels[spec.clips[k]];
    t.clip = clip.path;
    t.clip_start = base + before;
    t.word_start = t.clip_start + ws;
    t.word_end = t.clip_start + we;
    t.hit_end =
        std::min(base + region - 1, t.word_end + static_cast<uint64_t>(mix.hit_after_s * rate));
    out.truth.push_back(std::move(t));
  }
  return Result<BuiltStream>::success(std::move(out));
}

}  // namespace kws::eval
