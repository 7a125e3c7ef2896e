#include "kubesim/registry.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "common/json.h"
#include "common/time.h"

namespace airunway::kubesim {

namespace json = boost::json;
using common::GetArray;
using common::GetBool;
using common::GetObject;
using common::GetString;

// ---------------------------------------------------------------------------------------------
// ResourceType

std::string ResourceType::GroupVersion() const {
  return group.empty() ? version : group + "/" + version;
}

bool ResourceType::HasVerb(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

const Subresource* ResourceType::FindSubresource(std::string_view name) const {
  for (const auto& s : subresources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string StorageVersionHash(std::string_view group, std::string_view version,
                               std::string_view kind) {
  std::string input = fmt::format("{}/{}/{}", group, version, kind);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char encoded[16] = {};
  int n = EVP_EncodeBlock(encoded, digest, 8);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

// ---------------------------------------------------------------------------------------------
// Version priority

namespace {

struct KubeVersion {
  bool valid = false;
  int major = 0;
  int stability = 0;  // 2 GA, 1 beta, 0 alpha
  int minor = 0;
};

KubeVersion ParseKubeVersion(std::string_view v) {
  KubeVersion out;
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1]))) return out;
  std::size_t i = 1;
  int major = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    major = major * 10 + (v[i] - '0');
    ++i;
  }
  if (v[1] == '0') return out;  // "v0..." is not a Kubernetes version
  out.major = major;
  if (i == v.size()) {
    out.valid = true;
    out.stability = 2;
    return out;
  }
  std::string_view rest = v.substr(i);
  if (rest.starts_with("alpha")) {
    out.stability = 0;
    rest.remove_prefix(5);
  } else if (rest.starts_with("beta")) {
    out.stability = 1;
    rest.remove_prefix(4);
  } else {
    return out;
  }
  if (rest.empty() || rest[0] == '0') return out;
  int minor = 0;
  for (char c : rest) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return out;
    minor = minor * 10 + (c - '0');
  }
  out.minor = minor;
  out.valid = true;
  return out;
}

}  // namespace

bool VersionHigherPriority(std::string_view a, std::string_view b) {
  KubeVersion va = ParseKubeVersion(a);
  KubeVersion vb = ParseKubeVersion(b);
  if (va.valid != vb.valid) return va.valid;
  if (!va.valid) return a < b;
  if (va.stability != vb.stability) return va.stability > vb.stability;
  if (va.major != vb.major) return va.major > vb.major;
  return va.minor > vb.minor;
}

// ---------------------------------------------------------------------------------------------
// Snapshot

RegistrySnapshot::RegistrySnapshot(std::uint64_t generation,
                                   std::vector<std::shared_ptr<const ResourceType>> types)
    : generation_(generation), types_(std::move(types)) {
  for (const auto& t : types_) {
    by_resource_.emplace(Key{t->group, t->version, t->resource}, t);
    by_kind_.emplace(Key{t->group, t->version, t->kind}, t);
    auto it = std::find_if(groups_.begin(), groups_.end(),
                           [&](const ApiGroupInfo& g) { return g.name == t->group; });
    if (it == groups_.end()) {
      groups_.push_back(ApiGroupInfo{t->group, {}});
      it = groups_.end() - 1;
    }
    if (std::find(it->versions.begin(), it->versions.end(), t->version) == it->versions.end()) {
      it->versions.push_back(t->version);
    }
  }
  for (auto& g : groups_) {
    std::sort(g.versions.begin(), g.versions.end(),
              [](const std::string& a, const std::string& b) { return VersionHigherPriority(a, b); });
  }
}

std::shared_ptr<const ResourceType> RegistrySnapshot::Find(std::string_view group,
                                                           std::string_view version,
                                                           std::string_view resource) const {
  auto it = by_resource_.find(Key{group, version, resource});
  return it == by_resource_.end() ? nullptr : it->second;
}

