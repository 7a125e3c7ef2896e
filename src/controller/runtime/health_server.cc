#include "controller/runtime/health_server.h"

namespace airunway::controller::runtime {

HealthServer::HealthServer(HealthServerOptions options, const Registry* registry)
    : options_(std::move(options)), registry_(registry), router_(std::make_shared<http::Router>()) {
  for (auto [probe, checks] : {std::pair{std::string_view("healthz"), healthz_},
                               std::pair{std::string_view("readyz"), readyz_}}) {
    router_->Get("/" + std::string(probe),
                 [probe, checks](http::Request& request) { return Probe(request, probe, *checks, {}); });
    router_->Get("/" + std::string(probe) + "/:name", [probe, checks](http::Request& request) {
      return Probe(request, probe, *checks, request.Param("name"));
    });
  }
  router_->Get("/metrics", [registry](http::Request&) {
    return http::Response::Text(200, registry != nullptr ? registry->Expose() : std::string(),
                                std::string(kExpositionContentType));
  });
}

HealthServer::~HealthServer() {
  if (server_) {
    server_->Stop();
    server_->Wait();
  }
}

void HealthServer::AddHealthzCheck(std::string name, HealthCheck check) {
  std::lock_guard lock(healthz_->mutex);
  healthz_->list.emplace_back(std::move(name), std::move(check));
}

void HealthServer::AddReadyzCheck(std::string name, HealthCheck check) {
  std::lock_guard lock(readyz_->mutex);
  readyz_->list.emplace_back(std::move(name), std::move(check));
}

http::Response HealthServer::Probe(const http::Request& request, std::string_view probe, Checks& checks,
                                   std::string_view only) {
  std::vector<std::pair<std::string, HealthCheck>> list;
  {
    std::lock_guard lock(checks.mutex);
    list = checks.list;
  }
  if (!only.empty()) {
    for (auto& [name, check] : list) {
      if (name != only) continue;
      auto status = check ? check() : common::Status::Ok();
      if (status) return http::Response::Text(200, "ok");
      return http::Response::Text(500, "[-]" + name + " failed: " + status.error().message + "\n" +
                                           std::string(probe) + " check failed\n");
    }
    return http::Response::Text(404, std::string(probe) + " check \"" + std::string(only) + "\" not found\n");
  }

  bool healthy = true;
  std::string report;
  if (list.empty()) report += "[+]ping ok\n";
  for (auto& [name, check] : list) {
    auto status = check ? check() : common::Status::Ok();
    if (status) {
      report += "[+]" + name + " ok\n";
    } else {
      healthy = false;
      report += "[-]" + name + " failed: " + status.error().message + "\n";
    }
  }
  if (!healthy) return http::Response::Text(500, report + std::string(probe) + " check failed\n");
  if (request.Query("verbose")) return http::Response::Text(200, report + std::string(probe) + " check passed\n");
  return http::Response::Text(200, "ok");
}

common::Status HealthServer::Start() {
  http::ServerOptions server_options;
  server_options.host = options_.host;
  server_options.port = options_.port;
  server_options.threads = options_.threads;
  server_options.access_log = options_.access_log;
  server_options.shutdown_grace = std::chrono::milliseconds(2'000);
  server_ = std::make_unique<http::Server>(std::move(server_options), router_);
  if (auto listening = server_->Listen(); !listening) return listening;
  server_->Start();
  return common::Status::Ok();
}

std::uint16_t HealthServer::port() const { return server_ ? server_->port() : 0; }

void HealthServer::Stop() {
  if (server_) server_->Stop();
}

void HealthServer::Wait() {
  if (server_) server_->Wait();
}

}  // namespace airunway::controller::runtime
