#include "common/logging.h"

#include <boost/json/serialize.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <mutex>

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

// stderr with a user-space buffer: one write(2) per batch of lines instead of one per line
// (an access-log line per request would otherwise cost a system call per request).
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ~BufferedStderrSink() override { WriteOut(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    buffer_.append(msg.payload.data(), msg.payload.size());
    buffer_.push_back('\n');
    if (buffer_.size() >= kBatchBytes || msg.level >= spdlog::level::warn) WriteOut();
  }
  void flush_() override { WriteOut(); }

 private:
  static constexpr std::size_t kBatchBytes = 32 * 1024;

  void WriteOut() {
    std::size_t written = 0;
    while (written < buffer_.size()) {
      ssize_t n = ::write(STDERR_FILENO, buffer_.data() + written, buffer_.size() - written);
      if (n <= 0) break;  // nowhere to log to; drop rather than spin
      written += static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }

  std::string buffer_;
};

std::shared_ptr<spdlog::logger> Logger() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto logger = std::make_shared<spdlog::logger>(kLoggerName, std::make_shared<BufferedStderrSink>());
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    spdlog::flush_every(std::chrono::seconds(1));  // spdlog 1.10 takes whole seconds
  });
  static std::shared_ptr<spdlog::logger> logger = spdlog::get(kLoggerName);
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

void InitLogging(LogLevel level) { Logger()->set_level(ToSpd(level)); }

void FlushLogs() { Logger()->flush(); }

void LogJsonLine(LogLevel level, std::string_view json_line) {
  auto& logger = *Logger();
  if (logger.should_log(ToSpd(level))) logger.log(ToSpd(level), "{}", json_line);
}

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
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
