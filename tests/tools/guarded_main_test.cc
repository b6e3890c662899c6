// No uncaught exception ends a tool with an abort: the shared wrapper
// (daemon/guarded_main.h) turns each kind into one line and exit code 70, and
// every CLI's main() goes through it (KWS_FAULT_INJECT raises the fault
// where that main's body would run).
#include "daemon/guarded_main.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

namespace kws {
namespace {

TEST(GuardedMain, ReturnsTheBodysExitCode) {
  EXPECT_EQ(guarded_main("t", [] { return 0; }), 0);
  EXPECT_EQ(guarded_main("t", [] { return 3; }), 3);
}

TEST(GuardedMain, ExceptionBecomesOneLineAndExitCode70) {
  ::testing::internal::CaptureStderr();
  const int code = guarded_main("kws-x", []() -> int { throw std::runtime_error("boom"); });
  EXPECT_EQ(code, kInternalErrorExit);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "kws-x: internal error: boom\n");
}

TEST(GuardedMain, BadAllocIsOutOfMemory) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(guarded_main("kws-x", []() -> int { throw std::bad_alloc(); }), kInternalErrorExit);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "kws-x: internal error: out of memory\n");
}

TEST(GuardedMain, NonStandardExceptionIsCaughtToo) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(guarded_main("kws-x", []() -> int { throw 42; }), kInternalErrorExit);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "kws-x: internal error: unknown exception\n");
}

TEST(GuardedMainDeathTest, ExceptionEscapingAThreadExitsWith70NotAnAbort) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(guarded_main("kws-x",
                           [] {
                             std::thread([] { throw std::runtime_error("in a thread"); }).join();
                             return 0;
                           }),
              ::testing::ExitedWithCode(kInternalErrorExit), "kws-x: internal error: in a thread");
}

struct CommandRun {
  int status = -1;
  std::string err;
};

// Runs a command line with stderr captured (stdout discarded).
CommandRun RunCommand(const std::string& command) {
  CommandRun r;
  FILE* p = ::popen((command + " 2>&1 >/dev/null").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) r.err.append(buf.data(), n);
  r.status = ::pclose(p);
  return r;
}

struct Cli {
  const char* name;  // as it names itself in errors
  const char* command;
};

class EveryCli : public ::testing::TestWithParam<Cli> {};

TEST_P(EveryCli, InjectedExceptionIsOneLineAndExitCode70) {
  for (const std::string fault : {"throw", "bad_alloc", "thread"}) {
    const CommandRun r = RunCommand("KWS_FAULT_INJECT=" + fault + " " + GetParam().command);
    ASSERT_TRUE(WIFEXITED(r.status))
        << GetParam().command << " (" << fault << "): status " << r.status << "\n"
        << r.err;
    EXPECT_EQ(WEXITSTATUS(r.status), kInternalErrorExit) << fault << ": " << r.err;
    const std::string what = fault == "throw"       ? "fault injected (KWS_FAULT_INJECT=throw)"
                             : fault == "bad_alloc" ? "out of memory"
                                                    : "fault injected in a thread";
    EXPECT_EQ(r.err, std::string(GetParam().name) + ": internal error: " + what + "\n");
  }
}

INSTANTIATE_TEST_SUITE_P(Tools, EveryCli,
                         ::testing::Values(Cli{"kwsd", KWS_BIN_KWSD " --check-config"},
                                           Cli{"kwsd", KWS_BIN_KWSD " replay --help"},
                                           Cli{"kws-eval", KWS_BIN_EVAL " --help"},
                                           Cli{"kws-tune", KWS_BIN_TUNE " --help"},
                                           Cli{"kws-features", KWS_BIN_FEATURES " --help"},
                                           Cli{"kws-wyoming", KWS_BIN_WYOMING " --help"},
                                           Cli{"kws_modelgen", KWS_BIN_MODELGEN " --help"},
                                           Cli{"kws_frontend_tables",
                                               KWS_BIN_FRONTEND_TABLES " --help"}),
                         [](const ::testing::TestParamInfo<Cli>& p) {
                           std::string n =
                               std::string(p.param.name) + "_" + std::to_string(p.index);
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace kws
