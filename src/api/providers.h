// Provider routes: GET /api/providers, /api/providers/{id} and the same under
// /api/settings/providers — ProviderInfo / ProviderDetails derived from the cached
// InferenceProviderConfig objects. An unknown id is a 404 (the reference answered 500).
//
// Thread-safety: handlers are safe on any I/O thread.
#pragma once

#include <boost/json/array.hpp>

#include "api/cluster.h"
#include "http/router.h"

namespace airunway::api {

// ProviderInfo of every cached InferenceProviderConfig (empty when the CRD is absent).
boost::json::array ProviderInfos(const ClusterApi& api);

void RegisterProviderRoutes(http::Router& router, const ClusterApi& api);

}  // namespace airunway::api
