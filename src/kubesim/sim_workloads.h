// The simulated workload controllers of kube-controller-manager:
//
//   Deployment  → ReplicaSets (pod-template-hash, revision annotations, rolling update or
//                 Recreate on template change, scale), status with replicas, updated/ready/
//                 available/unavailableReplicas, observedGeneration, Available/Progressing.
//   ReplicaSet  → Pods (owner references, generated names), status counts.
//   StatefulSet → Pods <name>-<ordinal>, OrderedReady (one at a time, waiting for Ready) or
//                 Parallel, scale down from the highest ordinal, rolling update from the
//                 highest ordinal, revisions.
//   Job         → Pods until `completions` succeed (parallelism, backoffLimit), Complete /
//                 Failed conditions.
//   DaemonSet   → one Pod per node that matches its node selection and whose taints it
//                 tolerates (pods pinned with node affinity on metadata.name, as the real
//                 controller does).
//   Endpoints   → for every Service with a selector: Ready pods in `addresses`, others with
//                 an IP in `notReadyAddresses`, named target ports resolved.
//
// Each is a SimController (one worker thread, store listeners only queue keys); events are
// written as the real controllers word them (SuccessfulCreate "Created pod: x",
// ScalingReplicaSet "Scaled up replica set x from 0 to 2", ...).
//
// Thread-safety: see SimController.
#pragma once

#include <memory>

#include "kubesim/sim_controller.h"

namespace airunway::kubesim {

std::unique_ptr<SimController> MakeDeploymentController(SimContext& context);
std::unique_ptr<SimController> MakeReplicaSetController(SimContext& context);
std::unique_ptr<SimController> MakeStatefulSetController(SimContext& context);
std::unique_ptr<SimController> MakeJobController(SimContext& context);
std::unique_ptr<SimController> MakeDaemonSetController(SimContext& context);
std::unique_ptr<SimController> MakeEndpointsController(SimContext& context);

// The pod-template-hash of a pod template (stable for equal templates).
std::string PodTemplateHash(const boost::json::object& pod_template);

}  // namespace airunway::kubesim
