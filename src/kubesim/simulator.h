// Simulator: a whole simulated cluster — the API server (ApiServer) plus the behaving half
// (SimulatedCluster: workload controllers, scheduler, kubelet, service backends) seeded from
// a scenario. `airunway sim` and `airunway serve --demo` both run exactly this, so the demo is
// a composition and not a second code path.
//
//   kubesim::Simulator sim({.api = {.tls = true, .kubeconfig_out = path}, .scenario = "demo"});
//   if (auto started = sim.Start(); !started) ...;
//   ...  sim.api().url(), sim.cluster() ...
//   sim.Stop();
//
// Thread-safety: Start/Stop from the owner thread; api() and cluster() are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "kubesim/api_server.h"
#include "kubesim/sim_cluster.h"
#include "kubesim/sim_service_proxy.h"

namespace airunway::kubesim {

struct SimulatorOptions {
  ApiServerOptions api;
  // A built-in scenario name ("demo", "empty", "large") or a YAML file. Empty: no simulated
  // controllers at all, just the API server (objects stay as clients write them).
  std::string scenario;
};

class Simulator {
 public:
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Loads the scenario (errors name the scenario and what is wrong with it), seeds the
  // cluster, starts the controllers, then starts serving.
  common::Status Start();
  // Stops serving, then the controllers. Idempotent.
  void Stop();

  ApiServer& api() { return api_; }
  // Null when no scenario was given.
  SimulatedCluster* cluster() { return cluster_.get(); }

 private:
  SimulatorOptions options_;
  ApiServer api_;
  std::unique_ptr<SimulatedCluster> cluster_;
  bool stopped_ = false;
};

// Maps a simulated backend's answer to an HTTP response (SSE chunks become a stream).
http::Response ToHttpResponse(const ProxyResult& result);

}  // namespace airunway::kubesim
