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
  return common::Status::Ok();
}

}  // namespace airunway::kubesim
