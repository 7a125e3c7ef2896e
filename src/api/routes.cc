#include "api/routes.h"

#include "api/deployments.h"
#include "api/health.h"
#include "api/openapi.h"
#include "api/providers.h"
#include "api/runtimes.h"
#include "api/settings.h"

namespace airunway::api {

void RegisterApiRoutes(http::Router& router, const ApiDeps& deps) {
  ClusterApi cluster = deps.cluster;
  if (!cluster.catalog) cluster.catalog = deps.models.catalog;  // the deploy fit check's model minimum
  RegisterHealthRoutes(router, ClusterStatusFrom(cluster));
  RegisterClusterRoutes(router, cluster);
  RegisterSettingsRoutes(router, cluster);
  RegisterProviderRoutes(router, cluster);
  RegisterDeploymentRoutes(router, cluster);
  RegisterRuntimeRoutes(router, cluster);
  RegisterModelsArea(router, deps.models);
  RegisterOpenApiRoutes(router);
}

}  // namespace airunway::api
