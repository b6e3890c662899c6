#include "tests/support/test_data.h"

#include <cstdlib>
#include <filesystem>

namespace kws::testing {

std::string shared_data_dir() {
  if (const char* env = std::getenv("KWS_SHARED_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  return KWS_SHARED_DATA_DEFAULT;
}

std::string shared_data_path(const std::string& relative) {
  std::string path = shared_data_dir() + "/" + relative;
  std::error_code ec;
  return std::filesystem::exists(path, ec) ? path : std::string();
}

std::string test_data_dir() { return KWS_TEST_DATA_DIR; }

}  // namespace kws::testing
