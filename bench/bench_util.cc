#include "bench_util.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace airunway::bench {

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  std::size_t unit_at = 0;
  while (unit_at < text.size() &&
         ((text[unit_at] >= '0' && text[unit_at] <= '9') || text[unit_at] == '.')) {
    ++unit_at;
  }
  if (unit_at == 0) {
    return std::nullopt;
  }
  // std::from_chars for double is in libstdc++ 11+, so no locale surprises from strtod.
  double amount = 0;
  const char* first = text.data();
  const char* last = text.data() + unit_at;
  auto [end, error] = std::from_chars(first, last, amount);
  if (error != std::errc() || end != last || !std::isfinite(amount)) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(unit_at);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "us") {
    scale = 1e3;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60e9;
  } else {
    return std::nullopt;
  }
  const double nanoseconds = amount * scale;
  // A day is far beyond any benchmark; the bound keeps the cast below defined.
  if (nanoseconds > 86400e9) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(nanoseconds)));
}

std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double percent) {
  if (sorted.empty()) {
    return 0;
  }
  const double clamped = std::clamp(percent, 0.0, 100.0);
  auto rank = static_cast<std::size_t>(std::ceil(clamped / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

double Median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) {
    return values[middle];
  }
  return (values[middle - 1] + values[middle]) / 2;
}

bool IsLoopbackHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string lower(host);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "127.0.0.1" || lower == "localhost" || lower == "::1";
}

}  // namespace airunway::bench
