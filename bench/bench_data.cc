#include "bench/bench_data.h"

#include <sys/stat.h>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace kws::bench {

std::string repo_dir() { return KWS_BENCH_SOURCE_DIR; }

std::string shared_data_dir() {
  const char* env = std::getenv("KWS_SHARED_DATA");
  if (env != nullptr && *env != '\0') return env;
  return repo_dir() + "/../shared/data";
}

std::string shared_data_path(const std::string& relative) {
  std::string path = shared_data_dir() + "/" + relative;
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? path : std::string();
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace kws::bench
