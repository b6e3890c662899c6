// Where the benchmarks find their inputs: the repo's own files (the default
// model) and third-party data, which is never committed and is read from
// $KWS_SHARED_DATA, else the shared/data folder beside the checkout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/tflite_model.h"

namespace kws::bench {

std::string repo_dir();
std::string shared_data_dir();
// shared_data_dir() + "/" + relative, or "" when it does not exist.
std::string shared_data_path(const std::string& relative);
// The whole file, or an empty vector when it cannot be read.
std::vector<uint8_t> read_bytes(const std::string& path);
// Multiply-accumulates of subgraph 0's operator `op` from the model's shapes:
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED; 0 for any other op.
int64_t op_macs(const nn::TfliteModel& model, uint32_t op);

}  // namespace kws::bench
