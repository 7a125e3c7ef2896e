#include "controller/runtime/manager.h"

#include <exception>

#include "common/json.h"
#include "common/logging.h"

namespace airunway::controller::runtime {

namespace {

// controller-runtime's reconcile-time buckets (seconds).
std::vector<double> ReconcileBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
          1.25,  1.5,  1.75,  2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,   6,   7,    8,   9,   10,  15,  20,  25,
          30,    40,   50,    60};
}

std::string_view GroupOf(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

}  // namespace

std::optional<std::string> ControllerOwnerKey(const boost::json::object& owned, std::string_view owner_kind,
                                              std::string_view owner_group) {
  const auto* refs = common::FindPath(owned, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return std::nullopt;
  std::string ns;
  if (const auto* value = common::FindPath(owned, {"metadata", "namespace"}); value != nullptr && value->is_string()) {
    ns = std::string(value->as_string());
  }
  for (const auto& ref : refs->as_array()) {
    if (!ref.is_object()) continue;
    const auto& object = ref.as_object();
    if (!common::GetBool(object, "controller").value_or(false)) continue;
    if (common::GetString(object, "kind").value_or("") != owner_kind) continue;
    if (!owner_group.empty() && GroupOf(common::GetString(object, "apiVersion").value_or("")) != owner_group) continue;
    const auto name = common::GetString(object, "name").value_or("");
    if (name.empty()) continue;
    return ns.empty() ? std::string(name) : ns + "/" + std::string(name);
  }
  return std::nullopt;
}

Manager::Manager(std::shared_ptr<kube::Client> client, ManagerOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      queue_({.name = options_.name, .rate_limiter = options_.rate_limiter, .metrics = options_.metrics}) {
  if (options_.metrics != nullptr) {
    auto& r = *options_.metrics;
    const std::vector<std::string> controller{options_.name};
    metrics_.total = &r.AddCounter("controller_runtime_reconcile_total",
                                   "Total number of reconciliations per controller", {"controller", "result"});
    for (const char* result : {"success", "error", "requeue", "requeue_after"}) {
      metrics_.total->WithLabels({options_.name, result});
    }
    metrics_.errors = &r.AddCounter("controller_runtime_reconcile_errors_total",
                                    "Total number of reconciliation errors per controller", {"controller"})
                           .WithLabels(controller);
    metrics_.panics = &r.AddCounter("controller_runtime_reconcile_panics_total",
                                    "Total number of reconciliation panics per controller", {"controller"})
                           .WithLabels(controller);
    metrics_.time = &r.AddHistogram("controller_runtime_reconcile_time_seconds",
                                    "Length of time per reconciliation per controller", {"controller"},
                                    ReconcileBuckets())
                         .WithLabels(controller);
    metrics_.active_workers = &r.AddGauge("controller_runtime_active_workers",
                                          "Number of currently used workers per controller", {"controller"})
                                   .WithLabels(controller);
    r.AddGauge("controller_runtime_max_concurrent_reconciles",
               "Maximum number of concurrent reconciles per controller", {"controller"})
        .WithLabels(controller)
        .Set(options_.workers);
    if (options_.leader_election) {
      metrics_.leader = &r.AddGauge("leader_election_master_status",
                                    "Gauge of if the reporting system is master of the relevant lease, 0 indicates "
                                    "backup, 1 indicates master. 'name' is the string used to identify the lease.",
                                    {"name"})
                             .WithLabels({options_.leader_election->lease_name});
    }
  }
  if (options_.leader_election) {
    LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] {
      leading_ = true;
      if (metrics_.leader != nullptr) metrics_.leader->Set(1);
      StartWorkers();
      if (options_.leader_callbacks.on_started_leading) options_.leader_callbacks.on_started_leading();
    };
    callbacks.on_stopped_leading = [this] {
      leading_ = false;
      if (metrics_.leader != nullptr) metrics_.leader->Set(0);
      StopWorkers();
      if (options_.leader_callbacks.on_stopped_leading) options_.leader_callbacks.on_stopped_leading();
    };
    callbacks.on_new_leader = options_.leader_callbacks.on_new_leader;
    elector_ = std::make_unique<LeaderElector>(client_, *options_.leader_election, std::move(callbacks));
  }
}

Manager::~Manager() {
  Stop();
  StopWorkers();
  for (auto& informer : informers_) informer->Stop();
}

std::shared_ptr<kube::Informer> Manager::AddInformer(kube::InformerOptions options) {
  auto informer = std::make_shared<kube::Informer>(client_, std::move(options));
  informers_.push_back(informer);
  return informer;
}

void Manager::SetReconciler(std::shared_ptr<Reconciler> reconciler) { reconciler_ = std::move(reconciler); }

kube::InformerHandlers Manager::EnqueueHandlers() {
  auto enqueue = [this](const kube::ObjectPtr& object) {
    if (object) queue_.Add(kube::ObjectKey(*object));
  };
  return {.on_add = enqueue,
          .on_update = [enqueue](const kube::ObjectPtr&, const kube::ObjectPtr& now) { enqueue(now); },
          .on_delete = enqueue};
}

kube::InformerHandlers Manager::EnqueueOwnerHandlers(std::string owner_kind, std::string owner_group) {
  auto enqueue = [this, owner_kind = std::move(owner_kind), owner_group = std::move(owner_group)](
                     const kube::ObjectPtr& object) {
    if (!object) return;
    if (auto key = ControllerOwnerKey(*object, owner_kind, owner_group)) queue_.Add(*key);
  };
  return {.on_add = enqueue,
          .on_update =
              [enqueue](const kube::ObjectPtr& before, const kube::ObjectPtr& now) {
                // An owner reference may have changed: both the old and the new owner care.
                enqueue(before);
                enqueue(now);
              },
          .on_delete = enqueue};
}

kube::InformerHandlers Manager::EnqueueMappedHandlers(
    std::function<std::vector<std::string>(const boost::json::object&)> map) {
  auto enqueue = [this, map = std::move(map)](const kube::ObjectPtr& object) {
    if (!object) return;
    for (const auto& key : map(*object)) queue_.Add(key);
  };
  return {.on_add = enqueue,
          .on_update = [enqueue](const kube::ObjectPtr&, const kube::ObjectPtr& now) { enqueue(now); },
          .on_delete = enqueue};
}

common::Status Manager::ReadyzCheck() const {
  if (CachesSynced()) return common::Status::Ok();
  return common::MakeError(common::ErrorCode::kUnavailable,
                           "controller " + options_.name + ": informer caches have not synced yet", "CacheNotSynced");
}

void Manager::Stop() {
  stop_source_.request_stop();
  wake_cv_.notify_all();
}

void Manager::StartWorkers() {
  std::lock_guard lock(workers_mutex_);
  if (workers_stopped_ || !workers_.empty()) return;
  common::LogInfo("starting workers", {{"controller", options_.name}, {"workers", options_.workers}});
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { Worker(); });
}

