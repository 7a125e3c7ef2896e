// Structured logging: one JSON object per line on stderr, through spdlog.
//
//   LogInfo("listening", {{"address", "127.0.0.1:3001"}});
//   -> {"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"listening","address":"127.0.0.1:3001"}
//
// Lines below warn are buffered and written in batches (at most a second late); warnings and
// errors, and FlushLogs(), write everything at once.
// Never pass secrets (tokens, Authorization headers, cookies, key material) as fields.
// Thread-safety: all functions are safe from any thread (spdlog's sinks are mutex-guarded).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string_view>

namespace airunway::common {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// "trace", "debug", "info", "warn" (or "warning"), "error", "off"/"silent"; nullopt otherwise.
std::optional<LogLevel> ParseLogLevel(std::string_view text);

// Installs the JSON-lines logger at `level`. Safe to call more than once (tests do).
void InitLogging(LogLevel level);

bool LogEnabled(LogLevel level);
// Writes everything buffered so far (lines below warn are batched and written within a second).
void FlushLogs();
// Logs a line that is already a complete JSON object (hot paths that format it themselves).
void LogJsonLine(LogLevel level, std::string_view json_line);
// Appends `text` as a JSON string literal (quotes and escapes included) to `out`.
void AppendJsonString(std::string& out, std::string_view text);
void Log(LogLevel level, std::string_view message, boost::json::object fields = {});
inline void LogDebug(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kDebug, m, std::move(f)); }
inline void LogInfo(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kInfo, m, std::move(f)); }
inline void LogWarn(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kWarn, m, std::move(f)); }
inline void LogError(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kError, m, std::move(f)); }

}  // namespace airunway::common
