// Patches as kube-apiserver applies them to a stored object: JSON merge patch (RFC 7386),
// JSON patch (RFC 6902) and strategic merge patch for built-in kinds, plus the checks the
// apiserver makes before it looks at a patch (content type, body is JSON).
//
// Everything here is a pure function over Boost.JSON values: no I/O, no store. The HTTP layer
// maps a PATCH request onto these functions and wraps the result in the store's update.
// Failures come back as the ApiStatus the real server sends (400 BadRequest for a patch it
// cannot decode, 422 for a JSON patch that does not apply, 415 for a patch type the resource
// does not accept).
//
// MergeKeys is the table that tells strategic merge patch (and server-side apply) how to merge
// a list: by a key field ("containers" by "name"), as a set of primitives ("finalizers"), or
// not at all (replace). It is an immutable value once built.
//
// Thread-safety: free functions over values; MergeKeys is safe to share once constructed.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kubesim/api_status.h"

namespace airunway::kubesim {

// How a list field is merged.
enum class ListStrategy {
  kReplace,     // atomic: the patch's list replaces the stored one
  kMergeByKey,  // list of objects merged item by item, matched by `keys`
  kMergeSet,    // list of primitives merged as a set (e.g. metadata.finalizers)
};

struct ListRule {
  ListStrategy strategy = ListStrategy::kReplace;
  // For kMergeByKey: the key fields; items match when all of them are equal (most lists have
  // one key, a custom resource's list-map-keys may have several).
  std::vector<std::string> keys;
  // Used instead of `keys` when no item carries keys[0]: the generic "ports" rule merges
  // container ports by "containerPort" and service ports by "port".
  std::vector<std::string> fallback_keys;
};

// Table of list merge rules. Paths are dotted field names from the object root with list
// indices left out: a container's env is "spec.template.spec.containers.env".
class MergeKeys {
 public:
  // Only the generic rules (by the list's field name, whatever the path).
  MergeKeys();

  // Rules for a built-in kind (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
  // CronJob, Service, ConfigMap, Secret, Namespace, Node, ...), with the generic rules as a
  // fallback. An unknown kind gets the generic rules.
  static MergeKeys ForKind(std::string_view kind);

  // Rules for a custom resource, from the x-kubernetes-list-type / x-kubernetes-list-map-keys
  // markers of its openAPIV3Schema (as server-side apply uses them). No generic fallback:
  // lists without markers are atomic, as for the real server.
  static MergeKeys FromSchema(const boost::json::object& open_api_v3_schema);

  // The rule for the list at `path`. Exact path first, then the generic rule by the last
  // path segment, then kReplace.
  ListRule Lookup(std::string_view path) const;

  void AddPath(std::string path, ListRule rule);

 private:
  std::map<std::string, ListRule, std::less<>> by_path_;
  std::map<std::string, ListRule, std::less<>> by_field_;
  bool generic_ = true;
};

// The patch types the apiserver knows, by Content-Type.
enum class PatchType { kJson, kMerge, kStrategicMerge, kApply, kUnknown };

// Maps a Content-Type header (parameters such as "; charset=utf-8" ignored) to a patch type.
PatchType PatchTypeFromContentType(std::string_view content_type);

// 415 UnsupportedMediaType unless the resource accepts `type`. Custom resources do not accept
// strategic merge patch; built-in resources accept all four. The message lists the accepted
// media types as the real server does.
ApiResult<PatchType> CheckPatchType(std::string_view content_type, bool custom_resource);

// Parses a json/merge/strategic patch body: 400 "invalid JSON patch" when it is not JSON.
ApiResult<boost::json::value> ParsePatchBody(std::string_view body);

// RFC 7386. A patch that is not a JSON object gives 400 "Invalid JSON Patch".
ApiResult<boost::json::object> ApplyMergePatch(const boost::json::object& target,
                                               const boost::json::value& patch);

// RFC 6902. A patch that is not an array of operation objects gives 400 BadRequest (the Go
// decoder's message); an operation that does not apply (missing path, failing test, unknown
// op) gives the apiserver's generic 422 "the server rejected our request due to an error in
// our request". More than 10000 operations give 413.
ApiResult<boost::json::value> ApplyJsonPatch(const boost::json::value& target,
                                             const boost::json::value& patch);

// application/strategic-merge-patch+json for built-in kinds. Supports null deletion,
// `$patch: replace|delete|merge` in maps and list items, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` (accepted; stored order is
// kept and the directive never reaches the result).
ApiResult<boost::json::object> ApplyStrategicMergePatch(const boost::json::object& target,
                                                        const boost::json::object& patch,
                                                        const MergeKeys& keys);

// ---- value helpers (shared by patch, structural schema and server-side apply) ----

// JSON equality with numbers compared by value (1 == 1.0), as decoded Go values compare.
bool JsonEqual(const boost::json::value& a, const boost::json::value& b);

// RFC 7386 merge of one value into another (null members of `patch` delete).
boost::json::value MergePatchValue(const boost::json::value& target, const boost::json::value& patch);

// Go's fmt renderings that apiserver messages are built with:
//   GoQuote("a\"b")  -> "\"a\\\"b\""   (strconv.Quote / %q)
//   GoFloat(1e6)     -> "1e+06"         (%v of a float64)
//   GoFormat(value)  -> %v of the decoded value: map[a:1 b:[x y]]
//   GoJson(value)    -> json.Marshal of the decoded value (map keys sorted)
std::string GoQuote(std::string_view s);
std::string GoFloat(double d);
std::string GoFormat(const boost::json::value& value);
std::string GoJson(const boost::json::value& value);
// Go's word for a JSON value's kind in decoding errors: "object", "array", "string", "bool",
// "null" or "number".
std::string_view GoJsonKind(const boost::json::value& value);

}  // namespace airunway::kubesim
