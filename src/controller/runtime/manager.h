// Manager: runs one controller — informer caches, a work queue of object keys, N workers
// calling a Reconciler, and (optionally) leader election — in the order controller-runtime
// does: caches first, workers only once every cache has synced (and this replica leads).
//
//   Manager manager(client, {.name = "modeldeployment", .workers = 4, .metrics = &registry,
//                            .leader_election = LeaderElectionOptions{.lease_name = "2038fe6a.airunway.ai"}});
//   auto mds = manager.AddInformer({.resource = kModelDeployments});
//   mds->AddHandlers(manager.EnqueueHandlers());                          // own key
//   auto deps = manager.AddInformer({.resource = kube::kDeployments, .label_selector = "..."});
//   deps->AddHandlers(manager.EnqueueOwnerHandlers("ModelDeployment", "airunway.ai"));
//   manager.SetReconciler(std::make_shared<ModelDeploymentReconciler>(...));
//   common::Status done = manager.Run(stop_token);   // blocks
//   if (!done && done.error().reason == kLeaderElectionLost) exit(1);
//
// Run, in order: start every informer; wait until all have synced (kTimeout after
// cache_sync_timeout); if leader election is on, stand by until this replica leads; start
// `workers` threads. Each worker takes a key, calls Reconcile(key) and makes one decision:
//   Result error          -> AddRateLimited (per-key exponential backoff + global bucket)
//   Outcome::kDone        -> Forget (backoff reset)
//   Outcome::kRequeue     -> AddRateLimited
//   Outcome::kRequeueAfter-> Forget, AddAfter(key, after)
//   Outcome::kError       -> terminal: logged and counted as an error, Forget, NOT retried
//                            until the object changes again (controller-runtime's
//                            TerminalError) — for specs that no retry can fix
//   an exception          -> caught, logged, treated as a Result error (requeued)
// Stop (the stop_token or Stop()): the queue shuts down, in-flight reconciles finish, the
// lease is released, informers stop — reverse order of start — and Run returns ok.
// Losing the lease stops the workers the same way and Run returns an error with reason
// kLeaderElectionLost; a Manager runs once, so the process exits (as controller-runtime's)
// or builds a new Manager to stand by again.
//
// Readiness (Ready / ReadyzCheck): ready from when every cache has synced until Run stops
// them — leader or standby alike: a controller-runtime replica's caches and probes run
// regardless of leadership, so a standby is a ready, healthy Pod waiting for the lease. Leadership is exposed separately
// (IsLeader) and in the metric leader_election_master_status.
//
// Ownership: the Manager owns its informers, queue, worker threads and elector; it shares
// the Client and the Reconciler. AddInformer, SetReconciler and the handler factories are
// for set-up, before Run. Handlers returned by the factories only enqueue keys and never
// block, so they are safe on informer threads.
//
// Thread-safety: Run on one thread; Stop, Enqueue, queue(), Ready, IsLeader and
// CachesSynced from any thread. Destroy the Manager only after Run has returned. Reconcile runs on up to `workers` threads at once, never
// for the same key on two at a time.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "controller/runtime/leader_election.h"
#include "controller/runtime/metrics.h"
#include "controller/runtime/work_queue.h"
#include "kube/client.h"
#include "kube/informer.h"

namespace airunway::controller::runtime {

// What a reconcile asks of the queue. Build with the factories.
struct Outcome {
  enum Kind { kDone, kRequeue, kRequeueAfter, kError };
  Kind kind = kDone;
  std::chrono::milliseconds after{0};  // kRequeueAfter
  std::string message;                 // kError: why (logged)

  static Outcome Done() { return {}; }
  static Outcome Requeue() { return {kRequeue, {}, {}}; }
  static Outcome RequeueAfter(std::chrono::milliseconds delay) { return {kRequeueAfter, delay, {}}; }
  static Outcome Terminal(std::string why) { return {kError, {}, std::move(why)}; }
};

// Level-based and idempotent: given "namespace/name" (or "name" for cluster-scoped
// objects), make the world match the object's spec as read from the caches. An object that
// no longer exists is a normal case (deleted): return Done.
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  virtual common::Result<Outcome> Reconcile(const std::string& key) = 0;
};

