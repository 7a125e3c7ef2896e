// Deployment routes (reference §5.4, without chat and metrics):
//   GET    /api/deployments                      list (namespace?, limit?, offset?) from the cache
//   POST   /api/deployments                      validate, check the provider, create (201)
//   POST   /api/deployments/preview              the ModelDeployment that would be created
//   GET    /api/deployments/-/pvcs               PVCs of a namespace (for the storage picker)
//   GET    /api/deployments/{name}               DeploymentStatus
//   GET    /api/deployments/{name}/manifest      the stored ModelDeployment
//   DELETE /api/deployments/{name}
//   GET    /api/deployments/{name}/pods          PodStatus of its pods (label selectors)
//   GET    /api/deployments/{name}/pending-reasons   from the first pending pod's Warning events
//   GET    /api/deployments/{name}/logs          podName?, container?, tailLines?, timestamps?,
//                                                 follow=true streams until the client leaves
// Kubernetes errors keep their status (409 exists, 404 namespace missing, 422 invalid, 403);
// the reference turned them into 500.
//
// Thread-safety: handlers are safe on any I/O thread.
#pragma once

#include "api/cluster.h"
#include "http/router.h"

namespace airunway::api {

void RegisterDeploymentRoutes(http::Router& router, const ClusterApi& api);

}  // namespace airunway::api
