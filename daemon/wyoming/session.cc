#include "daemon/wyoming/session.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace kws::wyoming {

namespace {

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<int64_t> read_timestamp(const Json& data) {
  const Json* t = data.find("timestamp");
  if (t == nullptr) return std::nullopt;
  // Milliseconds; bounded so that adding stream positions cannot overflow.
  return t->as_integer(-(int64_t{1} << 52), int64_t{1} << 52);
}

Json attribution(const ProgramInfo& p) {
  Json a = Json::object();
  a.set("name", Json::string(p.attribution_name));
  a.set("url", Json::string(p.attribution_url));
  return a;
}

Json string_array(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const std::string& s : v) a.push(Json::string(s));
  return a;
}

}  // namespace

std::string read_pcm_format(const Json& data, PcmFormat* out) {
  const char* keys[3] = {"rate", "width", "channels"};
  uint32_t* fields[3] = {&out->rate, &out->width, &out->channels};
  for (int i = 0; i < 3; ++i) {
    const Json* v = data.find(keys[i]);
    if (v == nullptr) return std::string("audio format has no \"") + keys[i] + "\"";
    const std::optional<int64_t> n = v->as_integer(0, std::numeric_limits<uint32_t>::max());
    if (!n) return std::string("audio format field \"") + keys[i] + "\" is not a valid integer";
    *fields[i] = static_cast<uint32_t>(*n);
  }
  return check_pcm_format(*out);
}

Result<std::unique_ptr<Session>> Session::create(const ModelSet& models,
                                                 const ProgramInfo& program) {
  using R = Result<std::unique_ptr<Session>>;
  if (models.empty()) return R::failure("no wake-word model loaded");
  std::unique_ptr<Session> s(new Session(models, program));
  for (const auto& m : models) {
    if (m->info().frontend.sample_rate != models[0]->info().frontend.sample_rate) {
      return R::failure(m->path() + ": sample rate differs from " + models[0]->path() +
                        "'s; one server needs one model rate");
    }
    auto inst = ModelInstance::create(m);
    if (!inst) return R::failure(inst.error());
    Listener l;
    l.instance = std::move(*inst);
    l.wanted.resize(m->info().num_labels);
    for (uint32_t i = 0; i < m->info().num_labels; ++i) {
      l.wanted[i] = m->info().keywords[i].is_keyword;
    }
    s->listeners_.push_back(std::move(l));
  }
  return R::success(std::move(s));
}

std::string Session::fatal(std::string message, std::string* out) {
  Json data = Json::object();
  data.set("text", Json::string(message));
  data.set("code", Json::string("kwsd-protocol-error"));
  *out += encode_event("error", data);
  return message;
}

Json Session::info_data() const {
  Json models = Json::array();
  for (const auto& m : models_) {
    std::string stem = m->path();
    if (const size_t slash = stem.find_last_of('/'); slash != std::string::npos) {
      stem = stem.substr(slash + 1);
    }
    for (const std::string& kw : m->keywords()) {
      Json model = Json::object();
      model.set("name", Json::string(kw));
      model.set("description", Json::string(kw + " (" + stem + ")"));
      model.set("phrase", Json::string(kw));
      model.set("attribution", attribution(program_));
      model.set("installed", Json::boolean(true));
      model.set("version", Json::string(program_.version));
      model.set("languages", string_array(program_.languages));
      models.push(std::move(model));
    }
  }
  Json wake = Json::object();
  wake.set("name", Json::string(program_.name));
  wake.set("description", Json::string(program_.description));
  wake.set("attribution", attribution(program_));
  wake.set("installed", Json::boolean(true));
  wake.set("version", Json::string(program_.version));
  wake.set("models", std::move(models));
  Json data = Json::object();
  for (const char* empty : {"asr", "tts", "handle", "intent"}) data.set(empty, Json::array());
  Json programs = Json::array();
  programs.push(std::move(wake));
  data.set("wake", std::move(programs));
  return data;
}

std::string Session::handle(const Event& event, std::string* out) {
  const std::string& t = event.type;
  if (t == "describe") {
    *out += encode_event("info", info_data());
    return "";
  }
  if (t == "detect") return on_detect(event, out);
  if (t == "audio-start") {
    PcmFormat format;
    if (std::string e = read_pcm_format(event.data, &format); !e.empty()) {
      return fatal("audio-start: " + e, out);
    }
    if (std::string e = start_stream(format, read_timestamp(event.data)); !e.empty()) {
      return fatal("audio-start: " + e, out);
    }
    return "";
  }
  if (t == "audio-chunk") return on_chunk(event, out);
  if (t == "audio-stop") return on_stop(out);
  if (t == "ping") {
    Json data = Json::object();
    if (const Json* text = event.data.find("text"); text != nullptr) data.set("text", *text);
    *out += encode_event("pong", data);
    return "";
  }
  return "";
}

