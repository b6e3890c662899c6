#include "config/model_keys.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace kws::config {

namespace {

// Thrown inside this file only; build() turns it into a message.
struct KeyProblem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::string_view kScalarKeys[] = {
    "kwsd_metadata",  "features",      "sample_rate",   "window_samples",   "hop_samples",
    "fft_size",       "window",        "spectrum",      "mel_bins",         "fmin",
    "fmax",           "log_offset",    "num_mfcc",      "quant_scale",      "quant_zero_point",
    "quant_rounding", "window_frames", "stride_frames", "smoothing_frames",
};
constexpr std::string_view kPerLabelKeys[] = {"threshold", "min_count", "refractory_ms"};

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    out.push_back(trim(value.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

double parse_double(const std::string& v, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE || !std::isfinite(d)) {
    throw KeyProblem("expected a number, got '" + v + "'");
  }
  if (d < lo || d > hi) {
    char buf[96];
    std::snprintf(buf, sizeof buf, " is out of range [%g, %g]", lo, hi);
    throw KeyProblem(v + buf);
  }
  return d;
}

int64_t parse_int(const std::string& v, int64_t lo, int64_t hi) {
  char* end = nullptr;
  errno = 0;
  const long long d = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || end != v.c_str() + v.size() || errno == ERANGE) {
    throw KeyProblem("expected an integer, got '" + v + "'");
  }
  if (d < lo || d > hi) {
    throw KeyProblem(v + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "]");
  }
  return d;
}

uint32_t parse_u32(const std::string& v, uint32_t lo, uint32_t hi) {
  return static_cast<uint32_t>(parse_int(v, lo, hi));
}

float parse_float(const std::string& v, double lo, double hi) {
  return static_cast<float>(parse_double(v, lo, hi));
}

void set_labels(ModelInfo* info, const std::string& value) {
  const std::vector<std::string> labels = split_list(value);
  if (labels.size() > kMaxLabels) {
    throw KeyProblem(std::to_string(labels.size()) + " labels, at most " +
                     std::to_string(kMaxLabels));
  }
  ModelInfo fresh_defaults;
  info->num_labels = 0;
  std::memset(info->labels, 0, sizeof info->labels);
  for (const std::string& label : labels) {
    if (label.empty()) throw KeyProblem("empty label in '" + value + "'");
    if (label.size() >= kMaxLabelLength) {
      throw KeyProblem("label '" + label + "' is longer than " +
                       std::to_string(kMaxLabelLength - 1) + " characters");
    }
    for (uint32_t i = 0; i < info->num_labels; ++i) {
      if (label == info->labels[i]) throw KeyProblem("duplicate label '" + label + "'");
    }
    const uint32_t i = info->num_labels++;
    std::memcpy(info->labels[i], label.c_str(), label.size() + 1);
    info->keywords[i] = fresh_defaults.keywords[i];
    info->keywords[i].is_keyword = is_default_keyword_label(label);
  }
}

int find_label(const ModelInfo& info, std::string_view name) {
  for (uint32_t i = 0; i < info.num_labels && i < kMaxLabels; ++i) {
    if (name == info.labels[i]) return static_cast<int>(i);
  }
  return -1;
}

void set_keywords(ModelInfo* info, const std::string& value) {
  if (info->num_labels == 0) throw KeyProblem("needs labels to be set first");
  for (uint32_t i = 0; i < info->num_labels; ++i) info->keywords[i].is_keyword = false;
  for (const std::string& name : split_list(value)) {
    const int i = find_label(*info, name);
    if (i < 0) throw KeyProblem("'" + name + "' is not one of the labels");
    info->keywords[i].is_keyword = true;
  }
}

template <typename E>
E parse_enum(const std::string& v, std::initializer_list<std::pair<std::string_view, E>> names) {
  std::string list;
  for (const auto& [name, e] : names) {
    if (v == name) return e;
    if (!list.empty()) list += ", ";
    list += name;
  }
  throw KeyProblem("'" + v + "' is not one of: " + list);
}

void set_scalar(ModelInfo* info, std::string_view key, const std::string& v) {
  FrontendConfig& fe = info->frontend;
  if (key == "kwsd_metadata") {
    if (parse_int(v, 1, 1) != 1) throw KeyProblem("unsupported version");
  } else if (key == "features") {
    fe.features = parse_enum<FeatureType>(v, {{"mfcc", FeatureType::kMfcc},
                                              {"logmel", FeatureType::kLogMel},
                                              {"micro", FeatureType::kMicro}});
  } else if (key == "sample_rate") {
    fe.sample_rate = parse_u32(v, 1000, 384000);
  } else if (key == "window_samples") {
    fe.window_samples = parse_u32(v, 1, 1u << 16);
  } else if (key == "hop_samples") {
    fe.hop_samples = parse_u32(v, 1, 1u << 16);
  } else if (key == "fft_size") {
    fe.fft_size = parse_u32(v, 2, 1u << 16);
  } else if (key == "window") {
    fe.window = parse_enum<WindowFunction>(v, {{"hann", WindowFunction::kHann},
                                               {"hamming", WindowFunction::kHamming},
                                               {"rectangular", WindowFunction::kRectangular}});
  } else if (key == "spectrum") {
    fe.spectrum = parse_enum<SpectrumType>(
        v, {{"magnitude", SpectrumType::kMagnitude}, {"power", SpectrumType::kPower}});
  } else if (key == "mel_bins") {
    fe.mel_bins = parse_u32(v, 1, 1024);
  } else if (key == "fmin") {
    fe.fmin_hz = parse_float(v, 0.0, 192000.0);
  } else if (key == "fmax") {
    fe.fmax_hz = parse_float(v, 0.0, 192000.0);
  } else if (key == "log_offset") {
    fe.log_offset = parse_float(v, 0.0, 1.0);
  } else if (key == "num_mfcc") {
    fe.num_mfcc = parse_u32(v, 1, 1024);
  } else if (key == "quant_scale") {
    fe.quant_scale = parse_float(v, 1e-9, 1e9);
  } else if (key == "quant_zero_point") {
    fe.quant_zero_point = static_cast<int32_t>(parse_int(v, -128, 127));
  } else if (key == "quant_rounding") {
    fe.quant_rounding = parse_enum<QuantRounding>(
        v,
        {{"half_away", QuantRounding::kHalfAwayFromZero}, {"truncate", QuantRounding::kTruncate}});
  } else if (key == "window_frames") {
    info->window_frames = parse_u32(v, 1, 10000);
  } else if (key == "stride_frames") {
    info->stride_frames = parse_u32(v, 1, 10000);
  } else if (key == "smoothing_frames") {
    info->smoothing_frames = parse_u32(v, 1, 10000);
  } else {
    throw KeyProblem("unknown key");
  }
}

void set_per_label(KeywordParams* k, std::string_view base_key, const std::string& v) {
  if (base_key == "threshold") {
    k->threshold = parse_float(v, 0.0, 1.0);
  } else if (base_key == "min_count") {
    k->min_count = parse_u32(v, 1, 10000);
  } else {
    k->refractory_ms = parse_u32(v, 0, 3600000);
  }
}

// "threshold.computer" -> ("threshold", "computer"); "threshold" -> ("threshold", "").
std::pair<std::string_view, std::string_view> split_per_label(std::string_view key) {
  for (std::string_view base : kPerLabelKeys) {
    if (key == base) return {base, {}};
    if (key.size() > base.size() + 1 && key.substr(0, base.size()) == base &&
        key[base.size()] == '.') {
      return {base, key.substr(base.size() + 1)};
    }
  }
  return {{}, {}};
}

}  // namespace

