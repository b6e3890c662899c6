#include "pipeline/model_info.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pipeline/frontend.h"

namespace kws {
namespace {

constexpr size_t kMaxValueLength = 64;

struct Text {
  const char* p;
  size_t n;
  bool eq(const char* s) const { return std::strlen(s) == n && std::memcmp(p, s, n) == 0; }
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

Text trim(Text t) {
  while (t.n > 0 && is_space(t.p[0])) ++t.p, --t.n;
  while (t.n > 0 && is_space(t.p[t.n - 1])) --t.n;
  return t;
}

bool label_char_ok(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
         u == '-' || u == '.' || u >= 0x80;
}

Status check_label(const char* label, size_t len, uint32_t index) {
  if (len == 0)
    return Status::Error(StatusCode::kInvalidArgument, "label %u is empty",
                         static_cast<unsigned>(index));
  if (len >= kMaxLabelLength) {
    return Status::Error(StatusCode::kInvalidArgument, "label %u longer than %zu bytes",
                         static_cast<unsigned>(index), kMaxLabelLength - 1);
  }
  for (size_t i = 0; i < len; ++i) {
    if (!label_char_ok(label[i])) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "label %u has a character outside [A-Za-z0-9_.-] and UTF-8",
                           static_cast<unsigned>(index));
    }
  }
  return Status::Ok();
}

bool default_keyword(const char* label) {
  return std::strcmp(label, "silence") != 0 && std::strcmp(label, "unknown") != 0 &&
         label[0] != '_';
}

bool parse_u32(Text v, uint32_t* out) {
  if (v.n == 0 || v.n > 10) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < v.n; ++i) {
    if (v.p[i] < '0' || v.p[i] > '9') return false;
    x = x * 10 + static_cast<uint64_t>(v.p[i] - '0');
  }
  if (x > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(x);
  return true;
}

bool parse_i32(Text v, int32_t* out) {
  bool neg = false;
  if (v.n > 0 && (v.p[0] == '-' || v.p[0] == '+')) {
    neg = v.p[0] == '-';
    ++v.p;
    --v.n;
  }
  uint32_t mag = 0;
  if (!parse_u32(v, &mag) || mag > 2147483647u) return false;
  *out = neg ? -static_cast<int32_t>(mag) : static_cast<int32_t>(mag);
  return true;
}

bool parse_float(Text v, float* out) {
  if (v.n == 0 || v.n >= kMaxValueLength) return false;
  char buf[kMaxValueLength];
  std::memcpy(buf, v.p, v.n);
  buf[v.n] = '\0';
  // Plain decimal only (no hex floats, inf or nan).
  for (size_t i = 0; i < v.n; ++i) {
    const char c = buf[i];
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      return false;
    }
  }
  char* end = nullptr;
  const float f = std::strtof(buf, &end);
  if (end != buf + v.n || !std::isfinite(f)) return false;
  *out = f;
  return true;
}

// Keys without a label suffix, in the order format writes them.
enum Key : uint32_t {
  kKeyVersion,
  kKeyLabels,
  kKeyKeywords,
  kKeyFeatures,
  kKeySampleRate,
  kKeyWindowSamples,
  kKeyHopSamples,
  kKeyFftSize,
  kKeyWindow,
  kKeySpectrum,
  kKeyMelBins,
  kKeyFmin,
  kKeyFmax,
  kKeyLogOffset,
  kKeyNumMfcc,
  kKeyQuantScale,
  kKeyQuantZeroPoint,
  kKeyQuantRounding,
  kKeyWindowFrames,
  kKeyStrideFrames,
  kKeySmoothingFrames,
  kKeyThreshold,
  kKeyMinCount,
  kKeyRefractoryMs,
  kNumKeys,
};

constexpr const char* kKeyNames[kNumKeys] = {
    "kwsd_metadata", "labels",           "keywords",
    "features",      "sample_rate",      "window_samples",
    "hop_samples",   "fft_size",         "window",
    "spectrum",      "mel_bins",         "fmin",
    "fmax",          "log_offset",       "num_mfcc",
    "quant_scale",   "quant_zero_point", "quant_rounding",
    "window_frames", "stride_frames",    "smoothing_frames",
    "threshold",     "min_count",        "refractory_ms",
};

// Per-keyword overridable keys (key.label=value).
enum LabelKey : uint32_t { kLabelThreshold, kLabelMinCount, kLabelRefractory, kNumLabelKeys };

struct Line {
  Text key;
  Text value;
  size_t number;
};

