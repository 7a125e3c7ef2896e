#include "api/runtimes.h"

#include <boost/json.hpp>

#include "services/deployments/providers.h"

namespace airunway::api {

namespace json = boost::json;

void RegisterRuntimeRoutes(http::Router& router, const ClusterApi& api) {
  auto status = [api](http::Request&) {
    if (auto unavailable = CacheUnavailable(api)) return std::move(*unavailable);
    json::array runtimes;
    if (api.cluster->CrdInstalled(services::cluster::kModelDeploymentCrd)) {
      auto configs = api.cluster->ProviderConfigs();
      if (!configs) return http::Response::Json(500, json::object{{"runtimes", json::array{}}, {"error", configs.error().message}});
      // The CRD cache is cluster-wide, so is the pod cache.
      for (const auto& config : *configs) {
        runtimes.push_back(services::deployments::RuntimeStatusOf(*config, api.cluster->crds(), api.cluster->pods(),
                                                                  api.provider_staleness));
      }
    }
    return http::Response::Json(200, json::object{{"runtimes", std::move(runtimes)}});
  };
  router.Get("/api/runtimes/status", status);
  router.Get("/api/installation/runtimes/status", status);
}

}  // namespace airunway::api
