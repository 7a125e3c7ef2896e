// HealthServer: the controller's probe and metrics port — /healthz, /readyz and /metrics on
// an http::Server of its own (controller-runtime's --health-probe-bind-address, default
// :8081, with the metrics served alongside).
//
//   HealthServer health({.port = 8081}, &registry);
//   health.AddReadyzCheck("informers", [&] { return manager.ReadyzCheck(); });
//   if (auto listening = health.Start(); !listening) ...;
//   ... health.Stop(); health.Wait();
//
// /healthz and /readyz follow the Kubernetes probe handlers: 200 "ok" when every check
// passes (a server without checks is healthy — the "ping" check), else 500 with one
// "[+]name ok" / "[-]name failed: reason" line per check and "<probe> check failed".
// "?verbose" lists the checks also on success; "/readyz/<name>" runs one check (404 for an
// unknown name). /metrics answers the Registry's exposition (text format 0.0.4).
//
// Checks run on the server's I/O threads: they must be quick and must not block (read an
// atomic flag; never call the API server).
//
// Thread-safety: Add*Check may be called at any time from any thread; Start/Stop/Wait from
// the owner.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "controller/runtime/metrics.h"
#include "http/router.h"
#include "http/server.h"

namespace airunway::controller::runtime {

using HealthCheck = std::function<common::Status()>;

struct HealthServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8081;  // 0 picks a free port
  unsigned threads = 1;
  bool access_log = false;    // probes every few seconds would flood the log
};

class HealthServer {
 public:
  // `registry` may be null (then /metrics answers an empty exposition); it must outlive
  // the server.
  HealthServer(HealthServerOptions options, const Registry* registry);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  void AddHealthzCheck(std::string name, HealthCheck check);
  void AddReadyzCheck(std::string name, HealthCheck check);

  // Listens and serves in the background. Errors name the address ("address already in use").
  common::Status Start();
  std::uint16_t port() const;
  void Stop();
  void Wait();

  // The router, for tests that serve requests without a socket.
  std::shared_ptr<const http::Router> router() const { return router_; }

 private:
  struct Checks {
    std::mutex mutex;
    std::vector<std::pair<std::string, HealthCheck>> list;  // guarded by mutex
  };

  static http::Response Probe(const http::Request& request, std::string_view probe, Checks& checks,
                              std::string_view only);

  const HealthServerOptions options_;
  const Registry* const registry_;
  std::shared_ptr<Checks> healthz_ = std::make_shared<Checks>();
  std::shared_ptr<Checks> readyz_ = std::make_shared<Checks>();
  std::shared_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace airunway::controller::runtime
