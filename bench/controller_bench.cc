// controller_bench: the figures issue 6 asks of `airunway controller` — N ModelDeployments
// (1,000 by default) applied at once on kubesim with zero start delays:
//
//   1. time from the first create until every ModelDeployment reports phase Running;
//   2. API requests the controller made per ModelDeployment (kubesim's request counter, from
//      the first create to the last Running; the controller's start-up is not counted);
//   3. the controller's peak RSS (VmHWM of the controller process, read just before it stops).
//
// kubesim (API server plus the simulated deployment/replicaset controllers, scheduler and
// kubelet) runs in this process over HTTPS on 127.0.0.1 with a generated scenario: every
// timing 0, one CPU node pool big enough for N pods. The CRDs of deploy/crds are created
// through the store. The controller is the real binary, `airunway controller`, as a child
// process, so its RSS is its own. The ModelDeployments are CPU-only vLLM (`resources.cpu: 1`,
// which the Direct vLLM provider accepts, see docs/controller.md) and are created through the
// store in a tight loop: the controller sees them as one burst of watch events. Progress is
// read from the store, so polling adds no requests.
//
//   controller_bench [--deployments 1000] [--timeout 100s] [--workers 2] [--airunway PATH]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench_kubesim.h"
#include "bench_objects.h"
#include "bench_util.h"
#include "common/json.h"
#include "kubesim/api_server.h"
#include "kubesim/sim_scenario.h"
#include "kubesim/simulator.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace json = boost::json;
namespace kubesim = airunway::kubesim;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Zero delays everywhere; one CPU pool with room for `pods` pods of 1 CPU.
std::string ScenarioYaml(int pods) {
  const int nodes = (pods + 99) / 100 + 1;
  return fmt::format(
      "name: controller-bench\n"
      "timing: {{schedule: 0, pull: 0, create: 0, start: 0, ready: 0, logInterval: 0}}\n"
      "nodePools:\n"
      "  - {{name: cpu, count: {}, cpu: \"128\", memory: 1024Gi, pods: \"128\"}}\n",
      nodes);
}

