#include "controller/runtime/work_queue.h"

#include <algorithm>
#include <cmath>

namespace airunway::controller::runtime {

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

const std::vector<std::string> kQueueLabels = {"name", "controller"};

// client-go's workqueue histograms: 10ns .. 1000s, factor 10.
std::vector<double> QueueBuckets() { return ExponentialBuckets(10e-9, 10, 12); }

}  // namespace

// ---- RateLimiter ---------------------------------------------------------------------------

RateLimiter::RateLimiter(RateLimiterOptions options, NowFunction now)
    : options_(options),
      now_(now ? std::move(now) : NowFunction([] { return Clock::now(); })),
      tokens_(options.burst),
      last_refill_(now_()) {}

std::chrono::nanoseconds RateLimiter::BackoffDelay(int failures) const {
  // base * 2^failures, computed in floating point so large exponents cap instead of overflow.
  const double base = static_cast<double>(options_.base_delay.count());
  const double max = static_cast<double>(options_.max_delay.count());
  const double delay = base * std::pow(2.0, failures);
  if (!(delay < max)) return options_.max_delay;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(delay));
}

std::chrono::nanoseconds RateLimiter::BucketDelay() {
  if (options_.qps <= 0) return std::chrono::nanoseconds(0);
  // A reservation: take a token now even if it goes negative, and wait until the bucket
  // would have refilled it — so N callers at once are spread 1/qps apart.
  const auto now = now_();
  const double elapsed = Seconds(now - last_refill_);
  if (elapsed > 0) {
    tokens_ = std::min(options_.burst, tokens_ + elapsed * options_.qps);
    last_refill_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(-tokens_ / options_.qps * 1e9));
}

std::chrono::nanoseconds RateLimiter::When(const std::string& key) {
  std::lock_guard lock(mutex_);
  const int failures = failures_[key]++;
  return std::max(BackoffDelay(failures), BucketDelay());
}

void RateLimiter::Forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int RateLimiter::NumRequeues(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

// ---- WorkQueue -----------------------------------------------------------------------------

void RegisterWorkQueueMetrics(Registry& registry) {
  registry.AddGauge("workqueue_depth", "Current depth of workqueue", kQueueLabels);
  registry.AddCounter("workqueue_adds_total", "Total number of adds handled by workqueue", kQueueLabels);
  registry.AddCounter("workqueue_retries_total", "Total number of retries handled by workqueue", kQueueLabels);
  registry.AddHistogram("workqueue_queue_duration_seconds",
                        "How long in seconds an item stays in workqueue before being requested",
                        kQueueLabels, QueueBuckets());
  registry.AddHistogram("workqueue_work_duration_seconds",
                        "How long in seconds processing an item from workqueue takes", kQueueLabels,
                        QueueBuckets());
}

WorkQueue::WorkQueue(WorkQueueOptions options) : name_(options.name), limiter_(options.rate_limiter) {
  if (options.metrics != nullptr) {
    auto& r = *options.metrics;
    RegisterWorkQueueMetrics(r);
    const std::vector<std::string> labels{name_, name_};
    metrics_.depth = &r.AddGauge("workqueue_depth", "", kQueueLabels).WithLabels(labels);
    metrics_.adds = &r.AddCounter("workqueue_adds_total", "", kQueueLabels).WithLabels(labels);
    metrics_.retries = &r.AddCounter("workqueue_retries_total", "", kQueueLabels).WithLabels(labels);
    metrics_.queue_duration =
        &r.AddHistogram("workqueue_queue_duration_seconds", "", kQueueLabels, QueueBuckets()).WithLabels(labels);
    metrics_.work_duration =
        &r.AddHistogram("workqueue_work_duration_seconds", "", kQueueLabels, QueueBuckets()).WithLabels(labels);
  }
}

WorkQueue::~WorkQueue() { ShutDown(); }

void WorkQueue::UpdateDepthLocked() {
  if (metrics_.depth != nullptr) metrics_.depth->Set(static_cast<double>(queue_.size()));
}

void WorkQueue::AddLocked(const std::string& key, Clock::time_point now) {
  if (shutting_down_) return;
  if (metrics_.adds != nullptr) metrics_.adds->Inc();
  if (!dirty_.insert(key).second) return;  // already queued (or re-added during processing)
  added_at_.emplace(key, now);
  if (processing_.count(key) > 0) return;  // Done will queue it
  queue_.push_back(key);
  UpdateDepthLocked();
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard lock(mutex_);
  AddLocked(key, Clock::now());
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::nanoseconds delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  const auto now = Clock::now();
  if (delay <= std::chrono::nanoseconds(0)) {
    AddLocked(key, now);
    return;
  }
  const auto ready = now + std::chrono::duration_cast<Clock::duration>(delay);
  auto [it, inserted] = waiting_.try_emplace(key, ready);
  if (!inserted) {
    if (it->second <= ready) return;  // already due sooner
    it->second = ready;
  }
  waiting_heap_.push({ready, key});  // the old heap entry, if any, is now stale and skipped
  cv_.notify_all();                  // a sleeping Get may need to wake earlier
}

void WorkQueue::AddRateLimited(const std::string& key) {
  if (metrics_.retries != nullptr) metrics_.retries->Inc();
  AddAfter(key, limiter_.When(key));
}

void WorkQueue::Forget(const std::string& key) { limiter_.Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) const { return limiter_.NumRequeues(key); }

std::optional<Clock::time_point> WorkQueue::PromoteDueLocked(Clock::time_point now) {
  while (!waiting_heap_.empty()) {
    const Waiting& top = waiting_heap_.top();
    auto it = waiting_.find(top.key);
    if (it == waiting_.end() || it->second != top.ready) {  // stale entry
      waiting_heap_.pop();
      continue;
    }
    if (top.ready > now) return top.ready;
    std::string key = top.key;
    waiting_heap_.pop();
    waiting_.erase(it);
    AddLocked(key, now);
  }
  return std::nullopt;
}

std::optional<std::string> WorkQueue::Get() { return GetUntil(std::nullopt); }

std::optional<std::string> WorkQueue::GetFor(std::chrono::nanoseconds timeout) {
  return GetUntil(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
}

std::optional<std::string> WorkQueue::GetUntil(std::optional<Clock::time_point> deadline) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    const auto now = Clock::now();
    const auto next_due = PromoteDueLocked(now);
    if (!queue_.empty()) break;
    if (deadline && now >= *deadline) return std::nullopt;
    std::optional<Clock::time_point> wake = next_due;
    if (deadline && (!wake || *deadline < *wake)) wake = deadline;
    if (wake) {
      cv_.wait_until(lock, *wake);
    } else {
      cv_.wait(lock);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  UpdateDepthLocked();
  dirty_.erase(key);
  const auto now = Clock::now();
  if (auto it = added_at_.find(key); it != added_at_.end()) {
    if (metrics_.queue_duration != nullptr) metrics_.queue_duration->Observe(Seconds(now - it->second));
    added_at_.erase(it);
  }
  processing_[key] = now;
  return key;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = processing_.find(key);
  if (it == processing_.end()) return;
  if (metrics_.work_duration != nullptr) metrics_.work_duration->Observe(Seconds(Clock::now() - it->second));
  processing_.erase(it);
  if (dirty_.count(key) > 0 && !shutting_down_) {
    queue_.push_back(key);
    UpdateDepthLocked();
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::Len() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t WorkQueue::WaitingLen() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

std::size_t WorkQueue::ProcessingLen() const {
  std::lock_guard lock(mutex_);
  return processing_.size();
}

}  // namespace airunway::controller::runtime