// Calls fn(line) for every key=value line; stops at the first error.
template <typename Fn>
Status for_each_line(const char* text, size_t len, Fn&& fn) {
  size_t pos = 0;
  size_t number = 0;
  while (pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n') ++end;
    ++number;
    Text line = trim(Text{text + pos, end - pos});
    pos = end + 1;
    if (line.n == 0 || line.p[0] == '#') continue;
    for (size_t i = 0; i < line.n; ++i) {
      if (line.p[i] == '\0') {
        return Status::Error(StatusCode::kInvalidArgument, "line %zu: NUL byte in metadata",
                             number);
      }
    }
    const char* eq = static_cast<const char*>(std::memchr(line.p, '=', line.n));
    if (eq == nullptr) {
      return Status::Error(StatusCode::kInvalidArgument, "line %zu: expected key=value", number);
    }
    Line l;
    l.key = trim(Text{line.p, static_cast<size_t>(eq - line.p)});
    l.value = trim(Text{eq + 1, line.n - static_cast<size_t>(eq - line.p) - 1});
    l.number = number;
    if (l.key.n == 0) {
      return Status::Error(StatusCode::kInvalidArgument, "line %zu: empty key", number);
    }
    KWS_RETURN_IF_ERROR(fn(l));
  }
  return Status::Ok();
}

