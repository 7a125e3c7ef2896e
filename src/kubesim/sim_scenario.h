// Scenario: what a simulated cluster starts with and how it behaves — node pools (GPU model,
// count and memory, CPU/memory, instance type, region/zone, agent-pool label, taints), the
// timing of the simulated scheduler and kubelet, faults, and extra objects to seed.
//
// Built-in scenarios ("empty", "demo", "large") are the YAML files in src/kubesim/scenarios/,
// embedded into the binary at build time; LoadScenario also accepts a file path.
//
// File format (YAML; every key optional unless marked):
//
//   name: demo
//   description: A few GPU node pools.
//   timing:                      # durations: an integer (milliseconds) or "250ms", "2s", "1m"
//     schedule: 0                # before the scheduler binds a pod
//     pull: 1500                 # image pull (Pulling → Pulled)
//     create: 200                # container create (Pulled → Created)
//     start: 200                 # container start (Created → Started, pod Running)
//     ready: 3000                # Started → Ready
//     backoffBase: 10s           # first CrashLoopBackOff / ImagePullBackOff delay, doubled each time
//     backoffMax: 5m
//     crashAfter: 2s             # how long a crashing container runs before it exits
//     run: 10s                   # how long run-to-completion pods (restartPolicy Never/OnFailure) run
//     logInterval: 15s           # periodic log lines of running model servers; 0 = none
//   nodePools:
//     - name: gpua100            # (required) also the kubernetes.azure.com/agentpool label
//       count: 2
//       namePrefix: aks-gpua100-28174635-vmss    # node names are <namePrefix><6-digit index>
//       instanceType: Standard_ND96amsr_A100_v4
//       region: eastus
//       zone: eastus-1
//       cpu: "96"                # capacity; allocatable = capacity
//       memory: 1800Gi
//       pods: 110
//       ready: true              # false: the node reports Ready=False (NotReady)
//       gpu: {product: NVIDIA-A100-SXM4-80GB, count: 8, memory: 81920, family: ampere}
//       labels: {team: ml}
//       taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]
//       resources: {example.com/fpga: "2"}       # further extended resources
//   faults:
//     - type: ImagePullError     # (required) ImagePullError | Crash | NeverReady
//       image: "*:does-not-exist"   # glob on the container image ("*" when absent)
//       pod: "crash-*"           # glob on the pod name
//       namespace: "*"
//       message: "..."           # ImagePullError detail; a plausible default otherwise
//       exitCode: 1              # Crash
//   warmStart:                   # pods that start at once (image cached, weights loaded)
//     - {namespace: default, pod: "qwen-*", image: "*"}      # globs, "*" when absent
//   objects:                     # manifests created after the nodes (any kind the server serves)
//     - {apiVersion: v1, kind: ConfigMap, metadata: {name: x, namespace: kube-system}, data: {}}
//   podSets:                     # many pods at once (scale tests), created after `objects`
//     - name: batch              # (required) pods are <name>-<5-digit index>, labelled app=<name>
//       namespace: default       # created when missing
//       count: 1000
//       image: registry.k8s.io/pause:3.10
//       cpu: 100m                # requests
//       memory: 128Mi
//       nodePool: cpu            # bound round-robin to this pool's nodes ("" = every node)
//       running: true            # true: seeded already bound, Running and Ready (the kubelet
//                                #   adopts them without replaying start-up); false: Pending,
//                                #   left to the scheduler and kubelet
//   users:                       # bearer tokens the API server accepts (besides the admin's)
//     - {name: alice, token: alice-token, groups: [ml-team], uid: "1001"}
//   authorization:               # who may do what: the policy format of kubesim/auth.h;
//     rules:                     #   absent = allow every authenticated user
//       - {users: [alice], verbs: [get, list, watch], apiGroups: [""], resources: [pods]}
//   apiFaults:                   # API fault injection: the format of kubesim/sim_faults.h
//     - {verbs: [list], resources: [pods], status: 503, message: "etcd is unavailable"}
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kubesim/auth.h"
#include "kubesim/sim_faults.h"

