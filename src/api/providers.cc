#include "api/providers.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include "services/deployments/providers.h"

namespace airunway::api {

namespace json = boost::json;

json::array ProviderInfos(const ClusterApi& api) {
  json::array out;
  auto configs = api.cluster->ProviderConfigs();
  if (!configs) return out;
  for (const auto& config : *configs) out.push_back(services::deployments::ReadProvider(*config).info);
  return out;
}

void RegisterProviderRoutes(http::Router& router, const ClusterApi& api) {
  auto list = [api](http::Request&) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    return http::Response::Json(200, json::object{{"providers", ProviderInfos(api)}});
  };
  auto detail = [api](http::Request& request) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    std::string id(request.Param("id"));
    auto config = api.cluster->ProviderConfig(id);
    if (!config) {
      if (config.error().code == common::ErrorCode::kNotFound) {
        return ErrorResponse(common::ErrorCode::kNotFound, fmt::format("Provider not found: {}", id));
      }
      return http::Response::Error(config.error());
    }
    return http::Response::Json(200, services::deployments::ProviderDetails(**config));
  };
  router.Get("/api/providers", list);
  router.Get("/api/settings/providers", list);
  router.Get("/api/providers/:id", detail);
  router.Get("/api/settings/providers/:id", detail);
}

}  // namespace airunway::api
