// DeploymentStatusCache: the serialised DeploymentStatus of each ModelDeployment, reused
// between requests while its inputs are unchanged.
//
// A DeploymentStatus depends only on the ModelDeployment object and the pods DiscoverPods finds
// for it (status.h). An entry is therefore reused while (a) the informer still holds the very
// same ModelDeployment object (informers replace the object on every change, so identity is
// version) and (b) the pod cache's revision of that namespace has not moved
// (kube::Informer::Revision). Any pod change in a namespace recomputes that namespace's
// entries on the next read, which is what every read cost before the cache existed; a cluster
// at rest (a UI polling the list) costs one lookup and one copy per deployment.
//
// The pod revision is read before the status is derived, so a pod change that lands during
// the derivation leaves an entry that is already stale by its revision and is recomputed on
// the next read: an entry can be late by one read, never kept past a change.
//
// Entries of deployments that are no longer asked for are dropped once they outnumber the live
// ones, so memory follows the cluster.
//
// Thread-safety: all methods are safe from any thread (one mutex; a miss derives its status
// under it).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "kube/informer.h"

namespace airunway::services::deployments {

struct StatusFragment {
  std::string json;        // the DeploymentStatus object, serialised
  std::string created_at;  // its createdAt (the list's sort key)
};

class DeploymentStatusCache {
 public:
  // The fragments of `deployments`, in the same order.
  std::vector<std::shared_ptr<const StatusFragment>> Fragments(const kube::Informer& pods,
                                                               const std::vector<kube::ObjectPtr>& deployments);

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::size_t entries = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    kube::ObjectPtr deployment;
    std::uint64_t pod_revision = 0;
    std::shared_ptr<const StatusFragment> fragment;
    std::uint64_t last_used = 0;
  };

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by namespace/name; guarded by mutex_
  std::uint64_t reads_ = 0;                         // guarded by mutex_
  Stats stats_;                                     // guarded by mutex_
};

// The status of one ModelDeployment, derived now: DiscoverPods + PodStatusOf + DeploymentStatusOf.
boost::json::object DeriveDeploymentStatus(const kube::Informer& pods, const boost::json::object& deployment);

}  // namespace airunway::services::deployments