bool is_default_keyword_label(std::string_view label) {
  // Same rule as parse_model_metadata (case-sensitive), so a sidecar and the
  // embedded text describe a model identically.
  if (label.empty() || label[0] == '_') return false;
  return label != "silence" && label != "unknown";
}

bool ModelInfoBuilder::is_known_key(std::string_view key) {
  if (key == "labels" || key == "keywords") return true;
  for (std::string_view k : kScalarKeys) {
    if (key == k) return true;
  }
  return !split_per_label(key).first.empty();
}

std::string ModelInfoBuilder::set(std::string_view key, std::string_view value,
                                  std::string_view where) {
  if (!is_known_key(key)) {
    std::string message;
    if (!where.empty()) message = std::string(where) + ": ";
    return message + std::string(key) + ": unknown model key";
  }
  entries_.push_back(Entry{std::string(key), trim(value), std::string(where)});
  return {};
}

std::string ModelInfoBuilder::build(ModelInfo* out) const {
  ModelInfo info = base_;
  const Entry* current = nullptr;
  try {
    // Pass 1: labels and keywords; 2: scalar keys; 3: per-label defaults; 4: per-label.
    for (int pass = 0; pass < 5; ++pass) {
      for (const Entry& e : entries_) {
        current = &e;
        const auto [base_key, label] = split_per_label(e.key);
        if (pass == 0 && e.key == "labels") {
          set_labels(&info, e.value);
        } else if (pass == 1 && e.key == "keywords") {
          set_keywords(&info, e.value);
        } else if (pass == 2 && base_key.empty() && e.key != "labels" && e.key != "keywords") {
          set_scalar(&info, e.key, e.value);
        } else if (pass == 3 && !base_key.empty() && label.empty()) {
          if (info.num_labels == 0) throw KeyProblem("needs labels to be set");
          for (uint32_t i = 0; i < info.num_labels; ++i) {
            set_per_label(&info.keywords[i], base_key, e.value);
          }
        } else if (pass == 4 && !base_key.empty() && !label.empty()) {
          const int i = find_label(info, label);
          if (i < 0) throw KeyProblem("'" + std::string(label) + "' is not one of the labels");
          set_per_label(&info.keywords[i], base_key, e.value);
        }
      }
    }
  } catch (const KeyProblem& problem) {
    std::string message;
    if (current != nullptr && !current->where.empty()) message = current->where + ": ";
    if (current != nullptr) message += current->key + ": ";
    return message + problem.what();
  }
  *out = info;
  return {};
}

}  // namespace kws::config
