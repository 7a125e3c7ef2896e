// Small helpers shared by the benchmark tools in bench/: duration flags, percentiles, and the
// loopback-only rule for targets.
//
// The tools drive load at servers, so they refuse anything but loopback: a typo in a URL must
// never turn a benchmark into traffic against someone else's machine.
//
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace airunway::bench {

// "5s", "250ms", "1.5s", "2m", "800us", "10ns"; a bare number means seconds. nullopt when the
// text is malformed or negative.
std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Nearest-rank percentile (0 < percent <= 100) of an ascending-sorted sample; 0 when empty.
// Nearest-rank returns a value that was actually observed, so p100 is the maximum.
std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double percent);

// Median of an unsorted sample (mean of the two middle values for an even count); 0 if empty.
double Median(std::vector<double> values);

// True for the spellings of loopback the tools accept: 127.0.0.1, localhost, ::1 (with or
// without brackets). Other 127/8 addresses are refused too, to keep the rule easy to state.
bool IsLoopbackHost(std::string_view host);

}  // namespace airunway::bench
