// The demo: AI Runway on a simulated GPU cluster, with nothing to install.
//
// `airunway serve --demo` runs, in one process, kubesim with the `demo` scenario (over
// loopback, on a free port), the AI Runway CRDs, the controller with its providers, and the
// server. `airunway sim --scenario demo` seeds the same CRDs and sample models, so that
// `sim --scenario demo` + `controller` + `serve --kubeconfig` gives the same result: the demo is
// a composition of the real parts, not a second code path.
//
// Thread-safety: Start/Stop from the owner thread; SaveState from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>

#include "common/result.h"
#include "kubesim/simulator.h"

namespace airunway::cli {

// Installs the AI Runway CRDs and the demo's sample ModelDeployments into a simulator:
// one that starts at once (Running when the UI opens), one that takes a while to start, and
// one asking for more GPUs than any node has (Pending, with the scheduler's reason).
common::Status SeedDemo(kubesim::Simulator& sim);

class DemoCluster {
 public:
  struct Options {
    std::string kubeconfig_out;  // where to write the admin kubeconfig; a temp file when empty
    // --demo-state: the simulated cluster's objects are loaded from this file at start (when it
    // exists) and written to it atomically every `save_interval` and at Stop. A file that
    // cannot be read back is refused with a clear error, never silently dropped.
    std::string state_file;
    std::chrono::milliseconds save_interval{30'000};
  };

  explicit DemoCluster(Options options);
  ~DemoCluster();
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  // Starts the simulated cluster, seeds it and starts the controller in this process.
  common::Status Start();
  // Stops the controller, then the cluster. Idempotent.
  void Stop();

  const std::string& kubeconfig_path() const { return kubeconfig_path_; }
  // Writes the state file now (atomically: a temp file renamed over the old one).
  common::Status SaveState();
  std::string url() const;

 private:
  Options options_;
  std::string kubeconfig_path_;
  bool temporary_kubeconfig_ = false;
  common::Status LoadState();

  std::unique_ptr<kubesim::Simulator> sim_;
  std::jthread controller_;
  std::jthread saver_;
};

}  // namespace airunway::cli
