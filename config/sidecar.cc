#include "config/sidecar.h"

#include <cstdlib>
#include <filesystem>

#include "config/yaml_reader.h"
#include "pipeline/frontend.h"

namespace kws::config {

namespace detail {

namespace {

bool is_per_label_base(std::string_view key) {
  return key == "threshold" || key == "min_count" || key == "refractory_ms";
}

// A list or a comma-separated scalar, as one comma-separated string.
std::string list_value(const YamlReader& reader, const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) return node.Scalar();
  std::string joined;
  for (const std::string& item : reader.get_string_list(node, path)) {
    if (item.find(',') != std::string::npos) {
      reader.fail(node, path, "label '" + item + "' contains a comma");
    }
    if (!joined.empty()) joined += ',';
    joined += item;
  }
  return joined;
}

}  // namespace

void add_model_keys(const YamlReader& reader, const YAML::Node& map, std::string_view path,
                    ModelInfoBuilder* builder) {
  reader.check_map(map, path, {});
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    const std::string key_path = join_path(path, key);
    const YAML::Node& value = entry.second;
    if (!ModelInfoBuilder::is_known_key(key)) {
      reader.fail(entry.first, key_path, "unknown key");
    }
    if (key == "labels" || key == "keywords") {
      builder->set(key, list_value(reader, value, key_path), reader.where(value.Mark()));
    } else if (is_per_label_base(key) && value.IsMap()) {
      for (const std::string& label : reader.check_map(value, key_path, {})) {
        const YAML::Node per = value[label];
        const std::string full = label == "default" ? key : key + "." + label;
        builder->set(full, reader.scalar(per, join_path(key_path, label), "a number"),
                     reader.where(per.Mark()));
      }
    } else {
      builder->set(key, reader.scalar(value, key_path, "a scalar value"),
                   reader.where(value.Mark()));
    }
  }
}

}  // namespace detail

Result<ModelInfo> parse_model_info_yaml(const std::string& text, const std::string& source_name,
                                        const ModelInfo& base) {
  try {
    const detail::YamlReader reader(source_name);
    const YAML::Node root = reader.parse(text);
    if (!root.IsMap()) reader.fail(root, "", "a sidecar must be a map of model keys");
    ModelInfoBuilder builder(base);
    detail::add_model_keys(reader, root, "", &builder);
    ModelInfo info;
    if (std::string err = builder.build(&info); !err.empty()) {
      return Result<ModelInfo>::failure(err);
    }
    if (Status s = validate_model_info(info); !s.ok()) {
      return Result<ModelInfo>::failure(source_name + ": " + s.message());
    }
    return Result<ModelInfo>::success(info);
  } catch (const detail::ConfigError& e) {
    return Result<ModelInfo>::failure(e.what());
  }
}

Result<ModelInfo> load_model_info_yaml(const std::string& path, const ModelInfo& base) {
  std::string text;
  try {
    text = detail::read_text_file(path);
  } catch (const detail::ConfigError& e) {
    return Result<ModelInfo>::failure(e.what());
  }
  return parse_model_info_yaml(text, path, base);
}

namespace {

// Records "key=value" strings into builder; "" or the first malformed one.
std::string add_overrides(const std::vector<std::string>& overrides, ModelInfoBuilder* builder) {
  for (const std::string& o : overrides) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) return "--set " + o + ": expected key=value";
    if (std::string err = builder->set(o.substr(0, eq), o.substr(eq + 1), "--set"); !err.empty()) {
      return err;
    }
  }
  return {};
}

}  // namespace

