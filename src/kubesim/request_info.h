// RequestInfo: what a Kubernetes API request addresses, parsed from its method, path and
// query the way the real API server's request-info factory does it:
//
//   GET    /api/v1/namespaces/default/pods/web-0/log      → get  pods/log   ns=default name=web-0
//   GET    /apis/apps/v1/deployments?watch=true           → watch deployments (all namespaces)
//   DELETE /api/v1/namespaces/x                           → delete namespaces name=x
//   GET    /api/v1/namespaces/x/status                    → get  namespaces/status name=x
//   GET    /api/v1/namespaces/x/services/s:80/proxy/m/y   → get  services/proxy name=s:80 rest=m/y
//
// Thread-safety: pure functions over values.
#pragma once

#include <string>
#include <string_view>

namespace airunway::kubesim {

struct RequestInfo {
  bool resource_request = false;  // false for /version, /api, /apis, /openapi, /healthz, ...
  std::string verb;               // get, list, watch, create, update, patch, delete, deletecollection
  std::string group;              // "" for the core group
  std::string version;
  std::string namespace_name;
  std::string resource;
  std::string name;
  std::string subresource;
  std::string rest;               // what follows the subresource (proxy paths)
  bool legacy_watch_path = false; // /api/v1/watch/... form
};

// `watch_param` is the value of the `watch` query parameter (empty when absent).
RequestInfo ParseRequestInfo(std::string_view method, std::string_view path, std::string_view watch_param);

}  // namespace airunway::kubesim