std::shared_ptr<const ResourceType> RegistrySnapshot::FindByKind(std::string_view group,
                                                                 std::string_view version,
                                                                 std::string_view kind) const {
  auto it = by_kind_.find(Key{group, version, kind});
  return it == by_kind_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const ResourceType>> RegistrySnapshot::ForGroupVersion(
    std::string_view group, std::string_view version) const {
  std::vector<std::shared_ptr<const ResourceType>> out;
  for (const auto& t : types_) {
    if (t->group == group && t->version == version) out.push_back(t);
  }
  return out;
}

const ApiGroupInfo* RegistrySnapshot::FindGroup(std::string_view name) const {
  for (const auto& g : groups_) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Built-in types

namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kCreateOnly = {"create"};
const std::vector<std::string> kStatusVerbs = {"get", "patch", "update"};
const std::vector<std::string> kProxyVerbs = {"create", "delete", "get", "patch", "update"};

struct BuiltinSpec {
  const char* group;
  const char* resource;
  const char* singular;
  const char* kind;
  bool namespaced;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<Subresource> subresources;
};

Subresource Sub(const char* name, std::string kind, std::vector<std::string> verbs) {
  return Subresource{name, {"", "", std::move(kind)}, std::move(verbs)};
}
Subresource SubIn(const char* name, const char* group, const char* version, const char* kind,
                  std::vector<std::string> verbs) {
  return Subresource{name, {group, version, kind}, std::move(verbs)};
}

// The built-in types, grouped as a real 1.32 API server lists them (core group first, then
// the named groups in the server's priority order; resources alphabetically inside a group).
// A response kind with an empty version belongs to the resource's own group/version.
std::vector<BuiltinSpec> BuiltinSpecs() {
  const std::vector<std::string> all = {"all"};
  const Subresource status = Sub("status", "", kStatusVerbs);
  const Subresource scale = SubIn("scale", "autoscaling", "v1", "Scale", kStatusVerbs);
  std::vector<std::string> ns_verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  return {
      {"", "configmaps", "configmap", "ConfigMap", true, kAllVerbs, {"cm"}, {}, {}},
      {"", "endpoints", "endpoints", "Endpoints", true, kAllVerbs, {"ep"}, {}, {}},
      {"", "events", "event", "Event", true, kAllVerbs, {"ev"}, {}, {}},
      {"", "namespaces", "namespace", "Namespace", false, ns_verbs, {"ns"}, {},
       {Sub("finalize", "", {"update"}), status}},
      {"", "nodes", "node", "Node", false, kAllVerbs, {"no"}, {},
       {Sub("proxy", "NodeProxyOptions", kProxyVerbs), status}},
      {"", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true,
       kAllVerbs, {"pvc"}, {}, {status}},
      {"", "pods", "pod", "Pod", true, kAllVerbs, {"po"}, all,
       {Sub("attach", "PodAttachOptions", {"create", "get"}), Sub("binding", "Binding", kCreateOnly),
        Sub("ephemeralcontainers", "", kStatusVerbs),
        SubIn("eviction", "policy", "v1", "Eviction", kCreateOnly),
        Sub("exec", "PodExecOptions", {"create", "get"}), Sub("log", "", {"get"}),
        Sub("portforward", "PodPortForwardOptions", {"create", "get"}),
        Sub("proxy", "PodProxyOptions", kProxyVerbs), status}},
      {"", "secrets", "secret", "Secret", true, kAllVerbs, {}, {}, {}},
      {"", "serviceaccounts", "serviceaccount", "ServiceAccount", true, kAllVerbs, {"sa"}, {},
       {SubIn("token", "authentication.k8s.io", "v1", "TokenRequest", kCreateOnly)}},
      {"", "services", "service", "Service", true, kAllVerbs, {"svc"}, all,
       {Sub("proxy", "ServiceProxyOptions", kProxyVerbs), status}},

      {"apps", "daemonsets", "daemonset", "DaemonSet", true, kAllVerbs, {"ds"}, all, {status}},
      {"apps", "deployments", "deployment", "Deployment", true, kAllVerbs, {"deploy"}, all,
       {scale, status}},
      {"apps", "replicasets", "replicaset", "ReplicaSet", true, kAllVerbs, {"rs"}, all,
       {scale, status}},
      {"apps", "statefulsets", "statefulset", "StatefulSet", true, kAllVerbs, {"sts"}, all,
       {scale, status}},

      {"events.k8s.io", "events", "event", "Event", true, kAllVerbs, {"ev"}, {}, {}},

      {"authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview",
       false, kCreateOnly, {}, {}, {}},
      {"authentication.k8s.io", "tokenreviews", "tokenreview", "TokenReview", false, kCreateOnly,
       {}, {}, {}},

      {"authorization.k8s.io", "localsubjectaccessreviews", "localsubjectaccessreview",
       "LocalSubjectAccessReview", true, kCreateOnly, {}, {}, {}},
      {"authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview",
       "SelfSubjectAccessReview", false, kCreateOnly, {}, {}, {}},
      {"authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview",
       "SelfSubjectRulesReview", false, kCreateOnly, {}, {}, {}},
      {"authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview",
       "SubjectAccessReview", false, kCreateOnly, {}, {}, {}},

      {"batch", "cronjobs", "cronjob", "CronJob", true, kAllVerbs, {"cj"}, all, {status}},
      {"batch", "jobs", "job", "Job", true, kAllVerbs, {}, all, {status}},

      {"rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
       "ClusterRoleBinding", false, kAllVerbs, {}, {}, {}},
      {"rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, kAllVerbs,
       {}, {}, {}},
      {"rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, kAllVerbs,
       {}, {}, {}},
      {"rbac.authorization.k8s.io", "roles", "role", "Role", true, kAllVerbs, {}, {}, {}},

      {"apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
       "CustomResourceDefinition", false, kAllVerbs, {"crd", "crds"}, {"api-extensions"},
       {status}},

      {"coordination.k8s.io", "leases", "lease", "Lease", true, kAllVerbs, {}, {}, {}},
  };
}

std::vector<std::shared_ptr<const ResourceType>> BuiltinTypes() {
  std::vector<std::shared_ptr<const ResourceType>> out;
  for (auto& spec : BuiltinSpecs()) {
    auto t = std::make_shared<ResourceType>();
    t->group = spec.group;
    t->version = "v1";
    t->resource = spec.resource;
    t->singular = spec.singular;
    t->kind = spec.kind;
    t->list_kind = std::string(spec.kind) + "List";
    t->namespaced = spec.namespaced;
    t->verbs = std::move(spec.verbs);
    t->short_names = std::move(spec.short_names);
    t->categories = std::move(spec.categories);
    for (auto& sub : spec.subresources) {
      if (sub.response_kind.version.empty()) {
        sub.response_kind.group = t->group;
        sub.response_kind.version = t->version;
      }
      if (sub.response_kind.kind.empty()) sub.response_kind.kind = t->kind;
    }
    t->subresources = std::move(spec.subresources);
    // Review and other create-only types are never stored, so real servers give them no hash.
    if (t->HasVerb("get")) t->storage_version_hash = StorageVersionHash(t->group, "v1", t->kind);
    out.push_back(std::move(t));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CRD parsing

StatusCause Required(std::string field) {
  return StatusCause{"FieldValueRequired", "Required value", std::move(field)};
}

StatusCause InvalidValue(std::string field, std::string_view value, std::string_view detail) {
  return StatusCause{"FieldValueInvalid", fmt::format("Invalid value: \"{}\": {}", value, detail),
                     std::move(field)};
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> StringList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* a = GetArray(o, key)) {
    for (const auto& v : *a) {
      if (v.is_string()) out.emplace_back(v.get_string());
    }
  }
  return out;
}

}  // namespace

ApiResult<std::vector<ResourceType>> ResourceTypesFromCrd(const json::value& crd) {
  static const json::object kEmpty;
  const json::object& root = crd.is_object() ? crd.get_object() : kEmpty;
  const json::object& meta = GetObject(root, "metadata") ? *GetObject(root, "metadata") : kEmpty;
  const json::object& spec = GetObject(root, "spec") ? *GetObject(root, "spec") : kEmpty;
  const json::object& names = GetObject(spec, "names") ? *GetObject(spec, "names") : kEmpty;

  std::string name(GetString(meta, "name").value_or(""));
  std::string group(GetString(spec, "group").value_or(""));
  std::string plural(GetString(names, "plural").value_or(""));
  std::string kind(GetString(names, "kind").value_or(""));
  std::string singular(GetString(names, "singular").value_or(""));
  std::string list_kind(GetString(names, "listKind").value_or(""));
  std::string scope(GetString(spec, "scope").value_or(""));

  std::vector<StatusCause> causes;
  if (name.empty()) causes.push_back(Required("metadata.name"));
  if (group.empty()) causes.push_back(Required("spec.group"));
  if (plural.empty()) causes.push_back(Required("spec.names.plural"));
  if (kind.empty()) causes.push_back(Required("spec.names.kind"));
  if (scope.empty()) {
    causes.push_back(Required("spec.scope"));
  } else if (scope != "Namespaced" && scope != "Cluster") {
    causes.push_back(StatusCause{
        "FieldValueNotSupported",
        fmt::format("Unsupported value: \"{}\": supported values: \"Cluster\", \"Namespaced\"",
                    scope),
        "spec.scope"});
  }
  if (!name.empty() && !plural.empty() && !group.empty() && name != plural + "." + group) {
    causes.push_back(InvalidValue("metadata.name", name,
                                  "must be spec.names.plural+\".\"+spec.group"));
  }
  if (!plural.empty() && plural != ToLower(plural)) {
    causes.push_back(InvalidValue("spec.names.plural", plural, "must be lowercase"));
  }

  const json::array* versions = GetArray(spec, "versions");
  int storage_count = 0;
  if (versions == nullptr || versions->empty()) {
    causes.push_back(Required("spec.versions"));
  } else {
    for (std::size_t i = 0; i < versions->size(); ++i) {
      const auto& v = (*versions)[i];
      if (!v.is_object() || !GetString(v.get_object(), "name") ||
          GetString(v.get_object(), "name")->empty()) {
        causes.push_back(Required(fmt::format("spec.versions[{}].name", i)));
        continue;
      }
      if (GetBool(v.get_object(), "storage").value_or(false)) ++storage_count;
    }
    if (storage_count != 1) {
      causes.push_back(StatusCause{"FieldValueInvalid",
                                   "must have exactly one version marked as storage version",
                                   "spec.versions"});
    }
  }
  if (!causes.empty()) {
    return Invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, std::move(causes));
  }

  if (singular.empty()) singular = ToLower(kind);
  if (list_kind.empty()) list_kind = kind + "List";

  std::vector<ResourceType> out;
  for (const auto& vv : *versions) {
    const json::object& v = vv.get_object();
    if (!GetBool(v, "served").value_or(false)) continue;
    ResourceType t;
    t.group = group;
    t.version = std::string(*GetString(v, "name"));
    t.resource = plural;
    t.singular = singular;
    t.kind = kind;
    t.list_kind = list_kind;
    t.namespaced = scope == "Namespaced";
    t.verbs = kAllVerbs;
    t.short_names = StringList(names, "shortNames");
    t.categories = StringList(names, "categories");
    t.served = true;
    t.storage = GetBool(v, "storage").value_or(false);
    t.is_crd = true;
    t.crd_name = name;
    if (const json::object* schema = GetObject(v, "schema")) {
      if (const json::value* s = common::Find(*schema, "openAPIV3Schema")) t.schema = *s;
    }
    if (const json::object* subs = GetObject(v, "subresources")) {
      if (GetObject(*subs, "status")) {
        t.subresources.push_back(Subresource{"status", t.Gvk(), kStatusVerbs});
      }
      if (const json::object* sc = GetObject(*subs, "scale")) {
        t.subresources.push_back(
            Subresource{"scale", {"autoscaling", "v1", "Scale"}, kStatusVerbs});
        t.scale = ScaleSubresource{std::string(GetString(*sc, "specReplicasPath").value_or("")),
                                   std::string(GetString(*sc, "statusReplicasPath").value_or("")),
                                   std::string(GetString(*sc, "labelSelectorPath").value_or(""))};
      }
    }
    if (const json::array* cols = GetArray(v, "additionalPrinterColumns")) {
      for (const auto& c : *cols) {
        if (!c.is_object()) continue;
        const json::object& co = c.get_object();
        PrinterColumn pc;
        pc.name = std::string(GetString(co, "name").value_or(""));
        pc.type = std::string(GetString(co, "type").value_or("string"));
        pc.format = std::string(GetString(co, "format").value_or(""));
        pc.description = std::string(GetString(co, "description").value_or(""));
        pc.json_path = std::string(GetString(co, "jsonPath").value_or(""));
        pc.priority = static_cast<int>(common::GetInt(co, "priority").value_or(0));
        if (pc.name.empty() || pc.json_path.empty()) continue;
        t.printer_columns.push_back(std::move(pc));
      }
    }
    // The API server serves an Age column when a version defines no columns of its own.
    if (t.printer_columns.empty()) {
      t.printer_columns.push_back(PrinterColumn{
          "Age", "date", "",
          "CreationTimestamp is a timestamp representing the server time when this object was "
          "created.",
          ".metadata.creationTimestamp", 0});
    }
    // The hash follows the storage version: it changes only when storage moves.
    out.push_back(std::move(t));
  }
  std::string storage_version;
  for (const auto& vv : *versions) {
    if (GetBool(vv.get_object(), "storage").value_or(false)) {
      storage_version = std::string(*GetString(vv.get_object(), "name"));
    }
  }
  for (auto& t : out) t.storage_version_hash = StorageVersionHash(group, storage_version, kind);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Registry

Registry::Registry() {
  snapshot_ = std::make_shared<const RegistrySnapshot>(1, BuiltinTypes());
}

Registry::Registry(EmptyTag) {
  snapshot_ = std::make_shared<const RegistrySnapshot>(
      1, std::vector<std::shared_ptr<const ResourceType>>{});
}

std::shared_ptr<const RegistrySnapshot> Registry::Snapshot() const {
  std::shared_lock lock(mutex_);
  return snapshot_;
}

void Registry::Publish(std::vector<std::shared_ptr<const ResourceType>> types) {
  snapshot_ = std::make_shared<const RegistrySnapshot>(snapshot_->generation() + 1,
                                                       std::move(types));
}

namespace {

// Finds a name clash between `candidate` and an already served type of another CRD (or a
// built-in) in the same group. Returns {reason, message} of the NamesAccepted condition.
std::optional<std::pair<std::string, std::string>> NameConflict(
    const RegistrySnapshot& snapshot, const ResourceType& candidate) {
  for (const auto& t : snapshot.types()) {
    if (t->group != candidate.group) continue;
    if (t->is_crd && t->crd_name == candidate.crd_name) continue;
    if (t->resource == candidate.resource) {
      return std::make_pair(std::string("PluralConflict"),
                            fmt::format("\"{}\" is already in use", candidate.resource));
    }
    if (t->singular == candidate.singular) {
      return std::make_pair(std::string("SingularConflict"),
                            fmt::format("\"{}\" is already in use", candidate.singular));
    }
    for (const auto& s : candidate.short_names) {
      if (std::find(t->short_names.begin(), t->short_names.end(), s) != t->short_names.end()) {
        return std::make_pair(std::string("ShortNamesConflict"),
                              fmt::format("\"{}\" is already in use", s));
      }
    }
    if (t->kind == candidate.kind) {
      return std::make_pair(std::string("KindConflict"),
                            fmt::format("\"{}\" is already in use", candidate.kind));
    }
    if (t->list_kind == candidate.list_kind) {
      return std::make_pair(std::string("ListKindConflict"),
                            fmt::format("\"{}\" is already in use", candidate.list_kind));
    }
  }
  return std::nullopt;
}

// A condition, keeping the previous lastTransitionTime when its status did not change.
json::object Condition(const json::object* previous_status, std::string_view type,
                       std::string_view status, std::string_view reason, std::string_view message,
                       const std::string& now) {
  std::string when = now;
  if (previous_status != nullptr) {
    if (const json::array* conds = GetArray(*previous_status, "conditions")) {
      for (const auto& c : *conds) {
        if (!c.is_object()) continue;
        const auto& co = c.get_object();
        if (GetString(co, "type") == type && GetString(co, "status") == status) {
          if (auto t = GetString(co, "lastTransitionTime")) when = std::string(*t);
        }
      }
    }
  }
  return json::object{{"type", type},
                      {"status", status},
                      {"lastTransitionTime", when},
                      {"reason", reason},
                      {"message", message}};
}

}  // namespace

ApiResult<CrdAdmission> Registry::AddCrd(const json::value& crd,
                                         std::chrono::system_clock::time_point now) {
  auto parsed = ResourceTypesFromCrd(crd);
  if (!IsOk(parsed)) return std::get<ApiStatus>(std::move(parsed));
  auto& types = std::get<0>(parsed);

  const json::object& root = crd.get_object();
  const json::object* spec = GetObject(root, "spec");
  const json::object* names = GetObject(*spec, "names");
  const json::object* previous_status = GetObject(root, "status");
  std::string crd_name(*GetString(*GetObject(root, "metadata"), "name"));
  std::string stamp = common::FormatRfc3339Seconds(now);

  CrdAdmission admission;
  std::unique_lock lock(mutex_);
  std::optional<std::pair<std::string, std::string>> conflict;
  for (const auto& t : types) {
    if (!conflict) conflict = NameConflict(*snapshot_, t);
  }

  json::array conditions;
  if (conflict) {
    conditions.push_back(Condition(previous_status, "NamesAccepted", "False", conflict->first,
                                   conflict->second, stamp));
    conditions.push_back(Condition(previous_status, "Established", "False", "NotAccepted",
                                   "not all names are accepted", stamp));
  } else {
    conditions.push_back(Condition(previous_status, "NamesAccepted", "True", "NoConflicts",
                                   "no conflicts found", stamp));
    conditions.push_back(Condition(previous_status, "Established", "True",
                                   "InitialNamesAccepted", "the initial names have been accepted",
                                   stamp));
  }

  json::object accepted;
  if (!conflict) {
    accepted["plural"] = types.empty() ? json::string(*GetString(*names, "plural"))
                                       : json::string(types.front().resource);
    std::string kind(*GetString(*names, "kind"));
    accepted["singular"] = std::string(GetString(*names, "singular").value_or(""));
    if (accepted["singular"].get_string().empty()) accepted["singular"] = ToLower(kind);
    if (auto sn = StringList(*names, "shortNames"); !sn.empty()) {
      accepted["shortNames"] = json::array(sn.begin(), sn.end());
    }
    accepted["kind"] = kind;
    accepted["listKind"] = std::string(GetString(*names, "listKind").value_or(kind + "List"));
    if (auto cats = StringList(*names, "categories"); !cats.empty()) {
      accepted["categories"] = json::array(cats.begin(), cats.end());
    }
  } else if (previous_status != nullptr && GetObject(*previous_status, "acceptedNames")) {
    accepted = *GetObject(*previous_status, "acceptedNames");
  } else {
    accepted["plural"] = "";
    accepted["kind"] = "";
  }

  // storedVersions only grows: a version once used for storage stays listed until a user
  // removes it from the status.
  std::vector<std::string> stored;
  if (previous_status != nullptr) stored = StringList(*previous_status, "storedVersions");
  for (const auto& vv : *GetArray(*spec, "versions")) {
    const auto& v = vv.get_object();
    if (GetBool(v, "storage").value_or(false)) {
      std::string n(*GetString(v, "name"));
      if (std::find(stored.begin(), stored.end(), n) == stored.end()) stored.push_back(n);
    }
  }

  admission.status["conditions"] = std::move(conditions);
  admission.status["acceptedNames"] = std::move(accepted);
  admission.status["storedVersions"] = json::array(stored.begin(), stored.end());
  admission.established = !conflict;

  if (!conflict) {
    std::vector<std::shared_ptr<const ResourceType>> next;
    for (const auto& t : snapshot_->types()) {
      if (!(t->is_crd && t->crd_name == crd_name)) next.push_back(t);
    }
    // Keep the CRD's versions together and in priority order, so discovery lists the
    // preferred version first.
    std::sort(types.begin(), types.end(), [](const ResourceType& a, const ResourceType& b) {
      return VersionHigherPriority(a.version, b.version);
    });
    // CRD groups follow the built-in groups; a group already served keeps its place.
    std::vector<std::shared_ptr<const ResourceType>> added;
    for (auto& t : types) added.push_back(std::make_shared<const ResourceType>(std::move(t)));
    if (!added.empty()) {
      std::ptrdiff_t insert_at = std::ssize(next);
      for (std::ptrdiff_t i = 0; i < std::ssize(next); ++i) {
        if (next[static_cast<std::size_t>(i)]->group == added.front()->group) insert_at = i + 1;
      }
      next.insert(next.begin() + insert_at, added.begin(), added.end());
    }
    admission.types = added;
    Publish(std::move(next));
  }
  return admission;
}

bool Registry::RemoveCrd(std::string_view name) {
  std::unique_lock lock(mutex_);
  std::vector<std::shared_ptr<const ResourceType>> next;
  bool removed = false;
  for (const auto& t : snapshot_->types()) {
    if (t->is_crd && t->crd_name == name) {
      removed = true;
    } else {
      next.push_back(t);
    }
  }
  if (removed) Publish(std::move(next));
  return removed;
}

}  // namespace airunway::kubesim
