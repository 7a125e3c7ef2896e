#include "cli/sim.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/demo.h"
#include "cli/signals.h"
#include "common/logging.h"
#include "kubesim/simulator.h"

namespace airunway::cli {

CLI::App* AddSimCommand(CLI::App& app, SimOptions& options) {
  auto* sim = app.add_subcommand("sim", "Serve a simulated Kubernetes cluster (API server, scheduler, kubelet)");
  sim->add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  sim->add_option("--host", options.host, "Address to listen on")->capture_default_str();
  sim->add_flag("--tls", options.tls, "Serve HTTPS with a generated CA (written into the kubeconfig)");
  sim->add_option("--kubeconfig-out", options.kubeconfig_out, "Write an admin kubeconfig for this cluster here");
  sim->add_option("--scenario", options.scenario, "Simulate a cluster from a scenario: demo, empty, large, or a YAML file "
                  "(without one, only the API server runs)");
  sim->add_option("--authorization", options.authorization,
                  "Authorization rules (YAML or JSON); allow-all when not given");
  sim->add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  return sim;
}

int RunSim(const SimOptions& options) {
  // Block the shutdown signals before any thread starts (the logger's flusher is one), so
  // that only the waiter ever sees them.
  SignalWaiter signals;
  auto level = common::ParseLogLevel(options.log_level);
  if (!level) {
    std::cerr << fmt::format("airunway sim: invalid --log-level \"{}\": use one of trace, debug, info, warn, error, off\n",
                             options.log_level);
    return 2;
  }
  common::InitLogging(*level);
  kubesim::ApiServerOptions server_options;
  server_options.host = options.host;
  server_options.port = static_cast<std::uint16_t>(options.port);
  server_options.tls = options.tls;
  server_options.kubeconfig_out = options.kubeconfig_out;
  server_options.access_log = level <= common::LogLevel::kDebug;
  if (!options.authorization.empty()) {
    std::ifstream in(options.authorization);
    if (!in) {
      std::cerr << fmt::format("airunway sim: cannot read --authorization file \"{}\"\n", options.authorization);
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto policy = kubesim::ParseAuthorizationPolicy(text.str());
    if (!policy) {
      std::cerr << fmt::format("airunway sim: --authorization file \"{}\": {}\n", options.authorization,
                               policy.error().message);
      return 2;
    }
    server_options.authorization = std::move(*policy);
  }

  kubesim::Simulator sim({.api = std::move(server_options), .scenario = options.scenario});
  if (auto started = sim.Start(); !started) {
    std::cerr << "airunway sim: " << started.error().message << "\n";
    return 2;
  }
  if (options.scenario == "demo") {
    // The demo cluster carries AI Runway's CRDs and sample models, as `serve --demo` does.
    if (auto seeded = SeedDemo(sim); !seeded) {
      std::cerr << "airunway sim: " << seeded.error().message << "\n";
      return 2;
    }
  }
  std::cout << "kubesim is serving on " << sim.api().url() << " (a simulated cluster, not a real one)\n";
  if (!options.scenario.empty()) std::cout << "  scenario: " << options.scenario << "\n";
  if (!options.kubeconfig_out.empty()) {
    std::cout << "  kubeconfig: " << options.kubeconfig_out << "  (kubectl --kubeconfig " << options.kubeconfig_out
              << " get nodes)\n";
  }
  std::cout << "  Press Ctrl-C to stop." << std::endl;
  signals.Wait();
  common::LogInfo("kubesim shutting down");
  sim.Stop();
  common::FlushLogs();
  return 0;
}

}  // namespace airunway::cli