// Phase -> count over every ModelDeployment in the store.
std::map<std::string, int> Phases(kubesim::ApiServer& api, const kubesim::StoreResource& resource) {
  std::map<std::string, int> phases;
  auto listed = api.store().List(resource, "bench");
  if (!kubesim::IsOk(listed)) return phases;
  for (const auto& md : std::get<0>(listed).items) {
    const auto* phase = airunway::common::FindPath(*md, {"status", "phase"});
    ++phases[phase != nullptr && phase->is_string() ? std::string(phase->as_string()) : std::string("(none)")];
  }
  return phases;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"controller benchmark: N ModelDeployments at once on kubesim until all are Running"};
  int deployments = 1000;
  std::string timeout_text = "100s";
  int workers = 2;
  std::string airunway = AIRUNWAY_BINARY;
  std::string crd_dir = AIRUNWAY_CRD_DIR;
  app.add_option("--deployments", deployments)->capture_default_str();
  app.add_option("--timeout", timeout_text, "give up after this long")->capture_default_str();
  app.add_option("--workers", workers, "the controller's --workers")->capture_default_str();
  app.add_option("--airunway", airunway, "the airunway binary")->capture_default_str();
  app.add_option("--crds", crd_dir, "directory of the CRD YAML files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto timeout = airunway::bench::ParseDuration(timeout_text);
  if (!timeout) {
    std::cerr << "--timeout: not a duration: " << timeout_text << "\n";
    return 2;
  }

  std::filesystem::path dir = std::filesystem::temp_directory_path() / fmt::format("controller-bench-{}", getpid());
  std::filesystem::create_directories(dir);
  const std::string scenario_path = (dir / "scenario.yaml").string();
  const std::string kubeconfig_path = (dir / "kubeconfig").string();
  std::ofstream(scenario_path) << ScenarioYaml(deployments);

  kubesim::Simulator sim(
      {.api = {.tls = true, .threads = 2, .kubeconfig_out = kubeconfig_path}, .scenario = scenario_path});
  if (auto started = sim.Start(); !started) {
    std::cerr << "cannot start kubesim: " << started.error().message << "\n";
    return 1;
  }
  auto& api = sim.api();
  if (auto failed = airunway::bench::InstallCrds(api, crd_dir); !failed.empty()) {
    std::cerr << "installing the CRDs: " << failed << "\n";
    return 1;
  }
  (void)api.CreateObject(json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}})").as_object());
  const auto md_resource = airunway::bench::StoreResourceOrExit(api, "airunway.ai", "v1alpha1", "modeldeployments");
  const auto ipc_resource =
      airunway::bench::StoreResourceOrExit(api, "airunway.ai", "v1alpha1", "inferenceproviderconfigs");

  airunway::bench::BackgroundProcess controller({airunway, "controller", "--kubeconfig", kubeconfig_path,
                                                 "--health-probe-bind-address", "127.0.0.1:0", "--workers",
                                                 std::to_string(workers), "--log-level", "warn"});
  // Ready: its provider has registered, and it has stopped making start-up requests.
  const auto ready_deadline = Clock::now() + std::chrono::seconds(30);
  while (true) {
    auto ipcs = api.store().List(ipc_resource, "");
    if (kubesim::IsOk(ipcs) && !std::get<0>(ipcs).items.empty()) break;
    if (Clock::now() > ready_deadline || !controller.started()) {
      std::cerr << "the controller did not register its provider within 30 s:\n" << controller.Output() << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (std::uint64_t last = api.request_count();;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::uint64_t now = api.request_count();
    if (now == last) break;
    last = now;
  }
  const long idle_rss_kib = airunway::bench::ProcStatusKiB(controller.pid(), "VmRSS");

  const std::uint64_t requests_before = api.request_count();
  const auto start = Clock::now();
  for (int i = 0; i < deployments; ++i) {
    json::object md = airunway::bench::CpuModelDeployment(fmt::format("md-{:05}", i), "bench");
    if (auto created = api.CreateObject(std::move(md)); !kubesim::IsOk(created)) {
      std::cerr << "creating md-" << i << ": " << std::get<kubesim::ApiStatus>(created).message << "\n";
      return 1;
    }
  }
  const double create_s = Seconds(Clock::now() - start);

  double first_running_s = 0;
  double half_running_s = 0;
  double all_running_s = 0;
  std::map<std::string, int> phases;
  while (Clock::now() - start < *timeout) {
    phases = Phases(api, md_resource);
    const int running = phases["Running"];
    const double at = Seconds(Clock::now() - start);
    if (running > 0 && first_running_s == 0) first_running_s = at;
    if (running * 2 >= deployments && half_running_s == 0) half_running_s = at;
    if (running == deployments) {
      all_running_s = at;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::uint64_t requests = api.request_count() - requests_before;
  const long peak_rss_kib = airunway::bench::ProcStatusKiB(controller.pid(), "VmHWM");
  const long end_rss_kib = airunway::bench::ProcStatusKiB(controller.pid(), "VmRSS");
  const int exit_code = controller.Stop();

  std::cout << fmt::format(
      "controller benchmark ({} CPU-only ModelDeployments, kubesim in-process over HTTPS with zero delays, "
      "`airunway controller --workers {}` as a process)\n",
      deployments, workers);
  std::cout << fmt::format("  created through the store in {:.0f} ms\n", create_s * 1e3);
  if (all_running_s > 0) {
    std::cout << fmt::format("  all Running after:        {:.2f} s (first after {:.2f} s, half after {:.2f} s)\n",
                             all_running_s, first_running_s, half_running_s);
  } else {
    std::cout << fmt::format("  NOT all Running after {} — phases:", timeout_text);
    for (const auto& [phase, count] : phases) std::cout << fmt::format(" {}={}", phase, count);
    std::cout << "\n";
  }
  std::cout << fmt::format("  API requests:             {} = {:.1f} per ModelDeployment\n", requests,
                           static_cast<double>(requests) / deployments);
  std::cout << fmt::format("  controller RSS:           peak (VmHWM) {:.1f} MiB; {:.1f} MiB idle before, {:.1f} MiB at the end\n",
                           static_cast<double>(peak_rss_kib) / 1024.0, static_cast<double>(idle_rss_kib) / 1024.0,
                           static_cast<double>(end_rss_kib) / 1024.0);
  if (exit_code != 0) std::cout << "  (the controller exited with " << exit_code << ")\n" << controller.Output();
  sim.Stop();
  std::filesystem::remove_all(dir);
  return all_running_s > 0 ? 0 : 1;
}
