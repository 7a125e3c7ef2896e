#include "kubesim/openapi.h"

#include <boost/json/serialize.hpp>

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "common/json.h"

namespace airunway::kubesim {

namespace json = boost::json;

namespace {

constexpr std::string_view kMetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";
constexpr std::string_view kRefPrefix = "#/components/schemas/";

std::string Ref(std::string_view schema_name) {
  return std::string(kRefPrefix) + std::string(schema_name);
}

json::object RefSchema(std::string_view schema_name) {
  return json::object{{"$ref", Ref(schema_name)}};
}

// A property that refers to another schema, the way Kubernetes documents write it (allOf keeps
// room for a description next to the reference).
json::object AllOf(std::string_view schema_name, std::string_view description) {
  json::object o{{"allOf", json::array{RefSchema(schema_name)}}};
  if (!description.empty()) o["description"] = description;
  o["default"] = json::object{};
  return o;
}

json::object Str(std::string_view description) {
  return json::object{{"type", "string"}, {"description", description}};
}

json::object Loose(std::string_view description) {
  json::object o{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  if (!description.empty()) o["description"] = description;
  return o;
}

json::object LooseArray(std::string_view description) {
  return json::object{{"type", "array"},
                      {"description", description},
                      {"items", Loose("")}};
}

json::object StringMap(std::string_view description) {
  return json::object{{"type", "object"},
                      {"description", description},
                      {"additionalProperties", json::object{{"type", "string"}, {"default", ""}}}};
}

json::object GvkObject(const GroupVersionKind& gvk) {
  return json::object{{"group", gvk.group}, {"kind", gvk.kind}, {"version", gvk.version}};
}

const char* kApiVersionDoc =
    "APIVersion defines the versioned schema of this representation of an object.";
const char* kKindDoc = "Kind is a string value representing the REST resource this object "
                       "represents. In CamelCase.";

// ---- shared meta/v1 schemas --------------------------------------------------------------

json::object ObjectMetaSchema() {
  json::object owner_ref{
      {"type", "object"},
      {"description", "OwnerReference identifies an owning object."},
      {"required", json::array{"apiVersion", "kind", "name", "uid"}},
      {"properties",
       json::object{{"apiVersion", Str("API version of the referent.")},
                    {"kind", Str("Kind of the referent.")},
                    {"name", Str("Name of the referent.")},
                    {"uid", Str("UID of the referent.")},
                    {"controller", json::object{{"type", "boolean"},
                                                {"description", "True if this reference points to the managing controller."}}},
                    {"blockOwnerDeletion",
                     json::object{{"type", "boolean"},
                                  {"description", "If true, the owner cannot be deleted before this object."}}}}},
      {"x-kubernetes-map-type", "atomic"}};
  json::object props{
      {"name", Str("Name must be unique within a namespace.")},
      {"generateName", Str("Prefix the server uses to generate a unique name when name is empty.")},
      {"namespace", Str("Namespace defines the space within which each name must be unique.")},
      {"uid", Str("UID is the unique in time and space value for this object.")},
      {"resourceVersion", Str("An opaque value that represents the internal version of this object.")},
      {"generation", json::object{{"type", "integer"}, {"format", "int64"},
                                  {"description", "A sequence number representing a specific generation of the desired state."}}},
      {"creationTimestamp", json::object{{"type", "string"}, {"format", "date-time"},
                                         {"description", "The server time when this object was created."}}},
      {"deletionTimestamp", json::object{{"type", "string"}, {"format", "date-time"},
                                         {"description", "The time after which this resource will be deleted."}}},
      {"deletionGracePeriodSeconds", json::object{{"type", "integer"}, {"format", "int64"},
                                                  {"description", "Seconds allowed for graceful termination."}}},
      {"labels", StringMap("Map of string keys and values that can be used to organize and categorize objects.")},
      {"annotations", StringMap("Unstructured key value map stored with a resource.")},
      {"finalizers", json::object{{"type", "array"},
                                  {"description", "Must be empty before the object is deleted from the registry."},
                                  {"items", json::object{{"type", "string"}, {"default", ""}}},
                                  {"x-kubernetes-list-type", "set"},
                                  {"x-kubernetes-patch-strategy", "merge"}}},
      {"ownerReferences", json::object{{"type", "array"},
                                       {"description", "List of objects depended by this object."},
                                       {"items", std::move(owner_ref)},
                                       {"x-kubernetes-list-map-keys", json::array{"uid"}},
                                       {"x-kubernetes-list-type", "map"},
                                       {"x-kubernetes-patch-merge-key", "uid"},
                                       {"x-kubernetes-patch-strategy", "merge"}}},
      {"managedFields", LooseArray("Maps workflow-id and version to the set of fields managed by that workflow.")},
  };
  return json::object{{"type", "object"},
                      {"description", "ObjectMeta is metadata that all persisted resources must have."},
                      {"properties", std::move(props)}};
}

json::object ListMetaSchema() {
  return json::object{
      {"type", "object"},
      {"description", "ListMeta describes metadata that synthetic resources must have."},
      {"properties",
       json::object{{"continue", Str("Set when more results are available.")},
                    {"remainingItemCount", json::object{{"type", "integer"}, {"format", "int64"}}},
                    {"resourceVersion", Str("The version of the list.")}}}};
}

// ---- built-in kinds -------------------------------------------------------------------------

// Top-level fields of a built-in kind besides apiVersion/kind/metadata. Nested content is left
// open: the OpenAPI documents only need to name kinds and their operations (see openapi.h).
json::object TopLevelProperties(const GroupVersionKind& gvk) {
  const std::string& k = gvk.kind;
  if (k == "ConfigMap") {
    return json::object{
        {"data", StringMap("Configuration data.")},
        {"binaryData", json::object{{"type", "object"}, {"description", "Binary configuration data."},
                                    {"additionalProperties", json::object{{"type", "string"}, {"format", "byte"}}}}},
        {"immutable", json::object{{"type", "boolean"}, {"description", "If true, data cannot be updated."}}}};
  }
  if (k == "Secret") {
    return json::object{
        {"data", json::object{{"type", "object"}, {"description", "Secret data, base64 encoded."},
                              {"additionalProperties", json::object{{"type", "string"}, {"format", "byte"}}}}},
        {"stringData", StringMap("Write-only convenience field for non-binary secret data.")},
        {"type", Str("Used to facilitate programmatic handling of secret data.")},
        {"immutable", json::object{{"type", "boolean"}, {"description", "If true, data cannot be updated."}}}};
  }
  if (k == "Event" && gvk.group.empty()) {
    return json::object{
        {"involvedObject", Loose("The object that this event is about.")},
        {"reason", Str("Short, machine understandable reason for the transition.")},
        {"message", Str("A human-readable description of the status of this operation.")},
        {"source", Loose("The component reporting this event.")},
        {"firstTimestamp", json::object{{"type", "string"}, {"format", "date-time"}}},
        {"lastTimestamp", json::object{{"type", "string"}, {"format", "date-time"}}},
        {"count", json::object{{"type", "integer"}, {"format", "int32"}}},
        {"type", Str("Type of this event (Normal, Warning).")},
        {"eventTime", json::object{{"type", "string"}, {"format", "date-time"}}},
        {"series", Loose("Data about the Event series this event represents.")},
        {"action", Str("What action was taken/failed regarding the object.")},
        {"related", Loose("Optional secondary object for more complex actions.")},
        {"reportingComponent", Str("Name of the controller that emitted this Event.")},
        {"reportingInstance", Str("ID of the controller instance.")}};
  }
  if (k == "Event") {
    return json::object{
        {"action", Str("What action was taken/failed regarding the regarding object.")},
        {"deprecatedCount", json::object{{"type", "integer"}, {"format", "int32"}}},
        {"deprecatedFirstTimestamp", json::object{{"type", "string"}, {"format", "date-time"}}},
        {"deprecatedLastTimestamp", json::object{{"type", "string"}, {"format", "date-time"}}},
        {"deprecatedSource", Loose("")},
        {"eventTime", json::object{{"type", "string"}, {"format", "date-time"}}},
        {"note", Str("A human-readable description of the status of this operation.")},
        {"reason", Str("Why the action was taken.")},
        {"regarding", Loose("The object this Event is about.")},
        {"related", Loose("Optional secondary object for more complex actions.")},
        {"reportingController", Str("Name of the controller that emitted this Event.")},
        {"reportingInstance", Str("ID of the controller instance.")},
        {"series", Loose("")},
        {"type", Str("Type of this event (Normal, Warning).")}};
  }
  if (k == "Endpoints") return json::object{{"subsets", LooseArray("The set of all endpoints.")}};
  if (k == "ServiceAccount") {
    return json::object{
        {"secrets", LooseArray("Secrets allowed to be used by pods running as this service account.")},
        {"imagePullSecrets", LooseArray("References to secrets for pulling images.")},
        {"automountServiceAccountToken", json::object{{"type", "boolean"}}}};
  }
  if (k == "Role" || k == "ClusterRole") {
    json::object o{{"rules", LooseArray("PolicyRules for this role.")}};
    if (k == "ClusterRole") o["aggregationRule"] = Loose("How to build the rules of this role.");
    return o;
  }
  if (k == "RoleBinding" || k == "ClusterRoleBinding") {
    return json::object{{"roleRef", Loose("The role being granted.")},
                        {"subjects", LooseArray("References to the objects the role applies to.")}};
  }
  if (k == "Binding") return json::object{{"target", Loose("The target object to bind to.")}};
  if (k == "Eviction") return json::object{{"deleteOptions", Loose("DeleteOptions may be provided.")}};
  if (k == "Scale") {
    return json::object{
        {"spec", json::object{{"type", "object"},
                              {"properties", json::object{{"replicas", json::object{{"type", "integer"}, {"format", "int32"}}}}}}},
        {"status", json::object{{"type", "object"},
                                {"properties", json::object{{"replicas", json::object{{"type", "integer"}, {"format", "int32"}}},
                                                            {"selector", json::object{{"type", "string"}}}}}}}};
  }
  return json::object{{"spec", Loose("The desired state of the object.")},
                      {"status", Loose("The most recently observed state of the object.")}};
}

json::object KindSchema(const GroupVersionKind& gvk, json::object properties,
                        std::string_view description) {
  properties["apiVersion"] = Str(kApiVersionDoc);
  properties["kind"] = Str(kKindDoc);
  properties["metadata"] = AllOf(std::string(kMetaPrefix) + "ObjectMeta", "Standard object's metadata.");
  return json::object{{"type", "object"},
                      {"description", description},
                      {"properties", std::move(properties)},
                      {"x-kubernetes-group-version-kind", json::array{GvkObject(gvk)}}};
}

json::object ListSchema(const ResourceType& t) {
  return json::object{
      {"type", "object"},
      {"description", fmt::format("{} is a list of {}.", t.list_kind, t.kind)},
      {"required", json::array{"items"}},
      {"properties",
       json::object{{"apiVersion", Str(kApiVersionDoc)},
                    {"kind", Str(kKindDoc)},
                    {"items", json::object{{"type", "array"}, {"items", RefSchema(OpenApiSchemaName(t))}}},
                    {"metadata", AllOf(std::string(kMetaPrefix) + "ListMeta", "Standard list metadata.")}}},
      {"x-kubernetes-group-version-kind",
       json::array{GvkObject({t.group, t.version, t.list_kind})}}};
}

// A CRD's schema as the API server publishes it: the openAPIV3Schema with apiVersion, kind and
// metadata fixed up, tagged with its GVK.
json::object CrdSchema(const ResourceType& t) {
  json::object schema;
  if (t.schema.is_object()) schema = t.schema.get_object();
  if (schema.empty()) {
    schema["type"] = "object";
    schema["x-kubernetes-preserve-unknown-fields"] = true;
  }
  json::object props;
  if (auto* p = schema.if_contains("properties"); p != nullptr && p->is_object()) props = p->get_object();
  props["apiVersion"] = Str(kApiVersionDoc);
  props["kind"] = Str(kKindDoc);
  props["metadata"] = AllOf(std::string(kMetaPrefix) + "ObjectMeta", "Standard object's metadata.");
  schema["properties"] = std::move(props);
  schema["x-kubernetes-group-version-kind"] = json::array{GvkObject(t.Gvk())};
  return schema;
}

// ---- operations -----------------------------------------------------------------------------

json::object QueryParam(std::string_view name, std::string_view type, std::string_view description) {
  return json::object{{"name", name},
                      {"in", "query"},
                      {"description", description},
                      {"schema", json::object{{"type", type}, {"uniqueItems", true}}}};
}

json::array WriteParams(bool with_force) {
  json::array p{
      QueryParam("dryRun", "string",
                 "When present, indicates that modifications should not be persisted. Valid "
                 "value: All."),
      QueryParam("fieldManager", "string", "A name associated with the actor or entity making these changes."),
      QueryParam("fieldValidation", "string",
                 "How the server treats unknown or duplicate fields in the request body: Ignore, "
                 "Warn or Strict (reject the request with an error)."),
  };
  if (with_force) {
    p.push_back(QueryParam("force", "boolean", "Force apply requests: re-acquire conflicting fields owned by other managers."));
  }
  return p;
}

json::array ListParams() {
  return json::array{
      QueryParam("allowWatchBookmarks", "boolean", "Requests watch events with type BOOKMARK."),
      QueryParam("continue", "string", "The continue token of a previous paginated list."),
      QueryParam("fieldSelector", "string", "A selector to restrict the returned objects by their fields."),
      QueryParam("labelSelector", "string", "A selector to restrict the returned objects by their labels."),
      QueryParam("limit", "integer", "The maximum number of responses to return for a list call."),
      QueryParam("resourceVersion", "string", "Constrains which resource versions a request may be served from."),
      QueryParam("resourceVersionMatch", "string", "How resourceVersion is applied to list calls."),
      QueryParam("sendInitialEvents", "boolean", "Start a watch with synthetic events of the current state."),
      QueryParam("timeoutSeconds", "integer", "Timeout for the list/watch call."),
      QueryParam("watch", "boolean", "Watch for changes to the described resources."),
  };
}

json::object PathParam(std::string_view name, std::string_view description) {
  return json::object{{"name", name},
                      {"in", "path"},
                      {"description", description},
                      {"required", true},
                      {"schema", json::object{{"type", "string"}, {"uniqueItems", true}}}};
}

json::object JsonContent(std::string_view schema_name) {
  json::object schema = RefSchema(schema_name);
  return json::object{{"application/json", json::object{{"schema", schema}}},
                      {"application/yaml", json::object{{"schema", schema}}}};
}

json::object Responses(std::initializer_list<std::string_view> codes, std::string_view schema_name) {
  json::object r;
  for (std::string_view code : codes) {
    std::string_view text = code == "200" ? "OK" : code == "201" ? "Created" : "Accepted";
    r[code] = json::object{{"description", text}, {"content", JsonContent(schema_name)}};
  }
  r["401"] = json::object{{"description", "Unauthorized"}};
  return r;
}

std::string Pascal(std::string_view s) {
  std::string out;
  bool upper = true;
  for (char c : s) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string GroupPascal(std::string_view group) {
  if (group.empty()) return "Core";
  std::string_view g = group;
  if (g.ends_with(".k8s.io")) g.remove_suffix(7);
  return Pascal(g);
}

struct OpContext {
  const ResourceType* type;
  GroupVersionKind gvk;      // the operation's GVK (a subresource may answer another kind)
  std::string schema_name;   // request/response schema
  std::string tag;
  std::string id_suffix;     // "NamespacedPod", "NamespacedDeploymentStatus", ...
};

json::object Operation(const OpContext& c, std::string_view verb, std::string_view action,
                       std::string_view description, json::array params) {
  json::object op{{"tags", json::array{c.tag}},
                  {"description", description},
                  {"operationId", std::string(verb) + GroupPascal(c.type->group) +
                                      Pascal(c.type->version) + c.id_suffix}};
  if (!params.empty()) op["parameters"] = std::move(params);
  op["x-kubernetes-action"] = action;
  op["x-kubernetes-group-version-kind"] = GvkObject(c.gvk);
  return op;
}

json::object RequestBody(json::object content) {
  return json::object{{"content", std::move(content)}, {"required", true}};
}

json::object PatchOperation(const OpContext& c, bool is_crd) {
  json::object patch_schema = RefSchema(std::string(kMetaPrefix) + "Patch");
  json::object content{{"application/apply-patch+yaml", json::object{{"schema", patch_schema}}},
                       {"application/json-patch+json", json::object{{"schema", patch_schema}}},
                       {"application/merge-patch+json", json::object{{"schema", patch_schema}}}};
  (void)is_crd;  // built-ins deliberately omit strategic-merge-patch too (see openapi.h)
  json::object op = Operation(c, "patch", "patch",
                              fmt::format("partially update the specified {}", c.gvk.kind),
                              WriteParams(true));
  op["requestBody"] = RequestBody(std::move(content));
  op["responses"] = Responses({"200", "201"}, c.schema_name);
  return op;
}

struct PathBuilder {
  json::object paths;
  std::set<std::string> extra_schemas;  // external kinds referenced by subresources

  void AddResource(const ResourceType& t) {
    std::string prefix = t.group.empty() ? "/api/" + t.version
                                         : "/apis/" + t.group + "/" + t.version;
    std::string ns_part = t.namespaced ? "/namespaces/{namespace}" : "";
    std::string collection = prefix + ns_part + "/" + t.resource;
    std::string item = collection + "/{name}";
    std::string scope = t.namespaced ? "Namespaced" : "";
    std::string tag = (t.group.empty() ? std::string("core") : std::string(GroupPascal(t.group))) +
                      "_" + t.version;
    for (char& ch : tag) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    OpContext base{&t, t.Gvk(), OpenApiSchemaName(t), tag, scope + t.kind};
    json::array common_params{json::object{{"name", "pretty"},
                                           {"in", "query"},
                                           {"description", "If 'true', the output is pretty printed."},
                                           {"schema", json::object{{"type", "string"}, {"uniqueItems", true}}}}};
    json::array item_params = common_params;
    item_params.insert(item_params.begin(), PathParam("name", fmt::format("name of the {}", t.kind)));
    json::array collection_params = common_params;
    if (t.namespaced) {
      json::object ns = PathParam("namespace", "object name and auth scope, such as for teams and projects");
      item_params.insert(item_params.begin() + 1, ns);
      collection_params.insert(collection_params.begin(), ns);
    }

    // Collection: list, create, deletecollection.
    json::object coll;
    if (t.HasVerb("list")) {
      OpContext lc = base;
      lc.gvk = t.Gvk();
      json::object op = Operation(lc, "list", "list", fmt::format("list or watch objects of kind {}", t.kind), ListParams());
      op["responses"] = Responses({"200"}, OpenApiSchemaName(GroupVersionKind{t.group, t.version, t.list_kind}));
      coll["get"] = std::move(op);
    }
    if (t.HasVerb("create")) {
      json::object op = Operation(base, "create", "post", fmt::format("create a {}", t.kind), WriteParams(false));
      op["requestBody"] = RequestBody(JsonContent(base.schema_name));
      op["responses"] = Responses({"200", "201", "202"}, base.schema_name);
      coll["post"] = std::move(op);
    }
    if (t.HasVerb("deletecollection")) {
      json::object op = Operation(base, "deletecollection", "deletecollection",
                                  fmt::format("delete collection of {}", t.kind), ListParams());
      op["responses"] = Responses({"200"}, base.schema_name);
      coll["delete"] = std::move(op);
    }
    if (!coll.empty()) {
      coll["parameters"] = collection_params;
      paths[collection] = std::move(coll);
    }
    // Cluster-wide list of a namespaced resource.
    if (t.namespaced && t.HasVerb("list")) {
      OpContext lc = base;
      lc.id_suffix = t.kind + "ForAllNamespaces";
      json::object op = Operation(lc, "list", "list", fmt::format("list or watch objects of kind {}", t.kind), ListParams());
      op["responses"] = Responses({"200"}, OpenApiSchemaName(GroupVersionKind{t.group, t.version, t.list_kind}));
      paths[prefix + "/" + t.resource] = json::object{{"get", std::move(op)}, {"parameters", common_params}};
    }

    // Item: get, replace, patch, delete.
    json::object it;
    if (t.HasVerb("get")) {
      json::object op = Operation(base, "read", "get", fmt::format("read the specified {}", t.kind), {});
      op["responses"] = Responses({"200"}, base.schema_name);
      it["get"] = std::move(op);
    }
    if (t.HasVerb("update")) {
      json::object op = Operation(base, "replace", "put", fmt::format("replace the specified {}", t.kind), WriteParams(false));
      op["requestBody"] = RequestBody(JsonContent(base.schema_name));
      op["responses"] = Responses({"200", "201"}, base.schema_name);
      it["put"] = std::move(op);
    }
    if (t.HasVerb("patch")) it["patch"] = PatchOperation(base, t.is_crd);
    if (t.HasVerb("delete")) {
      json::array params{QueryParam("dryRun", "string", "When present, indicates that modifications should not be persisted."),
                         QueryParam("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
                         QueryParam("propagationPolicy", "string", "Whether and how garbage collection will be performed.")};
      json::object op = Operation(base, "delete", "delete", fmt::format("delete a {}", t.kind), std::move(params));
      op["responses"] = Responses({"200", "202"}, base.schema_name);
      it["delete"] = std::move(op);
    }
    if (!it.empty()) {
      it["parameters"] = item_params;
      paths[item] = std::move(it);
    }

    // Subresources with a body of their own: status, scale, ephemeralcontainers (get/put/patch)
    // and create-only ones (binding, eviction, token). Connect-style subresources (exec, log,
    // proxy, ...) carry no schema kubectl reads and are left out.
    for (const auto& s : t.subresources) {
      if (s.response_kind.kind.ends_with("Options")) continue;
      if (s.name == "log" || s.name == "finalize") continue;
      OpContext sc = base;
      sc.gvk = s.response_kind;
      sc.schema_name = OpenApiSchemaName(s.response_kind);
      sc.id_suffix = scope + t.kind + Pascal(s.name);
      if (s.response_kind.group != t.group || s.response_kind.version != t.version) {
        extra_schemas.insert(fmt::format("{}|{}|{}", s.response_kind.group, s.response_kind.version,
                                         s.response_kind.kind));
      } else if (s.response_kind.kind != t.kind) {
        extra_schemas.insert(fmt::format("{}|{}|{}", s.response_kind.group, s.response_kind.version,
                                         s.response_kind.kind));
      }
      json::object sp;
      auto has = [&](std::string_view v) {
        return std::find(s.verbs.begin(), s.verbs.end(), v) != s.verbs.end();
      };
      if (has("get")) {
        json::object op = Operation(sc, "read", "get", fmt::format("read {} of the specified {}", s.name, t.kind), {});
        op["responses"] = Responses({"200"}, sc.schema_name);
        sp["get"] = std::move(op);
      }
      if (has("update")) {
        json::object op = Operation(sc, "replace", "put", fmt::format("replace {} of the specified {}", s.name, t.kind), WriteParams(false));
        op["requestBody"] = RequestBody(JsonContent(sc.schema_name));
        op["responses"] = Responses({"200", "201"}, sc.schema_name);
        sp["put"] = std::move(op);
      }
      if (has("patch")) sp["patch"] = PatchOperation(sc, t.is_crd);
      if (has("create")) {
        json::object op = Operation(sc, "create", "post", fmt::format("create {} of a {}", s.name, t.kind), WriteParams(false));
        op["requestBody"] = RequestBody(JsonContent(sc.schema_name));
        op["responses"] = Responses({"200", "201", "202"}, sc.schema_name);
        sp["post"] = std::move(op);
      }
      if (sp.empty()) continue;
      sp["parameters"] = item_params;
      paths[item + "/" + s.name] = std::move(sp);
    }
  }
};

std::string ToHex(const unsigned char* data, std::size_t n) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

// Protobuf wire helpers for the handful of fields OpenApiV2Protobuf writes.
void PutVarint(std::string& out, std::size_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void PutBytes(std::string& out, int field, std::string_view bytes) {
  PutVarint(out, static_cast<std::size_t>(field) << 3 | 2);
  PutVarint(out, bytes.size());
  out.append(bytes);
}

}  // namespace

std::string OpenApiGroupVersionPath(std::string_view group, std::string_view version) {
  return group.empty() ? fmt::format("api/{}", version) : fmt::format("apis/{}/{}", group, version);
}

std::string OpenApiSchemaName(const GroupVersionKind& gvk) {
  if (gvk.group.empty()) return fmt::format("io.k8s.api.core.{}.{}", gvk.version, gvk.kind);
  if (gvk.group == "apiextensions.k8s.io") {
    return fmt::format("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.{}.{}", gvk.version,
                       gvk.kind);
  }
  std::string_view g = gvk.group;
  if (g.ends_with(".k8s.io") || g.find('.') == std::string_view::npos) {
    // Built-in groups: "rbac.authorization.k8s.io" -> "rbac", "apps" -> "apps".
    std::string_view first = g.substr(0, g.find('.'));
    return fmt::format("io.k8s.api.{}.{}.{}", first, gvk.version, gvk.kind);
  }
  // Custom groups: reversed DNS labels ("kaito.sh" -> "sh.kaito").
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = g.find('.', start);
    labels.push_back(g.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::string out;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!out.empty()) out += '.';
    out.append(*it);
  }
  return fmt::format("{}.{}.{}", out, gvk.version, gvk.kind);
}

std::string OpenApiSchemaName(const ResourceType& type) {
  return OpenApiSchemaName(type.Gvk());
}

std::optional<json::object> OpenApiV3Document(const RegistrySnapshot& snapshot,
                                              std::string_view group, std::string_view version,
                                              std::string_view server_version) {
  auto types = snapshot.ForGroupVersion(group, version);
  if (types.empty()) return std::nullopt;

  PathBuilder builder;
  json::object schemas;
  schemas[std::string(kMetaPrefix) + "ObjectMeta"] = ObjectMetaSchema();
  schemas[std::string(kMetaPrefix) + "ListMeta"] = ListMetaSchema();
  schemas[std::string(kMetaPrefix) + "Patch"] = json::object{
      {"type", "object"},
      {"description", "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."}};

  for (const auto& t : types) {
    builder.AddResource(*t);
    if (t->is_crd) {
      schemas[OpenApiSchemaName(*t)] = CrdSchema(*t);
    } else {
      schemas[OpenApiSchemaName(*t)] =
          KindSchema(t->Gvk(), TopLevelProperties(t->Gvk()), fmt::format("{} of the {} API.", t->kind, t->GroupVersion()));
    }
    schemas[OpenApiSchemaName(GroupVersionKind{t->group, t->version, t->list_kind})] = ListSchema(*t);
  }
  for (const auto& key : builder.extra_schemas) {
    auto p1 = key.find('|');
    auto p2 = key.find('|', p1 + 1);
    GroupVersionKind gvk{key.substr(0, p1), key.substr(p1 + 1, p2 - p1 - 1), key.substr(p2 + 1)};
    std::string name = OpenApiSchemaName(gvk);
    if (!schemas.contains(name)) {
      schemas[name] = KindSchema(gvk, TopLevelProperties(gvk), fmt::format("{} of the {} API.", gvk.kind,
                                 gvk.group.empty() ? gvk.version : gvk.group + "/" + gvk.version));
    }
  }

  return json::object{{"openapi", "3.0.0"},
                      {"info", json::object{{"title", "Kubernetes"}, {"version", server_version}}},
                      {"paths", std::move(builder.paths)},
                      {"components", json::object{{"schemas", std::move(schemas)}}}};
}

std::string Sha512Hex(std::string_view text) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return ToHex(digest, sizeof digest);
}

std::string OpenApiV2Protobuf(std::string_view server_version) {
  // openapi_v2.Document{swagger: "2.0" (1), info: Info{title (1), version (2)} (2),
  // paths: Paths{} (8)}. An empty definitions map is simply absent.
  std::string info;
  PutBytes(info, 1, "Kubernetes");
  PutBytes(info, 2, server_version);
  std::string doc;
  PutBytes(doc, 1, "2.0");
  PutBytes(doc, 2, info);
  PutBytes(doc, 8, "");
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Service

namespace {

std::string_view StripQuery(std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

constexpr std::string_view kV3Prefix = "/openapi/v3";
constexpr std::string_view kV2ProtobufType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

}  // namespace

OpenApiService::OpenApiService(const Registry& registry, std::string server_version)
    : registry_(registry),
      server_version_(std::move(server_version)),
      v2_protobuf_(OpenApiV2Protobuf(server_version_)),
      v2_json_(json::serialize(json::object{
          {"swagger", "2.0"},
          {"info", json::object{{"title", "Kubernetes"}, {"version", server_version_}}},
          {"paths", json::object{}},
          {"definitions", json::object{}}})) {}

bool OpenApiService::Handles(std::string_view path) {
  path = StripQuery(path);
  return path == "/openapi/v2" || path == kV3Prefix ||
         (path.starts_with(kV3Prefix) && path.size() > kV3Prefix.size() && path[kV3Prefix.size()] == '/');
}

std::shared_ptr<const OpenApiService::Cache> OpenApiService::Current() const {
  auto snapshot = registry_.Snapshot();
  {
    std::lock_guard lock(mutex_);
    if (cache_ && cache_->generation >= snapshot->generation()) return cache_;
  }
  auto fresh = std::make_shared<Cache>();
  fresh->generation = snapshot->generation();
  json::object index_paths;
  for (const auto& g : snapshot->groups()) {
    for (const auto& v : g.versions) {
      auto doc = OpenApiV3Document(*snapshot, g.name, v, server_version_);
      if (!doc) continue;
      std::string body = json::serialize(*doc);
      std::string hash = Sha512Hex(body);
      std::string gv_path = OpenApiGroupVersionPath(g.name, v);
      index_paths[gv_path] = json::object{
          {"serverRelativeURL", fmt::format("{}/{}?hash={}", kV3Prefix, gv_path, hash)}};
      fresh->documents.emplace(gv_path, Document{std::move(body), "application/json", hash});
    }
  }
  fresh->index = json::serialize(json::object{{"paths", std::move(index_paths)}});
  std::lock_guard lock(mutex_);
  if (!cache_ || cache_->generation < fresh->generation) cache_ = fresh;
  return cache_->generation >= fresh->generation ? cache_ : fresh;
}

ApiResult<Document> OpenApiService::Get(std::string_view raw_path, std::string_view accept) const {
  std::string_view path = StripQuery(raw_path);
  auto ranges = ParseAccept(accept);
  auto wants_json = std::any_of(ranges.begin(), ranges.end(), [](const MediaRange& r) {
    return r.type == "application/json" || r.type == "application/*" || r.type == "*/*";
  });
  if (path == "/openapi/v2") {
    for (const auto& r : ranges) {
      if (r.type == kV2ProtobufType) {
        return Document{v2_protobuf_, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"};
      }
      if (r.type == "application/json" || r.type == "*/*") return Document{v2_json_, "application/json"};
    }
    return NotAcceptable("only the following media types are accepted: application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  }
  if (!Handles(path)) return NotFound("", "", "");
  if (!wants_json) {
    return NotAcceptable("only the following media types are accepted: application/json");
  }
  auto cache = Current();
  if (path == kV3Prefix) return Document{cache->index, "application/json"};
  std::string_view gv_path = path.substr(kV3Prefix.size() + 1);
  auto it = cache->documents.find(gv_path);
  if (it == cache->documents.end()) return NotFound("", "", "");
  return it->second;
}

std::optional<std::string> OpenApiService::ServerRelativeUrl(std::string_view gv_path) const {
  auto cache = Current();
  auto it = cache->documents.find(gv_path);
  if (it == cache->documents.end()) return std::nullopt;
  return fmt::format("{}/{}?hash={}", kV3Prefix, gv_path, it->second.etag);
}

}  // namespace airunway::kubesim
