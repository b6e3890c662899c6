// What kws-eval and kws-tune read: labelled keyword clips, long negative
// audio, and the fixed file split that keeps tuning and evaluation apart.
//
// Split: every file has a key (its path relative to the positives folder, the
// manifest's folder or the negatives folder it was found in; a file named
// directly: its file name). FNV-1a 64 of the key, even -> "tune", odd -> "eval".
// The same file is always in the same half, whatever else is on the command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/result.h"

namespace kws::eval {

enum class Split { kAll, kTune, kEval };

const char* split_name(Split split);
Result<Split> parse_split(const std::string& text);
uint64_t fnv1a64(const std::string& text);
Split split_of(const std::string& key);
bool in_split(const std::string& key, Split split);

struct LabelledClip {
  std::string path;
  std::string keyword;  // as written in the folder name or manifest
  std::string key;      // split key
};

// `source` is a folder of keyword subfolders (computer/, jarvis/ ...) or a
// manifest: a text file of "clip<TAB>keyword" lines ('#' comments, blank lines
// ignored; a relative clip path is relative to the manifest's folder). Errors:
// missing folder, a folder with no clips, a manifest naming missing files
// (all of them listed), malformed manifest lines.
Result<std::vector<LabelledClip>> list_positives(const std::string& source, Split split);

// Audio files (recursive for folders, sorted) from files and folders, in the
// split. "@list.txt" names a text file listing files/folders, one per line
// (relative to the list). Errors: a path that does not exist, a folder without audio.
struct NegativeFile {
  std::string path;
  std::string group;  // the argument it came from: files of one group are concatenated
};
Result<std::vector<NegativeFile>> list_negatives(const std::vector<std::string>& sources,
                                                 Split split);

bool is_audio_file(const std::string& path);

}  // namespace kws::eval
