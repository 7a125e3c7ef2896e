// What the UI sees of a deployment, derived from cached objects the way the reference derives
// it: the pods of one ModelDeployment (label selectors), PodStatus, DeploymentStatus (phase and
// replicas), the reasons a pod is pending (Warning events), and the container whose logs to
// show.
//
// Thread-safety: pure functions over immutable cached objects.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "kube/informer.h"

namespace airunway::services::deployments {

// The pods of deployment `name` in `ns` from the pod cache: pods labelled
// app.kubernetes.io/instance, airunway.ai/deployment, airunway.ai/model-deployment,
// nvidia.com/dynamo-graph-deployment-name or kaito.sh/workspace = <name>, Ray pods whose
// ray.io/cluster is <name> or starts with <name>-raycluster; else app=<name>. Sorted by name.
// Empty when the cache is not synced (callers check sync first).
std::vector<kube::ObjectPtr> DiscoverPods(const kube::Informer& pods, std::string_view ns, std::string_view name);

// PodStatus {name, phase, ready, restarts, node?, containers?, reason?, message?}; `containers`
// (regular container names in spec order) is ours, not the reference's.
boost::json::object PodStatusOf(const boost::json::object& pod);
// DeploymentStatus in the reference's key order; `pods` are PodStatus objects.
boost::json::object DeploymentStatusOf(const boost::json::object& deployment, const std::vector<boost::json::object>& pods);

// PodFailureReason list from the Warning events about one pod (in list order).
boost::json::array PendingReasons(const std::vector<kube::ObjectPtr>& events);

// The container to show logs of when none is asked for: main, vllm, model, ray-head,
// ray-worker, inference, worker, server, frontend (first present), else the first ready one,
// else the first. Empty for a pod without containers.
std::string DefaultLogContainer(const boost::json::object& pod);
bool PodHasContainer(const boost::json::object& pod, std::string_view container);

// Removes ANSI SGR sequences (ESC '[' digits/semicolons 'm'). `carry` holds an unfinished
// sequence at the end of `text` for the next call (streams); pass nullptr for whole texts.
std::string StripAnsi(std::string_view text, std::string* carry = nullptr);

}  // namespace airunway::services::deployments
