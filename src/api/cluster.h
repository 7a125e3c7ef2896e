// Cluster-backed API areas: what they share, and the cluster routes themselves —
// GET /api/cluster, /api/cluster/version (the health documents again, as the reference mounts its
// health router twice), /api/health/nodes and /api/cluster/nodes, the GPU capacity
// (/api/installation/gpu-capacity and /detailed), and the ClusterStatusSource
// that feeds /api/health/status and /api/cluster/status.
//
// ClusterApi carries the dependencies every cluster-backed area (cluster, settings, providers,
// deployments, runtimes) registers with. Reads are answered on the I/O thread from the informer
// caches (no API-server request); writes and log reads go through the WorkerPool; log follows
// through the LogStreamer. Without a cluster (no kubeconfig) or before the caches have synced,
// cache-backed endpoints answer 503 with a message saying which.
//
// Thread-safety: handlers are safe on any I/O thread; ClusterApi is shared read-only.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/health.h"
#include "http/router.h"
#include "http/worker_pool.h"
#include "services/catalog/catalog.h"
#include "services/cluster/cluster_service.h"
#include "services/deployments/logs.h"

namespace airunway::api {

struct ClusterApi {
  std::shared_ptr<services::cluster::ClusterService> cluster;  // null: no cluster configured
  std::shared_ptr<http::WorkerPool> pool;                       // blocking Kubernetes calls
  std::shared_ptr<services::deployments::LogStreamer> logs;     // log follows (may be null)
  std::shared_ptr<const catalog::Catalog> catalog;              // model minimum GPUs (may be null)
  std::string no_cluster_reason;                                // why `cluster` is null
  std::string default_namespace = "airunway-system";            // DEFAULT_NAMESPACE
  bool auth_enabled = false;
  std::chrono::milliseconds provider_staleness{180'000};        // PROVIDER_HEALTH_STALENESS_MS
};

// 503 when there is no cluster or its caches have not synced; nullopt when reads may proceed.
std::optional<http::Response> CacheUnavailable(const ClusterApi& api);
// {"error":{"message","statusCode","reason"}} with the status of `code`.
http::Response ErrorResponse(common::ErrorCode code, std::string message, std::string reason = {});
// The 400 answer for zod-style issues.
http::Response ValidationFailed(const std::vector<boost::json::object>& issues);

// ClusterStatusResponse from the cluster service: connected, namespace (from settings),
// clusterName, error, providerInstallation, plus `simulated` (kubesim) and `synced`.
ClusterStatusSource ClusterStatusFrom(ClusterApi api);

void RegisterClusterRoutes(http::Router& router, const ClusterApi& api);

}  // namespace airunway::api
