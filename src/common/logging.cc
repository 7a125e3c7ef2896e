#include "common/logging.h"

#include <boost/json/serialize.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/time.h"

namespace airunway::common {

namespace {

constexpr const char* kLoggerName = "airunway";

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "info";
}

std::shared_ptr<spdlog::logger> Logger() {
  auto logger = spdlog::get(kLoggerName);
  if (!logger) {
    logger = spdlog::stderr_logger_mt(kLoggerName);
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
  }
  return logger;
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "trace") return LogLevel::kTrace;
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  if (text == "off" || text == "silent") return LogLevel::kOff;
  return std::nullopt;
}

void InitLogging(LogLevel level) {
  auto logger = Logger();
  logger->set_level(ToSpd(level));
  logger->flush_on(spdlog::level::warn);
}

bool LogEnabled(LogLevel level) { return Logger()->should_log(ToSpd(level)); }

void Log(LogLevel level, std::string_view message, boost::json::object fields) {
  auto logger = Logger();
  if (!logger->should_log(ToSpd(level))) return;
  boost::json::object line;
  line.reserve(fields.size() + 3);
  line["time"] = FormatRfc3339Millis(std::chrono::system_clock::now());
  line["level"] = LevelName(level);
  line["msg"] = message;
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  logger->log(ToSpd(level), "{}", boost::json::serialize(line));
}

}  // namespace airunway::common
