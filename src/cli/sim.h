// `airunway sim`: runs kubesim, the simulated Kubernetes API server, as a process until
// SIGINT/SIGTERM, printing its address and writing a kubeconfig for kubectl.
//
// Thread-safety: RunSim runs on the main thread and owns the simulator.
#pragma once

#include <CLI/App.hpp>

#include <string>

namespace airunway::cli {

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  bool tls = false;
  std::string kubeconfig_out;
  std::string scenario;
  std::string authorization;  // a policy file (see src/kubesim/auth.h)
  std::string log_level = "info";
};

CLI::App* AddSimCommand(CLI::App& app, SimOptions& options);
int RunSim(const SimOptions& options);

}  // namespace airunway::cli
