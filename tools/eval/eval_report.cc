#include "tools/eval/eval_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <strings.h>

namespace kws::eval {

namespace fs = std::filesystem;

std::vector<float> default_threshold_grid() {
  std::vector<float> t;
  for (int i = 1; i <= 18; ++i) t.push_back(0.05f * static_cast<float>(i));  // 0.05..0.90
  for (int i = 91; i <= 99; ++i) t.push_back(0.01f * static_cast<float>(i));
  for (int i = 992; i <= 998; i += 2) t.push_back(0.001f * static_cast<float>(i));
  return t;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

std::string pct(double v) { return fmt("%.1f %%", 100.0 * v); }

std::string latency_text(const SweepPoint& p) {
  if (p.latencies_s.empty()) return "-";
  return fmt("%.0f", 1000.0 * percentile(p.latencies_s, 0.5)) + " / " +
         fmt("%.0f", 1000.0 * percentile(p.latencies_s, 0.95)) + " ms";
}

TriggerPoint configured_point(const ModelInfo& info, uint32_t label) {
  TriggerPoint p;
  p.smoothing_frames = info.smoothing_frames;
  p.min_count = info.keywords[label].min_count;
  p.refractory_ms = info.keywords[label].refractory_ms;
  p.threshold = info.keywords[label].threshold;
  return p;
}

// Online events of one label as sorted sample positions.
std::vector<uint64_t> online_samples(const std::vector<Event>& events, uint32_t label,
                                     bool decision) {
  std::vector<uint64_t> v;
  for (const Event& e : events) {
    if (e.label_index == label) v.push_back(decision ? e.decision_sample_index : e.sample_index);
  }
  std::sort(v.begin(), v.end());
  return v;
}

size_t mismatches(std::vector<uint64_t> a, std::vector<uint64_t> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<uint64_t> d;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(d));
  return d.size();
}

std::string plot_script() {
  if (const char* env = std::getenv("KWS_EVAL_PLOT_SCRIPT")) return env;
  return KWS_EVAL_PLOT_SCRIPT_DEFAULT;
}

}  // namespace

