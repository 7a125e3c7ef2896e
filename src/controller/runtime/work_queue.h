// WorkQueue: the controller's queue of object keys ("namespace/name") — de-duplicating,
// rate-limited, with delayed adds — in the semantics of client-go's workqueue that
// controller-runtime builds on.
//
//   WorkQueue queue({.name = "modeldeployment"});
//   queue.Add("default/llama");                    // from informer handlers
//   while (auto key = queue.Get()) {               // blocks; nullopt after ShutDown
//     ... reconcile *key ...
//     queue.Forget(*key);  or  queue.AddRateLimited(*key);  or  queue.AddAfter(*key, 30s);
//     queue.Done(*key);                             // always, exactly once per Get
//   }
//
// Guarantees:
//  - De-duplication: a key added any number of times before a worker takes it is handed out
//    once.
//  - One key never on two workers: a key added while it is being processed is held back and
//    queued again when Done is called for it.
//  - AddAfter(key, d) makes the key available after d; a key waiting with a later time is
//    moved earlier, never later.
//  - AddRateLimited = AddAfter(key, limiter delay). The limiter is the maximum of a per-key
//    exponential backoff (base * 2^failures, capped) and a global token bucket (qps, burst)
//    — controller-runtime's default controller rate limiter (5 ms .. 1000 s, 10 qps / 100).
//    Forget(key) clears the key's failure count (call it after a success).
//  - ShutDown wakes every blocked Get, which then returns nullopt at once; items still
//    queued are not handed out (a stopping controller starts no new work). Add after
//    ShutDown is ignored.
//
// Metrics (when a Registry is given): workqueue_depth, workqueue_adds_total,
// workqueue_queue_duration_seconds (add -> Get), workqueue_work_duration_seconds
// (Get -> Done), workqueue_retries_total, labelled {name, controller} with the queue's name,
// as controller-runtime names them.
//
// Thread-safety: every method is safe from any thread. Delayed items need no thread of their
// own: Get sleeps until the earliest one is due.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/runtime/metrics.h"

namespace airunway::controller::runtime {

using Clock = std::chrono::steady_clock;
// Injected time, so the rate limiter can be tested without waiting.
using NowFunction = std::function<Clock::time_point()>;

struct RateLimiterOptions {
  std::chrono::nanoseconds base_delay = std::chrono::milliseconds(5);
  std::chrono::nanoseconds max_delay = std::chrono::seconds(1000);
  double qps = 10.0;       // global token bucket refill rate; <= 0 disables the bucket
  double burst = 100.0;    // bucket size
};

// MaxOf(per-key exponential backoff, global token bucket). Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(RateLimiterOptions options = {}, NowFunction now = {});

  // The delay before `key` may be retried; counts one failure of `key` and takes one token.
  std::chrono::nanoseconds When(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

 private:
  std::chrono::nanoseconds BackoffDelay(int failures) const;
  std::chrono::nanoseconds BucketDelay();  // caller holds mutex_

  const RateLimiterOptions options_;
  const NowFunction now_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> failures_;  // guarded by mutex_
  double tokens_;                                  // guarded by mutex_
  Clock::time_point last_refill_;                  // guarded by mutex_
};

struct WorkQueueOptions {
  std::string name = "queue";  // the metrics' name/controller label
  RateLimiterOptions rate_limiter;
  Registry* metrics = nullptr;  // optional; must outlive the queue
};

class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {});
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::nanoseconds delay);
  void AddRateLimited(const std::string& key);
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key) const;

  // Blocks until a key is available (nullopt after ShutDown). Every key returned must be
  // passed to Done.
  std::optional<std::string> Get();
  // As Get, but gives up after `timeout` (nullopt), for callers that poll something else.
  std::optional<std::string> GetFor(std::chrono::nanoseconds timeout);
  void Done(const std::string& key);

  void ShutDown();
  bool ShuttingDown() const;

  // Keys ready to be handed out (not counting delayed or in-process keys).
  std::size_t Len() const;
  // Keys waiting for their AddAfter time.
  std::size_t WaitingLen() const;
  // Keys currently between Get and Done.
  std::size_t ProcessingLen() const;

 private:
  struct Waiting {
    Clock::time_point ready;
    std::string key;
    bool operator>(const Waiting& other) const { return ready > other.ready; }
  };
  struct Metrics {
    Gauge* depth = nullptr;
    Counter* adds = nullptr;
    Counter* retries = nullptr;
    Histogram* queue_duration = nullptr;
    Histogram* work_duration = nullptr;
  };

  std::optional<std::string> GetUntil(std::optional<Clock::time_point> deadline);
  void AddLocked(const std::string& key, Clock::time_point now);  // caller holds mutex_
  // Moves due delayed keys into the queue; returns the next due time, if any. Holds mutex_.
  std::optional<Clock::time_point> PromoteDueLocked(Clock::time_point now);
  void UpdateDepthLocked();

  const std::string name_;
  RateLimiter limiter_;
  Metrics metrics_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;                                 // guarded by mutex_
  std::set<std::string> dirty_;                                   // guarded by mutex_; queued or re-added
  std::map<std::string, Clock::time_point> processing_;           // guarded by mutex_; key -> Get time
  std::unordered_map<std::string, Clock::time_point> added_at_;   // guarded by mutex_; for queue latency
  std::unordered_map<std::string, Clock::time_point> waiting_;    // guarded by mutex_; key -> ready time
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> waiting_heap_;  // guarded by mutex_
  bool shutting_down_ = false;                                    // guarded by mutex_
};

// Registers (or finds) the workqueue metric families in `registry`.
void RegisterWorkQueueMetrics(Registry& registry);

}  // namespace airunway::controller::runtime
