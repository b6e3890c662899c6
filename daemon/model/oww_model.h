// openWakeWord heads on the host: recognising one, finding the backbone
// (embedding_model.tflite) it needs, and owning everything an OwwFrontend
// runs on (file bytes, parsed models, the front end's memory).
//
// A model is an openWakeWord head when its one input is float32 [1, n, 96]
// (n embeddings) and its output [1, 1] or [1, C]. The backbone is looked up,
// first found wins:
//   $KWS_OWW_DIR/embedding_model.tflite            (explicit)
//   <the head's folder>/embedding_model.tflite     (files kept together)
//   <models dir>/openwakeword/embedding_model.tflite
// where <models dir> is $KWS_MODELS_DIR, else <exe>/../share/kwsd/models when
// installed, else the source tree's models/ (tools/bootstrap.sh puts the
// backbone there; `cmake --install` copies it with the other models).
//
// Labels: a single-score head is named after its file without the version
// ("hey_jarvis_v0.1.tflite" -> "hey_jarvis"); a [1, C] head gives classes
// 1..C-1, named from a <head>.labels file beside it (one name per line, the
// C-1 keyword classes) when there is one, for timer_v0.1 by openWakeWord's
// own class names, else "<name>_<class>".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "nn/interpreter.h"
#include "nn/tflite_model.h"
#include "pipeline/model_info.h"
#include "pipeline/oww_frontend.h"

namespace kws::daemon {

// True when `model` has an openWakeWord head's input ([1, n, 96] float32).
bool is_oww_head(const nn::TfliteModel& model);

// True when the file at `path` parses and is an openWakeWord head.
bool is_oww_head_file(const std::string& path);

// The backbone for the head at `head_path` (search order above), or an error
// saying where it looked and how to install it.
Result<std::string> find_oww_backbone(const std::string& head_path);

// "How to get it" text shared by every message about a missing backbone.
const char* oww_backbone_help();

// Label stem of a head file: its name without folder, ".tflite" and a
// trailing "_v<digits>[.<digits>...]" version.
std::string oww_head_name(const std::string& head_path);

// One audio stream's front end over an OwwModelSet, with its own memory
// (interpreter arenas and buffers; allocated once, at creation).
struct OwwStream {
  std::vector<std::max_align_t> mem;
  OwwFrontend frontend;
};

// Heads + backbone, parsed once and shared (immutable) by every stream that
// runs them: N heads cost one backbone plus N heads per stream.
class OwwModelSet {
 public:
  // heads: one or more head files (each must be a head). Errors name the file.
  // One trial stream is created, so a model that cannot run fails here.
  static Result<std::shared_ptr<const OwwModelSet>> load(const std::vector<std::string>& heads);

  // The heads' scores with openWakeWord's trigger defaults (before kwsd.yaml).
  const ModelInfo& info() const { return info_; }
  const std::string& backbone_path() const { return backbone_path_; }
  const std::vector<std::string>& head_paths() const { return head_paths_; }
  // Bytes one stream allocates.
  size_t stream_bytes() const { return stream_bytes_; }
  Result<std::unique_ptr<OwwStream>> new_stream() const;

 private:
  struct File {
    std::vector<uint8_t> bytes;
    nn::TfliteModel model;
  };
  OwwModelSet() = default;

  std::vector<std::unique_ptr<File>> files_;  // backbone first, then the heads
  OwwConfig cfg_;
  std::string backbone_path_;
  std::vector<std::string> head_paths_;
  size_t stream_bytes_ = 0;
  ModelInfo info_;
};

// Reads and parses a .tflite file (errors name it).
Result<std::vector<uint8_t>> read_model_file(const std::string& path);

}  // namespace kws::daemon
