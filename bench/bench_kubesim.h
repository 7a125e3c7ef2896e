// kubesim set-up shared by the benchmark tools that run a simulated cluster in-process:
// installing the project's CRDs (deploy/crds) straight through the API server's object path.
//
// Thread-safety: call from the thread that owns the ApiServer, after Start.
#pragma once

#include <string>

#include "kubesim/api_server.h"

namespace airunway::bench {

// Creates every *.yaml CustomResourceDefinition in `dir` (ApiServer::CreateObject, no HTTP).
// Empty on success, else what failed (file and message).
std::string InstallCrds(kubesim::ApiServer& api, const std::string& dir);

// The store key of a served resource; throws nothing, aborts the tool with a message when
// the resource is not served (a CRD that did not register).
kubesim::StoreResource StoreResourceOrExit(kubesim::ApiServer& api, const std::string& group,
                                           const std::string& version, const std::string& resource);

}  // namespace airunway::bench
