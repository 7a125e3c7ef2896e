// Discovery: the documents a Kubernetes API server answers on /version, /api, /api/v1,
// /apis, /apis/<group> and /apis/<group>/<version>, built from the Registry.
//
// Two forms exist. The legacy ("unaggregated") form is one document per path: APIVersions on
// /api, APIGroupList on /apis, APIGroup on /apis/<g>, APIResourceList on a group/version (with
// subresources listed as "pods/log" entries). The aggregated form (apidiscovery.k8s.io/v2,
// and v2beta1) answers /api and /apis with one APIGroupDiscoveryList carrying every group,
// version and resource, so a client learns everything in two requests. client-go (kubectl
// 1.32) asks for it first with
//   Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,
//           application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,
//           application/json
// and decides which form it got ONLY from the response Content-Type (media type
// application/json with parameters g, v and as, in any order). Sending the aggregated body
// with a plain application/json Content-Type would make it fail to decode.
//
// DiscoveryService is what the HTTP layer calls: Get(path, accept) returns the serialised body
// and the Content-Type to send. Bodies are cached per registry generation, so the common case
// is a map look-up and a string copy.
//
// Thread-safety: the free functions are pure. DiscoveryService is safe to call from any
// thread; its cache is guarded by a mutex. It keeps a reference to the Registry, which must
// outlive it.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubesim/api_status.h"
#include "kubesim/registry.h"

namespace airunway::kubesim {

// What /version reports. The defaults describe a 1.32 server, which is what makes the kubectl
// dispatcher on the build machines pick its 1.32 client.
struct VersionInfo {
  std::string major = "1";
  std::string minor = "32";
  std::string git_version = "v1.32.4";
  std::string git_commit = "0000000000000000000000000000000000000000";
  std::string git_tree_state = "clean";
  std::string build_date = "2025-04-22T00:00:00Z";
  std::string go_version = "go1.23.8";
  std::string compiler = "gc";
  std::string platform = "linux/amd64";
};

boost::json::object VersionDocument(const VersionInfo& info);

// One entry of an Accept header: "application/json;as=Table;v=v1;g=meta.k8s.io;q=0.9".
struct MediaRange {
  std::string type;     // "application/json", "*/*", ... (lower case)
  std::map<std::string, std::string> params;  // without q
  double q = 1.0;

  std::string_view Param(std::string_view name) const;
};

// Parses an Accept header; entries come back in preference order (q descending, header order
// among equals). An empty header yields one "*/*".
std::vector<MediaRange> ParseAccept(std::string_view header);

// True for application/json, application/*, */* without parameters that name another form.
bool AcceptsPlainJson(const MediaRange& range);

// A response body with its Content-Type.
struct Document {
  std::string body;
  std::string content_type;
  std::string etag;  // set for OpenAPI documents (their content hash); empty otherwise
};

enum class DiscoveryFormat { kLegacy, kAggregatedV2, kAggregatedV2Beta1 };

// Picks the form for /api or /apis from an Accept header; nullopt when nothing acceptable
// (the server answers 406).
std::optional<DiscoveryFormat> NegotiateDiscovery(std::string_view accept);

// Content-Type of a form ("application/json" for legacy).
std::string_view DiscoveryContentType(DiscoveryFormat format);

// Document builders over one registry snapshot.
boost::json::object ApiVersionsDocument(const RegistrySnapshot& snapshot,
                                        std::string_view server_address);
boost::json::object ApiGroupListDocument(const RegistrySnapshot& snapshot);
std::optional<boost::json::object> ApiGroupDocument(const RegistrySnapshot& snapshot,
                                                    std::string_view group);
std::optional<boost::json::object> ApiResourceListDocument(const RegistrySnapshot& snapshot,
                                                           std::string_view group,
                                                           std::string_view version);
// The aggregated list for /api (`core` true: the core group only) or /apis (named groups).
boost::json::object AggregatedDiscoveryDocument(const RegistrySnapshot& snapshot, bool core,
                                                DiscoveryFormat format);

class DiscoveryService {
 public:
  // `server_address` ("127.0.0.1:6443") fills APIVersions.serverAddressByClientCIDRs.
  explicit DiscoveryService(const Registry& registry, std::string server_address = {},
                            VersionInfo version = {});

  // True for the paths this service answers: /version, /api, /api/v1, /apis, /apis/<g>,
  // /apis/<g>/<v> (a trailing slash is ignored). The HTTP layer routes longer paths
  // (/api/v1/pods) elsewhere.
  static bool Handles(std::string_view path);

  // The document for `path` in the form `accept` asks for. Errors: 404 NotFound for an
  // unknown group or version, 406 NotAcceptable when no offered form is acceptable.
  ApiResult<Document> Get(std::string_view path, std::string_view accept) const;

 private:
  const Registry& registry_;
  std::string server_address_;
  std::string version_body_;

  mutable std::mutex mutex_;
  mutable std::uint64_t cached_generation_ = 0;           // guarded by mutex_
  mutable std::map<std::string, Document> cache_;         // guarded by mutex_
};

}  // namespace airunway::kubesim
