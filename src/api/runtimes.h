// Runtime routes: GET /api/runtimes/status and /api/installation/runtimes/status — every
// registered provider with its installation status (CRDs, operator pods) and shim health, all
// from the cluster caches. Empty while the ModelDeployment CRD is not installed.
//
// Thread-safety: handlers are safe on any I/O thread.
#pragma once

#include "api/cluster.h"
#include "http/router.h"

namespace airunway::api {

void RegisterRuntimeRoutes(http::Router& router, const ClusterApi& api);

}  // namespace airunway::api
