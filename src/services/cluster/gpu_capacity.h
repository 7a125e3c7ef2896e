// The cluster's GPU capacity, computed from node and pod objects (the informer caches): how
// many GPUs the nodes offer, how many the scheduled pods have taken, the largest free block on
// one node, and the same grouped by node pool. Feeds GET /api/installation/gpu-capacity(+
// /detailed), the GPU-fit warnings of POST /api/deployments and the UI's fit indicator.
//
// Rules (the reference's, docs/api.md): a GPU node has allocatable nvidia.com/gpu > 0; a pod
// takes GPUs when it is Running or Pending and bound to a GPU node — per regular container
// its nvidia.com/gpu request, else its limit. Free GPUs per node never go below zero; the
// cluster total `availableGpus` is total − allocated and is not clamped (an over-committed
// cluster shows a negative number rather than hiding it).
//
// Thread-safety: pure functions over immutable objects.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/informer.h"
#include "kube/watch.h"

namespace airunway::services::cluster {

// The pods bound to one node (the pod cache's node-name index in production).
using PodsOnNode = std::function<std::vector<kube::ObjectPtr>(std::string_view node_name)>;

struct NodeGpus {
  std::string node_name;
  std::int64_t total = 0;
  std::int64_t allocated = 0;
  std::int64_t available() const { return total > allocated ? total - allocated : 0; }
};

struct GpuCapacity {
  std::vector<NodeGpus> nodes;  // GPU nodes, in the order given
  std::int64_t total = 0;
  std::int64_t allocated = 0;
  std::int64_t max_contiguous_available = 0;
  std::int64_t max_node_capacity = 0;
  std::optional<std::int64_t> total_memory_gb;  // from the first GPU node whose labels tell
};

// Allocatable nvidia.com/gpu of a node (0 when absent or not a whole number).
std::int64_t NodeGpuCount(const boost::json::object& node);
// GPUs one pod takes (requests, else limits, summed over regular containers).
std::int64_t PodGpuRequest(const boost::json::object& pod);
// GPU memory per GPU from node labels: nvidia.com/gpu.memory (MiB), else a product-name
// heuristic on nvidia.com/gpu.product; nullopt when neither tells.
std::optional<std::int64_t> NodeGpuMemoryGb(const boost::json::object& node);
// The GPU model of a node: nvidia.com/gpu.product, else the instance type's usual GPU, else
// the `accelerator` label; empty when unknown.
std::string NodeGpuModel(const boost::json::object& node);
// The node pool: agentpool, kubernetes.azure.com/agentpool, cloud.google.com/gke-nodepool,
// eks.amazonaws.com/nodegroup, else "default".
std::string NodePoolName(const boost::json::object& node);

GpuCapacity ComputeGpuCapacity(const std::vector<kube::ObjectPtr>& nodes, const PodsOnNode& pods_on_node);
// The same from the node and pod caches (pods found through the node-name index); the
// caches' error (not synced) otherwise. `nodes_out` receives the node list when given.
common::Result<GpuCapacity> ComputeGpuCapacity(const kube::Informer& nodes, const kube::Informer& pods,
                                               std::vector<kube::ObjectPtr>* nodes_out = nullptr);

// The capacity of the current caches, kept until either cache changes (kube::Informer::Revision),
// so a UI polling the capacity costs one comparison per poll; the revisions are read before
// computing, so a change during the computation is picked up by the next call.
// Thread-safety: Get is safe from any thread (one mutex; a recomputation holds it).
class GpuCapacityCache {
 public:
  struct Snapshot {
    GpuCapacity capacity;
    std::vector<kube::ObjectPtr> nodes;  // every node, for the per-pool view
  };
  common::Result<std::shared_ptr<const Snapshot>> Get(const kube::Informer& nodes, const kube::Informer& pods);

 private:
  std::mutex mutex_;
  std::uint64_t node_revision_ = 0;            // guarded by mutex_
  std::uint64_t pod_revision_ = 0;             // guarded by mutex_
  std::shared_ptr<const Snapshot> snapshot_;  // guarded by mutex_; null until the first Get
};

// ClusterGpuCapacity: {totalGpus, allocatedGpus, availableGpus, maxContiguousAvailable,
// maxNodeGpuCapacity, gpuNodeCount, totalMemoryGb?, nodes:[NodeGpuInfo]}.
boost::json::object GpuCapacityJson(const GpuCapacity& capacity);
// DetailedClusterCapacity: the same totals with nodePools instead of nodes; only GPU nodes,
// pools in order of first appearance, and the first non-empty model/instance type/region wins.
boost::json::object DetailedGpuCapacityJson(const GpuCapacity& capacity, const std::vector<kube::ObjectPtr>& nodes);
// What the reference answers when the capacity cannot be computed: every number 0.
boost::json::object EmptyGpuCapacityJson(bool detailed);

}  // namespace airunway::services::cluster
