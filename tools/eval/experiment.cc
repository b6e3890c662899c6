#include "tools/eval/experiment.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <thread>

#include "daemon/audio/audio_file.h"

namespace kws::eval {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

Result<std::vector<double>> parse_number_list(const std::string& text, const std::string& what) {
  using R = Result<std::vector<double>>;
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || end == item.c_str() || *end != '\0' || !std::isfinite(v)) {
      return R::failure(what + ": '" + item + "' is not a number");
    }
    out.push_back(v);
  }
  if (out.empty()) return R::failure(what + ": empty list");
  return R::success(std::move(out));
}

Result<std::unique_ptr<Experiment>> run_experiment(const ExperimentOptions& o) {
  using R = Result<std::unique_ptr<Experiment>>;
  const auto wall0 = std::chrono::steady_clock::now();
  auto ex = std::make_unique<Experiment>();
  ex->options = o;
  ex->threads = o.threads != 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  if (!o.config.empty()) {
    auto cfg = config::load_config(o.config);
    if (!cfg) return R::failure(cfg.error());
    ex->config = std::make_shared<const config::Config>(std::move(*cfg));
  }
  if (o.model.empty()) return R::failure("--model is required");
  auto m1 = load_model(o.model, o.sidecar, ex->config.get());
  if (!m1) return R::failure(m1.error());
  ex->stage1 = *m1;
  const ModelInfo& info = ex->stage1->info;
  const uint32_t rate = info.frontend.sample_rate;
  if (!o.stage2_model.empty()) {
    auto m2 = load_model(o.stage2_model, o.stage2_sidecar, nullptr);
    if (!m2) return R::failure("stage 2: " + m2.error());
    ex->stage2 = *m2;
    ex->cascade.stage2 = ex->stage2;
    const double frames = o.stage2_delay_ms * rate / 1000.0 / info.frontend.hop_samples;
    ex->cascade.delay_frames = static_cast<uint32_t>(std::lround(std::max(0.0, frames)));
    if (o.stage2_threshold >= 0.0f) {
      ex->cascade.thresholds.assign(info.num_labels, o.stage2_threshold);
    } else if (ex->config != nullptr && !ex->config->stage2.keywords.empty()) {
      // The config's stage2.keywords thresholds, as the daemon applies them;
      // other keywords keep the stage-2 model's.
      const ModelInfo& i2 = ex->stage2->info;
      ex->cascade.thresholds.assign(info.num_labels, 0.0f);
      for (uint32_t i = 0; i < info.num_labels; ++i) {
        const int j = i2.label_index(info.labels[i]);
        if (j >= 0) ex->cascade.thresholds[i] = i2.keywords[j].threshold;
      }
      for (const auto& [name, k] : ex->config->stage2.keywords) {
        const int i = info.label_index(name.c_str());
        if (i < 0) {
          return R::failure(k.where + ": stage2.keywords." + name + ": not a label of " + o.model);
        }
        if (k.threshold) ex->cascade.thresholds[static_cast<size_t>(i)] = *k.threshold;
      }
    }
  }

  // Positives: keyword names must be stage-1 labels.
  if (o.positives.empty()) return R::failure("--positives is required");
  auto clips = list_positives(o.positives, o.split);
  if (!clips) return R::failure(clips.error());
  ex->clips = std::move(*clips);
  for (const LabelledClip& c : ex->clips) {
    int found = -1;
    for (uint32_t i = 0; i < info.num_labels; ++i) {
      if (lower(info.labels[i]) == lower(c.keyword)) found = static_cast<int>(i);
    }
    if (found < 0 || !info.keywords[found].is_keyword) {
      std::string labels;
      for (uint32_t i = 0; i < info.num_labels; ++i) {
        if (info.keywords[i].is_keyword)
          labels += std::string(labels.empty() ? "" : ", ") + info.labels[i];
      }
      return R::failure("positives: keyword '" + c.keyword + "' (" + c.path +
                        ") is not a keyword of " + o.model + " (its keywords: " + labels + ")");
    }
    ex->clip_labels.push_back(static_cast<uint32_t>(found));
  }
  ex->keywords = ex->clip_labels;
  std::sort(ex->keywords.begin(), ex->keywords.end());
  ex->keywords.erase(std::unique(ex->keywords.begin(), ex->keywords.end()), ex->keywords.end());

  // Background noise for the positives and under the negatives.
  std::vector<NoiseClip> noise;
  if (!std::isnan(o.mix.snr_db) || !std::isnan(o.mix.negative_snr_db)) {
    if (o.noise.empty()) {
      return R::failure(
          "--noise is required for --snr and --negatives-snr (or give --snr clean for no "
          "background under either)");
    }
    auto files = list_negatives(o.noise, Split::kAll);
    if (!files) return R::failure("noise: " + files.error());
    for (const NegativeFile& f : *files) {
      auto x = audio::read_audio_file(f.path, rate);
      if (!x) return R::failure("noise: " + x.error());
      if (x->empty()) continue;
      NoiseClip n;
      n.path = f.path;
      ex->noise_files.push_back(f.path);
      n.samples.reserve(x->size());
      for (int16_t v : *x) n.samples.push_back(static_cast<float>(v) / 32768.0f);
      noise.push_back(std::move(n));
    }
    if (noise.empty()) return R::failure("noise: every noise file is empty");
  }

  if (o.negatives.empty()) return R::failure("--negatives is required (long non-keyword audio)");
  auto negs = list_negatives(o.negatives, o.split);
  if (!negs) return R::failure(negs.error());
  auto neg_specs = plan_negative_streams(*negs, o.max_stream_s);
  if (!neg_specs) return R::failure(neg_specs.error());
  double planned_h = 0.0;
  for (const StreamSpec& s : *neg_specs) planned_h += s.planned_s / 3600.0;
  if (planned_h < o.required_negative_hours) {
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "negative audio is %.3g h (1 false accept = %.3g FA/h), shorter than the "
                  "%.3g h ",
                  planned_h, planned_h > 0.0 ? 1.0 / planned_h : INFINITY,
                  o.required_negative_hours);
    return R::failure(buf + o.required_because);
  }
  std::vector<StreamSpec> specs = plan_positive_streams(ex->clips, o.clips_per_stream);
  specs.insert(specs.end(), neg_specs->begin(), neg_specs->end());

  // One runner per thread, built lazily on that thread.
  std::vector<std::unique_ptr<StreamRunner>> runners(ex->threads);
  std::vector<std::string> errors(ex->threads);
  ex->streams.resize(specs.size());
  parallel_for(specs.size(), ex->threads, "streams", [&](size_t i, unsigned t) {
    StreamResult& out = ex->streams[i];
    out.spec = specs[i];
    if (runners[t] == nullptr) {
      auto r = StreamRunner::create(ex->stage1, ex->cascade);
      if (!r) {
        out.error = r.error();
        return;
      }
      runners[t] = std::move(*r);
    }
    auto built = specs[i].positive ? build_positive_stream(specs[i], ex->clips, ex->clip_labels,
                                                           noise, o.mix, rate)
                                   : build_negative_stream(specs[i], noise, o.mix, rate);
    if (!built) {
      out.error = built.error();
      return;
    }
    out.truth = std::move(built->truth);
    out.warnings = std::move(built->warnings);
    runners[t]->run(built->audio, o.chunk_samples, &out);
  });
  for (const StreamResult& s : ex->streams) {
    if (!s.error.empty()) return R::failure(s.error);
    ex->warnings.insert(ex->warnings.end(), s.warnings.begin(), s.warnings.end());
    const double h = static_cast<double>(s.samples) / rate / 3600.0;
    (s.spec.positive ? ex->positive_hours : ex->negative_hours) += h;
  }
  ex->wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return R::success(std::move(ex));
}

