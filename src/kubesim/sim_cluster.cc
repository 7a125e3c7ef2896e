#include "kubesim/sim_cluster.h"

#include <fmt/format.h>

#include "common/logging.h"
#include "kubesim/sim_kubelet.h"
#include "kubesim/sim_scheduler.h"
#include "kubesim/sim_workloads.h"

namespace airunway::kubesim {

namespace json = boost::json;

namespace {

bool IsAlreadyExists(const ApiStatus& s) { return s.code == 409 && s.reason == "AlreadyExists"; }

struct SeedNode {
  std::string name;
  std::string ip;
};

// Pod `index` of a pod set: bound, Running and Ready as a kubelet would have reported it (so
// a large cluster loads without replaying 50,000 start-ups), or plain Pending.
json::object MakePodSetPod(const PodSet& set, int index, const SeedNode* node) {
  const std::string name = fmt::format("{}-{:05}", set.name, index);
  json::object container{{"name", "main"},
                         {"image", set.image},
                         {"imagePullPolicy", "IfNotPresent"},
                         {"resources", json::object{{"requests", json::object{{"cpu", set.cpu}, {"memory", set.memory}}}}}};
  json::object spec{{"containers", json::array{container}},
                    {"restartPolicy", "Always"},
                    {"schedulerName", "default-scheduler"},
                    {"terminationGracePeriodSeconds", 30}};
  json::object pod{{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", json::object{{"name", name}, {"namespace", set.ns},
                                             {"labels", json::object{{"app", set.name}}}}}};
  if (node == nullptr || !set.running) {
    pod["spec"] = std::move(spec);
    pod["status"] = json::object{{"phase", "Pending"}, {"qosClass", "Burstable"}};
    return pod;
  }
  spec["nodeName"] = node->name;
  pod["spec"] = std::move(spec);
  const std::string now = NowRfc3339();
  const std::string pod_ip = fmt::format("10.{}.{}.{}", 128 + (index / 65536) % 128, (index / 256) % 256, index % 256);
  auto condition = [&](const char* type) {
    return json::object{{"type", type}, {"status", "True"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", now}};
  };
  json::object status{
      {"phase", "Running"},
      {"hostIP", node->ip},
      {"hostIPs", json::array{json::object{{"ip", node->ip}}}},
      {"podIP", pod_ip},
      {"podIPs", json::array{json::object{{"ip", pod_ip}}}},
      {"startTime", now},
      {"qosClass", "Burstable"},
      {"conditions", json::array{condition("PodReadyToStartContainers"), condition("Initialized"),
                                 condition("ContainersReady"), condition("Ready"), condition("PodScheduled")}},
      {"containerStatuses",
       json::array{json::object{{"name", "main"},
                                {"image", set.image},
                                {"imageID", "sha256:" + simjson::ShortHash(set.image, 40)},
                                {"containerID", "containerd://" + simjson::ShortHash(set.ns + "/" + name, 32)},
                                {"ready", true},
                                {"started", true},
                                {"restartCount", 0},
                                {"state", json::object{{"running", json::object{{"startedAt", now}}}}},
                                {"lastState", json::object()}}}}};
  pod["status"] = std::move(status);
  return pod;
}

}  // namespace

SimulatedCluster::SimulatedCluster(Store& store, LogBuffers& logs, Scenario scenario, SimulatedClusterOptions options)
    : store_(store), options_(std::move(options)) {
  const Registry* registry = options_.registry;
  if (!registry) {
    own_registry_ = std::make_unique<Registry>();
    registry = own_registry_.get();
  }
  context_ = std::make_unique<SimContext>(store, logs, SimResources::From(*registry, options_.store_resource_for),
                                          std::move(scenario));
  SimContext& c = *context_;
  for (auto make : {&MakeDeploymentController, &MakeReplicaSetController, &MakeStatefulSetController,
                    &MakeJobController, &MakeDaemonSetController, &MakeEndpointsController, &MakeScheduler,
                    &MakeKubelet}) {
    std::unique_ptr<SimController> controller = make(c);
    std::string name = controller->name();
    controllers_.emplace(std::move(name), std::move(controller));
  }
}

SimulatedCluster::~SimulatedCluster() { Stop(); }

std::vector<std::string> SimulatedCluster::AllControllerNames() {
  return {"deployment-controller", "replicaset-controller", "statefulset-controller", "job-controller",
          "daemonset-controller",  "endpoints-controller",  "scheduler",              "kubelet"};
}

common::Status SimulatedCluster::Start() {
  if (started_) return common::Status::Ok();
  std::vector<std::string> chosen = options_.controllers.empty() ? AllControllerNames() : options_.controllers;
  for (const std::string& name : chosen) {
    if (!controllers_.count(name)) {
      return common::MakeError(common::ErrorCode::kInvalid,
                               fmt::format("unknown simulated controller \"{}\"", name));
    }
  }
  if (options_.seed) {
    if (auto seeded = Seed(); !seeded) return seeded;
  }
  listener_ = store_.AddListener([this](const ChangeEvent& event) {
    for (auto& [_, controller] : controllers_) controller->Notify(event);
  });
  for (const std::string& name : chosen) controllers_.at(name)->Start();
  started_ = true;
  return common::Status::Ok();
}

void SimulatedCluster::Stop() {
  if (!started_) return;
  store_.RemoveListener(listener_);
  for (auto& [_, controller] : controllers_) controller->Stop();
  started_ = false;
}

bool SimulatedCluster::SetControllerEnabled(std::string_view name, bool enabled) {
  auto it = controllers_.find(name);
  if (it == controllers_.end()) return false;
  if (enabled && started_) {
    it->second->Start();
  } else if (!enabled) {
    it->second->Stop();
  }
  return true;
}

bool SimulatedCluster::ControllerEnabled(std::string_view name) const {
  auto it = controllers_.find(name);
  return it != controllers_.end() && it->second->running();
}

void SimulatedCluster::SetScenario(Scenario scenario) { context_->SetScenario(std::move(scenario)); }

void SimulatedCluster::AddFault(Fault fault) {
  Scenario next = *context_->scenario();
  next.faults.push_back(std::move(fault));
  context_->SetScenario(std::move(next));
}

void SimulatedCluster::ClearFaults() {
  Scenario next = *context_->scenario();
  next.faults.clear();
  context_->SetScenario(std::move(next));
}

ApiResult<ObjectPtr> SimulatedCluster::AddNode(const NodePool& pool, int index) {
  CreateOptions keep;
  keep.keep_status = true;
  return store_.Create(context_->res.nodes, "", MakeNode(pool, index, 200 + next_node_index_++), keep);
}

common::Status SimulatedCluster::Seed() {
  const SimResources& res = context_->res;
  CreateOptions keep;
  keep.keep_status = true;
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json::object object{{"apiVersion", "v1"},
                        {"kind", "Namespace"},
                        {"metadata", json::object{{"name", ns}, {"labels", json::object{{"kubernetes.io/metadata.name", ns}}}}},
                        {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
                        {"status", json::object{{"phase", "Active"}}}};
    auto created = store_.Create(res.namespaces, "", std::move(object), keep);
    if (auto* error = std::get_if<ApiStatus>(&created); error && !IsAlreadyExists(*error)) {
      return common::MakeError(common::ErrorCode::kInternal, fmt::format("seeding namespace {}: {}", ns, error->message));
    }
  }
  auto scenario = context_->scenario();
  for (json::object& node : scenario->Nodes()) {
    const std::string name = simjson::Name(node);
    auto created = store_.Create(res.nodes, "", std::move(node), keep);
    if (auto* error = std::get_if<ApiStatus>(&created); error && !IsAlreadyExists(*error)) {
      return common::MakeError(common::ErrorCode::kInternal, fmt::format("seeding node {}: {}", name, error->message));
    }
    ++next_node_index_;
  }
  const Registry* registry = options_.registry ? options_.registry : own_registry_.get();
  for (const json::object& object : scenario->objects) {
    ApiResult<ObjectPtr> created = ApiStatus{};
    if (options_.create_object) {
      created = options_.create_object(object);
    } else {
      const std::string api_version = simjson::Str(object, "apiVersion");
      const auto slash = api_version.find('/');
      const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
      const std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
      auto type = registry->FindByKind(group, version, simjson::Str(object, "kind"));
      if (!type) {
        return common::MakeError(common::ErrorCode::kInvalid,
                                 fmt::format("scenario object {} {}: no such kind is served", api_version,
                                             simjson::Str(object, "kind")));
      }
      StoreResource resource = options_.store_resource_for ? options_.store_resource_for(*type) : SimStoreResourceFor(*type);
      created = store_.Create(resource, simjson::Namespace(object), object, keep);
    }
    if (auto* error = std::get_if<ApiStatus>(&created); error && !IsAlreadyExists(*error)) {
      return common::MakeError(common::ErrorCode::kInternal,
                               fmt::format("seeding {} {}: {}", simjson::Str(object, "kind"), simjson::Name(object),
                                           error->message));
    }
  }
  return SeedPodSets(*scenario);
}

common::Status SimulatedCluster::SeedPodSets(const Scenario& scenario) {
  if (scenario.pod_sets.empty()) return common::Status::Ok();
  const SimResources& res = context_->res;
  CreateOptions keep;
  keep.keep_status = true;
  // The seeded nodes by pool, with the InternalIP MakeNode gave them.
  std::map<std::string, std::vector<SeedNode>> by_pool;
  std::vector<SeedNode> all;
  for (json::object& node : scenario.Nodes()) {
    SeedNode seed{simjson::Name(node), ""};
    if (const json::object* status = simjson::Obj(node, "status")) {
      if (const json::array* addresses = simjson::Arr(*status, "addresses")) {
        for (const json::value& a : *addresses) {
          if (a.is_object() && simjson::Str(a.get_object(), "type") == "InternalIP") seed.ip = simjson::Str(a.get_object(), "address");
        }
      }
    }
    const json::object* meta = simjson::Obj(node, "metadata");
    const json::object* labels = meta ? simjson::Obj(*meta, "labels") : nullptr;
    by_pool[labels ? simjson::Str(*labels, "agentpool") : std::string()].push_back(seed);
    all.push_back(std::move(seed));
  }
  for (const PodSet& set : scenario.pod_sets) {
    json::object ns{{"apiVersion", "v1"},
                    {"kind", "Namespace"},
                    {"metadata", json::object{{"name", set.ns}, {"labels", json::object{{"kubernetes.io/metadata.name", set.ns}}}}},
                    {"spec", json::object{{"finalizers", json::array{"kubernetes"}}}},
                    {"status", json::object{{"phase", "Active"}}}};
    (void)store_.Create(res.namespaces, "", std::move(ns), keep);
    const std::vector<SeedNode>& nodes = set.node_pool.empty() ? all : by_pool[set.node_pool];
    for (int i = 0; i < set.count; ++i) {
      const SeedNode* node = nodes.empty() ? nullptr : &nodes[static_cast<std::size_t>(i) % nodes.size()];
      auto created = store_.Create(res.pods, set.ns, MakePodSetPod(set, i, node), keep);
      if (auto* error = std::get_if<ApiStatus>(&created); error && !IsAlreadyExists(*error)) {
        return common::MakeError(common::ErrorCode::kInternal,
                                 fmt::format("seeding pod set {} pod {}: {}", set.name, i, error->message));
      }
    }
  }
  return common::Status::Ok();
}

}  // namespace airunway::kubesim
