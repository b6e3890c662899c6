// The "kwsd" metadata keys (pipeline/model_info.h) applied to a ModelInfo on
// the host: used by sidecar YAML files, by kws-features --set and by the
// front-end overrides of kwsd.yaml, so all three accept exactly the same keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/model_info.h"

namespace kws::config {

// Collects key=value settings, then applies them in dependency order
// (labels, keywords, scalar keys, per-label defaults, per-label overrides), so
// the order in which a user wrote them does not matter.
//
//   ModelInfoBuilder b(base);
//   b.set("threshold.computer", "0.7", "kwsd.yaml:3:5");
//   std::string err = b.build(&info);   // "" on success
class ModelInfoBuilder {
 public:
  explicit ModelInfoBuilder(const ModelInfo& base = ModelInfo{}) : base_(base) {}

  // Records one setting. `where` prefixes any error about it ("file:line:col").
  // Returns "" or an error for an unknown key.
  std::string set(std::string_view key, std::string_view value, std::string_view where = {});

  // Applies every recorded setting to a copy of base. Does not validate the
  // result (callers run validate_model_info). Returns "" or the first error,
  // formatted "where: key: problem".
  std::string build(ModelInfo* out) const;

  // True for keys this builder accepts (with or without ".label" suffix where
  // per-label keys allow it).
  static bool is_known_key(std::string_view key);

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::string where;
  };
  ModelInfo base_;
  std::vector<Entry> entries_;
};

// Default is_keyword for a label: everything except "silence", "unknown"
// and names starting with '_' (the metadata text's rule).
bool is_default_keyword_label(std::string_view label);

}  // namespace kws::config
