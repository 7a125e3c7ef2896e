#include "kubesim/sim_controller.h"

#include <exception>

#include "common/logging.h"

namespace airunway::kubesim {

void KeyQueue::Add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (shutdown_) return;
  if (auto it = delayed_at_.find(key); it != delayed_at_.end()) {
    // Due now: the delayed entry is superseded.
    auto range = delayed_.equal_range(it->second);
    for (auto d = range.first; d != range.second; ++d) {
      if (d->second == key) {
        delayed_.erase(d);
        break;
      }
    }
    delayed_at_.erase(it);
  }
  if (queued_.insert(key).second) {
    ready_.push_back(key);
    cv_.notify_one();
  }
}

void KeyQueue::AddAfter(const std::string& key, Clock::duration delay) {
  if (delay <= Clock::duration::zero()) {
    Add(key);
    return;
  }
  std::lock_guard lock(mu_);
  if (shutdown_ || queued_.count(key)) return;
  const Clock::time_point due = Clock::now() + delay;
  if (auto it = delayed_at_.find(key); it != delayed_at_.end()) {
    if (it->second <= due) return;
    auto range = delayed_.equal_range(it->second);
    for (auto d = range.first; d != range.second; ++d) {
      if (d->second == key) {
        delayed_.erase(d);
        break;
      }
    }
  }
  delayed_.emplace(due, key);
  delayed_at_[key] = due;
  cv_.notify_one();
}

std::optional<std::string> KeyQueue::Pop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutdown_) return std::nullopt;
    const Clock::time_point now = Clock::now();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      std::string key = delayed_.begin()->second;
      delayed_at_.erase(key);
      delayed_.erase(delayed_.begin());
      if (queued_.insert(key).second) ready_.push_back(std::move(key));
    }
    if (!ready_.empty()) {
      std::string key = std::move(ready_.front());
      ready_.pop_front();
      queued_.erase(key);
      return key;
    }
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, delayed_.begin()->first);
    }
  }
}

void KeyQueue::ShutDown() {
  std::lock_guard lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

void KeyQueue::Reset() {
  std::lock_guard lock(mu_);
  shutdown_ = false;
  ready_.clear();
  queued_.clear();
  delayed_.clear();
  delayed_at_.clear();
}

std::size_t KeyQueue::Pending() const {
  std::lock_guard lock(mu_);
  return ready_.size() + delayed_.size();
}

SimController::~SimController() {
  // Derived classes must Stop() in their own destructor (their Reconcile is gone by now);
  // this is the last line of defence against a joinable thread.
  if (worker_.joinable()) {
    queue_.ShutDown();
    worker_.join();
  }
}

void SimController::Start() {
  if (running_.load()) return;
  queue_.Reset();
  running_.store(true);
  worker_ = std::thread([this] { Run(); });
}

void SimController::Stop() {
  if (!worker_.joinable()) return;
  running_.store(false);
  queue_.ShutDown();
  worker_.join();
}

void SimController::Run() {
  try {
    Resync();
  } catch (const std::exception& e) {
    common::LogError("simulated controller resync failed", {{"controller", name_}, {"error", e.what()}});
  }
  while (auto key = queue_.Pop()) {
    try {
      Reconcile(*key);
    } catch (const std::exception& e) {
      // A bug in one reconcile must not take the cluster down; retry later like a real
      // controller would after an error.
      common::LogError("simulated controller reconcile failed",
                       {{"controller", name_}, {"key", *key}, {"error", e.what()}});
      queue_.AddAfter(*key, std::chrono::seconds(1));
    }
  }
  OnStopped();
}

std::string ObjectKeyOf(std::string_view ns, std::string_view name) {
  std::string out(ns);
  out += '/';
  out += name;
  return out;
}

std::pair<std::string, std::string> SplitObjectKey(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace airunway::kubesim