namespace airunway::kubesim {

struct GpuSpec {
  std::string product;   // nvidia.com/gpu.product, e.g. NVIDIA-A100-SXM4-80GB
  int count = 0;         // nvidia.com/gpu in capacity, nvidia.com/gpu.count
  int memory_mib = 0;    // nvidia.com/gpu.memory
  std::string family;    // nvidia.com/gpu.family
};

struct NodeTaint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct NodePool {
  std::string name;
  int count = 1;
  std::string name_prefix;  // default "aks-<name>-<hash>-vmss"
  std::string instance_type;
  std::string region;
  std::string zone;
  std::string cpu = "8";
  std::string memory = "32Gi";
  std::string pods = "110";
  bool ready = true;
  std::optional<GpuSpec> gpu;
  std::map<std::string, std::string> labels;
  std::vector<NodeTaint> taints;
  std::map<std::string, std::string> resources;  // extra extended resources
};

struct SimTiming {
  using ms = std::chrono::milliseconds;
  ms schedule{0};
  ms pull{1500};
  ms create{200};
  ms start{200};
  ms ready{3000};
  ms backoff_base{10000};
  ms backoff_max{300000};
  ms crash_after{2000};
  ms run{10000};
  ms log_interval{15000};

  // Near-zero delays for tests: every step a millisecond or so, backoffs short.
  static SimTiming Fast();
};

enum class FaultType { kImagePullError, kCrash, kNeverReady };

struct Fault {
  FaultType type = FaultType::kCrash;
  std::string image = "*";
  std::string pod = "*";
  std::string ns = "*";
  std::string message;
  int exit_code = 1;

  bool Matches(std::string_view pod_ns, std::string_view pod_name, std::string_view image) const;
};

struct PodSet {
  std::string name;
  std::string ns = "default";
  int count = 0;
  std::string image = "registry.k8s.io/pause:3.10";
  std::string cpu = "100m";
  std::string memory = "128Mi";
  std::string node_pool;
  bool running = true;
};

struct ScenarioUser {
  std::string name;
  std::string token;
  std::string uid;
  std::vector<std::string> groups;
};

struct Scenario {
  std::string name;
  std::string description;
  SimTiming timing;
  std::vector<NodePool> node_pools;
  std::vector<Fault> faults;
  // Pods that start at once (image cached on the node, weights already loaded): only the
  // globs of each entry are used. The demo uses this for a model that is Running at start.
  std::vector<Fault> warm_starts;
  std::vector<boost::json::object> objects;
  std::vector<PodSet> pod_sets;
  std::vector<ScenarioUser> users;
  std::optional<AuthorizationPolicy> authorization;  // nullopt: the server's default
  FaultRules api_faults;

  // The first fault of `type` matching the container; nullptr when none.
  const Fault* FindFault(FaultType type, std::string_view pod_ns, std::string_view pod_name,
                         std::string_view image) const;
  // The timing a container gets: `timing`, or no pull/create/start/ready delay at all when
  // a warmStart entry matches.
  SimTiming TimingFor(std::string_view pod_ns, std::string_view pod_name, std::string_view image) const;
  // The Node objects of every pool (metadata, spec.taints, status.capacity/allocatable,
  // conditions, addresses, nodeInfo), in pool order.
  std::vector<boost::json::object> Nodes() const;
};

// Parses scenario YAML. Errors (kInvalid) name the offending key, e.g.
// "scenario: nodePools[1].count: expected an integer".
common::Result<Scenario> ParseScenario(std::string_view yaml);
// A built-in scenario by name, else a file path. Errors name the unknown scenario (listing the
// built-in names) or the unreadable file.
common::Result<Scenario> LoadScenario(std::string_view name_or_path);
std::vector<std::string> BuiltinScenarioNames();

// The node object of one pool member (index within the pool, global index for addresses).
boost::json::object MakeNode(const NodePool& pool, int index, int global_index);

// YAML → JSON (quoted scalars stay strings; plain scalars become numbers, booleans or null
// when they read as such). Exposed for scenario objects and tests.
common::Result<boost::json::value> ScenarioYamlToJson(std::string_view yaml);

}  // namespace airunway::kubesim