std::string Session::on_detect(const Event& event, std::string* out) {
  const Json* names = event.data.find("names");
  std::vector<std::string> requested;
  if (names != nullptr && !names->is_null()) {
    if (!names->is_array()) return fatal("detect: \"names\" is not a list", out);
    for (const Json& n : names->items()) {
      if (!n.is_string()) return fatal("detect: \"names\" holds a non-string", out);
      requested.push_back(n.as_string());
    }
  }
  size_t matched = 0;
  for (Listener& l : listeners_) {
    const ModelInfo& info = l.instance->model().info();
    for (uint32_t i = 0; i < info.num_labels; ++i) {
      bool want = info.keywords[i].is_keyword;
      if (want && !requested.empty()) {
        want = std::any_of(requested.begin(), requested.end(),
                           [&](const std::string& r) { return same_name(r, info.labels[i]); });
      }
      l.wanted[i] = want;
      if (want) ++matched;
    }
  }
  if (matched == 0) {
    // Not fatal: the client may still describe, or send another detect.
    Json data = Json::object();
    data.set("text", Json::string("none of the requested wake words is offered; describe lists "
                                  "them"));
    data.set("code", Json::string("kwsd-unknown-wake-word"));
    *out += encode_event("error", data);
  }
  return "";
}

std::string Session::start_stream(const PcmFormat& format, std::optional<int64_t> timestamp) {
  auto conv = PcmConverter::create(format, listeners_[0].instance->sample_rate());
  if (!conv) return conv.error();
  converter_ = std::move(*conv);
  for (Listener& l : listeners_) l.instance->reset();
  streaming_ = true;
  detected_in_stream_ = false;
  stream_start_ms_ = timestamp.value_or(0);
  return "";
}

std::string Session::on_chunk(const Event& event, std::string* out) {
  PcmFormat format;
  const bool has_format = event.data.find("rate") != nullptr ||
                          event.data.find("width") != nullptr ||
                          event.data.find("channels") != nullptr;
  if (has_format) {
    if (std::string e = read_pcm_format(event.data, &format); !e.empty()) {
      return fatal("audio-chunk: " + e, out);
    }
  } else if (streaming_) {
    format = converter_->format();
  } else {
    return fatal("audio-chunk: no audio-start and no audio format in the chunk", out);
  }
  if (!streaming_) {
    // A chunk without audio-start begins a stream (the protocol allows it).
    if (std::string e = start_stream(format, read_timestamp(event.data)); !e.empty()) {
      return fatal("audio-chunk: " + e, out);
    }
  } else if (!(format == converter_->format())) {
    // Format changed mid-stream: drain the old converter, keep pipeline state.
    samples_.clear();
    if (std::string e = converter_->flush(&samples_); !e.empty()) return fatal(e, out);
    if (std::string e = run(samples_.data(), samples_.size(), out); !e.empty()) {
      return fatal(e, out);
    }
    auto conv = PcmConverter::create(format, listeners_[0].instance->sample_rate());
    if (!conv) return fatal("audio-chunk: " + conv.error(), out);
    converter_ = std::move(*conv);
  }
  samples_.clear();
  if (std::string e = converter_->push(reinterpret_cast<const uint8_t*>(event.payload.data()),
                                       event.payload.size(), &samples_);
      !e.empty()) {
    return fatal("audio-chunk: " + e, out);
  }
  if (std::string e = run(samples_.data(), samples_.size(), out); !e.empty()) {
    return fatal(e, out);
  }
  return "";
}

std::string Session::on_stop(std::string* out) {
  if (!streaming_) return "";  // a stop without a stream: nothing to answer
  samples_.clear();
  if (std::string e = converter_->flush(&samples_); !e.empty()) return fatal(e, out);
  if (std::string e = run(samples_.data(), samples_.size(), out); !e.empty()) {
    return fatal(e, out);
  }
  // The cascade decides candidates still within stage 2's delay on what came.
  if (std::string e = flush(out); !e.empty()) return fatal(e, out);
  if (!detected_in_stream_) *out += encode_event("not-detected");
  streaming_ = false;
  return "";
}

std::string Session::run(const int16_t* samples, size_t n, std::string* out) {
  if (n == 0) return "";
  for (Listener& l : listeners_) {
    hits_.clear();
    if (std::string e = l.instance->push(samples, n, &hits_); !e.empty()) return e;
    report(l, out);
  }
  return "";
}

std::string Session::flush(std::string* out) {
  for (Listener& l : listeners_) {
    hits_.clear();
    if (std::string e = l.instance->flush(&hits_); !e.empty()) return e;
    report(l, out);
  }
  return "";
}

void Session::report(const Listener& l, std::string* out) {
  const ModelInfo& info = l.instance->model().info();
  for (const Hit& h : hits_) {
    const int index = info.label_index(h.name.c_str());
    if (index < 0 || !l.wanted[static_cast<size_t>(index)]) continue;
    const int64_t ms =
        stream_start_ms_ + static_cast<int64_t>(h.sample_index * 1000 / l.instance->sample_rate());
    Json data = Json::object();
    data.set("name", Json::string(h.name));
    data.set("timestamp", Json::number(static_cast<double>(ms)));
    *out += encode_event("detection", data);
    detected_in_stream_ = true;
    ++detections_;
  }
}

}  // namespace kws::wyoming
