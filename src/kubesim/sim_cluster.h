// SimulatedCluster: the behaving half of kubesim — it seeds a Scenario's nodes and objects into
// the Store and runs the simulated controllers (deployment, replicaset, statefulset, job,
// daemonset, endpoints controllers, the scheduler and the kubelet) against it.
//
//   Store& store = server.store();                       // or a bare Store in tests
//   auto scenario = LoadScenario("demo");                // built-in name or a YAML file path
//   SimulatedCluster cluster(store, server.logs(), *scenario,
//                            {.registry = &server.registry(),
//                             .store_resource_for = &ApiServer::StoreResourceFor,
//                             .create_object = [&](auto o) { return server.CreateObject(std::move(o)); }});
//   if (auto started = cluster.Start(); !started) ...;   // seeds, then starts every controller
//   ...
//   cluster.Stop();                                      // before the Store/LogBuffers go away
//
// Every controller is switchable (options at start, SetControllerEnabled at run time); tests
// change timing and faults at run time with SetScenario/AddFault.
//
// Ownership: borrows the Store, LogBuffers and (optionally) Registry, which must outlive it;
// owns the controllers and their threads.
// Thread-safety: Start/Stop/SetControllerEnabled from one owner thread; SetScenario, AddFault,
// ClearFaults and AddNode from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kubesim/log_buffers.h"
#include "kubesim/registry.h"
#include "kubesim/sim_controller.h"
#include "kubesim/sim_objects.h"
#include "kubesim/sim_scenario.h"
#include "kubesim/store.h"

namespace airunway::kubesim {

struct SimulatedClusterOptions {
  // Controllers to run, by name; all of them when empty. Names: "deployment-controller",
  // "replicaset-controller", "statefulset-controller", "job-controller",
  // "daemonset-controller", "endpoints-controller", "scheduler", "kubelet".
  std::vector<std::string> controllers;
  // Create the standard namespaces, the scenario's nodes and its objects on Start.
  bool seed = true;
  // The served types (default: a private built-in Registry).
  const Registry* registry = nullptr;
  // How a served type maps to a StoreResource (default SimStoreResourceFor); pass
  // ApiServer::StoreResourceFor so both sides key tables identically.
  StoreResourceFn store_resource_for;
  // Creates a scenario object given as full JSON (default: Store::Create for the built-in kind
  // its apiVersion/kind name). Pass ApiServer::CreateObject so CRDs get registered.
  std::function<ApiResult<ObjectPtr>(boost::json::object)> create_object;
};

class SimulatedCluster {
 public:
  SimulatedCluster(Store& store, LogBuffers& logs, Scenario scenario, SimulatedClusterOptions options = {});
  ~SimulatedCluster();  // Stop()
  SimulatedCluster(const SimulatedCluster&) = delete;
  SimulatedCluster& operator=(const SimulatedCluster&) = delete;

  // Seeds (when options.seed) and starts the chosen controllers. An error names the object
  // that could not be created or the unknown controller.
  common::Status Start();
  void Stop();  // idempotent

  static std::vector<std::string> AllControllerNames();
  // Starts or stops one controller; false for an unknown name. A re-enabled controller
  // resyncs from the store.
  bool SetControllerEnabled(std::string_view name, bool enabled);
  bool ControllerEnabled(std::string_view name) const;

  // Timing and faults as seen by the controllers from now on (nodes are not re-seeded).
  void SetScenario(Scenario scenario);
  void AddFault(Fault fault);
  void ClearFaults();
  std::shared_ptr<const Scenario> scenario() const { return context_->scenario(); }

  // Adds node `index` of `pool` (e.g. to let a Pending GPU pod fit).
  ApiResult<ObjectPtr> AddNode(const NodePool& pool, int index);

  const SimResources& resources() const { return context_->res; }

 private:
  common::Status Seed();
  common::Status SeedPodSets(const Scenario& scenario);

  Store& store_;
  SimulatedClusterOptions options_;
  std::unique_ptr<SimContext> context_;
  std::map<std::string, std::unique_ptr<SimController>, std::less<>> controllers_;
  std::unique_ptr<Registry> own_registry_;
  ListenerId listener_ = 0;
  bool started_ = false;
  int next_node_index_ = 0;  // for addresses of nodes added at run time
};

}  // namespace airunway::kubesim