void Manager::StopWorkers() {
  std::vector<std::jthread> workers;
  {
    std::lock_guard lock(workers_mutex_);
    workers_stopped_ = true;
    workers.swap(workers_);
  }
  queue_.ShutDown();
  for (auto& worker : workers) worker.join();
}

void Manager::Worker() {
  while (auto key = queue_.Get()) {
    Process(*key);
    queue_.Done(*key);
  }
}

void Manager::Process(const std::string& key) {
  if (metrics_.active_workers != nullptr) metrics_.active_workers->Inc();
  const auto start = Clock::now();
  std::optional<common::Result<Outcome>> result;
  try {
    result.emplace(reconciler_->Reconcile(key));
  } catch (const std::exception& e) {
    if (metrics_.panics != nullptr) metrics_.panics->Inc();
    result.emplace(common::MakeError(common::ErrorCode::kInternal, std::string("reconcile threw: ") + e.what()));
  } catch (...) {
    if (metrics_.panics != nullptr) metrics_.panics->Inc();
    result.emplace(common::MakeError(common::ErrorCode::kInternal, "reconcile threw a non-standard exception"));
  }
  if (metrics_.time != nullptr) metrics_.time->Observe(std::chrono::duration<double>(Clock::now() - start).count());
  if (metrics_.active_workers != nullptr) metrics_.active_workers->Dec();

  auto count = [&](std::string_view label) {
    if (metrics_.total != nullptr) metrics_.total->WithLabels({options_.name, label}).Inc();
  };
  if (!*result) {
    const auto& error = result->error();
    common::LogError("reconcile failed; retrying with backoff",
                     {{"controller", options_.name}, {"key", key}, {"error", error.message},
                      {"retries", queue_.NumRequeues(key)}});
    count("error");
    if (metrics_.errors != nullptr) metrics_.errors->Inc();
    queue_.AddRateLimited(key);
    return;
  }
  const Outcome& outcome = **result;
  switch (outcome.kind) {
    case Outcome::kDone:
      count("success");
      queue_.Forget(key);
      break;
    case Outcome::kRequeue:
      count("requeue");
      queue_.AddRateLimited(key);
      break;
    case Outcome::kRequeueAfter:
      count("requeue_after");
      queue_.Forget(key);
      queue_.AddAfter(key, outcome.after);
      break;
    case Outcome::kError:
      common::LogError("reconcile failed terminally; not retrying until the object changes",
                       {{"controller", options_.name}, {"key", key}, {"error", outcome.message}});
      count("error");
      if (metrics_.errors != nullptr) metrics_.errors->Inc();
      queue_.Forget(key);
      break;
  }
}

