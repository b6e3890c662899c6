#include "tools/tune/tuning.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "config/config.h"
#include "tools/eval/eval_report.h"

namespace kws::tune {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), f, v);
  return buf;
}

// Better point for the target, or nullptr when p does not meet it.
bool meets(const eval::SweepPoint& p, const TuneOptions& o, double fa_limit) {
  return o.target_frr >= 0.0 ? p.frr <= o.target_frr + 1e-12 : p.fa_per_hour <= fa_limit + 1e-12;
}

bool better(const eval::SweepPoint& a, const eval::SweepPoint& b, const TuneOptions& o) {
  if (o.target_frr >= 0.0) {
    if (a.false_accepts != b.false_accepts) return a.false_accepts < b.false_accepts;
    if (std::fabs(a.frr - b.frr) > 1e-12) return a.frr < b.frr;
  } else {
    if (std::fabs(a.frr - b.frr) > 1e-12) return a.frr < b.frr;
    if (a.false_accepts != b.false_accepts) return a.false_accepts < b.false_accepts;
  }
  // Same quality: prefer the stricter setting (more margin against false accepts).
  if (a.stage1.threshold != b.stage1.threshold) return a.stage1.threshold > b.stage1.threshold;
  if (a.stage2_threshold != b.stage2_threshold) return a.stage2_threshold > b.stage2_threshold;
  return a.stage1.min_count > b.stage1.min_count;
}

// When nothing meets the target: the point closest to it.
bool closer(const eval::SweepPoint& a, const eval::SweepPoint& b, const TuneOptions& o) {
  if (o.target_frr >= 0.0) {
    if (std::fabs(a.frr - b.frr) > 1e-12) return a.frr < b.frr;
    return a.false_accepts < b.false_accepts;
  }
  if (a.false_accepts != b.false_accepts) return a.false_accepts < b.false_accepts;
  return a.frr < b.frr;
}

}  // namespace

Result<TuneResult> tune(const eval::Experiment& ex, const TuneOptions& o) {
  using R = Result<TuneResult>;
  TuneResult res;
  const ModelInfo& info = ex.stage1->info;
  res.resolution_fa_per_hour = ex.negative_hours > 0.0 ? 1.0 / ex.negative_hours : INFINITY;
  double fa_limit = o.target_fa_per_hour;
  if (o.target_frr < 0.0 && o.target_fa_per_hour < res.resolution_fa_per_hour - 1e-12) {
    if (!o.allow_zero_fa) {
      return R::failure(
          "negative audio is " + fmt("%.3g", ex.negative_hours) +
          " h: 1 false accept = " + fmt("%.3g", res.resolution_fa_per_hour) +
          " FA/h, too coarse for a target of " + fmt("%g", o.target_fa_per_hour) +
          " FA/h; give at least " + fmt("%.3g", 1.0 / o.target_fa_per_hour) +
          " h of negatives, or --allow-zero-fa to require zero false accepts on this set");
    }
    fa_limit = 0.0;
  }
  eval::SweepData data;
  data.streams = &ex.streams;
  data.sample_rate = info.frontend.sample_rate;
  data.negative_hours = ex.negative_hours;
  const std::vector<float> grid =
      o.thresholds.empty() ? eval::default_threshold_grid() : o.thresholds;
  std::unique_ptr<eval::Stage2Scores> scores;
  std::vector<float> stage1_grid = grid;
  if (ex.stage2 != nullptr) {
    scores = std::make_unique<eval::Stage2Scores>(ex.stage1, ex.stage2, ex.cascade.delay_frames);
    stage1_grid.clear();
    for (float t : grid) {
      if (t >= o.cascade_min_stage1_threshold) stage1_grid.push_back(t);
    }
    if (stage1_grid.empty())
      return R::failure("no stage-1 threshold in the grid is >= the minimum");
    res.stage2_model = ex.options.stage2_model;
    res.stage2_sidecar = ex.options.stage2_sidecar;
    res.stage2_delay_ms = ex.options.stage2_delay_ms;
  }
  // One stage's sweep or the cascade's, for one label at one trigger setting.
  auto sweep = [&](uint32_t label, const eval::TriggerPoint& base) {
    if (scores == nullptr) {
      return Result<std::vector<eval::SweepPoint>>::success(
          eval::sweep_stage1(data, label, base, grid));
    }
    return eval::sweep_cascade(data, label, base, stage1_grid, grid, scores.get(), ex.threads);
  };
  double best_total = INFINITY;
  for (uint32_t s : o.smoothing) {
    std::vector<KeywordChoice> choices;
    double total = 0.0;
    for (uint32_t label : ex.keywords) {
      KeywordChoice c;
      c.keyword = info.labels[label];
      bool have = false;
      c.met = false;
      for (uint32_t mc : o.min_count) {
        eval::TriggerPoint base;
        base.smoothing_frames = s;
        base.min_count = mc;
        base.refractory_ms = info.keywords[label].refractory_ms;
        auto points = sweep(label, base);
        if (!points) return R::failure(points.error());
        for (const eval::SweepPoint& p : *points) {
          const bool ok = meets(p, o, fa_limit);
          if (ok && (!c.met || better(p, c.point, o))) {
            c.point = p, c.met = true, have = true;
          } else if (!ok && !c.met && (!have || closer(p, c.point, o))) {
            c.point = p, have = true;
          }
        }
      }
      total += (c.met ? 0.0 : 1000.0) +
               (o.target_frr >= 0.0 ? static_cast<double>(c.point.false_accepts) : c.point.frr);
      choices.push_back(std::move(c));
    }
    if (total < best_total - 1e-12) {
      best_total = total;
      res.smoothing_frames = s;
      res.keywords = std::move(choices);
    }
  }
  std::ostringstream out;
  out << "Tuned on the '" << eval::split_name(ex.options.split) << "' split: " << ex.clips.size()
      << " positive clips, " << fmt("%.3f", ex.negative_hours)
      << " h of negatives (1 FA = " << fmt("%.3g", res.resolution_fa_per_hour) << " FA/h). Target: "
      << (o.target_frr >= 0.0 ? "FRR <= " + fmt("%.1f %%", 100.0 * o.target_frr)
                              : "FA/h <= " + fmt("%g", fa_limit))
      << ". smoothing_frames: " << res.smoothing_frames;
  const bool cascade = scores != nullptr;
  if (cascade) {
    out << ". Cascade with stage 2 `" << res.stage2_model << "`, deciding "
        << fmt("%g", res.stage2_delay_ms) << " ms after the trigger";
  }
  out << "\n\nPositives: " << eval::describe_positive_condition(ex)
      << ".\nNegative condition: " << eval::describe_negative_condition(ex) << ".\n\n";
  out << "| keyword | threshold | " << (cascade ? "stage-2 threshold | " : "")
      << "min_count | FRR | false accepts | FA/h | target met |\n";
  out << "|---|---|---|" << (cascade ? "---|" : "") << "---|---|---|---|\n";
  for (const KeywordChoice& c : res.keywords) {
    out << "| " << c.keyword << " | " << fmt("%.3f", c.point.stage1.threshold) << " | ";
    if (cascade) out << fmt("%.3f", c.point.stage2_threshold) << " | ";
    out << c.point.stage1.min_count << " | " << fmt("%.1f %%", 100.0 * c.point.frr) << " | "
        << c.point.false_accepts << " | " << fmt("%.2f", c.point.fa_per_hour) << " | "
        << (c.met ? "yes" : "NO (closest setting used)") << " |\n";
  }
  res.summary = out.str();
  return R::success(std::move(res));
}