namespace {

std::string noise_description(const Experiment& ex, double snr_db) {
  std::ostringstream r;
  r << "in background noise at " << snr_db << " dB SNR (seed " << ex.options.mix.seed << ") from "
    << ex.noise_files.size() << " noise file(s):";
  for (const std::string& f : ex.noise_files) {
    const size_t slash = f.find_last_of('/');
    r << " " << (slash == std::string::npos ? f : f.substr(slash + 1));
  }
  r << " (--noise";
  for (const std::string& n : ex.options.noise) r << " `" << n << "`";
  r << ")";
  return r.str();
}

}  // namespace

std::string describe_positive_condition(const Experiment& ex) {
  if (std::isnan(ex.options.mix.snr_db)) return "clean (no background)";
  return noise_description(ex, ex.options.mix.snr_db);
}

std::string describe_negative_condition(const Experiment& ex) {
  if (std::isnan(ex.options.mix.negative_snr_db)) {
    return "clean (as recorded, no background added: --negatives-snr clean)";
  }
  std::ostringstream r;
  r << noise_description(ex, ex.options.mix.negative_snr_db)
    << ", same rule as the positives on parts of at most " << ex.options.mix.negative_segment_s
    << " s";
  return r.str();
}

const std::set<std::string>& experiment_flags() {
  static const std::set<std::string> flags = {"--model",
                                              "--sidecar",
                                              "--config",
                                              "--stage2",
                                              "--stage2-sidecar",
                                              "--stage2-delay-ms",
                                              "--stage2-threshold",
                                              "--positives",
                                              "--negatives",
                                              "--noise",
                                              "--snr",
                                              "--negatives-snr",
                                              "--gap-s",
                                              "--seed",
                                              "--split",
                                              "--threads",
                                              "--chunk",
                                              "--max-stream-s",
                                              "--clips-per-stream"};
  return flags;
}