Result<ModelInfo> load_frontend_yaml(const std::string& path,
                                     const std::vector<std::string>& overrides,
                                     const ModelInfo& base) {
  using R = Result<ModelInfo>;
  ModelInfoBuilder builder(base);
  try {
    if (!path.empty()) {
      const detail::YamlReader reader(path);
      const YAML::Node root = reader.parse(detail::read_text_file(path));
      if (!root.IsMap()) reader.fail(root, "", "a front-end file must be a map of model keys");
      detail::add_model_keys(reader, root, "", &builder);
    }
  } catch (const detail::ConfigError& e) {
    return R::failure(e.what());
  }
  if (std::string err = add_overrides(overrides, &builder); !err.empty()) return R::failure(err);
  ModelInfo info;
  if (std::string err = builder.build(&info); !err.empty()) return R::failure(err);
  if (Status s = validate_frontend_config(info.frontend); !s.ok()) {
    return R::failure((path.empty() ? std::string("front end") : path) + ": " + s.message());
  }
  return R::success(info);
}

Result<ModelInfo> apply_overrides(const ModelInfo& base,
                                  const std::vector<std::string>& overrides) {
  using R = Result<ModelInfo>;
  ModelInfoBuilder builder(base);
  if (std::string err = add_overrides(overrides, &builder); !err.empty()) return R::failure(err);
  ModelInfo info;
  if (std::string err = builder.build(&info); !err.empty()) return R::failure(err);
  if (Status s = validate_model_info(info); !s.ok()) {
    return R::failure(std::string("after --set: ") + s.message());
  }
  return R::success(info);
}

std::string default_sidecar_dir() {
  if (const char* env = std::getenv("KWS_SIDECAR_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  // An installed binary (<prefix>/bin) uses the installed sidecars
  // (<prefix>/share/kwsd/models/sidecars); a build tree uses the source's.
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed =
        exe.parent_path().parent_path() / "share" / "kwsd" / "models" / "sidecars";
    if (std::filesystem::is_directory(installed, ec)) return installed.lexically_normal().string();
  }
  return KWS_SIDECAR_DIR_DEFAULT;
}

Result<ResolvedModelInfo> resolve_model_info(const std::string& model_path,
                                             std::string_view embedded_metadata,
                                             const std::string& explicit_sidecar,
                                             const std::string& sidecar_dir) {
  using R = Result<ResolvedModelInfo>;
  auto from_yaml = [](const std::string& path) -> R {
    Result<ModelInfo> info = load_model_info_yaml(path);
    if (!info) return R::failure(info.error());
    return R::success(ResolvedModelInfo{*info, path});
  };
  if (!explicit_sidecar.empty()) return from_yaml(explicit_sidecar);
  if (!embedded_metadata.empty()) {
    ModelInfo info;
    Status s = parse_model_metadata(embedded_metadata.data(), embedded_metadata.size(), &info);
    if (!s.ok()) {
      return R::failure(model_path + ": embedded kwsd metadata: " + s.message());
    }
    return R::success(ResolvedModelInfo{info, "embedded kwsd metadata"});
  }
  namespace fs = std::filesystem;
  const fs::path model(model_path);
  const fs::path beside = fs::path(model).replace_extension(".yaml");
  const fs::path shipped = fs::path(sidecar_dir) / (model.stem().string() + ".yaml");
  std::error_code ec;
  if (fs::exists(beside, ec)) return from_yaml(beside.string());
  if (!sidecar_dir.empty() && fs::exists(shipped, ec)) return from_yaml(shipped.string());
  return R::failure(model_path + ": model has no kwsd metadata and no sidecar was found (tried " +
                    beside.string() + " and " + shipped.string() + "); pass --sidecar FILE.yaml");
}

Result<ResolvedModelInfo> resolve_model_info(const std::string& model_path,
                                             const nn::TfliteModel& model,
                                             const std::string& explicit_sidecar) {
  const uint8_t* meta = nullptr;
  size_t meta_size = 0;
  std::string_view embedded;
  if (model.metadata("kwsd", &meta, &meta_size)) {
    embedded = std::string_view(reinterpret_cast<const char*>(meta), meta_size);
  }
  return resolve_model_info(model_path, embedded, explicit_sidecar);
}

}  // namespace kws::config