Result<bool> write_config(const TuneResult& result, const std::string& base_config,
                          const std::string& model_path, const std::string& sidecar,
                          const ModelInfo& model_info, const std::string& header,
                          const std::string& out_path) {
  using R = Result<bool>;
  YAML::Node root;
  try {
    if (!base_config.empty()) {
      root = YAML::LoadFile(base_config);
    } else {
      root["model"]["path"] = std::filesystem::absolute(model_path).string();
      if (!sidecar.empty()) root["model"]["sidecar"] = std::filesystem::absolute(sidecar).string();
    }
    root["stage1"]["smoothing_frames"] = result.smoothing_frames;
    for (const KeywordChoice& c : result.keywords) {
      YAML::Node k = root["stage1"]["keywords"][c.keyword];
      k["threshold"] = fmt("%.4g", c.point.stage1.threshold);  // plain scalar, 4 digits
      k["min_count"] = c.point.stage1.min_count;
    }
    if (!result.stage2_model.empty()) {
      YAML::Node s2 = root["stage2"];
      s2["mode"] = "model";
      s2["model"]["path"] = std::filesystem::absolute(result.stage2_model).string();
      if (!result.stage2_sidecar.empty()) {
        s2["model"]["sidecar"] = std::filesystem::absolute(result.stage2_sidecar).string();
      }
      s2["delay_ms"] = static_cast<long>(std::lround(result.stage2_delay_ms));
      for (const KeywordChoice& c : result.keywords) {
        s2["keywords"][c.keyword]["threshold"] = fmt("%.4g", c.point.stage2_threshold);
      }
    }
  } catch (const YAML::Exception& e) {
    return R::failure((base_config.empty() ? out_path : base_config) + ": " + e.what());
  }
  YAML::Emitter emit;
  emit << root;
  std::ofstream out(out_path);
  if (!out) return R::failure(out_path + ": cannot write");
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
  out << emit.c_str() << "\n";
  out.close();
  if (!out) return R::failure(out_path + ": write failed");
  auto loaded = config::load_config(out_path);
  if (!loaded) return R::failure("the written config does not load: " + loaded.error());
  auto applied = config::apply_config(*loaded, model_info);
  if (!applied) return R::failure("the written config does not apply: " + applied.error());
  return R::success(true);
}

}  // namespace kws::tune
