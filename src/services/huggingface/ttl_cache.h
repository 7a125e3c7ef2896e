// TtlCache: a small in-memory cache whose entries expire after a fixed time and whose size is
// bounded (the least recently used entry goes first when it is full).
//
// Used in front of the HuggingFace Hub so that a repeated search or model lookup is answered
// from memory. Only successes are stored by the callers; an expired entry is dropped when it
// is looked up (and counts as a miss). Values are returned by copy, so store cheap handles
// (shared_ptr<const T>) for large values.
//
// The clock is injectable so tests can move time without sleeping.
// Thread-safety: every method is safe from any thread (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace airunway::huggingface {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

template <typename V>
class TtlCache {
 public:
  TtlCache(std::size_t capacity, std::chrono::milliseconds ttl, SteadyClock clock = {})
      : capacity_(capacity), ttl_(ttl), clock_(clock ? std::move(clock) : SteadyClock(&Now)) {}

  std::optional<V> Get(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses_;
      return std::nullopt;
    }
    if (clock_() >= it->second->expires) {
      order_.erase(it->second);
      index_.erase(it);
      ++misses_;
      return std::nullopt;
    }
    order_.splice(order_.begin(), order_, it->second);  // most recently used first
    ++hits_;
    return it->second->value;
  }

  void Put(const std::string& key, V value) {
    if (capacity_ == 0) return;
    std::lock_guard lock(mutex_);
    auto expires = clock_() + ttl_;
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->value = std::move(value);
      it->second->expires = expires;
      order_.splice(order_.begin(), order_, it->second);
      return;
    }
    while (order_.size() >= capacity_) {
      index_.erase(order_.back().key);
      order_.pop_back();
    }
    order_.push_front(Entry{key, std::move(value), expires});
    index_.emplace(key, order_.begin());
  }

  void Clear() {
    std::lock_guard lock(mutex_);
    order_.clear();
    index_.clear();
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return order_.size();
  }
  std::size_t hits() const {
    std::lock_guard lock(mutex_);
    return hits_;
  }
  std::size_t misses() const {
    std::lock_guard lock(mutex_);
    return misses_;
  }

 private:
  struct Entry {
    std::string key;
    V value;
    std::chrono::steady_clock::time_point expires;
  };
  static std::chrono::steady_clock::time_point Now() { return std::chrono::steady_clock::now(); }

  const std::size_t capacity_;
  const std::chrono::milliseconds ttl_;
  const SteadyClock clock_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;                                                   // guarded by mutex_
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;  // guarded by mutex_
  std::size_t hits_ = 0;                                                     // guarded by mutex_
  std::size_t misses_ = 0;                                                   // guarded by mutex_
};

}  // namespace airunway::huggingface
