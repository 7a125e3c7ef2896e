// Health and cluster routes: GET /api/health, /api/health/version, /api/health/status and
// /api/cluster/status (the same document), as the reference serves them.
//
// The cluster status comes from a ClusterStatusSource so that this area does not know how the
// cluster is reached (not at all yet; later through the Kubernetes client's caches).
//
// Thread-safety: the registered handlers are safe on any I/O thread as long as the source is.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <string>

#include "http/router.h"

namespace airunway::api {

// Returns the ClusterStatusResponse document
// {connected, namespace, clusterName?, error?, providerInstallation}.
using ClusterStatusSource = std::function<boost::json::object()>;

// A source for a server that has no cluster configured: connected=false with `why`.
ClusterStatusSource NoClusterStatus(std::string default_namespace, std::string why);

void RegisterHealthRoutes(http::Router& router, ClusterStatusSource cluster_status);

}  // namespace airunway::api
