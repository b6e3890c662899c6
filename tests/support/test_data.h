// Where tests find third-party data (never committed; see ../shared/DATA.md).
#pragma once

#include <string>

namespace kws::testing {

// $KWS_SHARED_DATA if set, else the shared/data folder beside the checkout.
std::string shared_data_dir();

// shared_data_dir() + "/" + relative, or "" if that path does not exist.
std::string shared_data_path(const std::string& relative);

// Folder of test inputs generated at build time / committed under tests/data.
std::string test_data_dir();

}  // namespace kws::testing

// Skips the current test with a clear message when a shared file is absent.
#define KWS_REQUIRE_SHARED(var, relative)                                               \
  const std::string var = ::kws::testing::shared_data_path(relative);                   \
  if (var.empty())                                                                      \
  GTEST_SKIP() << "shared data not found: " << ::kws::testing::shared_data_dir() << "/" \
               << (relative) << " (set KWS_SHARED_DATA)"
