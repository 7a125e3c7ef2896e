#include "cli/controller.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <sstream>
#include <stop_token>
#include <thread>

#include "cli/signals.h"
#include "common/logging.h"

namespace airunway::cli {

CLI::App* AddControllerCommand(CLI::App& app, ControllerCommandOptions& options) {
  auto* command = app.add_subcommand("controller", "Reconcile ModelDeployments into provider resources");
  auto& c = options.controller;
  command->add_option("--kubeconfig", c.kubeconfig, "Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)");
  command->add_option("--context", c.context, "The kubeconfig context to use");
  command->add_flag("--leader-elect", c.leader_elect, "Run leader election so that only one replica reconciles");
  command->add_option("--leader-election-namespace", c.leader_election_namespace,
                      "Namespace of the leader-election Lease (default: $POD_NAMESPACE or default)");
  command->add_option("--metrics-bind-address", c.metrics_bind_address,
                      "Address of a separate /metrics port (:PORT, HOST:PORT, or 0 to serve metrics only on the probe port)")
      ->capture_default_str();
  command->add_option("--health-probe-bind-address", c.health_probe_bind_address,
                      "Address serving /healthz, /readyz and /metrics (0 disables)")
      ->capture_default_str();
  command->add_option("--providers", options.providers, "Comma-separated providers to run (default: all built in)");
  command->add_option("--workers", c.workers, "Concurrent reconciles")->capture_default_str();
  command->add_flag("--install-crds", c.install_crds, "Create or update the airunway.ai CRDs before starting");
  command->add_option("--log-level", options.log_level, "trace, debug, info, warn or error")->capture_default_str();
  return command;
}

int RunControllerCommand(ControllerCommandOptions& options) {
  SignalWaiter signals;  // before any thread starts
  auto level = common::ParseLogLevel(options.log_level);
  if (!level) {
    std::cerr << "airunway controller: invalid --log-level \"" << options.log_level
              << "\": use one of trace, debug, info, warn, error, off\n";
    return 2;
  }
  common::InitLogging(*level);
  std::stringstream list(options.providers);
  for (std::string name; std::getline(list, name, ',');) {
    if (!name.empty()) options.controller.providers.push_back(name);
  }
  if (auto valid = controller::ValidateControllerOptions(options.controller); !valid) {
    std::cerr << "airunway controller: " << valid.error().message << "\n";
    return 2;
  }
  std::stop_source stop;
  std::thread waiter([&] {
    int signal = signals.Wait();
    spdlog::info("received signal {}, stopping", signal);
    stop.request_stop();
  });
  int code = controller::RunController(options.controller, stop.get_token());
  if (!stop.stop_requested()) {
    signals.Detach(waiter);  // ended by itself (error or lost lease): do not wait for a signal
  } else {
    waiter.join();
  }
  return code;
}

}  // namespace airunway::cli
