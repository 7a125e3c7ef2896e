// OpenAPI: the /openapi/v3 index, one OpenAPI 3.0 document per group/version, and a minimal
// /openapi/v2, built from the Registry.
//
// What kubectl 1.32 does with them (read from the kubectl, cli-runtime and client-go sources):
//
// * Validation. `kubectl apply/create/replace` default to --validate=strict. Before sending an
//   object, kubectl asks a "query param verifier" whether the server supports the
//   `fieldValidation` query parameter for the object's group/version/kind. The verifier
//   fetches GET /openapi/v3 (a map "paths" of "api/v1" / "apis/<g>/<v>" to
//   {"serverRelativeURL": "/openapi/v3/...?hash=..."}), then fetches that URL with
//   Accept: application/json, decodes it as an OpenAPI 3 document and walks every path item:
//   it takes the first PATCH operation whose "x-kubernetes-group-version-kind" extension (a
//   single {group, version, kind} object on operations — schemas carry a list) equals the
//   object's GVK, and reports support iff that operation's own `parameters` (not the path
//   item's) list one named "fieldValidation". Path items are visited in map order, so EVERY
//   PATCH operation that names a GVK (including status and scale subresources) must list it.
//   - Supported: kubectl skips client-side validation and sends ?fieldValidation=Strict; the
//     server rejects unknown or duplicate fields (422/400). This is the path we serve.
//   - Not supported (no PATCH operation, e.g. TokenReview, or a v1 List): kubectl validates
//     client-side against the OpenAPI v2 document (GET /openapi/v2 with the protobuf Accept
//     type). A missing kind in that document means "skip validation"; an error fetching it
//     fails the command. So /openapi/v2 must answer: we serve a valid, empty swagger 2.0
//     document (hand-encoded gnostic protobuf, or JSON when asked for JSON).
//   - Any other error from v3 (404 on /openapi/v3, undecodable document) makes kubectl fall
//     back to the v2 verifier, which looks for the same parameter in v2 paths; with our empty
//     v2 document that reports "unsupported", then client-side validation skips the kind.
//     Wrong-but-silent, so the v3 documents must decode.
//   If the GV is absent from the v3 index and the kind is a CRD (kubectl lists CRDs to
//   check), kubectl uses the core v1 Namespace PATCH operation as a stand-in. We list every
//   CRD group/version anyway.
//
// * Apply patches. Client-side `kubectl apply` of an existing object computes a three-way
//   patch. It first checks the v3 PATCH operation's requestBody content: only when it lists
//   "application/strategic-merge-patch+json" does kubectl compute a strategic merge patch
//   from the v3 schemas (patch merge keys from x-kubernetes-patch-merge-key etc.), printing a
//   warning if they do not describe the object. Otherwise it tries the v2 document (ours names
//   no kinds, so nothing happens), then its compiled-in Go types for built-in kinds (exactly
//   the real merge keys), and a JSON merge patch for anything else (CRDs). Our built-in
//   schemas are deliberately loose (top-level fields only), so our PATCH operations do NOT
//   advertise strategic-merge-patch: kubectl then uses its compiled-in types, which is both
//   silent and correct. The server still must accept strategic merge patches for built-ins.
//   CRDs advertise json-patch, merge-patch and apply-patch, as a real server does.
//
// * `kubectl explain` (bonus) reads the same v3 document, finds the schema whose
//   x-kubernetes-group-version-kind list contains the GVK and prints its description and
//   properties. Built-in kinds show top-level fields; CRDs show their full schema.
//
// * Caching. Documents are addressed by ?hash=<upper-case hex SHA-512 of the document>. The
//   hash (Document::etag) changes when the registry changes (a CRD added or removed). A real
//   server answers a request whose hash is stale with a 301 to the current URL and serves
//   hashed URLs with "Cache-Control: public, immutable"; kubectl keeps an on-disk HTTP cache,
//   so the HTTP layer should at least not mark a stale-hash answer immutable
//   (ServerRelativeUrl gives the current URL).
//
// Thread-safety: the free functions are pure. OpenApiService is safe from any thread; it
// rebuilds its cache (guarded by a mutex) when the registry generation changes. It keeps a
// reference to the Registry, which must outlive it.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "kubesim/api_status.h"
#include "kubesim/discovery.h"
#include "kubesim/registry.h"

namespace airunway::kubesim {

// "api/v1" or "apis/<group>/<version>": the key of a group/version in the v3 index.
std::string OpenApiGroupVersionPath(std::string_view group, std::string_view version);

// The components.schemas name of a kind: "io.k8s.api.apps.v1.Deployment" for built-ins,
// "<reversed group>.<version>.<Kind>" ("sh.kaito.v1alpha1.Workspace") for CRDs.
std::string OpenApiSchemaName(const ResourceType& type);
std::string OpenApiSchemaName(const GroupVersionKind& gvk);

// The OpenAPI 3.0 document of one group/version; nullopt when nothing is served there.
std::optional<boost::json::object> OpenApiV3Document(const RegistrySnapshot& snapshot,
                                                     std::string_view group,
                                                     std::string_view version,
                                                     std::string_view server_version);

// Upper-case hex SHA-512 of `text`.
std::string Sha512Hex(std::string_view text);

// The empty swagger 2.0 document as gnostic protobuf (openapi_v2.Document) bytes.
std::string OpenApiV2Protobuf(std::string_view server_version);

class OpenApiService {
 public:
  explicit OpenApiService(const Registry& registry, std::string server_version = "v1.32.4");

  // True for /openapi/v2, /openapi/v3 and /openapi/v3/<gv path>.
  static bool Handles(std::string_view path);

  // `path` may carry a query (?hash=...), which is ignored here. Errors: 404 NotFound for an
  // unknown group/version, 406 NotAcceptable when only protobuf v3 is acceptable.
  ApiResult<Document> Get(std::string_view path, std::string_view accept) const;

  // "/openapi/v3/apis/apps/v1?hash=..." for a gv path ("apis/apps/v1"); nullopt if unknown.
  std::optional<std::string> ServerRelativeUrl(std::string_view gv_path) const;

 private:
  struct Cache {
    std::uint64_t generation = 0;
    std::string index;
    std::map<std::string, Document, std::less<>> documents;  // by gv path
  };
  // The cache for the current generation, rebuilt when stale.
  std::shared_ptr<const Cache> Current() const;

  const Registry& registry_;
  std::string server_version_;
  std::string v2_protobuf_;
  std::string v2_json_;

  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Cache> cache_;  // guarded by mutex_
};

}  // namespace airunway::kubesim
