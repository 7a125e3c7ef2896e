// RunController: the `airunway controller` process — the ModelDeployment reconciler on the
// runtime Manager (informers on ModelDeployments, InferenceProviderConfigs, the providers'
// Deployments and pods), provider registration with heartbeats, the health/metrics port,
// Events, and optional leader election. Returns when `stop` fires (exit code 0) or leadership
// is lost (exit code 1, as controller-runtime exits so Kubernetes restarts the replica).
//
// Thread-safety: call from one thread; it owns everything it starts.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "kube/client.h"

namespace airunway::controller {

struct ControllerOptions {
  std::string kubeconfig;
  std::string context;
  bool leader_elect = false;
  std::string leader_election_id = "2038fe6a.airunway.ai";
  std::string leader_election_namespace;  // empty: $POD_NAMESPACE, else "default"
  std::chrono::milliseconds lease_duration{15'000};
  std::chrono::milliseconds renew_deadline{10'000};
  std::chrono::milliseconds retry_period{2'000};
  std::string metrics_bind_address = "0";            // "0" disables a separate metrics port
  std::string health_probe_bind_address = ":8081";   // also serves /metrics; "0" disables
  std::vector<std::string> providers;                // empty: every built-in provider
  int workers = 2;
  std::chrono::milliseconds heartbeat{60'000};
  bool install_crds = false;                         // create or update the embedded CRDs first
};

// Checks flags before anything starts: a bad value stops start-up with a message naming it.
common::Status ValidateControllerOptions(const ControllerOptions& options);

// See the file comment. The returned int is the process exit code.
int RunController(const ControllerOptions& options, std::stop_token stop);

// The CRDs of deploy/crds, embedded at build time: (file name, YAML).
const std::vector<std::pair<std::string, std::string>>& EmbeddedCrds();
// Creates or updates the embedded CRDs through `apply` semantics (server-side apply).
common::Status InstallCrds(kube::Client& client);

}  // namespace airunway::controller