// A key for messages: at most 40 bytes, printable.
struct KeyName {
  char s[48];
  explicit KeyName(Text t) {
    size_t n = t.n < 40 ? t.n : 40;
    for (size_t i = 0; i < n; ++i) {
      const char c = t.p[i];
      s[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    s[n] = '\0';
  }
};

Status bad_value(const Line& l, const char* what) {
  return Status::Error(StatusCode::kInvalidArgument, "line %zu: key '%s': %s", l.number,
                       KeyName(l.key).s, what);
}

struct Parser {
  ModelInfo info;
  bool seen[kNumKeys] = {};
  bool seen_label_key[kNumLabelKeys][kMaxLabels] = {};
  bool first = true;
  Text keywords{nullptr, 0};
  KeywordParams defaults;

  Status labels(const Line& l) {
    uint32_t count = 0;
    size_t pos = 0;
    while (true) {
      size_t end = pos;
      while (end < l.value.n && l.value.p[end] != ',') ++end;
      Text item = trim(Text{l.value.p + pos, end - pos});
      if (count == kMaxLabels) return bad_value(l, "more than 16 labels");
      Status s = check_label(item.p, item.n, count);
      if (!s.ok()) {
        return Status::Error(StatusCode::kInvalidArgument, "line %zu: key 'labels': %s", l.number,
                             s.message());
      }
      std::memcpy(info.labels[count], item.p, item.n);
      info.labels[count][item.n] = '\0';
      for (uint32_t j = 0; j < count; ++j) {
        if (std::strcmp(info.labels[j], info.labels[count]) == 0) {
          return bad_value(l, "duplicate label");
        }
      }
      ++count;
      if (end >= l.value.n) break;
      pos = end + 1;
    }
    info.num_labels = count;
    return Status::Ok();
  }

  Status u32(const Line& l, uint32_t* out) {
    return parse_u32(l.value, out) ? Status::Ok() : bad_value(l, "expected an unsigned integer");
  }
  Status f32(const Line& l, float* out) {
    return parse_float(l.value, out) ? Status::Ok()
                                     : bad_value(l, "expected a finite decimal number");
  }

  Status simple(const Line& l) {
    if (first) {
      first = false;
      if (!l.key.eq("kwsd_metadata")) {
        return Status::Error(StatusCode::kInvalidArgument,
                             "line %zu: first key must be kwsd_metadata, got '%s'", l.number,
                             KeyName(l.key).s);
      }
    }
    if (std::memchr(l.key.p, '.', l.key.n) != nullptr) return Status::Ok();  // pass 2
    uint32_t key = kNumKeys;
    for (uint32_t k = 0; k < kNumKeys; ++k) {
      if (l.key.eq(kKeyNames[k])) key = k;
    }
    if (key == kNumKeys) {
      return Status::Error(StatusCode::kInvalidArgument, "line %zu: unknown key '%s'", l.number,
                           KeyName(l.key).s);
    }
    if (seen[key]) return bad_value(l, "given twice");
    seen[key] = true;
    FrontendConfig& f = info.frontend;
    switch (static_cast<Key>(key)) {
      case kKeyVersion:
        if (!l.value.eq("1")) {
          return Status::Error(StatusCode::kUnsupported,
                               "line %zu: kwsd_metadata version '%s' unsupported (want 1)",
                               l.number, KeyName(l.value).s);
        }
        return Status::Ok();
      case kKeyLabels:
        return labels(l);
      case kKeyKeywords:
        keywords = l.value;
        return Status::Ok();
      case kKeyFeatures:
        if (l.value.eq("mfcc"))
          f.features = FeatureType::kMfcc;
        else if (l.value.eq("logmel"))
          f.features = FeatureType::kLogMel;
        else if (l.value.eq("micro"))
          f.features = FeatureType::kMicro;
        else
          return bad_value(l, "expected mfcc, logmel or micro");
        return Status::Ok();
      case kKeySampleRate:
        return u32(l, &f.sample_rate);
      case kKeyWindowSamples:
        return u32(l, &f.window_samples);
      case kKeyHopSamples:
        return u32(l, &f.hop_samples);
      case kKeyFftSize:
        return u32(l, &f.fft_size);
      case kKeyWindow:
        if (l.value.eq("hann"))
          f.window = WindowFunction::kHann;
        else if (l.value.eq("hamming"))
          f.window = WindowFunction::kHamming;
        else if (l.value.eq("rectangular"))
          f.window = WindowFunction::kRectangular;
        else
          return bad_value(l, "expected hann, hamming or rectangular");
        return Status::Ok();
      case kKeySpectrum:
        if (l.value.eq("magnitude"))
          f.spectrum = SpectrumType::kMagnitude;
        else if (l.value.eq("power"))
          f.spectrum = SpectrumType::kPower;
        else
          return bad_value(l, "expected magnitude or power");
        return Status::Ok();
      case kKeyMelBins:
        return u32(l, &f.mel_bins);
      case kKeyFmin:
        return f32(l, &f.fmin_hz);
      case kKeyFmax:
        return f32(l, &f.fmax_hz);
      case kKeyLogOffset:
        return f32(l, &f.log_offset);
      case kKeyNumMfcc:
        return u32(l, &f.num_mfcc);
      case kKeyQuantScale:
        return f32(l, &f.quant_scale);
      case kKeyQuantZeroPoint:
        return parse_i32(l.value, &f.quant_zero_point) ? Status::Ok()
                                                       : bad_value(l, "expected an integer");
      case kKeyQuantRounding:
        if (l.value.eq("half_away")) {
          f.quant_rounding = QuantRounding::kHalfAwayFromZero;
        } else if (l.value.eq("truncate")) {
          f.quant_rounding = QuantRounding::kTruncate;
        } else {
          return bad_value(l, "expected half_away or truncate");
        }
        return Status::Ok();
      case kKeyWindowFrames:
        return u32(l, &info.window_frames);
      case kKeyStrideFrames:
        return u32(l, &info.stride_frames);
      case kKeySmoothingFrames:
        return u32(l, &info.smoothing_frames);
      case kKeyThreshold:
        return f32(l, &defaults.threshold);
      case kKeyMinCount:
        return u32(l, &defaults.min_count);
      case kKeyRefractoryMs:
        return u32(l, &defaults.refractory_ms);
      case kNumKeys:
        break;
    }
    return Status::Error(StatusCode::kInternal, "line %zu: unhandled key", l.number);
  }

  Status apply_keywords() {
    if (!seen[kKeyLabels]) {
      return Status::Error(StatusCode::kInvalidArgument, "key 'labels' is missing");
    }
    for (uint32_t i = 0; i < info.num_labels; ++i) {
      info.keywords[i] = defaults;
      info.keywords[i].is_keyword = !seen[kKeyKeywords] && default_keyword(info.labels[i]);
    }
    if (!seen[kKeyKeywords] || keywords.n == 0) return Status::Ok();
    size_t pos = 0;
    while (true) {
      size_t end = pos;
      while (end < keywords.n && keywords.p[end] != ',') ++end;
      Text item = trim(Text{keywords.p + pos, end - pos});
      int index = -1;
      for (uint32_t i = 0; i < info.num_labels; ++i) {
        if (item.eq(info.labels[i])) index = static_cast<int>(i);
      }
      if (index < 0) {
        return Status::Error(StatusCode::kInvalidArgument, "key 'keywords': '%s' is not a label",
                             KeyName(item).s);
      }
      info.keywords[index].is_keyword = true;
      if (end >= keywords.n) break;
      pos = end + 1;
    }
    return Status::Ok();
  }

  Status dotted(const Line& l) {
    const char* dot = static_cast<const char*>(std::memchr(l.key.p, '.', l.key.n));
    if (dot == nullptr) return Status::Ok();
    const Text base{l.key.p, static_cast<size_t>(dot - l.key.p)};
    const Text label{dot + 1, l.key.n - base.n - 1};
    uint32_t which = kNumLabelKeys;
    if (base.eq("threshold")) which = kLabelThreshold;
    if (base.eq("min_count")) which = kLabelMinCount;
    if (base.eq("refractory_ms")) which = kLabelRefractory;
    if (which == kNumLabelKeys) {
      return Status::Error(StatusCode::kInvalidArgument, "line %zu: unknown key '%s'", l.number,
                           KeyName(l.key).s);
    }
    int index = -1;
    for (uint32_t i = 0; i < info.num_labels; ++i) {
      if (label.eq(info.labels[i])) index = static_cast<int>(i);
    }
    if (index < 0) return bad_value(l, "no such label");
    KeywordParams& p = info.keywords[index];
    if (!p.is_keyword) return bad_value(l, "label is not a keyword");
    if (seen_label_key[which][index]) return bad_value(l, "given twice");
    seen_label_key[which][index] = true;
    switch (which) {
      case kLabelThreshold:
        return f32(l, &p.threshold);
      case kLabelMinCount:
        return u32(l, &p.min_count);
      default:
        return u32(l, &p.refractory_ms);
    }
  }
};

struct Writer {
  char* buf;
  size_t len;
  size_t pos = 0;
  bool overflow = false;

  void put(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    const size_t room = pos < len ? len - pos : 0;
    const int n = std::vsnprintf(room > 0 ? buf + pos : nullptr, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
      overflow = true;
      return;
    }
    pos += static_cast<size_t>(n);
    if (pos >= len) overflow = true;
  }
};

const char* window_name(WindowFunction w) {
  switch (w) {
    case WindowFunction::kHann:
      return "hann";
    case WindowFunction::kHamming:
      return "hamming";
    case WindowFunction::kRectangular:
      return "rectangular";
  }
  return "?";
}

}  // namespace

int ModelInfo::label_index(const char* name) const {
  if (name == nullptr) return -1;
  for (uint32_t i = 0; i < num_labels && i < kMaxLabels; ++i) {
    if (std::strncmp(labels[i], name, kMaxLabelLength) == 0) return static_cast<int>(i);
  }
  return -1;
}

Status validate_model_info(const ModelInfo& info) {
  KWS_RETURN_IF_ERROR(validate_frontend_config(info.frontend));
  if (info.window_frames == 0 || info.window_frames > 4096) {
    return Status::Error(StatusCode::kInvalidArgument, "window_frames %u out of 1..4096",
                         static_cast<unsigned>(info.window_frames));
  }
  if (info.stride_frames == 0 || info.stride_frames > 4096) {
    return Status::Error(StatusCode::kInvalidArgument, "stride_frames %u out of 1..4096",
                         static_cast<unsigned>(info.stride_frames));
  }
  if (info.smoothing_frames == 0 || info.smoothing_frames > 1024) {
    return Status::Error(StatusCode::kInvalidArgument, "smoothing_frames %u out of 1..1024",
                         static_cast<unsigned>(info.smoothing_frames));
  }
  if (info.num_labels == 0 || info.num_labels > kMaxLabels) {
    return Status::Error(StatusCode::kInvalidArgument, "num_labels %u out of 1..%zu",
                         static_cast<unsigned>(info.num_labels), kMaxLabels);
  }
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    size_t n = 0;
    while (n < kMaxLabelLength && info.labels[i][n] != '\0') ++n;
    KWS_RETURN_IF_ERROR(check_label(info.labels[i], n, i));
    for (uint32_t j = 0; j < i; ++j) {
      if (std::strcmp(info.labels[i], info.labels[j]) == 0) {
        return Status::Error(StatusCode::kInvalidArgument, "label '%s' appears twice",
                             info.labels[i]);
      }
    }
    const KeywordParams& p = info.keywords[i];
    if (!std::isfinite(p.threshold) || p.threshold < 0.0f || p.threshold > 1.0f) {
      return Status::Error(StatusCode::kInvalidArgument, "threshold.%s %g not in 0..1",
                           info.labels[i], static_cast<double>(p.threshold));
    }
    if (p.min_count == 0 || p.min_count > 10000) {
      return Status::Error(StatusCode::kInvalidArgument, "min_count.%s %u not in 1..10000",
                           info.labels[i], static_cast<unsigned>(p.min_count));
    }
    if (p.refractory_ms > 3600000u) {
      return Status::Error(StatusCode::kInvalidArgument, "refractory_ms.%s %u above one hour",
                           info.labels[i], static_cast<unsigned>(p.refractory_ms));
    }
  }
  return Status::Ok();
}

