#include "api/deployments.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "common/json.h"
#include "http/json_body.h"
#include "services/catalog/gpu_fit.h"
#include "services/cluster/gpu_capacity.h"
#include "services/deployments/manifest.h"
#include "services/deployments/providers.h"
#include "services/deployments/status.h"
#include "services/deployments/status_cache.h"
#include "services/deployments/validation.h"

namespace airunway::api {

namespace json = boost::json;
namespace dep = services::deployments;
using common::ErrorCode;
using Issues = std::vector<json::object>;

namespace {

// The `namespace` query parameter (validated), or the configured default namespace.
std::string NamespaceOf(const http::Request& request, const ClusterApi& api, Issues& issues) {
  auto given = request.Query("namespace");
  if (!given || given->empty()) return api.cluster->DefaultNamespace();
  dep::CheckNamespace(*given, json::array{"namespace"}, issues);
  return std::string(*given);
}

void CheckName(std::string_view name, Issues& issues) { dep::CheckResourceName(name, json::array{"name"}, issues); }

json::object StatusOf(const ClusterApi& api, const json::object& md) {
  return dep::DeriveDeploymentStatus(api.cluster->pods(), md);
}

http::Response DeploymentNotFound(std::string message = "Deployment not found") {
  return ErrorResponse(ErrorCode::kNotFound, std::move(message));
}

// A Kubernetes failure keeps its own status; the message says what we were doing.
http::Response KubeFailure(std::string_view doing, const common::Error& error) {
  common::Error out = error;
  out.message = fmt::format("{}: {}", doing, error.message);
  return http::Response::Error(out);
}

// Validates the body, resolves namespace and KAITO images, checks the provider. On failure
// `failure` holds the answer.
struct Prepared {
  json::object config;
  std::string ns;
};
std::optional<Prepared> Prepare(const http::Request& request, const ClusterApi& api, http::Response& failure) {
  auto body = http::ParseJsonBody(request);
  if (!body) {
    failure = http::Response::Error(body.error());
    return std::nullopt;
  }
  Issues issues;
  auto config = dep::ValidateDeploymentConfig(*body, issues);
  if (!issues.empty()) {
    failure = ValidationFailed(issues);
    return std::nullopt;
  }
  std::string ns(common::StringAt(config, {"namespace"}));
  if (ns.empty()) ns = api.cluster->DefaultNamespace();
  dep::ResolveKaitoImage(config);
  std::string provider(common::StringAt(config, {"provider"}));
  if (!provider.empty()) {
    auto found = api.cluster->ProviderConfig(provider);
    if (!found) {
      failure = found.error().code == ErrorCode::kNotFound
                    ? ErrorResponse(ErrorCode::kNotFound, fmt::format("Provider not found: {}", provider))
                    : http::Response::Error(found.error());
      return std::nullopt;
    }
    if (auto unsupported = dep::UnsupportedBy(dep::ReadProvider(**found), config)) {
      failure = ErrorResponse(ErrorCode::kInvalid, *unsupported, "UnsupportedByProvider");
      return std::nullopt;
    }
  }
  return Prepared{std::move(config), std::move(ns)};
}

std::optional<int> IntAt(const json::object& object, std::initializer_list<std::string_view> path) {
  const auto* value = common::FindPath(object, path);
  if (value == nullptr || !value->is_int64()) return std::nullopt;
  return static_cast<int>(std::clamp<std::int64_t>(value->as_int64(), 0, 1'000'000));
}

// The reference's GPU fit check of a validated DeploymentConfig against the cached cluster
// capacity: warnings only, never a refusal (the scheduler is the judge; the cluster may grow).
// An unknown capacity (caches not synced) gives no warnings rather than wrong ones.
std::vector<std::string> GpuFitWarnings(const ClusterApi& api, const json::object& config) {
  catalog::GpuDemand demand;
  if (common::StringAt(config, {"computeType"}) == "cpu") {
    demand = catalog::CpuDemand();
  } else if (common::StringAt(config, {"mode"}) == "disaggregated") {
    demand = catalog::DisaggregatedDemand(IntAt(config, {"prefillReplicas"}), IntAt(config, {"prefillGpus"}),
                                          IntAt(config, {"decodeReplicas"}), IntAt(config, {"decodeGpus"}));
  } else {
    int node_count =
        IntAt(config, {"providerOverrides", "spec", "services", "VllmWorker", "multinode", "nodeCount"}).value_or(1);
    demand = catalog::AggregatedDemand(IntAt(config, {"replicas"}).value_or(1), IntAt(config, {"resources", "gpu"}),
                                       node_count);
  }
  if (demand.cpu_only) return {};
  auto snapshot = api.cluster->GpuCapacity();
  if (!snapshot) return {};
  const auto* capacity = &(*snapshot)->capacity;
  int model_min_gpus = 1;
  if (api.catalog) {
    if (const auto* entry = api.catalog->Find(common::StringAt(config, {"modelId"}))) {
      model_min_gpus = IntAt(*entry, {"minGpus"}).value_or(1);
    }
  }
  catalog::ClusterGpus cluster{
      .available = static_cast<int>(capacity->total - capacity->allocated),
      .max_contiguous = static_cast<int>(capacity->max_contiguous_available)};
  return catalog::CheckGpuFit(demand, cluster, model_min_gpus).warnings;
}

}  // namespace

void RegisterDeploymentRoutes(http::Router& router, const ClusterApi& api) {
  // Serialised statuses, reused while a deployment and its namespace's pods are unchanged.
  auto status_cache = std::make_shared<dep::DeploymentStatusCache>();
  router.Get("/api/deployments", [api, status_cache](http::Request& request) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    Issues issues;
    auto ns = request.Query("namespace");
    if (ns && !ns->empty()) dep::CheckNamespace(*ns, json::array{"namespace"}, issues);
    auto limit = dep::IntQuery(request.Query("limit"), "limit", 1, 100, issues);
    auto offset = dep::IntQuery(request.Query("offset"), "offset", 0, std::nullopt, issues);
    if (!issues.empty()) return ValidationFailed(issues);
    auto mds = api.cluster->ModelDeployments(ns ? *ns : std::string_view());
    if (!mds) return http::Response::Error(mds.error());
    auto fragments = status_cache->Fragments(api.cluster->pods(), *mds);
    // Newest first (one ISO format, so text order is time order).
    std::vector<const dep::StatusFragment*> order;
    order.reserve(fragments.size());
    for (const auto& fragment : fragments) order.push_back(fragment.get());
    std::stable_sort(order.begin(), order.end(),
                     [](const auto* a, const auto* b) { return a->created_at > b->created_at; });
    auto total = static_cast<std::int64_t>(order.size());
    std::int64_t first = std::min(offset.value_or(0), total);
    std::int64_t end = limit ? std::min(total, first + *limit) : total;
    json::object pagination{{"total", total},
                            {"limit", limit.value_or(total)},
                            {"offset", offset.value_or(0)},
                            {"hasMore", end < total}};
    // {"deployments":[...],"pagination":{...}}, joined from the serialised statuses.
    std::size_t size = 64;
    for (std::int64_t i = first; i < end; ++i) size += order[static_cast<std::size_t>(i)]->json.size() + 1;
    std::string body;
    body.reserve(size);
    body += R"({"deployments":[)";
    for (std::int64_t i = first; i < end; ++i) {
      if (i > first) body += ',';
      body += order[static_cast<std::size_t>(i)]->json;
    }
    body += R"(],"pagination":)";
    body += json::serialize(pagination);
    body += '}';
    return http::Response::Text(200, std::move(body), "application/json");
  });

