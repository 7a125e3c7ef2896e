// Time helpers: RFC 3339 formatting as the wire contract wants it.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace airunway::common {

// "2026-01-01T00:00:00.000Z": UTC, millisecond precision, like JavaScript's toISOString().
std::string FormatRfc3339Millis(std::chrono::system_clock::time_point when);

// "2026-01-01T00:00:00Z": UTC, whole seconds, as Kubernetes metadata timestamps are written.
std::string FormatRfc3339Seconds(std::chrono::system_clock::time_point when);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)". nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

}  // namespace airunway::common
