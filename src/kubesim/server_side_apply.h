// Server-side apply and field ownership (metadata.managedFields), as kube-apiserver does it
// for `kubectl apply --server-side` (PATCH, Content-Type application/apply-patch+yaml) and for
// ordinary writes.
//
// Every write records who set which fields. A managedFields entry is
//   {manager, operation: "Apply"|"Update", apiVersion, time, fieldsType: "FieldsV1",
//    fieldsV1: {"f:spec": {"f:replicas": {}}, ... list items as "k:{\"name\":\"x\"}"}}
// Apply replaces the manager's applied set with the fields of its configuration, removes the
// fields it applied before and no longer applies (unless someone else owns them too), and
// refuses with 409 Conflict to change a field another manager owns, unless forced. Update
// (ordinary create/update/patch) takes ownership of what it changed.
//
// Lists merge by the same MergeKeys table as strategic merge patch (built-in kinds) or the
// schema's list-type markers (custom resources); other lists are atomic.
//
// The caller owns the store: these functions compute the object to store and never write.
// An apply whose result equals the live object (`changed == false`) should not be stored, so
// that applying the same configuration twice does not bump resourceVersion.
//
// Thread-safety: free functions over values; safe from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "kubesim/api_status.h"
#include "kubesim/patch.h"

namespace airunway::kubesim {

// YAML (one document) to JSON, with YAML 1.1 scalar resolution as the Go YAML library does it
// (unquoted true/false/yes/no/on/off are booleans, numbers are numbers, ~ and null are null,
// quoted scalars stay strings). Map keys become strings. Failures are 400 BadRequest
// "error encoding patch: yaml: line N: ..." as the apiserver reports an apply body.
ApiResult<boost::json::value> YamlToJson(std::string_view yaml);

// An apply body: JSON or YAML, which must be one object. 400 otherwise.
ApiResult<boost::json::object> ParseApplyBody(std::string_view body);

// The PatchOptions checks the apiserver makes before patching: apply needs a fieldManager
// (422 `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for
// apply patch`); `force` is only for apply; a fieldManager is at most 128 characters.
std::optional<ApiStatus> CheckPatchOptions(PatchType type, std::string_view field_manager, bool force_given);

// The manager an ordinary write is recorded under: the fieldManager query parameter, else
// the User-Agent up to its first '/' ("kubectl/v1.30.0 (linux/amd64)" -> "kubectl").
std::string ManagerFromRequest(std::string_view field_manager, std::string_view user_agent);

struct ApplyOptions {
  std::string field_manager;  // required
  bool force = false;         // take ownership of conflicting fields
  std::string api_version;    // of the request path, e.g. "apps/v1"; the body must match
  // When true (resources with a status subresource), the main resource ignores `status` in
  // the configuration and field sets, as the apiserver's reset-fields strategy does.
  bool status_is_subresource = true;
  std::string subresource;    // "" or "status" when applying to /status
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct ApplyResult {
  boost::json::object object;  // the object to store (create when `created`)
  bool created = false;        // there was no live object
  bool changed = true;         // false when the result equals the live object
};

// Server-side apply of `config` to `live` (nullptr when the object does not exist).
// Failures: 400 (body version mismatch, managedFields in the body), 409 Conflict with
// FieldManagerConflict causes.
ApiResult<ApplyResult> ServerSideApply(const boost::json::object* live, const boost::json::object& config,
                                       const MergeKeys& keys, const ApplyOptions& options);

struct RecordUpdateOptions {
  std::string manager;      // from ManagerFromRequest
  std::string api_version;  // e.g. "apps/v1"
  std::string subresource;  // "" or "status"
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Records an ordinary write (create when `old` is nullptr, update/patch otherwise): returns
// `updated` with metadata.managedFields updated so that `manager` owns what it changed.
// managedFields sent by the client replace the stored ones, as with the real server; an
// empty list keeps the stored ones. An update of an object that has no managedFields stays
// untracked: tracking starts on create or at the first apply (which then attributes the
// existing fields to "before-first-apply").
boost::json::object RecordUpdate(const boost::json::object* old, boost::json::object updated,
                                 const MergeKeys& keys, const RecordUpdateOptions& options);

}  // namespace airunway::kubesim
