// API fault injection for kubesim: rules that make the simulated API server slow, failing or
// flaky for chosen verbs and resources, so that clients (our kube client, the controller, the
// UI backend, kubectl) can be tested against the failures a real cluster produces.
//
// A FaultRule selects requests (verbs, API groups, resources, namespaces, names — the RBAC
// vocabulary of auth.h) and says what happens to them:
//   - latency: the response body is held back for that long (see ApiServer: the status line
//     goes out at once, the body after the delay, without blocking an I/O thread);
//   - status: the request fails with a real Status body instead of being served — 500
//     InternalError, 503 ServiceUnavailable, 429 TooManyRequests (with Retry-After and
//     details.retryAfterSeconds), 409 Conflict, 504 Timeout, or any other 4xx/5xx — on every
//     matching request, every Nth one (`every`), or a seeded-random fraction (`error_rate`);
//   - dropWatchAfter: watch streams end (cleanly, as on a server timeout) after that long, so
//     clients must resume from their last resourceVersion;
//   - expireWatchAfter: watches open that long get an ERROR event 410 Expired ("too old
//     resource version") and end; the resourceVersions older than that moment count as
//     compacted, so resuming from them is refused with 410 too and the client must list again.
//
// Scenario format (the `apiFaults` key of a scenario, see sim_scenario.h), YAML or JSON; either
// a list of rules or {seed: N, rules: [...]}:
//
//   apiFaults:
//     seed: 7                        # for errorRate; the same seed gives the same failures
//     rules:
//       - verbs: [list, get]         # "*" or absent: every verb (incl. watch)
//         apiGroups: [""]            # absent: every group; "" = core
//         resources: [pods]          # absent/"*": every resource; "pods/log", "*/status" as in RBAC
//         namespaces: [default]      # globs; absent: every namespace and cluster scope
//         names: ["web-*"]           # globs; absent: any name
//         latency: 250ms             # integer milliseconds or "250ms", "2s", "1m"
//         status: 503                # 0/absent: no error
//         message: etcdserver: request timed out   # the Status message (a real default otherwise)
//         every: 3                   # fail the 3rd, 6th, ... matching request
//         errorRate: 0.25            # or: fail this fraction (ignored when `every` is set)
//         retryAfter: 2              # seconds; 429 defaults to 1
//         dropWatchAfter: 30s
//         expireWatchAfter: 5m
//
// Non-resource paths (/api, /apis, /version, /openapi) are never faulted, so discovery keeps
// working and a test sees exactly the errors it configured. Faults are decided only after the
// request is authenticated and authorized, as on a real server: a bad token still gets 401
// and a forbidden verb 403, never an injected error.
//
// Thread-safety: FaultInjector is safe from any thread (one mutex around rules, counters and
// the RNG; an atomic flag makes the no-fault path lock-free). The rest are plain values and
// pure functions.
#pragma once

#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kubesim/api_status.h"

namespace airunway::kubesim {

struct FaultRule {
  std::vector<std::string> verbs;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;
  std::vector<std::string> namespaces;
  std::vector<std::string> names;

  std::chrono::milliseconds latency{0};
  int status = 0;  // 0: no error
  std::string message;
  int every = 0;            // > 0: the Nth, 2Nth, ... matching request fails
  double error_rate = 1.0;  // otherwise: this fraction of matching requests fails
  int retry_after_seconds = 0;

  std::chrono::milliseconds drop_watch_after{0};
  std::chrono::milliseconds expire_watch_after{0};
};

struct FaultRules {
  std::vector<FaultRule> rules;
  std::uint64_t seed = 1;
};

// The request as the matcher sees it (RequestInfo's fields).
struct FaultRequest {
  std::string verb;
  std::string api_group;
  std::string resource;
  std::string subresource;
  std::string namespace_name;
  std::string name;
};

// What happens to one request. Every matching rule contributes: the longest latency and the
// first error that fires.
struct FaultDecision {
  std::chrono::milliseconds latency{0};
  std::optional<ApiStatus> error;
};

// How long a new watch may live; 0 = no limit. The shortest of the matching rules.
struct WatchFaults {
  std::chrono::milliseconds drop_after{0};
  std::chrono::milliseconds expire_after{0};
};

bool FaultRuleMatches(const FaultRule& rule, const FaultRequest& request);

// The Status a configured error becomes, with the real reason and default message for the
// code (e.g. 503 → ServiceUnavailable, 429 → TooManyRequests + retryAfterSeconds, 409 → the
// "Operation cannot be fulfilled" conflict on the requested object).
ApiStatus FaultStatus(const FaultRule& rule, const FaultRequest& request);

// The rules from a decoded scenario value (a list, or {seed, rules}). kInvalid names the
// offending key, e.g. "apiFaults.rules[0].status: expected an HTTP error code (400-599)".
common::Result<FaultRules> FaultRulesFromJson(const boost::json::value& value);

class FaultInjector {
 public:
  FaultInjector() = default;
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Replaces the rules; counters and the RNG start afresh (from rules.seed).
  void SetRules(FaultRules rules);
  void Clear() { SetRules({}); }
  FaultRules rules() const;
  // False when there are no rules (the fast path).
  bool Active() const { return active_.load(std::memory_order_acquire); }

  // Decides the fate of one request (and advances the matching rules' counters).
  FaultDecision Decide(const FaultRequest& request);
  // The watch limits for a watch request (no counters advance).
  WatchFaults WatchLimits(const FaultRequest& request) const;

  // Watches resuming from a resourceVersion older than the compaction mark get 410.
  // `resource_version` "" or "0" never does. Returns the Status to send in the stream.
  std::optional<ApiStatus> CheckWatchResume(std::string_view resource_version,
                                            std::string_view current_resource_version) const;
  // An expired watch compacts history up to `current_resource_version`.
  void MarkCompacted(std::string_view current_resource_version);

 private:
  mutable std::mutex mutex_;
  FaultRules rules_;                 // guarded by mutex_
  std::vector<std::uint64_t> hits_;  // guarded by mutex_; matching requests per rule
  std::mt19937_64 rng_;              // guarded by mutex_
  std::int64_t compacted_ = 0;       // guarded by mutex_
  std::atomic<bool> active_{false};
};

}  // namespace airunway::kubesim
