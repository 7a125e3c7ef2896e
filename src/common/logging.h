// Structured logging: one JSON object per line on stderr, through spdlog.
//
//   LogInfo("listening", {{"address", "127.0.0.1:3001"}});
//   -> {"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"listening","address":"127.0.0.1:3001"}
//
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
void Log(LogLevel level, std::string_view message, boost::json::object fields = {});
inline void LogDebug(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kDebug, m, std::move(f)); }
inline void LogInfo(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kInfo, m, std::move(f)); }
inline void LogWarn(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kWarn, m, std::move(f)); }
inline void LogError(std::string_view m, boost::json::object f = {}) { Log(LogLevel::kError, m, std::move(f)); }

}  // namespace airunway::common
