// Backoff: exponential delays with jitter, for request retries and for informers that
// re-list after a failure.
//
//   Backoff backoff({.initial = 200ms, .max = 5s});
//   auto delay = backoff.Next();   // 100..200ms, then 200..400ms, ... capped at max
//   backoff.Reset();               // after a success
//
// Jitter draws each delay uniformly from [d/2, d] so that clients that failed together do
// not retry together.
//
// Thread-safety: one Backoff per retry loop; not safe for concurrent use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace airunway::kube {

struct BackoffPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{5000};
  double factor = 2.0;
  bool jitter = true;
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy = {}, std::uint64_t seed = std::random_device{}());

  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

// Parses a Retry-After header given in seconds ("3"); HTTP dates are not used by the API
// server and yield nullopt, as do negative or absurd values.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view header);

}  // namespace airunway::kube
