#include "tools/eval/dataset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace kws::eval {

namespace fs = std::filesystem;

const char* split_name(Split split) {
  switch (split) {
    case Split::kAll:
      return "all";
    case Split::kTune:
      return "tune";
    case Split::kEval:
      return "eval";
  }
  return "?";
}

Result<Split> parse_split(const std::string& text) {
  if (text == "all") return Result<Split>::success(Split::kAll);
  if (text == "tune") return Result<Split>::success(Split::kTune);
  if (text == "eval") return Result<Split>::success(Split::kEval);
  return Result<Split>::failure("--split: '" + text + "' is not one of all, tune, eval");
}

uint64_t fnv1a64(const std::string& text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Split split_of(const std::string& key) {
  return fnv1a64(key) % 2 == 0 ? Split::kTune : Split::kEval;
}

bool in_split(const std::string& key, Split split) {
  return split == Split::kAll || split_of(key) == split;
}

bool is_audio_file(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".flac" || ext == ".wav" || ext == ".ogg" || ext == ".aiff" || ext == ".aif" ||
         ext == ".au";
}

namespace {

constexpr const char* kAudioKinds = "*.flac, *.wav, *.ogg, *.aiff, *.au";

std::vector<std::string> audio_files_under(const fs::path& folder) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && is_audio_file(it->path().string())) {
      out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<LabelledClip>> from_folder(const fs::path& root, Split split) {
  using R = Result<std::vector<LabelledClip>>;
  std::vector<fs::path> subdirs;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) subdirs.push_back(entry.path());
  }
  std::sort(subdirs.begin(), subdirs.end());
  if (subdirs.empty()) {
    return R::failure("positives folder " + root.string() +
                      " has no keyword subfolders (expected e.g. computer/, jarvis/ with clips)");
  }
  std::vector<LabelledClip> clips;
  for (const fs::path& dir : subdirs) {
    const std::vector<std::string> files = audio_files_under(dir);
    if (files.empty()) {
      return R::failure("positives folder " + dir.string() + " has no audio clips (" + kAudioKinds +
                        ")");
    }
    for (const std::string& f : files) {
      LabelledClip c;
      c.path = f;
      c.keyword = dir.filename().string();
      c.key = fs::relative(f, root).string();
      if (in_split(c.key, split)) clips.push_back(c);
    }
  }
  return R::success(std::move(clips));
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

Result<std::vector<LabelledClip>> from_manifest(const fs::path& manifest, Split split) {
  using R = Result<std::vector<LabelledClip>>;
  std::ifstream in(manifest);
  if (!in) return R::failure("manifest " + manifest.string() + ": cannot open");
  const fs::path base = manifest.parent_path();
  std::vector<LabelledClip> clips;
  std::vector<std::string> missing;
  std::string line;
  size_t line_no = 0;
  size_t entries = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    const size_t tab = t.find('\t');
    if (tab == std::string::npos) {
      return R::failure(manifest.string() + ":" + std::to_string(line_no) +
                        ": expected \"clip<TAB>keyword\", got \"" + t + "\"");
    }
    LabelledClip c;
    const std::string clip = trim(t.substr(0, tab));
    c.keyword = trim(t.substr(tab + 1));
    if (clip.empty() || c.keyword.empty()) {
      return R::failure(manifest.string() + ":" + std::to_string(line_no) +
                        ": empty clip path or keyword");
    }
    ++entries;
    const fs::path p = fs::path(clip).is_absolute() ? fs::path(clip) : base / clip;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      missing.push_back(manifest.string() + ":" + std::to_string(line_no) + ": " + p.string());
      continue;
    }
    c.path = p.string();
    c.key = clip;
    if (in_split(c.key, split)) clips.push_back(c);
  }
  if (!missing.empty()) {
    std::ostringstream msg;
    msg << "manifest " << manifest.string() << " names " << missing.size() << " missing file(s):";
    for (size_t i = 0; i < missing.size() && i < 20; ++i) msg << "\n  " << missing[i];
    if (missing.size() > 20) msg << "\n  ... and " << missing.size() - 20 << " more";
    return R::failure(msg.str());
  }
  if (entries == 0) return R::failure("manifest " + manifest.string() + " lists no clips");
  return R::success(std::move(clips));
}

}  // namespace

Result<std::vector<LabelledClip>> list_positives(const std::string& source, Split split) {
  using R = Result<std::vector<LabelledClip>>;
  std::error_code ec;
  const fs::path p(source);
  if (!fs::exists(p, ec)) return R::failure("positives: " + source + " does not exist");
  Result<std::vector<LabelledClip>> clips =
      fs::is_directory(p, ec) ? from_folder(p, split) : from_manifest(p, split);
  if (!clips) return clips;
  if (clips->empty()) {
    return R::failure("positives: no clips of " + source + " fall in the '" + split_name(split) +
                      "' split");
  }
  return clips;
}

Result<std::vector<NegativeFile>> list_negatives(const std::vector<std::string>& sources,
                                                 Split split) {
  using R = Result<std::vector<NegativeFile>>;
  std::vector<NegativeFile> out;
  std::vector<std::string> expanded;
  for (const std::string& s : sources) {
    if (s.empty() || s[0] != '@') {
      expanded.push_back(s);
      continue;
    }
    // @list.txt: one file or folder per line, relative to the list's folder.
    const fs::path list(s.substr(1));
    std::ifstream in(list);
    if (!in) return R::failure("negatives: cannot open list " + list.string());
    std::string line;
    while (std::getline(in, line)) {
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      expanded.push_back(fs::path(t).is_absolute() ? t : (list.parent_path() / t).string());
    }
  }
  for (const std::string& s : expanded) {
    std::error_code ec;
    const fs::path p(s);
    if (!fs::exists(p, ec)) return R::failure("negatives: " + s + " does not exist");
    if (fs::is_directory(p, ec)) {
      const std::vector<std::string> files = audio_files_under(p);
      if (files.empty()) {
        return R::failure(std::string("negatives folder ") + s + " has no audio files (" +
                          kAudioKinds + ")");
      }
      for (const std::string& f : files) {
        if (in_split(fs::relative(f, p).string(), split)) out.push_back({f, s});
      }
    } else {
      if (in_split(p.filename().string(), split)) out.push_back({s, s});
    }
  }
  if (out.empty()) {
    return R::failure(std::string("negatives: no files fall in the '") + split_name(split) +
                      "' split");
  }
  return R::success(std::move(out));
}

}  // namespace kws::eval
