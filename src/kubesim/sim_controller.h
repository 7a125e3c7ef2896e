// SimController: the base of every simulated controller (workload controllers, scheduler,
// kubelet). Each controller owns one worker thread and a KeyQueue; store change listeners
// only queue keys ("ns/name"), the worker reconciles them one at a time, level-based and
// idempotent, reading the current state from the Store.
//
// Timers: delays (image pull, readiness, back-off) are delayed keys in the same KeyQueue.
// The worker sleeps on a condition variable until the earliest due key or a new key arrives,
// so an idle cluster uses no CPU and there is no separate timer thread or io_context to
// coordinate with — a controller's state is touched by its worker thread only.
//
// Thread-safety: KeyQueue is safe from any thread (one mutex); OnChange runs on the writer's
// thread under the store lock and must only Enqueue. Start/Stop are called by the owner
// (SimulatedCluster) from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <atomic>
#include <memory>

#include "kubesim/log_buffers.h"
#include "kubesim/sim_objects.h"
#include "kubesim/sim_scenario.h"
#include "kubesim/store.h"

namespace airunway::kubesim {

// A de-duplicating queue of keys with delayed adds. A key waiting to be processed is held
// once however often it is added; a delayed add of a key already due is dropped, and the
// earliest of several delayed adds of one key wins.
class KeyQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Clock::duration delay);
  // Blocks until a key is due; nullopt once ShutDown was called.
  std::optional<std::string> Pop();
  void ShutDown();
  void Reset();  // accepts work again after ShutDown, dropping anything queued
  std::size_t Pending() const;  // due + delayed keys

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> ready_;
  std::set<std::string> queued_;                        // keys in ready_
  std::multimap<Clock::time_point, std::string> delayed_;
  std::map<std::string, Clock::time_point> delayed_at_;  // key -> its entry in delayed_
  bool shutdown_ = false;
};

class SimController {
 public:
  explicit SimController(std::string name) : name_(std::move(name)) {}
  virtual ~SimController();
  SimController(const SimController&) = delete;
  SimController& operator=(const SimController&) = delete;

  const std::string& name() const { return name_; }
  bool running() const { return running_.load(); }

  // Starts the worker: it first calls Resync (queue every key from a store list), then
  // reconciles keys until Stop.
  void Start();
  void Stop();  // joins the worker; idempotent

  // Called for every store change while running (under the store lock): queue keys only.
  void Notify(const ChangeEvent& event) {
    if (running_.load()) OnChange(event);
  }

 protected:
  virtual void OnChange(const ChangeEvent& event) = 0;
  virtual void Resync() = 0;
  virtual void Reconcile(const std::string& key) = 0;
  // Called on the worker thread after it stopped, to drop per-object state.
  virtual void OnStopped() {}

  void Enqueue(const std::string& key) { queue_.Add(key); }
  void EnqueueAfter(const std::string& key, std::chrono::steady_clock::duration delay) {
    queue_.AddAfter(key, delay);
  }

 private:
  void Run();

  const std::string name_;
  KeyQueue queue_;
  std::thread worker_;
  std::atomic<bool> running_{false};
};

// What every controller shares: the store, the logs, the resources it reads and writes, the
// event recorder and the scenario (timing and faults), which tests may swap at run time.
// Owned by SimulatedCluster; controllers hold a reference.
class SimContext {
 public:
  SimContext(Store& store_ref, LogBuffers& logs_ref, SimResources resources, Scenario initial)
      : store(store_ref), logs(logs_ref), res(std::move(resources)), events(store_ref, res.events),
        scenario_(std::make_shared<const Scenario>(std::move(initial))) {}

  Store& store;
  LogBuffers& logs;
  const SimResources res;
  EventRecorder events;

  std::shared_ptr<const Scenario> scenario() const {
    std::lock_guard lock(mu_);
    return scenario_;
  }
  void SetScenario(Scenario scenario) {
    auto next = std::make_shared<const Scenario>(std::move(scenario));
    std::lock_guard lock(mu_);
    scenario_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Scenario> scenario_;  // guarded by mu_
};

// "ns/name" and back.
std::string ObjectKeyOf(std::string_view ns, std::string_view name);
std::pair<std::string, std::string> SplitObjectKey(std::string_view key);

}  // namespace airunway::kubesim