common::Status Manager::Run(std::stop_token stop) {
  std::stop_callback forward(stop, [this] { Stop(); });
  const std::stop_token own = stop_source_.get_token();
  if (!reconciler_) {
    return common::MakeError(common::ErrorCode::kInvalid, "controller " + options_.name + ": no reconciler set");
  }
  if (options_.leader_election) {
    if (auto valid = ValidateLeaderElectionOptions(*options_.leader_election); !valid) return valid;
  }

  auto shutdown = [this] {
    StopWorkers();
    // A stopped cache is no longer kept current: not ready any more.
    caches_synced_ = false;
    for (auto it = informers_.rbegin(); it != informers_.rend(); ++it) (*it)->Stop();
  };

  for (auto& informer : informers_) informer->Start();
  const auto deadline = Clock::now() + options_.cache_sync_timeout;
  for (auto& informer : informers_) {
    while (!informer->HasSynced()) {
      if (own.stop_requested()) {
        shutdown();
        return common::Status::Ok();
      }
      if (Clock::now() >= deadline) {
        shutdown();
        return common::MakeError(common::ErrorCode::kTimeout,
                                 "controller " + options_.name + ": caches of " + informer->options().resource.resource +
                                     " did not sync within " +
                                     std::to_string(options_.cache_sync_timeout.count()) + " ms",
                                 "CacheSyncTimeout");
      }
      (void)informer->WaitForSync(std::chrono::milliseconds(100));
    }
  }
  caches_synced_ = true;
  common::LogInfo("caches synced", {{"controller", options_.name}, {"informers", informers_.size()}});

  if (elector_) {
    const bool clean = elector_->Run(own);  // starts and stops the workers through callbacks
    shutdown();
    if (!clean) {
      return common::MakeError(common::ErrorCode::kUnavailable,
                               "controller " + options_.name + ": lost the leader election lease " +
                                   options_.leader_election->lease_namespace + "/" +
                                   options_.leader_election->lease_name,
                               std::string(kLeaderElectionLost));
    }
    return common::Status::Ok();
  }

  leading_ = true;
  StartWorkers();
  {
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait(lock, own, [] { return false; });
  }
  leading_ = false;
  shutdown();
  return common::Status::Ok();
}

}  // namespace airunway::controller::runtime