Status parse_model_metadata(const char* text, size_t len, ModelInfo* out) {
  if (out == nullptr || (text == nullptr && len > 0)) {
    return Status::Error(StatusCode::kInvalidArgument, "metadata: null argument");
  }
  Parser parser;
  KWS_RETURN_IF_ERROR(for_each_line(text, len, [&](const Line& l) { return parser.simple(l); }));
  if (parser.first) {
    return Status::Error(StatusCode::kInvalidArgument, "metadata: no key=value lines");
  }
  KWS_RETURN_IF_ERROR(parser.apply_keywords());
  KWS_RETURN_IF_ERROR(for_each_line(text, len, [&](const Line& l) { return parser.dotted(l); }));
  KWS_RETURN_IF_ERROR(validate_model_info(parser.info));
  *out = parser.info;
  return Status::Ok();
}

Status format_model_metadata(const ModelInfo& info, char* buf, size_t len, size_t* written) {
  KWS_RETURN_IF_ERROR(validate_model_info(info));
  if (buf == nullptr || written == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "metadata: null argument");
  }
  const FrontendConfig& f = info.frontend;
  Writer w{buf, len};
  w.put("kwsd_metadata=1\nlabels=");
  for (uint32_t i = 0; i < info.num_labels; ++i) w.put("%s%s", i ? "," : "", info.labels[i]);
  w.put("\nkeywords=");
  bool any = false;
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    if (!info.keywords[i].is_keyword) continue;
    w.put("%s%s", any ? "," : "", info.labels[i]);
    any = true;
  }
  w.put("\nfeatures=%s\n", f.features == FeatureType::kMfcc     ? "mfcc"
                           : f.features == FeatureType::kLogMel ? "logmel"
                                                                : "micro");
  w.put("sample_rate=%u\nwindow_samples=%u\nhop_samples=%u\nfft_size=%u\n",
        static_cast<unsigned>(f.sample_rate), static_cast<unsigned>(f.window_samples),
        static_cast<unsigned>(f.hop_samples), static_cast<unsigned>(f.fft_size));
  w.put("window=%s\nspectrum=%s\n", window_name(f.window),
        f.spectrum == SpectrumType::kMagnitude ? "magnitude" : "power");
  // %.9g round-trips every float exactly.
  w.put("mel_bins=%u\nfmin=%.9g\nfmax=%.9g\nlog_offset=%.9g\nnum_mfcc=%u\n",
        static_cast<unsigned>(f.mel_bins), static_cast<double>(f.fmin_hz),
        static_cast<double>(f.fmax_hz), static_cast<double>(f.log_offset),
        static_cast<unsigned>(f.num_mfcc));
  w.put("quant_scale=%.9g\nquant_zero_point=%d\nquant_rounding=%s\n",
        static_cast<double>(f.quant_scale), static_cast<int>(f.quant_zero_point),
        f.quant_rounding == QuantRounding::kTruncate ? "truncate" : "half_away");
  w.put("window_frames=%u\nstride_frames=%u\nsmoothing_frames=%u\n",
        static_cast<unsigned>(info.window_frames), static_cast<unsigned>(info.stride_frames),
        static_cast<unsigned>(info.smoothing_frames));
  // Trigger settings are written per keyword; non-keyword labels have none.
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    const KeywordParams& p = info.keywords[i];
    if (!p.is_keyword) continue;
    w.put("threshold.%s=%.9g\nmin_count.%s=%u\nrefractory_ms.%s=%u\n", info.labels[i],
          static_cast<double>(p.threshold), info.labels[i], static_cast<unsigned>(p.min_count),
          info.labels[i], static_cast<unsigned>(p.refractory_ms));
  }
  if (w.overflow) {
    if (len > 0) buf[0] = '\0';
    return Status::Error(StatusCode::kBufferTooSmall, "metadata: needs %zu bytes, %zu given",
                         w.pos + 1, len);
  }
  *written = w.pos;
  return Status::Ok();
}

}  // namespace kws
