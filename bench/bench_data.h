// Where the benchmarks find their inputs: the repo's own files (the default
// model) and third-party data, which is never committed and is read from
// $KWS_SHARED_DATA, else the shared/data folder beside the checkout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kws::bench {

std::string repo_dir();
std::string shared_data_dir();
// shared_data_dir() + "/" + relative, or "" when it does not exist.
std::string shared_data_path(const std::string& relative);
// The whole file, or an empty vector when it cannot be read.
std::vector<uint8_t> read_bytes(const std::string& path);

}  // namespace kws::bench
