// Settings routes: GET and PUT /api/settings. Settings live in the ConfigMap
// airunway-system/airunway-config (key config.json); GET is served from the cluster cache, PUT
// writes through the cluster service with resourceVersion preconditions (the ConfigMap and its
// namespace are created on the first write — the reference failed that first write).
//
// Thread-safety: handlers are safe on any I/O thread.
#pragma once

#include "api/cluster.h"
#include "http/router.h"

namespace airunway::api {

void RegisterSettingsRoutes(http::Router& router, const ClusterApi& api);

}  // namespace airunway::api
