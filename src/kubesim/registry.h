// Registry: the set of resource types kubesim serves — the built-in Kubernetes types it
// simulates plus every served version of every CustomResourceDefinition added at run time.
//
// A ResourceType describes one (group, version, resource) the way discovery, OpenAPI and the
// table printer need it: names, scope, verbs, short names, categories, subresources, printer
// columns and (for CRDs) the structural schema.
//
// Ownership and thread-safety: the Registry owns an immutable RegistrySnapshot behind a
// shared_mutex. Readers take the current snapshot (a shared_ptr<const RegistrySnapshot>) and
// work on it without any lock; AddCrd/RemoveCrd build a new snapshot and swap it in under the
// exclusive lock, bumping the generation. A snapshot and the ResourceTypes it hands out never
// change, so they may be kept and shared across threads freely. Caches derived from the
// registry (discovery and OpenAPI documents) key on Generation().
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kubesim/api_status.h"

namespace airunway::kubesim {

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;

  bool operator==(const GroupVersionKind&) const = default;
};

// A subresource as discovery lists it ("pods/log"). The response kind may belong to another
// group/version (deployments/scale answers autoscaling/v1 Scale).
struct Subresource {
  std::string name;  // "status", "scale", "log", ...
  GroupVersionKind response_kind;
  std::vector<std::string> verbs;
};

// additionalPrinterColumns of a CRD version (built-in types print through table.cc code).
struct PrinterColumn {
  std::string name;
  std::string type;  // integer, number, string, boolean, date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;
};

// spec.versions[].subresources.scale of a CRD.
struct ScaleSubresource {
  std::string spec_replicas_path;
  std::string status_replicas_path;
  std::string label_selector_path;  // empty when the CRD sets none
};

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<Subresource> subresources;
  std::vector<PrinterColumn> printer_columns;  // CRDs only, defaulted to Age when empty
  std::optional<ScaleSubresource> scale;        // CRDs only
  boost::json::value schema;                    // CRDs: openAPIV3Schema; built-ins: null
  bool served = true;
  bool storage = true;
  bool is_crd = false;
  std::string crd_name;               // "<plural>.<group>" for CRDs
  std::string storage_version_hash;   // opaque; what discovery reports

  // "v1" for the core group, "<group>/<version>" otherwise.
  std::string GroupVersion() const;
  GroupVersionKind Gvk() const { return {group, version, kind}; }
  bool HasVerb(std::string_view verb) const;
  const Subresource* FindSubresource(std::string_view name) const;
};

// One API group with its served versions, preferred (highest priority) first.
struct ApiGroupInfo {
  std::string name;  // "" for the core group
  std::vector<std::string> versions;
};

// An immutable view of the registry at one generation.
class RegistrySnapshot {
 public:
  RegistrySnapshot(std::uint64_t generation,
                   std::vector<std::shared_ptr<const ResourceType>> types);

  std::uint64_t generation() const { return generation_; }
  // Every served type, in discovery order (groups in registration order, built-ins first).
  const std::vector<std::shared_ptr<const ResourceType>>& types() const { return types_; }

  std::shared_ptr<const ResourceType> Find(std::string_view group, std::string_view version,
                                           std::string_view resource) const;
  std::shared_ptr<const ResourceType> FindByKind(std::string_view group, std::string_view version,
                                                 std::string_view kind) const;
  // Types of one group/version in discovery order; empty when the group/version is unknown.
  std::vector<std::shared_ptr<const ResourceType>> ForGroupVersion(std::string_view group,
                                                                   std::string_view version) const;
  // Groups in discovery order; the core group ("") first.
  const std::vector<ApiGroupInfo>& groups() const { return groups_; }
  const ApiGroupInfo* FindGroup(std::string_view name) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  std::uint64_t generation_;
  std::vector<std::shared_ptr<const ResourceType>> types_;
  std::map<Key, std::shared_ptr<const ResourceType>, std::less<>> by_resource_;
  std::map<Key, std::shared_ptr<const ResourceType>, std::less<>> by_kind_;
  std::vector<ApiGroupInfo> groups_;
};

// What AddCrd decided about a CRD: the status the API server stores for it and the types it
// now serves (empty when its names conflict with types already served).
struct CrdAdmission {
  boost::json::object status;  // {conditions, acceptedNames, storedVersions}
  std::vector<std::shared_ptr<const ResourceType>> types;
  bool established = false;
};

class Registry {
 public:
  // A registry serving the built-in types (see registry.cc for the list).
  Registry();
  // Empty registry; for tests of CRD handling in isolation.
  struct EmptyTag {};
  explicit Registry(EmptyTag);

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  std::shared_ptr<const RegistrySnapshot> Snapshot() const;
  std::uint64_t Generation() const { return Snapshot()->generation(); }

  std::shared_ptr<const ResourceType> Find(std::string_view group, std::string_view version,
                                           std::string_view resource) const {
    return Snapshot()->Find(group, version, resource);
  }
  std::shared_ptr<const ResourceType> FindByKind(std::string_view group, std::string_view version,
                                                 std::string_view kind) const {
    return Snapshot()->FindByKind(group, version, kind);
  }

  // Adds (or replaces, when a CRD of the same metadata.name is present) the served versions
  // of a CustomResourceDefinition object (apiextensions.k8s.io/v1 JSON). Fails with 422 Invalid
  // when required fields are missing or malformed. When the names conflict with another type
  // the CRD is not served and the returned status says NamesAccepted=False, as the real
  // naming controller does. The CRD's own `status` (on an update) keeps its storedVersions and
  // the transition times of unchanged conditions; `now` stamps new transitions.
  ApiResult<CrdAdmission> AddCrd(const boost::json::value& crd,
                                 std::chrono::system_clock::time_point now);
  // Removes every type of the CRD `name` ("<plural>.<group>"). False when it was not served.
  bool RemoveCrd(std::string_view name);

 private:
  void Publish(std::vector<std::shared_ptr<const ResourceType>> types);  // holds mutex_

  mutable std::shared_mutex mutex_;
  std::shared_ptr<const RegistrySnapshot> snapshot_;  // guarded by mutex_
};

// Orders Kubernetes version strings as the API server does: GA before beta before alpha,
// higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1), then non-Kubernetes
// version strings alphabetically. Returns true when `a` has higher priority than `b`.
bool VersionHigherPriority(std::string_view a, std::string_view b);

// Parses the structural parts of a CRD into ResourceTypes (one per served version) without
// registering them. Exposed for validation by other parts and for tests.
ApiResult<std::vector<ResourceType>> ResourceTypesFromCrd(const boost::json::value& crd);

// The discovery storageVersionHash for a group/version/kind: base64 of the first 8 bytes of
// the SHA-256 of "<group>/<version>/<kind>".
std::string StorageVersionHash(std::string_view group, std::string_view version,
                               std::string_view kind);

}  // namespace airunway::kubesim
