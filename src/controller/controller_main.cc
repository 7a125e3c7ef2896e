#include "controller/controller_main.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/logging.h"
#include <fmt/ranges.h>

#include <cstdlib>
#include <thread>

#include "common/json.h"
#include "controller/provider.h"
#include "controller/reconciler.h"
#include "controller/registrar.h"
#include "controller/runtime/event_recorder.h"
#include "controller/runtime/health_server.h"
#include "controller/runtime/manager.h"
#include "controller/runtime/metrics.h"
#include "controller/types.h"
#include "kube/config.h"
#include "kube/errors.h"

namespace airunway::controller {
namespace json = boost::json;

namespace {

// ":8081", "127.0.0.1:8081", "0" (disabled) → host and port.
common::Result<std::optional<std::pair<std::string, std::uint16_t>>> ParseBindAddress(std::string_view flag,
                                                                                   std::string_view address) {
  using Out = std::optional<std::pair<std::string, std::uint16_t>>;
  if (address == "0" || address.empty()) return Out();
  auto colon = address.rfind(':');
  std::string host = colon == std::string_view::npos ? std::string() : std::string(address.substr(0, colon));
  std::string port_text(colon == std::string_view::npos ? address : address.substr(colon + 1));
  char* end = nullptr;
  long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return common::MakeError(common::ErrorCode::kInvalid,
                             fmt::format("--{} \"{}\" is not a bind address; use :PORT, HOST:PORT or 0 to disable",
                                         flag, address));
  }
  return Out(std::pair{host.empty() ? std::string("0.0.0.0") : host, static_cast<std::uint16_t>(port)});
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& EmbeddedCrds() {
  static const std::vector<std::pair<std::string, std::string>> kCrds = {
#include "controller/crds.inc"
  };
  return kCrds;
}

common::Status InstallCrds(kube::Client& client) {
  for (const auto& [file, yaml] : EmbeddedCrds()) {
    // "airunway.ai_modeldeployments.yaml" → "modeldeployments.airunway.ai"
    std::string stem = file.substr(0, file.rfind('.'));
    auto underscore = stem.find('_');
    std::string name = stem.substr(underscore + 1) + "." + stem.substr(0, underscore);
    auto applied = client.Patch(kube::kCustomResourceDefinitions, "", name, kube::PatchType::kApply, yaml,
                                {.field_manager = "airunway-controller", .force = true});
    if (!applied) {
      return common::MakeError(applied.error().code,
                               fmt::format("installing CRD {}: {}", name, applied.error().message));
    }
  }
  return {};
}

common::Status ValidateControllerOptions(const ControllerOptions& options) {
  if (options.workers < 1 || options.workers > 64) {
    return common::MakeError(common::ErrorCode::kInvalid,
                             fmt::format("--workers {} is out of range; use 1 to 64", options.workers));
  }
  for (const auto& name : options.providers) {
    if (MakeProvider(name) == nullptr) {
      return common::MakeError(common::ErrorCode::kInvalid,
                               fmt::format("--providers: unknown provider \"{}\"; built in: {}", name,
                                           fmt::join(BuiltinProviderNames(), ", ")));
    }
  }
  if (auto a = ParseBindAddress("metrics-bind-address", options.metrics_bind_address); !a) return a.error();
  if (auto a = ParseBindAddress("health-probe-bind-address", options.health_probe_bind_address); !a) return a.error();
  return {};
}

int RunController(const ControllerOptions& options, std::stop_token stop) {
  if (auto valid = ValidateControllerOptions(options); !valid) {
    common::LogError(fmt::format("{}", valid.error().message));
    return 2;
  }
  auto config = kube::LoadConfig({.kubeconfig_path = options.kubeconfig, .context = options.context});
  if (!config) {
    common::LogError(fmt::format("loading the kubeconfig: {}", config.error().message));
    return 1;
  }
  auto client = std::make_shared<kube::Client>(*config);
  if (options.install_crds) {
    if (auto installed = InstallCrds(*client); !installed) {
      common::LogError(fmt::format("{}", installed.error().message));
      return 1;
    }
  }

  std::vector<std::shared_ptr<const Provider>> providers;
  for (const auto& name : options.providers.empty() ? BuiltinProviderNames() : options.providers) {
    providers.push_back(MakeProvider(name));
  }

  runtime::Registry registry;
  runtime::EventRecorder events(client, {.component = "airunway-controller", .metrics = &registry});
  ProviderRegistrar registrar(client, providers, options.heartbeat);

  runtime::ManagerOptions manager_options{.name = "modeldeployment", .workers = options.workers, .metrics = &registry};
  if (options.leader_elect) {
    std::string ns = options.leader_election_namespace;
    if (ns.empty()) {
      const char* pod_ns = std::getenv("POD_NAMESPACE");
      ns = pod_ns != nullptr && *pod_ns != '\0' ? pod_ns : "default";
    }
    manager_options.leader_election = runtime::LeaderElectionOptions{.lease_name = options.leader_election_id,
                                                                     .lease_namespace = ns,
                                                                     .lease_duration = options.lease_duration,
                                                                     .renew_deadline = options.renew_deadline,
                                                                     .retry_period = options.retry_period};
    // A replica that takes over re-registers at once: the old leader marked its providers not
    // ready as it stopped.
    manager_options.leader_callbacks.on_started_leading = [&registrar] {
      common::LogInfo(fmt::format("became the leader"));
      (void)registrar.RegisterAll();
    };
  }
  runtime::Manager manager(client, std::move(manager_options));

  auto mds = manager.AddInformer({.resource = kModelDeployments});
  mds->AddHandlers(manager.EnqueueHandlers());
  auto ipcs = manager.AddInformer({.resource = kInferenceProviderConfigs});
  ipcs->AddHandlers(manager.EnqueueMappedHandlers(
      [mds](const json::object& ipc) { return ModelDeploymentsForProvider(*mds, ipc); }));
  const std::string managed_selector = fmt::format("{}={}", kLabelManagedBy, kManagedByValue);
  auto deployments = manager.AddInformer({.resource = kube::kDeployments, .label_selector = managed_selector});
  deployments->AddHandlers(manager.EnqueueOwnerHandlers(std::string(kModelDeploymentKind), std::string(kGroup)));
  auto services = manager.AddInformer({.resource = kube::kServices, .label_selector = managed_selector});
  services->AddHandlers(manager.EnqueueOwnerHandlers(std::string(kModelDeploymentKind), std::string(kGroup)));
  auto pods = manager.AddInformer({.resource = kube::kPods, .label_selector = std::string(kLabelDeployment)});
  pods->AddHandlers(manager.EnqueueMappedHandlers([](const json::object& pod) {
    std::vector<std::string> keys;
    const json::value* ns = common::FindPath(pod, {"metadata", "namespace"});
    const json::value* owner = common::FindPath(pod, {"metadata", "labels", kLabelDeployment});
    if (ns != nullptr && ns->is_string() && owner != nullptr && owner->is_string()) {
      keys.push_back(fmt::format("{}/{}", std::string_view(ns->get_string()), std::string_view(owner->get_string())));
    }
    return keys;
  }));

  // ModelDeployments by phase and provider, and their replicas, derived from the cache at
  // scrape time (so a restart cannot leave stale counts behind, unlike delta-maintained gauges).
  auto& by_phase = registry.AddGauge("airunway_deployment_status", "ModelDeployments by provider and phase",
                                     {"provider", "phase"});
  auto& replicas = registry.AddGauge("airunway_deployment_replicas",
                                     "Replicas of all ModelDeployments by provider and state (desired, ready, available)",
                                     {"provider", "state"});
  registry.AddCollector([mds, &by_phase, &replicas] {
    by_phase.Reset();
    replicas.Reset();
    auto all = mds->List();
    if (!all) return;
    for (const auto& md : *all) {
      auto text = [&](std::initializer_list<std::string_view> path, std::string_view fallback) {
        const json::value* v = common::FindPath(*md, path);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string(fallback);
      };
      auto number = [&](std::initializer_list<std::string_view> path) {
        const json::value* v = common::FindPath(*md, path);
        return v != nullptr && v->is_int64() ? static_cast<double>(v->get_int64()) : 0.0;
      };
      std::string provider = text({"status", "provider", "name"}, "none");
      by_phase.WithLabels({provider, text({"status", "phase"}, "Pending")}).Inc();
      replicas.WithLabels({provider, "desired"}).Add(number({"status", "replicas", "desired"}));
      replicas.WithLabels({provider, "ready"}).Add(number({"status", "replicas", "ready"}));
      replicas.WithLabels({provider, "available"}).Add(number({"status", "replicas", "available"}));
    }
  });

  manager.SetReconciler(std::make_shared<ModelDeploymentReconciler>(ReconcilerOptions{
      .client = client,
      .model_deployments = mds,
      .provider_configs = ipcs,
      .pods = pods,
      .events = &events,
      .providers = providers,
  }));

  std::vector<std::unique_ptr<runtime::HealthServer>> servers;
  auto health = ParseBindAddress("health-probe-bind-address", options.health_probe_bind_address);
  auto metrics = ParseBindAddress("metrics-bind-address", options.metrics_bind_address);
  for (const auto& address : {*health, *metrics}) {
    if (!address) continue;
    auto server = std::make_unique<runtime::HealthServer>(
        runtime::HealthServerOptions{.host = address->first, .port = address->second}, &registry);
    server->AddReadyzCheck("informers", [&manager] { return manager.ReadyzCheck(); });
    if (auto started = server->Start(); !started) {
      common::LogError(fmt::format("serving probes/metrics on {}:{}: {}", address->first, address->second, started.error().message));
      return 1;
    }
    common::LogInfo(fmt::format("serving /healthz, /readyz and /metrics on {}:{}", address->first, server->port()));
    servers.push_back(std::move(server));
  }

  events.Start();
  std::stop_source registrar_stop;
  std::jthread registrar_thread([&](std::stop_token) { registrar.Run(registrar_stop.get_token()); });
  std::stop_callback forward(stop, [&manager] { manager.Stop(); });
  common::LogInfo(fmt::format("controller starting: providers [{}], {} workers{}", fmt::join(BuiltinProviderNames(), ", "),
               options.workers, options.leader_elect ? ", leader election on" : ""));
  common::Status done = manager.Run(stop);

  registrar_stop.request_stop();
  registrar_thread.join();
  events.Stop();
  for (auto& server : servers) {
    server->Stop();
    server->Wait();
  }
  if (!done) {
    common::LogError(fmt::format("controller stopped: {}", done.error().message));
    return 1;
  }
  common::LogInfo(fmt::format("controller stopped"));
  return 0;
}

}  // namespace airunway::controller
