#include "kube/backoff.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace airunway::kube {

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy), rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  const double base = static_cast<double>(policy_.initial.count()) *
                      std::pow(policy_.factor, static_cast<double>(std::min(attempt_, 62)));
  const double capped = std::min(base, static_cast<double>(policy_.max.count()));
  ++attempt_;
  if (!policy_.jitter || capped < 2) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
  }
  std::uniform_real_distribution<double> spread(capped / 2, capped);
  return std::chrono::milliseconds(static_cast<std::int64_t>(spread(rng_)));
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\r')) header.remove_suffix(1);
  std::int64_t seconds = 0;
  auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), seconds);
  if (ec != std::errc() || end != header.data() + header.size() || seconds < 0 || seconds > 3600) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

}  // namespace airunway::kube
