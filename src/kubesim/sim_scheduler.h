// The simulated kube-scheduler: binds Pending pods to nodes.
//
// SchedulePod is the pure placement decision, with the default scheduler's filters in its
// order — NodeUnschedulable, TaintToleration (a NotReady node counts as tainted
// node.kubernetes.io/not-ready), NodeAffinity (nodeSelector and required node affinity), then
// NodeResourcesFit (pod count, cpu, memory and every extended resource, against allocatable
// minus what bound, non-terminal pods request). When nothing fits it returns the message the
// real scheduler writes, e.g.
//   0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present},
//   2 Insufficient nvidia.com/gpu.
// Among feasible nodes it prefers the one with the fewest pods (spreading replicas), then
// the name, so placement is deterministic.
//
// MakeScheduler returns the controller: it schedules pods with spec.schedulerName unset or
// "default-scheduler" after the scenario's schedule delay, binds them (spec.nodeName, a
// PodScheduled=True condition, a Scheduled event), or marks them PodScheduled=False
// reason Unschedulable with a FailedScheduling event; unschedulable pods are retried whenever
// a node changes or a bound pod goes away. It keeps each node's usage current from the store's
// change events (rebuilt from one pod list when it starts), so a placement reads the nodes but
// not every pod: placing a pod costs the same in a cluster of 50,000 pods as in one of 50.
//
// Thread-safety: SchedulePod is pure; the controller follows SimController's rules.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kubesim/sim_controller.h"
#include "kubesim/sim_quantity.h"

namespace airunway::kubesim {

struct ScheduleDecision {
  std::string node;     // empty when the pod fits nowhere
  std::string message;  // the FitError text when node is empty
};

// What bound, non-terminal pods take from one node.
struct NodeUsage {
  std::map<std::string, Quantity> requested;
  int pods = 0;
};
using ClusterUsage = std::unordered_map<std::string, NodeUsage>;  // by node name

// The usage of `pods`, leaving out the pod with uid `except_uid` (the one being placed).
ClusterUsage UsageOf(const std::vector<ObjectPtr>& pods, std::string_view except_uid = {});

ScheduleDecision SchedulePodWithUsage(const boost::json::object& pod, const std::vector<ObjectPtr>& nodes,
                                      const ClusterUsage& usage);
// The same, computing the usage from every pod (tests; the controller keeps its usage
// current from store events instead of reading every pod for each placement).
ScheduleDecision SchedulePod(const boost::json::object& pod, const std::vector<ObjectPtr>& nodes,
                             const std::vector<ObjectPtr>& pods);

// Effective pod requests: the sum over containers, raised to the largest init container;
// a resource with only a limit requests its limit (as the API server defaults it).
std::map<std::string, Quantity> PodRequests(const boost::json::object& pod);

// The node-selection filters alone (nodeSelector + required node affinity; taints with
// NoSchedule/NoExecute against tolerations), for the DaemonSet controller.
bool MatchesNodeSelection(const boost::json::object& pod_spec, const boost::json::object& node);
bool ToleratesNodeTaints(const boost::json::object& pod_spec, const boost::json::object& node);

std::unique_ptr<SimController> MakeScheduler(SimContext& context);

}  // namespace airunway::kubesim
