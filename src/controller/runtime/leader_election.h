// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, so that of several
// controller replicas exactly one reconciles and the others stand by.
//
//   LeaderElector elector(client, {.lease_name = "2038fe6a.airunway.ai", .lease_namespace = "airunway-system"},
//                         {.on_started_leading = [&] { ... start workers ... },
//                          .on_stopped_leading = [&] { ... stop reconciling ... }});
//   elector.Run(stop_token);   // blocks: tries to acquire, then renews; returns when the
//                              // stop token fires (lease released) or leadership is lost
//
// The protocol, as client-go's leaderelection:
//  - Acquire when the Lease is absent (create), has an empty holderIdentity (released), or
//    has expired: renewTime + leaseDurationSeconds < now. Otherwise retry every
//    retry_period.
//  - Every write is a create or an update carrying the resourceVersion that was read, so of
//    two candidates racing for the same Lease only one write succeeds (the other gets 409
//    AlreadyExists/Conflict and stays a candidate).
//  - The leader renews every retry_period. If no renewal has succeeded for renew_deadline
//    (API down, RBAC revoked, someone else holds the Lease), it stops leading:
//    on_stopped_leading runs and Run returns false. The elector does not go back to
//    candidate by itself — like controller-runtime, whose process exits, the owner decides
//    (exit and let Kubernetes restart it, or build a new elector and stand by).
//  - On a clean stop the leader releases the Lease (holderIdentity "", leaseDurationSeconds
//    1), so a standby takes over at its next retry instead of waiting out the lease.
//  renew_deadline < lease_duration keeps a slow leader from overlapping a new one: it gives
//  up before anyone else may consider its lease expired.
//
// Clocks: renewTime is written from this machine's clock and compared with it, so replicas'
// clocks should agree to well within the lease duration (client-go instead times expiry
// from when it observed the record change; on one node, as in kubesim tests, both agree).
//
// Thread-safety: Run on one thread (the elector's owner); IsLeader, identity and
// leader_identity from any thread. Callbacks run on Run's thread and may block briefly
// (on_stopped_leading is where a manager stops its workers).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include "common/result.h"
#include "kube/client.h"

namespace airunway::controller::runtime {

inline const kube::ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};

struct LeaderElectionOptions {
  std::string lease_name;
  std::string lease_namespace = "default";
  std::string identity;  // empty: DefaultIdentity()
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  bool release_on_cancel = true;
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;  // only after on_started_leading
  std::function<void(const std::string& identity)> on_new_leader;  // any holder change seen
};

// "hostname_pid_random": unique per process even for replicas on one node.
std::string DefaultIdentity();

// Kubernetes MicroTime: "2026-01-01T00:00:00.000000Z".
std::string FormatMicroTime(std::chrono::system_clock::time_point when);

// Checks the options (name set, durations positive, retry < renew deadline < lease
// duration); kInvalid names the offending option.
common::Status ValidateLeaderElectionOptions(const LeaderElectionOptions& options);

class LeaderElector {
 public:
  LeaderElector(std::shared_ptr<kube::Client> client, LeaderElectionOptions options, LeaderCallbacks callbacks = {});
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Blocks. Returns true when stopped through `stop` (after releasing a held lease), false
  // when leadership was lost. Call once.
  bool Run(std::stop_token stop);

  bool IsLeader() const { return leading_.load(); }
  const std::string& identity() const { return options_.identity; }
  // The holder last seen on the Lease ("" when none).
  std::string leader_identity() const;
  const LeaderElectionOptions& options() const { return options_; }

 private:
  enum class Attempt { kAcquired, kHeldByOther, kFailed };

  Attempt TryAcquireOrRenew();
  void Release();
  void ObserveHolder(const std::string& holder);
  bool SleepFor(std::chrono::milliseconds delay, std::stop_token stop);

  const std::shared_ptr<kube::Client> client_;
  LeaderElectionOptions options_;
  const LeaderCallbacks callbacks_;
  std::atomic<bool> leading_{false};
  mutable std::mutex mutex_;
  std::string observed_holder_;  // guarded by mutex_
  std::mutex sleep_mutex_;
  std::condition_variable_any sleep_cv_;
};

}  // namespace airunway::controller::runtime
