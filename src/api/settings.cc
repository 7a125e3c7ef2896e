#include "api/settings.h"

#include <boost/json.hpp>

#include "api/providers.h"
#include "http/json_body.h"
#include "services/deployments/providers.h"
#include "services/deployments/validation.h"

namespace airunway::api {

namespace json = boost::json;

void RegisterSettingsRoutes(http::Router& router, const ClusterApi& api) {
  router.Get("/api/settings", [api](http::Request&) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    json::object body{{"config", api.cluster->AppConfig()},
                      {"providers", ProviderInfos(api)},
                      {"auth", {{"enabled", api.auth_enabled}}}};
    return http::Response::Json(200, body);
  });

  router.AddAsync("PUT", "/api/settings", [api](http::Request& request) -> boost::asio::awaitable<http::Response> {
    if (!api.cluster) co_return *CacheUnavailable(api);
    auto parsed = http::ParseJsonBody(request);
    if (!parsed) co_return http::Response::Error(parsed.error());
    std::vector<json::object> issues;
    std::optional<std::string> default_namespace;
    if (!parsed->is_object()) {
      issues.push_back(json::object{{"expected", "object"},
                                    {"code", "invalid_type"},
                                    {"path", json::array{}},
                                    {"message", "Invalid input: expected object, received " +
                                                    std::string(parsed->is_array() ? "array" : "non-object")}});
    } else if (const auto* ns = parsed->as_object().if_contains("defaultNamespace")) {
      if (!ns->is_string()) {
        issues.push_back(json::object{{"expected", "string"},
                                      {"code", "invalid_type"},
                                      {"path", json::array{"defaultNamespace"}},
                                      {"message", "Invalid input: expected string"}});
      } else {
        // Unlike the reference, a namespace that could never hold a deployment is refused.
        services::deployments::CheckNamespace(ns->as_string(), json::array{"defaultNamespace"}, issues);
        default_namespace = std::string(ns->as_string());
      }
    }
    if (!issues.empty()) co_return ValidationFailed(issues);
    auto cluster = api.cluster;
    // By reference only (GCC 12 coroutine parameter bug); the frame outlives the call.
    auto written = co_await api.pool->Run([&] {
      return cluster->UpdateAppConfig([&](json::object& config) {
        if (default_namespace) config["defaultNamespace"] = *default_namespace;
      });
    });
    if (!written) co_return http::Response::Error(written.error());
    if (!*written) co_return http::Response::Error(written->error());
    co_return http::Response::Json(
        200, json::object{{"message", "Settings updated successfully"}, {"config", std::move(**written)}});
  });
}

}  // namespace airunway::api
