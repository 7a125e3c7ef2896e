#include "api/health.h"

#include <chrono>

#include "common/build_info.h"
#include "common/time.h"

namespace airunway::api {

ClusterStatusSource NoClusterStatus(std::string default_namespace, std::string why) {
  return [default_namespace = std::move(default_namespace), why = std::move(why)] {
    boost::json::object status;
    status["connected"] = false;
    status["namespace"] = default_namespace;
    status["error"] = why;
    status["providerInstallation"] = nullptr;
    return status;
  };
}

void RegisterHealthRoutes(http::Router& router, ClusterStatusSource cluster_status) {
  auto health = [](http::Request&) {
    boost::json::object body;
    body["status"] = "healthy";
    body["timestamp"] = common::FormatRfc3339Millis(std::chrono::system_clock::now());
    return http::Response::Json(200, body);
  };
  auto version = [](http::Request&) {
    const auto& info = common::GetBuildInfo();
    boost::json::object body;
    body["version"] = info.version;
    body["buildTime"] = info.build_time;
    body["gitCommit"] = info.git_commit;
    return http::Response::Json(200, body);
  };
  auto status = [cluster_status](http::Request&) { return http::Response::Json(200, cluster_status()); };

  router.Get("/api/health", health);
  router.Get("/api/health/version", version);
  router.Get("/api/health/status", status);
  router.Get("/api/cluster/status", status);
}

}  // namespace airunway::api
