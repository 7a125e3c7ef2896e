#include "api/routes.h"

#include "api/deployments.h"
#include "api/health.h"
#include "api/openapi.h"
#include "api/providers.h"
#include "api/runtimes.h"
#include "api/settings.h"

namespace airunway::api {

void RegisterApiRoutes(http::Router& router, const ApiDeps& deps) {
  RegisterHealthRoutes(router, ClusterStatusFrom(deps.cluster));
  RegisterClusterRoutes(router, deps.cluster);
  RegisterSettingsRoutes(router, deps.cluster);
  RegisterProviderRoutes(router, deps.cluster);
  RegisterDeploymentRoutes(router, deps.cluster);
  RegisterRuntimeRoutes(router, deps.cluster);
  RegisterModelsArea(router, deps.models);
  RegisterOpenApiRoutes(router);
}

}  // namespace airunway::api
