// The whole REST API in one place: RegisterApiRoutes adds every area's route table (health,
// cluster, settings, providers, deployments, runtimes, models with OAuth and secrets, and the
// OpenAPI document) to a router. `airunway serve` and the integration tests both call it, so
// what the tests check — including that docs/openapi.json documents every route — is what
// the server serves.
//
// ApiDeps is a value: it holds shared pointers to the long-lived services (cluster service,
// worker pool, log streamer, Hub client, ...) owned by whoever builds it; the registered
// handlers keep copies of those pointers. ModelsAreaDeps::pool is a raw pointer and must
// outlive the server that serves the router.
//
// Thread-safety: call RegisterApiRoutes before the server starts; the registered handlers are
// safe on any I/O thread.
#pragma once

#include "api/cluster.h"
#include "api/models.h"
#include "http/router.h"

namespace airunway::api {

struct ApiDeps {
  ClusterApi cluster;     // cluster-backed areas; cluster.cluster may be null (no cluster: 503s)
  ModelsAreaDeps models;  // models, HuggingFace sign-in and token secrets
};

void RegisterApiRoutes(http::Router& router, const ApiDeps& deps);

}  // namespace airunway::api
