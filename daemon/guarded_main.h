// Every host program's main() runs its body through guarded_main(), so no
// exception ends a tool with "terminate called after throwing ..." and an
// abort (SIGABRT, a core dump under systemd):
//   - an exception escaping the body becomes one line on stderr,
//     "<tool>: internal error: <what>" ("out of memory" for std::bad_alloc),
//     and exit code kInternalErrorExit (70, EX_SOFTWARE in sysexits.h);
//   - an exception escaping another thread reaches std::terminate, whose
//     handler prints the same line and _Exits with the same code.
// Expected failures (bad input, bad options) stay the tools' own one-line
// errors and exit codes; this is the net under everything else.
//
// Test seam: KWS_FAULT_INJECT=throw|bad_alloc|thread makes the wrapper raise
// that fault where the body would run, so a test can prove that each main()
// goes through it (tests/tools/guarded_main_test.cc).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <thread>

namespace kws {

inline constexpr int kInternalErrorExit = 70;

namespace guarded_detail {

inline const char*& tool_name() {
  static const char* name = "kws";
  return name;
}

inline void print_internal_error(const char* what) noexcept {
  std::fprintf(stderr, "%s: internal error: %s\n", tool_name(), what);
  std::fflush(stderr);
}

[[noreturn]] inline void on_terminate() noexcept {
  const char* what = "terminated (no active exception)";
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      what = "out of memory";
    } catch (const std::exception& x) {
      print_internal_error(x.what());
      std::fflush(stdout);
      std::_Exit(kInternalErrorExit);
    } catch (...) {
      what = "unknown exception";
    }
  }
  print_internal_error(what);
  std::fflush(stdout);
  std::_Exit(kInternalErrorExit);
}

inline void inject_fault() {
  const char* f = std::getenv("KWS_FAULT_INJECT");
  if (f == nullptr || *f == '\0') return;
  if (std::strcmp(f, "throw") == 0) {
    throw std::runtime_error("fault injected (KWS_FAULT_INJECT=throw)");
  }
  if (std::strcmp(f, "bad_alloc") == 0) throw std::bad_alloc();
  if (std::strcmp(f, "thread") == 0) {
    std::thread([] { throw std::runtime_error("fault injected in a thread"); }).join();
  }
}

}  // namespace guarded_detail

// Runs body() (returning the exit code) with the net described above.
template <typename Body>
int guarded_main(const char* tool, Body&& body) noexcept {
  guarded_detail::tool_name() = tool;
  std::set_terminate(guarded_detail::on_terminate);
  try {
    guarded_detail::inject_fault();
    return body();
  } catch (const std::bad_alloc&) {
    guarded_detail::print_internal_error("out of memory");
  } catch (const std::exception& e) {
    guarded_detail::print_internal_error(e.what());
  } catch (...) {
    guarded_detail::print_internal_error("unknown exception");
  }
  std::fflush(stdout);
  return kInternalErrorExit;
}

}  // namespace kws