Result<EvalResult> evaluate(const Experiment& ex, const EvalOptions& opt) {
  using R = Result<EvalResult>;
  EvalResult res;
  const ModelInfo& info = ex.stage1->info;
  const uint32_t rate = info.frontend.sample_rate;
  SweepData data;
  data.streams = &ex.streams;
  data.sample_rate = rate;
  data.negative_hours = ex.negative_hours;
  const std::vector<float> grid =
      opt.thresholds.empty() ? default_threshold_grid() : opt.thresholds;
  std::unique_ptr<Stage2Scores> scores;
  if (ex.stage2 != nullptr) {
    scores = std::make_unique<Stage2Scores>(ex.stage1, ex.stage2, ex.cascade.delay_frames);
    // Reuse what the online run already computed.
    for (size_t si = 0; si < ex.streams.size(); ++si) {
      const StreamResult& s = ex.streams[si];
      for (const Stage2Decision& d : s.decisions) {
        auto it =
            std::lower_bound(s.frame_samples.begin(), s.frame_samples.end(), d.decision_sample);
        if (it == s.frame_samples.end() || *it != d.decision_sample) continue;
        scores->seed({si, d.label, static_cast<size_t>(it - s.frame_samples.begin())}, d.score);
      }
    }
  }
  auto stage2_threshold = [&](uint32_t label) {
    if (!ex.cascade.thresholds.empty()) return ex.cascade.thresholds[label];
    const ModelInfo& i2 = ex.stage2->info;
    for (uint32_t j = 0; j < i2.num_labels; ++j) {
      if (strcasecmp(i2.labels[j], info.labels[label]) == 0) return i2.keywords[j].threshold;
    }
    return -1.0f;
  };

  for (uint32_t label : ex.keywords) {
    KeywordResult kr;
    kr.label = label;
    kr.keyword = info.labels[label];
    const TriggerPoint base = configured_point(info, label);
    kr.stage1_online = sweep_stage1(data, label, base, {base.threshold}).front();
    kr.stage1_sweep = sweep_stage1(data, label, base, grid);
    // The replay must reproduce the online run's triggers exactly.
    {
      const auto smoothed_fires = [&](const StreamResult& s) {
        std::vector<uint64_t> v;
        for (const Fire& f : simulate_trigger(
                 s, label, smooth_label(s, label, base.smoothing_frames), base, rate)) {
          v.push_back(f.sample);
        }
        return v;
      };
      for (const StreamResult& s : ex.streams) {
        kr.online_mismatches +=
            mismatches(online_samples(s.stage1_events, label, false), smoothed_fires(s));
      }
    }
    if (ex.stage2 != nullptr) {
      const float t2 = stage2_threshold(label);
      auto online =
          sweep_cascade(data, label, base, {base.threshold}, {t2}, scores.get(), ex.threads);
      if (!online) return R::failure(online.error());
      kr.cascade_online = online->front();
      std::vector<float> t1s;
      for (float t : grid) {
        if (t >= opt.cascade_min_stage1_threshold) t1s.push_back(t);
      }
      if (std::find(t1s.begin(), t1s.end(), base.threshold) == t1s.end()) {
        t1s.push_back(base.threshold);
      }
      auto sweep = sweep_cascade(data, label, base, t1s, grid, scores.get(), ex.threads);
      if (!sweep) return R::failure(sweep.error());
      kr.cascade_sweep = std::move(*sweep);
      // Online cascade events vs the replay (decision times).
      for (size_t si = 0; si < ex.streams.size(); ++si) {
        const StreamResult& s = ex.streams[si];
        std::vector<uint64_t> replay;
        for (const Fire& f : simulate_trigger(
                 s, label, smooth_label(s, label, base.smoothing_frames), base, rate)) {
          const size_t end = scores->end_frame(s, f.frame);
          if (scores->score({si, label, end}) >= t2) replay.push_back(s.frame_samples[end]);
        }
        kr.online_mismatches += mismatches(online_samples(s.final_events, label, true), replay);
      }
    }
    res.keywords.push_back(std::move(kr));
  }

  // Compute cost of the online run.
  double cpu = 0.0, cpu2 = 0.0, audio_s = 0.0;
  uint64_t runs = 0;
  for (const StreamResult& s : ex.streams) {
    cpu += s.cpu_push_s;
    cpu2 += s.cpu_stage2_s;
    runs += s.stage2_runs;
    audio_s += static_cast<double>(s.samples) / rate;
  }
  res.rtf_total = audio_s > 0.0 ? cpu / audio_s : 0.0;
  res.stage2_share = cpu > 0.0 ? cpu2 / cpu : 0.0;

  // The report.
  std::ostringstream r;
  const double resolution = ex.negative_hours > 0.0 ? 1.0 / ex.negative_hours : 0.0;
  r << "# kws-eval report\n\n";
  if (!opt.command_line.empty()) r << "Command:\n\n```\n" << opt.command_line << "\n```\n\n";
  r << "- stage 1: `" << ex.stage1->path << "` (" << ex.stage1->origin << ")";
  if (ex.config) r << ", settings from `" << ex.config->source << "`";
  r << "\n";
  if (ex.stage2) {
    r << "- stage 2: `" << ex.stage2->path << "` (" << ex.stage2->origin << "), window "
      << ex.stage2->info.window_frames << " frames, decides " << ex.cascade.delay_frames
      << " frames (" << ex.cascade.delay_frames * info.frontend.hop_samples * 1000.0 / rate
      << " ms) after the stage-1 trigger\n";
  } else {
    r << "- stage 2: none (stage 1 alone)\n";
  }
  size_t clips_used = 0;
  for (const StreamResult& s : ex.streams) clips_used += s.truth.size();
  r << "- split: " << split_name(ex.options.split) << "\n";
  r << "- positives: " << clips_used << " clips from `" << ex.options.positives << "` ("
    << fmt("%.2f", ex.positive_hours) << " h of streams), ";
  r << describe_positive_condition(ex) << ", " << ex.options.mix.gap_s << " s apart\n";
  r << "- negatives: " << fmt("%.3f", ex.negative_hours) << " h from";
  for (const std::string& n : ex.options.negatives) r << " `" << n << "`";
  r << "\n- **negative condition: " << describe_negative_condition(ex) << "**";
  r << "\n- **resolution: 1 false accept = " << fmt("%.3g", resolution) << " FA/h on this set**\n";
  r << "- run: " << ex.streams.size() << " streams on " << ex.threads << " threads, "
    << fmt("%.1f", ex.wall_s) << " s wall\n\n";

  r << "## Configured operating point (as the daemon would run it)\n\n";
  r << "| keyword | system | thresholds | FRR | false accepts | FA/h | latency median / p95 |\n";
  r << "|---|---|---|---|---|---|---|\n";
  for (const KeywordResult& k : res.keywords) {
    const SweepPoint& a = k.stage1_online;
    r << "| " << k.keyword << " | stage 1 | " << fmt("%.3f", a.stage1.threshold) << " | "
      << pct(a.frr) << " (" << a.positives - a.hits << "/" << a.positives << ") | "
      << a.false_accepts << " | " << fmt("%.2f", a.fa_per_hour) << " | " << latency_text(a)
      << " |\n";
    if (ex.stage2) {
      const SweepPoint& c = k.cascade_online;
      r << "| " << k.keyword << " | cascade | " << fmt("%.3f", c.stage1.threshold) << " / "
        << fmt("%.3f", c.stage2_threshold) << " | " << pct(c.frr) << " (" << c.positives - c.hits
        << "/" << c.positives << ") | " << c.false_accepts << " | " << fmt("%.2f", c.fa_per_hour)
        << " | " << latency_text(c) << " |\n";
    }
  }
  size_t total_mismatch = 0;
  for (const KeywordResult& k : res.keywords) total_mismatch += k.online_mismatches;
  r << "\nOffline replay vs online run: "
    << (total_mismatch == 0 ? "identical events"
                            : std::to_string(total_mismatch) + " differ (a bug)")
    << ". Latency: event time minus the energy-located end of the word (cascade: when stage 2 "
       "decided).\n\n";

  r << "## FRR at fixed false-accept rates (threshold sweep)\n\n";
  r << "| keyword | system |";
  for (double t : opt.targets_fa_per_hour) r << " FRR @ " << fmt("%g", t) << " FA/h |";
  r << "\n|---|---|";
  for (size_t i = 0; i < opt.targets_fa_per_hour.size(); ++i) r << "---|";
  r << "\n";
  std::vector<std::string> notes;
  for (const KeywordResult& k : res.keywords) {
    for (int sys = 0; sys < (ex.stage2 ? 2 : 1); ++sys) {
      const auto& pts = sys == 0 ? k.stage1_sweep : k.cascade_sweep;
      r << "| " << k.keyword << " | " << (sys == 0 ? "stage 1" : "cascade") << " |";
      for (double t : opt.targets_fa_per_hour) {
        if (t < resolution - 1e-12) {
          const SweepPoint* z = best_at(pts, 0.0);
          r << " n/a (" << (z ? pct(z->frr) + " at 0 FA" : "-") << ") |";
          continue;
        }
        const SweepPoint* b = best_at(pts, t);
        if (b == nullptr) {
          r << " - |";
          continue;
        }
        r << " " << pct(b->frr) << " (t=" << fmt("%.3f", b->stage1.threshold);
        if (sys == 1) r << "/" << fmt("%.3f", b->stage2_threshold);
        r << ", " << b->false_accepts << " FA) |";
      }
      r << "\n";
    }
  }
  for (double t : opt.targets_fa_per_hour) {
    if (t < resolution - 1e-12) {
      notes.push_back("FRR at " + fmt("%g", t) + " FA/h needs at least " + fmt("%.3g", 1.0 / t) +
                      " h of negatives; this set has " + fmt("%.3g", ex.negative_hours) +
                      " h (1 FA = " + fmt("%.3g", resolution) +
                      " FA/h), so that column shows the FRR at zero false accepts instead.");
    }
  }
  r << "\nt = stage-1 threshold (/ stage-2 threshold). Sweep: " << grid.size()
    << " thresholds from " << fmt("%.3f", grid.front()) << " to " << fmt("%.3f", grid.back());
  if (ex.stage2) {
    r << "; cascade: stage-1 thresholds >= " << fmt("%.2f", opt.cascade_min_stage1_threshold)
      << " x every stage-2 threshold";
  }
  r << ". Smoothing, min count and refractory time as configured.\n";
  for (const std::string& n : notes) r << "\n" << n << "\n";

  r << "\n## Compute (online run, thread CPU time)\n\n";
  r << "- real-time factor of the whole pipeline: " << fmt("%.4f", res.rtf_total) << " ("
    << fmt("%.1f", res.rtf_total > 0 ? 1.0 / res.rtf_total : 0.0)
    << "x faster than real time on one core)\n";
  if (ex.stage2) {
    r << "- stage 2: " << runs << " runs ("
      << fmt("%.1f", static_cast<double>(runs) / std::max(1e-9, audio_s / 3600.0))
      << " per hour of audio), " << fmt("%.2f", 100.0 * res.stage2_share)
      << " % of the pipeline's CPU time ("
      << fmt("%.2f", 100.0 * cpu2 / std::max(1e-12, cpu - cpu2)) << " % on top of stage 1)\n";
  }
  if (!ex.warnings.empty()) {
    r << "\n## Skipped clips\n\n";
    for (const std::string& w : ex.warnings) r << "- " << w << "\n";
  }
  res.report = r.str();

  if (!opt.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(opt.out_dir, ec);
    if (ec) return R::failure(opt.out_dir + ": cannot create: " + ec.message());
    std::ofstream(opt.out_dir + "/report.md") << res.report;
    std::ofstream csv(opt.out_dir + "/det.csv");
    csv << "keyword,system,stage1_threshold,stage2_threshold,smoothing_frames,min_count,"
           "positives,misses,frr,false_accepts,fa_per_hour,on_det_front\n";
    for (const KeywordResult& k : res.keywords) {
      for (int sys = 0; sys < 2; ++sys) {
        const auto& pts = sys == 0 ? k.stage1_sweep : k.cascade_sweep;
        const auto front = det_front(pts);
        for (const SweepPoint& p : pts) {
          bool on = false;
          for (const SweepPoint& f : front) {
            on = on || (f.stage1.threshold == p.stage1.threshold &&
                        f.stage2_threshold == p.stage2_threshold);
          }
          csv << k.keyword << "," << (sys == 0 ? "stage1" : "cascade") << "," << p.stage1.threshold
              << "," << p.stage2_threshold << "," << p.stage1.smoothing_frames << ","
              << p.stage1.min_count << "," << p.positives << "," << p.positives - p.hits << ","
              << p.frr << "," << p.false_accepts << "," << p.fa_per_hour << "," << (on ? 1 : 0)
              << "\n";
        }
      }
    }
    csv.close();
    std::ofstream ev(opt.out_dir + "/events.tsv");
    ev << "stream\tkeyword\tstage\ttrigger_s\tdecision_s\tscore\tstage2_score\n";
    for (const StreamResult& s : ex.streams) {
      for (const Event& e : s.final_events) {
        ev << s.spec.name << "\t" << e.keyword << "\t" << e.stage << "\t"
           << static_cast<double>(e.sample_index) / rate << "\t"
           << static_cast<double>(e.decision_sample_index) / rate << "\t" << e.score << "\t"
           << e.stage2_score << "\n";
      }
    }
    ev.close();
    if (opt.plot) {
      const std::string cmd = "/usr/bin/python3 '" + plot_script() + "' '" + opt.out_dir +
                              "/det.csv' '" + opt.out_dir + "/det.png' " + fmt("%.6g", resolution) +
                              " >&2";
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr,
                     "kws-eval: the DET plot failed (needs /usr/bin/python3 with "
                     "matplotlib); det.csv is complete\n");
      }
    }
  }
  return R::success(std::move(res));
}

}  // namespace kws::eval
