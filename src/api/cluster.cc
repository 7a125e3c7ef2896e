#include "api/cluster.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>

#include "common/build_info.h"
#include "common/json.h"
#include "common/time.h"
#include "services/cluster/gpu_capacity.h"
#include "services/deployments/validation.h"

namespace airunway::api {

namespace json = boost::json;

std::optional<http::Response> CacheUnavailable(const ClusterApi& api) {
  if (!api.cluster) {
    return ErrorResponse(common::ErrorCode::kUnavailable,
                         "AI Runway is not connected to a Kubernetes cluster: " + api.no_cluster_reason, "NoCluster");
  }
  if (auto synced = api.cluster->CheckSynced(); !synced) return http::Response::Error(synced.error());
  return std::nullopt;
}

http::Response ErrorResponse(common::ErrorCode code, std::string message, std::string reason) {
  return http::Response::Error(common::MakeError(code, std::move(message), std::move(reason)));
}

http::Response ValidationFailed(const std::vector<json::object>& issues) {
  return http::Response::Json(400, services::deployments::ValidationErrorBody(issues));
}

ClusterStatusSource ClusterStatusFrom(ClusterApi api) {
  if (!api.cluster) return NoClusterStatus(api.default_namespace, api.no_cluster_reason);
  return [api] {
    auto state = api.cluster->Connection();
    json::object status;
    status["connected"] = state.connected;
    // The namespace deployments go to: the settings' default (reference bug: it reported the
    // DEFAULT_NAMESPACE environment variable even when settings said otherwise).
    status["namespace"] = api.cluster->DefaultNamespace();
    if (state.connected) {
      status["clusterName"] = state.context_name;
    } else {
      status["error"] = state.error.empty() ? std::string("The cluster has not answered yet") : state.error;
    }
    // The CRD check, from the CRD cache; null until that cache has synced.
    auto crd = api.cluster->Crd(services::cluster::kModelDeploymentCrd);
    if (crd) {
      status["providerInstallation"] =
          json::object{{"installed", true}, {"crdFound", true}, {"message", "ModelDeployment CRD is installed"}};
    } else if (crd.error().code == common::ErrorCode::kNotFound) {
      status["providerInstallation"] =
          json::object{{"installed", false},
                       {"crdFound", false},
                       {"message", "ModelDeployment CRD not found. Please install AI Runway controller."}};
    } else {
      status["providerInstallation"] = nullptr;  // the CRD cache has not synced
    }
    status["simulated"] = state.kubesim;
    status["synced"] = state.synced;
    if (!state.server_version.empty()) status["serverVersion"] = state.server_version;
    return status;
  };
}

void RegisterClusterRoutes(http::Router& router, const ClusterApi& api) {
  auto health = [](http::Request&) {
    return http::Response::Json(200, json::object{{"status", "healthy"},
                                                  {"timestamp", common::FormatRfc3339Millis(
                                                                    std::chrono::system_clock::now())}});
  };
  auto version = [](http::Request&) {
    const auto& info = common::GetBuildInfo();
    return http::Response::Json(
        200, json::object{{"version", info.version}, {"buildTime", info.build_time}, {"gitCommit", info.git_commit}});
  };
  // Nodes from the node cache: schedulable ones, ready from the Ready condition, GPUs from
  // allocatable nvidia.com/gpu, sorted by name.
  auto nodes = [api](http::Request&) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    auto listed = api.cluster->nodes().List();
    if (!listed) return http::Response::Error(listed.error());
    json::array out;
    for (const auto& node : *listed) {
      const auto* unschedulable = common::FindPath(*node, {"spec", "unschedulable"});
      if (unschedulable != nullptr && unschedulable->is_bool() && unschedulable->as_bool()) continue;
      bool ready = false;
      if (const auto* conditions = common::FindPath(*node, {"status", "conditions"});
          conditions != nullptr && conditions->is_array()) {
        for (const auto& c : conditions->as_array()) {
          if (c.is_object() && common::GetString(c.as_object(), "type") == "Ready" &&
              common::GetString(c.as_object(), "status") == "True") {
            ready = true;
          }
        }
      }
      std::int64_t gpus = 0;
      if (const auto* gpu = common::FindPath(*node, {"status", "allocatable", "nvidia.com/gpu"})) {
        if (gpu->is_string()) gpus = services::deployments::ParseIntPrefix(gpu->as_string()).value_or(0);
        else if (gpu->is_int64()) gpus = gpu->as_int64();
      }
      const auto* name = common::FindPath(*node, {"metadata", "name"});
      out.push_back(json::object{{"name", name != nullptr ? *name : json::value("")}, {"ready", ready}, {"gpuCount", gpus}});
    }
    return http::Response::Json(200, json::object{{"nodes", std::move(out)}});
  };
  // GPU capacity from the node and pod caches. Without a cluster the reference's all-zero
  // answer (the UI then falls back to the model's own estimate); before the caches have
  // synced a 503 like every cache read, never a half-counted cluster.
  auto capacity = [api](bool detailed) {
    return [api, detailed](http::Request&) {
      if (!api.cluster) return http::Response::Json(200, services::cluster::EmptyGpuCapacityJson(detailed));
      if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
      auto snapshot = api.cluster->GpuCapacity();
      if (!snapshot) return http::Response::Error(snapshot.error());
      const auto& [computed, node_list] = **snapshot;
      return http::Response::Json(200, detailed ? services::cluster::DetailedGpuCapacityJson(computed, node_list)
                                                : services::cluster::GpuCapacityJson(computed));
    };
  };
  router.Get("/api/installation/gpu-capacity", capacity(false));
  router.Get("/api/installation/gpu-capacity/detailed", capacity(true));
  router.Get("/api/cluster", health);
  router.Get("/api/cluster/version", version);
  router.Get("/api/health/nodes", nodes);
  router.Get("/api/cluster/nodes", nodes);
}

}  // namespace airunway::api
