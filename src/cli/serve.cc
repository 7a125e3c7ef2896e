#include "cli/serve.h"

#include <fmt/format.h>
#include <signal.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "api/cluster.h"
#include "api/models.h"
#include "api/routes.h"
#include "cli/demo.h"
#include "cli/signals.h"
#include "common/logging.h"
#include "http/middleware.h"
#include "http/server.h"
#include "http/static_assets.h"
#include "http/worker_pool.h"
#include "kube/config.h"
#include "services/cluster/cluster_service.h"
#include "services/deployments/logs.h"
#include "cli/web_assets.h"

namespace airunway::cli {

namespace {

constexpr std::uint16_t kDefaultPort = 3001;
constexpr const char* kSystemNamespace = "airunway-system";

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<std::uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// Why there is no cluster, in words a user can act on.
std::string NoClusterReason(const ServeOptions&) {
  return "no cluster connection: no kubeconfig was found (--kubeconfig, KUBECONFIG, ~/.kube/config) and this "
         "is not a pod in a cluster, so the server runs without a cluster";
}

bool AuthEnabled() {
  auto value = Env("AUTH_ENABLED").value_or("");
  std::string lower;
  for (char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true" || value == "1";
}

http::Response ApiNotFound(const http::Request& request) {
  return http::Response::Error(common::MakeError(
      common::ErrorCode::kNotFound, fmt::format("Route not found: {} {}", request.method, request.path),
      "RouteNotFound"));
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options) {
  auto* serve = app.add_subcommand("serve", "Serve the REST API and the web UI (the default command)");
  serve->add_option("--port", options.port_flag, "Port to listen on; 0 picks a free one [env PORT, default 3001]");
  serve->add_option("--host", options.host,
                    "Address to listen on; use 0.0.0.0 or :: to listen on all interfaces")
      ->capture_default_str();
  serve->add_option("--kubeconfig", options.kubeconfig, "Path to a kubeconfig file");
  serve->add_option("--context", options.context, "Kubeconfig context to use");
  serve->add_flag("--demo", options.demo, "Run on a simulated GPU cluster in this process");
  serve->add_option("--kubeconfig-out", options.kubeconfig_out,
                    "With --demo: write a kubeconfig for the simulated cluster here (for kubectl)");
  serve->add_option("--demo-state", options.demo_state,
                    "With --demo: keep the simulated cluster's objects in this file across restarts");
  serve->add_option("--catalog", options.catalog,
                    "A model catalog file (JSON) to use instead of the built-in curated catalog");
  serve->add_option("--log-level", options.log_level_flag,
                    "trace, debug, info, warn, error or off [env LOG_LEVEL, default info]");
  return serve;
}

int RunServe(const ServeOptions& options) {
  // Block the shutdown signals before any thread starts (the logger's flusher is one), so
  // that only the waiter ever sees them.
  SignalWaiter signals;
  // Configuration is validated before anything starts; a bad value names itself.
  std::string level_text = options.log_level_flag;
  std::string level_source = "--log-level";
  if (level_text.empty()) {
    level_text = Env("LOG_LEVEL").value_or("info");
    level_source = "LOG_LEVEL";
  }
  auto level = common::ParseLogLevel(level_text);
  if (!level) {
    std::cerr << fmt::format("airunway serve: invalid {} \"{}\": use one of trace, debug, info, warn, error, off\n",
                             level_source, level_text);
    return 2;
  }
  std::uint16_t port = kDefaultPort;
  if (!options.port_flag.empty()) {
    auto parsed = ParsePort(options.port_flag);
    if (!parsed) {
      std::cerr << fmt::format("airunway serve: invalid --port \"{}\": expected a number from 0 to 65535\n",
                               options.port_flag);
      return 2;
    }
    port = *parsed;
  } else if (auto env = Env("PORT"); env && !env->empty()) {
    auto parsed = ParsePort(*env);
    if (!parsed) {
      std::cerr << fmt::format("airunway serve: invalid PORT environment variable \"{}\": expected a number "
                               "from 0 to 65535\n",
                               *env);
      return 2;
    }
    port = *parsed;
  }
  std::string cors_warning;
  auto cors = http::CorsPolicy::FromSetting(Env("CORS_ORIGIN"), &cors_warning);
  std::string default_namespace = Env("DEFAULT_NAMESPACE").value_or(kSystemNamespace);

  common::InitLogging(*level);
  if (!cors_warning.empty()) common::LogWarn(cors_warning);


  std::chrono::milliseconds staleness{180'000};
  if (auto env = Env("PROVIDER_HEALTH_STALENESS_MS"); env && !env->empty()) {
    long long value = 0;
    auto [ptr, ec] = std::from_chars(env->data(), env->data() + env->size(), value);
    if (ec != std::errc() || ptr != env->data() + env->size() || value <= 0) {
      std::cerr << fmt::format("airunway serve: invalid PROVIDER_HEALTH_STALENESS_MS \"{}\": expected a positive "
                               "number of milliseconds\n",
                               *env);
      return 2;
    }
    staleness = std::chrono::milliseconds(value);
  }

  // The cluster: an explicit --kubeconfig/--context must load; otherwise the usual discovery
  // (KUBECONFIG, ~/.kube/config, in-cluster), and without any the server runs without one.
  api::ClusterApi cluster_api;
  cluster_api.default_namespace = default_namespace;
  cluster_api.auth_enabled = AuthEnabled();
  cluster_api.provider_staleness = staleness;
  cluster_api.no_cluster_reason = NoClusterReason(options);
  std::string cluster_line = cluster_api.no_cluster_reason;
  // --demo: a simulated GPU cluster and the controller in this process, reached through the
  // same client and caches as a real cluster (its kubeconfig is written for kubectl too).
  std::unique_ptr<DemoCluster> demo;
  std::string kubeconfig_path = options.kubeconfig;
  if (options.demo) {
    demo = std::make_unique<DemoCluster>(
        DemoCluster::Options{.kubeconfig_out = options.kubeconfig_out, .state_file = options.demo_state});
    if (auto started = demo->Start(); !started) {
      std::cerr << "airunway serve: cannot start the demo cluster: " << started.error().message << "\n";
      return 2;
    }
    kubeconfig_path = demo->kubeconfig_path();
  }
  auto config = kube::LoadConfig({.kubeconfig_path = kubeconfig_path, .context = options.context});
  if (!config) {
    bool explicit_choice = !kubeconfig_path.empty() || !options.context.empty() || Env("KUBECONFIG");
    if (explicit_choice || config.error().code != common::ErrorCode::kNotFound) {
      std::cerr << "airunway serve: cannot use the kubeconfig: " << config.error().message << "\n";
      return 2;
    }
  } else {
    services::cluster::ClusterOptions cluster_options;
    cluster_options.default_namespace = default_namespace;
    cluster_api.cluster = std::make_shared<services::cluster::ClusterService>(*config, cluster_options);
    cluster_line = demo ? fmt::format("demo mode: a SIMULATED GPU cluster (kubesim) at {}; kubeconfig for kubectl: {}",
                                      config->server, kubeconfig_path)
                        : fmt::format("cluster: context \"{}\" at {} (caches load in the background)",
                                      config->context_name, config->server);
  }
  // Blocking Kubernetes calls (writes, one-shot logs) run here, never on an I/O thread.
  cluster_api.pool = std::make_shared<http::WorkerPool>(8, 512);
  if (cluster_api.cluster) {
    cluster_api.logs = std::make_shared<services::deployments::LogStreamer>(cluster_api.cluster->shared_client(), 32);
    cluster_api.cluster->Start();
  }

  // Models, HuggingFace search, OAuth and token secrets. A bad catalog stops start-up.
  auto models = api::MakeModelsAreaDeps({.catalog_path = options.catalog},
                                        cluster_api.cluster ? cluster_api.cluster->shared_client() : nullptr,
                                        *cluster_api.pool);
  if (!models) {
    std::cerr << "airunway serve: " << models.error().message << "\n";
    return 2;
  }

  auto router = std::make_shared<http::Router>();
  std::string no_cluster = cluster_line;
  api::RegisterApiRoutes(*router, {.cluster = cluster_api, .models = *models});

  auto assets = std::make_shared<http::StaticAssets>(EmbeddedWebFiles());

  http::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = port;
  server_options.before.push_back(http::MakeCorsPreflightHook(cors));
  server_options.after.push_back(http::MakeCorsHook(cors));
  server_options.after.push_back(http::MakeSecurityHeadersHook());
  server_options.after.push_back(http::MakeGzipHook());
  server_options.not_found = [assets](http::Request& request) -> http::Response {
    bool api = request.path == "/api" || request.path.starts_with("/api/");
    if (api && (request.method == "GET" || request.method == "HEAD") && request.path.size() > 1 &&
        request.path.ends_with('/')) {
      // Strict routing with a helpful redirect, as the reference does for GETs.
      http::Response redirect;
      redirect.status = 301;
      std::string location = request.raw_path.substr(0, request.raw_path.size() - 1);
      std::size_t question = request.target.find('?');
      if (question != std::string::npos) location += request.target.substr(question);
      redirect.headers.Set("Location", location);
      return redirect;
    }
    if (api) return ApiNotFound(request);
    if (auto response = assets->Serve(request)) return std::move(*response);
    return http::Response::Text(404, "Frontend not available: this binary was built without the web UI.\n");
  };

  http::Server server(std::move(server_options), router);
  if (auto listening = server.Listen(); !listening) {
    std::cerr << "airunway serve: " << listening.error().message << "\n";
    return 2;
  }
  std::string url = fmt::format("http://{}:{}", options.host.find(':') != std::string::npos
                                                    ? "[" + options.host + "]"
                                                    : options.host,
                                server.port());
  common::LogInfo("serving", {{"url", url}, {"address", fmt::format("{}:{}", options.host, server.port())},
                              {"cluster", no_cluster}});
  std::cout << "AI Runway is serving on " << url << "\n"
            << "  " << no_cluster << "\n"
            << "  Press Ctrl-C to stop." << std::endl;

  std::thread stopper([&] {
    signals.Wait();
    common::LogInfo("shutting down: finishing in-flight requests");
    server.Stop();
    signals.Wait();  // a second signal: stop now
    std::_Exit(130);
  });
  server.Run();
  signals.Detach(stopper);
  // Streams first (they use the client), then the pool, then informers and the client.
  cluster_api.logs.reset();
  if (cluster_api.pool) cluster_api.pool->Stop();
  if (cluster_api.cluster) cluster_api.cluster->Stop();
  if (demo) demo->Stop();
  common::LogInfo("stopped");
  common::FlushLogs();
  return 0;
}

}  // namespace airunway::cli
