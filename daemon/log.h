// Logging calls for the daemon and tools: format with fmt, hand spdlog a
// finished string.
//
// spdlog's own formatting entry points instantiate fmt's whole formatting
// engine in every translation unit that logs (about 15 s of compile time per
// file under ASan+UBSan). fmt::format uses the engine compiled into libfmt, so
// routing through it keeps the format-string checks at compile time and costs
// one string per message that is actually logged (a disabled level formats
// nothing).
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

namespace kws::log {

template <typename... Args>
void at(spdlog::logger& logger, spdlog::level::level_enum level, fmt::format_string<Args...> format,
        Args&&... args) {
  if (!logger.should_log(level)) return;
  logger.log(level, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void at(spdlog::level::level_enum level, fmt::format_string<Args...> format, Args&&... args) {
  at(*spdlog::default_logger_raw(), level, format, std::forward<Args>(args)...);
}

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::debug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::info, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::warn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::err, format, std::forward<Args>(args)...);
}
template <typename... Args>
void critical(fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::critical, format, std::forward<Args>(args)...);
}

}  // namespace kws::log