inline constexpr std::string_view kLeaderElectionLost = "LeaderElectionLost";

struct ManagerOptions {
  std::string name = "controller";  // the `controller` metrics label and log field
  int workers = 1;
  RateLimiterOptions rate_limiter;
  std::chrono::milliseconds cache_sync_timeout{120'000};
  Registry* metrics = nullptr;  // optional; must outlive the manager
  std::optional<LeaderElectionOptions> leader_election;
  LeaderCallbacks leader_callbacks;  // called in addition to the manager's own handling
};

// The key of the object that controls `owned`: its ownerReference with controller: true
// and kind `owner_kind` (and, when `owner_group` is given, apiVersion in that group), as
// "namespace-of-owned/owner-name". nullopt when there is none.
std::optional<std::string> ControllerOwnerKey(const boost::json::object& owned, std::string_view owner_kind,
                                              std::string_view owner_group = {});

class Manager {
 public:
  Manager(std::shared_ptr<kube::Client> client, ManagerOptions options);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // A cache for `options`, started and synced by Run. Add handlers to it before Run.
  std::shared_ptr<kube::Informer> AddInformer(kube::InformerOptions options);
  void SetReconciler(std::shared_ptr<Reconciler> reconciler);

  // Handlers that enqueue the object's own key on add, update and delete.
  kube::InformerHandlers EnqueueHandlers();
  // Handlers that enqueue the key of the object's controller owner of `owner_kind`.
  kube::InformerHandlers EnqueueOwnerHandlers(std::string owner_kind, std::string owner_group = {});
  // Handlers that enqueue whatever keys `map` returns (e.g. every ModelDeployment that
  // uses a changed InferenceProviderConfig).
  kube::InformerHandlers EnqueueMappedHandlers(
      std::function<std::vector<std::string>(const boost::json::object&)> map);

  void Enqueue(const std::string& key) { queue_.Add(key); }
  WorkQueue& queue() { return queue_; }

  // See the file comment. Call once.
  common::Status Run(std::stop_token stop);
  // Asks Run to stop; returns at once.
  void Stop();

  bool CachesSynced() const { return caches_synced_.load(); }
  // Ready: caches synced (leader or standby).
  bool Ready() const { return CachesSynced(); }
  // Ok when ready; kUnavailable with what is missing otherwise (for HealthServer).
  common::Status ReadyzCheck() const;
  // True without leader election once running; with it, while this replica holds the lease.
  bool IsLeader() const { return leading_.load(); }
  // The elector (nullptr without leader election), e.g. for leader_identity().
  const LeaderElector* elector() const { return elector_.get(); }
  const ManagerOptions& options() const { return options_; }

 private:
  void StartWorkers();
  void StopWorkers();
  void Worker();
  void Process(const std::string& key);

  const std::shared_ptr<kube::Client> client_;
  const ManagerOptions options_;
  WorkQueue queue_;
  std::shared_ptr<Reconciler> reconciler_;
  std::vector<std::shared_ptr<kube::Informer>> informers_;
  std::unique_ptr<LeaderElector> elector_;

  struct Metrics {
    CounterFamily* total = nullptr;
    Counter* errors = nullptr;
    Counter* panics = nullptr;
    Histogram* time = nullptr;
    Gauge* active_workers = nullptr;
    Gauge* leader = nullptr;
  };
  Metrics metrics_;

  std::atomic<bool> caches_synced_{false};
  std::atomic<bool> leading_{false};
  std::stop_source stop_source_;

  std::mutex workers_mutex_;
  std::vector<std::jthread> workers_;  // guarded by workers_mutex_
  bool workers_stopped_ = false;       // guarded by workers_mutex_

  std::mutex wake_mutex_;
  std::condition_variable_any wake_cv_;
};

}  // namespace airunway::controller::runtime