  router.AddAsync("POST", "/api/deployments", [api](http::Request& request) -> boost::asio::awaitable<http::Response> {
    if (auto unavailable = CacheUnavailable(api)) co_return std::move(*unavailable);
    http::Response failure;
    auto prepared = Prepare(request, api, failure);
    if (!prepared) co_return failure;
    auto manifest = dep::BuildManifest(prepared->config, prepared->ns);
    auto warnings = GpuFitWarnings(api, prepared->config);
    auto cluster = api.cluster;
    std::string ns = prepared->ns;
    // Capture by reference only: GCC 12 mishandles coroutine parameters with non-trivial
    // destructors, and this frame outlives the pooled call anyway.
    auto created = co_await api.pool->Run([&] {
      return cluster->client().Create(services::cluster::kModelDeployments, ns, manifest);
    });
    if (!created) co_return http::Response::Error(created.error());
    if (!*created) co_return KubeFailure("Failed to create deployment", created->error());
    json::object body{{"message", "Deployment created successfully"},
                      {"name", common::StringAt(prepared->config, {"name"})},
                      {"namespace", prepared->ns}};
    if (!warnings.empty()) body["warnings"] = json::array(warnings.begin(), warnings.end());
    co_return http::Response::Json(201, std::move(body));
  });

  router.Post("/api/deployments/preview", [api](http::Request& request) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    http::Response failure;
    auto prepared = Prepare(request, api, failure);
    if (!prepared) return failure;
    dep::ApplyStorageDefaults(prepared->config);
    return http::Response::Json(200, dep::ResourcesDocument(dep::BuildManifest(prepared->config, prepared->ns)));
  });

  router.Get("/api/deployments/-/pvcs", [api](http::Request& request) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    Issues issues;
    auto ns = request.Query("namespace");
    if (!ns) {
      issues.push_back(json::object{{"expected", "string"},
                                    {"code", "invalid_type"},
                                    {"path", json::array{"namespace"}},
                                    {"message", "Invalid input: expected string, received undefined"}});
    } else {
      dep::CheckNamespace(*ns, json::array{"namespace"}, issues);
    }
    if (!issues.empty()) return ValidationFailed(issues);
    auto pvcs = api.cluster->pvcs().List(*ns);
    if (!pvcs) return http::Response::Error(pvcs.error());
    json::array out;
    for (const auto& pvc : *pvcs) {
      std::string_view name = common::StringAt(*pvc, {"metadata", "name"});
      if (name.empty()) continue;
      std::string_view phase = common::StringAt(*pvc, {"status", "phase"});
      std::string_view capacity = common::StringAt(*pvc, {"status", "capacity", "storage"});
      if (capacity.empty()) capacity = common::StringAt(*pvc, {"spec", "resources", "requests", "storage"});
      out.push_back(json::object{{"name", name},
                                 {"status", phase.empty() ? "Unknown" : phase},
                                 {"storageClass", common::StringAt(*pvc, {"spec", "storageClassName"})},
                                 {"capacity", capacity}});
    }
    return http::Response::Json(200, json::object{{"pvcs", std::move(out)}});
  });

  // Resolves {name} and namespace and finds the deployment in the cache; on failure `out` is
  // the answer.
  auto find = [api](http::Request& request, http::Response& out, std::string not_found) -> kube::ObjectPtr {
    if (auto unavailable = CacheUnavailable(api)) {
      out = std::move(*unavailable);
      return nullptr;
    }
    Issues issues;
    std::string name(request.Param("name"));
    CheckName(name, issues);
    std::string ns = NamespaceOf(request, api, issues);
    if (!issues.empty()) {
      out = ValidationFailed(issues);
      return nullptr;
    }
    auto md = api.cluster->ModelDeployment(ns, name);
    if (!md) {
      out = md.error().code == ErrorCode::kNotFound ? DeploymentNotFound(std::move(not_found))
                                                   : http::Response::Error(md.error());
      return nullptr;
    }
    return *md;
  };

  router.Get("/api/deployments/:name", [api, find](http::Request& request) {
    http::Response out;
    auto md = find(request, out, "Deployment not found");
    if (!md) return out;
    return http::Response::Json(200, StatusOf(api, *md));
  });

  router.Get("/api/deployments/:name/manifest", [find](http::Request& request) {
    http::Response out;
    auto md = find(request, out, "Deployment manifest not found");
    if (!md) return out;
    return http::Response::Json(200, dep::ResourcesDocument(*md));
  });

  router.AddAsync("DELETE", "/api/deployments/:name",
                  [api](http::Request& request) -> boost::asio::awaitable<http::Response> {
    if (!api.cluster) co_return *CacheUnavailable(api);
    Issues issues;
    std::string name(request.Param("name"));
    CheckName(name, issues);
    std::string ns = NamespaceOf(request, api, issues);
    if (!issues.empty()) co_return ValidationFailed(issues);
    auto cluster = api.cluster;
    auto deleted = co_await api.pool->Run([&] {
      return cluster->client().Delete(services::cluster::kModelDeployments, ns, name);
    });
    if (!deleted) co_return http::Response::Error(deleted.error());
    if (!*deleted) {
      if (deleted->error().code == ErrorCode::kNotFound) {
        co_return DeploymentNotFound(fmt::format("Deployment '{}' not found in namespace '{}'", name, ns));
      }
      co_return KubeFailure("Failed to delete deployment", deleted->error());
    }
    co_return http::Response::Json(200, json::object{{"message", "Deployment deleted successfully"}});
  });

  router.Get("/api/deployments/:name/pods", [api, find](http::Request& request) {
    http::Response out;
    auto md = find(request, out, "Deployment not found");
    if (!md) return out;
    json::array pods;
    for (const auto& pod : dep::DiscoverPods(api.cluster->pods(), common::StringAt(*md, {"metadata", "namespace"}),
                                             common::StringAt(*md, {"metadata", "name"}))) {
      pods.push_back(dep::PodStatusOf(*pod));
    }
    return http::Response::Json(200, json::object{{"pods", std::move(pods)}});
  });

  router.Get("/api/deployments/:name/pending-reasons", [api, find](http::Request& request) {
    http::Response out;
    auto md = find(request, out, "Deployment not found");
    if (!md) return out;
    std::string ns(common::StringAt(*md, {"metadata", "namespace"}));
    kube::ObjectPtr pending;
    for (const auto& pod : dep::DiscoverPods(api.cluster->pods(), ns, common::StringAt(*md, {"metadata", "name"}))) {
      if (common::StringAt(*pod, {"status", "phase"}) == "Pending") {
        pending = pod;
        break;
      }
    }
    if (!pending) return http::Response::Json(200, json::object{{"reasons", json::array{}}});
    std::string_view pod_name = common::StringAt(*pending, {"metadata", "name"});
    std::vector<kube::ObjectPtr> events;
    if (auto listed = api.cluster->events().List(ns)) {
      for (const auto& event : *listed) {
        if (common::StringAt(*event, {"involvedObject", "name"}) == pod_name) events.push_back(event);
      }
    }
    return http::Response::Json(200, json::object{{"reasons", dep::PendingReasons(events)}});
  });

  router.AddAsync("GET", "/api/deployments/:name/logs",
                  [api, find](http::Request& request) -> boost::asio::awaitable<http::Response> {
    http::Response out;
    auto md = find(request, out, "Deployment not found");
    if (!md) co_return out;
    Issues issues;
    auto tail = dep::IntQuery(request.Query("tailLines"), "tailLines", 1, 10'000, issues);
    if (!issues.empty()) co_return ValidationFailed(issues);
    std::string ns(common::StringAt(*md, {"metadata", "namespace"}));
    std::string name(common::StringAt(*md, {"metadata", "name"}));
    auto pods = dep::DiscoverPods(api.cluster->pods(), ns, name);
    if (pods.empty()) {
      co_return http::Response::Json(
          200, json::object{{"logs", ""}, {"podName", ""}, {"message", "No pods found for this deployment"}});
    }
    std::string pod_name(request.Query("podName").value_or(""));
    kube::ObjectPtr pod = pods.front();
    if (!pod_name.empty()) {
      auto it = std::find_if(pods.begin(), pods.end(),
                             [&](const kube::ObjectPtr& p) { return common::StringAt(*p, {"metadata", "name"}) == pod_name; });
      if (it == pods.end()) {
        co_return ErrorResponse(ErrorCode::kBadRequest,
                                fmt::format("Pod '{}' is not part of deployment '{}'", pod_name, name));
      }
      pod = *it;
    }
    pod_name = std::string(common::StringAt(*pod, {"metadata", "name"}));
    auto requested_container = request.Query("container");
    kube::LogOptions options;
    options.container = requested_container && !requested_container->empty() ? std::string(*requested_container)
                                                                              : dep::DefaultLogContainer(*pod);
    options.tail_lines = tail.value_or(100);
    options.timestamps = request.Query("timestamps") == "true";

    if (request.Query("follow") == "true") {
      if (!api.logs) co_return ErrorResponse(ErrorCode::kUnavailable, "Log streaming is not available on this server");
      auto stream = api.logs->Follow(ns, pod_name, options);
      if (!stream) co_return http::Response::Error(stream.error());
      co_return http::Response::Streaming(200, *stream, "text/plain; charset=UTF-8");
    }
    auto cluster = api.cluster;
    auto logs = co_await api.pool->Run([&] { return cluster->client().Logs(ns, pod_name, options); });
    if (!logs) co_return http::Response::Error(logs.error());
    if (!*logs) {
      const auto& error = logs->error();
      if (error.code == ErrorCode::kNotFound) {
        co_return ErrorResponse(ErrorCode::kNotFound, fmt::format("Pod '{}' not found in namespace '{}'", pod_name, ns));
      }
      co_return KubeFailure(fmt::format("Failed to get logs for pod '{}'", pod_name), error);
    }
    json::object body{{"logs", dep::StripAnsi(**logs)}, {"podName", pod_name}};
    if (requested_container && !requested_container->empty()) body["container"] = options.container;
    co_return http::Response::Json(200, body);
  });
}

}  // namespace airunway::api