const char* const kExperimentUsage =
    "  --model M.tflite          stage-1 model (required); --sidecar S.yaml if it has no metadata\n"
    "  --config kwsd.yaml        apply its model overrides, stage1 settings and (with --stage2)\n"
    "                            stage2.keywords thresholds\n"
    "  --stage2 M2.tflite        stage-2 model (cascade); --stage2-sidecar S2.yaml\n"
    "  --stage2-delay-ms MS      stage 2 decides this long after the trigger (default 200)\n"
    "  --stage2-threshold T      one stage-2 threshold for every keyword (default: the model's)\n"
    "  --positives DIR|TSV       keyword folders (DIR/<keyword>/*.flac) or a clip<TAB>keyword "
    "manifest\n"
    "  --negatives PATH          non-keyword audio, file or folder (repeat for more)\n"
    "  --noise PATH              background for the positives, file or folder (repeat)\n"
    "  --snr DB|clean            speech-to-background ratio of the positives and, unless\n"
    "                            --negatives-snr says otherwise, of the negatives (default 10)\n"
    "  --negatives-snr DB|clean  the same for the negatives (default: --snr)\n"
    "  --gap-s S                 background between positives (default 2)\n"
    "  --seed N                  background choice (default 1)\n"
    "  --split all|tune|eval     file split (FNV-1a 64 of the relative path: even tune, odd eval)\n"
    "  --threads N               worker threads (default: all cores)\n"
    "  --chunk N                 samples per push (default 1600)\n"
    "  --max-stream-s S          negatives are concatenated into streams of at most S (600)\n"
    "  --clips-per-stream N      positives per stream (16)\n";

Result<ExperimentOptions> experiment_options(const CliArgs& a) {
  using R = Result<ExperimentOptions>;
  ExperimentOptions o;
  o.model = a.get("--model");
  o.sidecar = a.get("--sidecar");
  o.config = a.get("--config");
  o.stage2_model = a.get("--stage2");
  o.stage2_sidecar = a.get("--stage2-sidecar");
  o.positives = a.get("--positives");
  o.negatives = a.all("--negatives");
  o.noise = a.all("--noise");
  auto number = [&](const std::string& flag, double def, double lo, double hi) -> Result<double> {
    if (!a.has(flag)) return Result<double>::success(def);
    auto v = parse_number_list(a.get(flag), flag);
    if (!v) return Result<double>::failure(v.error());
    if (v->size() != 1 || (*v)[0] < lo || (*v)[0] > hi) {
      return Result<double>::failure(flag + ": want one number in " + std::to_string(lo) + ".." +
                                     std::to_string(hi));
    }
    return Result<double>::success((*v)[0]);
  };
  struct NumFlag {
    const char* flag;
    double def, lo, hi;
    double* out;
  };
  double threshold = -1.0, threads = 0, chunk = 1600, per_stream = 16, seed = 1;
  const NumFlag nums[] = {
      {"--stage2-delay-ms", 200.0, 0.0, 10000.0, &o.stage2_delay_ms},
      {"--stage2-threshold", -1.0, 0.0, 1.0, &threshold},
      {"--gap-s", 2.0, 0.5, 60.0, &o.mix.gap_s},
      {"--seed", 1.0, 0.0, 1e15, &seed},
      {"--threads", 0.0, 0.0, 1024.0, &threads},
      {"--chunk", 1600.0, 1.0, 1e7, &chunk},
      {"--max-stream-s", 600.0, 1.0, 1e6, &o.max_stream_s},
      {"--clips-per-stream", 16.0, 1.0, 1e6, &per_stream},
  };
  for (const NumFlag& n : nums) {
    auto v = number(n.flag, n.def, n.lo, n.hi);
    if (!v) return R::failure(v.error());
    *n.out = *v;
  }
  o.stage2_threshold = static_cast<float>(threshold);
  o.threads = static_cast<unsigned>(threads);
  o.chunk_samples = static_cast<size_t>(chunk);
  o.clips_per_stream = static_cast<size_t>(per_stream);
  o.mix.seed = static_cast<uint64_t>(seed);
  auto snr = [&](const std::string& flag, double def) -> Result<double> {
    if (a.get(flag) == "clean") return Result<double>::success(std::nan(""));
    return number(flag, def, -30.0, 100.0);
  };
  auto positive_snr = snr("--snr", 10.0);
  if (!positive_snr) return R::failure(positive_snr.error());
  auto negative_snr = snr("--negatives-snr", *positive_snr);
  if (!negative_snr) return R::failure(negative_snr.error());
  o.mix.snr_db = *positive_snr;
  o.mix.negative_snr_db = *negative_snr;
  auto split = parse_split(a.get("--split", "all"));
  if (!split) return R::failure(split.error());
  o.split = *split;
  return R::success(std::move(o));
}

}  // namespace kws::eval
