#include "kubesim/patch.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cctype>
#include <exception>
#include <optional>
#include <utility>

#include <fmt/format.h>


namespace airunway::kubesim {

namespace json = boost::json;

namespace {

// Internal unwinding: the patch algorithms are deeply recursive, so a failure is thrown as a
// PatchFailure and turned back into an ApiStatus by the public function that started it.
struct PatchFailure {
  ApiStatus status;
};

[[noreturn]] void Fail(ApiStatus status) { throw PatchFailure{std::move(status)}; }

// The apiserver hides JSON patch application errors behind a generic 422 (it builds the error
// with NewGenericServerResponse, which drops the underlying message).
ApiStatus GenericUnprocessable() {
  ApiStatus s;
  s.code = 422;
  s.reason = "Invalid";
  s.message = "the server rejected our request due to an error in our request";
  return s;
}

// Errors the apiserver does not map to a Status come back as 500 with an empty reason.
ApiStatus UnmappedError(std::string message) {
  ApiStatus s;
  s.code = 500;
  s.message = std::move(message);
  return s;
}

std::string Join(const std::string& path, std::string_view field) {
  if (path.empty()) return std::string(field);
  return path + "." + std::string(field);
}

ListRule ByKey(std::string key) { return ListRule{ListStrategy::kMergeByKey, {std::move(key)}, {}}; }
ListRule AsSet() { return ListRule{ListStrategy::kMergeSet, {}, {}}; }
ListRule Replace() { return ListRule{ListStrategy::kReplace, {}, {}}; }

void AddObjectMeta(MergeKeys& keys, const std::string& prefix) {
  keys.AddPath(Join(prefix, "metadata.finalizers"), AsSet());
  keys.AddPath(Join(prefix, "metadata.ownerReferences"), ByKey("uid"));
}

void AddContainer(MergeKeys& keys, const std::string& container) {
  keys.AddPath(container + ".ports", ByKey("containerPort"));
  keys.AddPath(container + ".env", ByKey("name"));
  keys.AddPath(container + ".volumeMounts", ByKey("mountPath"));
  keys.AddPath(container + ".volumeDevices", ByKey("devicePath"));
  keys.AddPath(container + ".envFrom", Replace());
  keys.AddPath(container + ".args", Replace());
  keys.AddPath(container + ".command", Replace());
}

// `template_prefix` is where the PodTemplateSpec sits ("" for a Pod itself).
void AddPodSpec(MergeKeys& keys, const std::string& template_prefix) {
  const std::string spec = Join(template_prefix, "spec");
  if (!template_prefix.empty()) AddObjectMeta(keys, template_prefix);
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    keys.AddPath(Join(spec, list), ByKey("name"));
    AddContainer(keys, Join(spec, list));
  }
  keys.AddPath(Join(spec, "volumes"), ByKey("name"));
  keys.AddPath(Join(spec, "imagePullSecrets"), ByKey("name"));
  keys.AddPath(Join(spec, "hostAliases"), ByKey("ip"));
  keys.AddPath(Join(spec, "topologySpreadConstraints"), ByKey("topologyKey"));
  keys.AddPath(Join(spec, "tolerations"), Replace());
  keys.AddPath(Join(spec, "readinessGates"), Replace());
  keys.AddPath(Join(spec, "resourceClaims"), ByKey("name"));
}

void AddStatusConditions(MergeKeys& keys) { keys.AddPath("status.conditions", ByKey("type")); }

const boost::json::object* ObjectAt(const json::object& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || !it->value().is_object()) return nullptr;
  return &it->value().get_object();
}

void CollectSchemaRules(MergeKeys& keys, const json::object& schema, const std::string& path) {
  if (auto it = schema.find("x-kubernetes-list-type"); it != schema.end() && it->value().is_string()) {
    const std::string_view type = it->value().get_string();
    if (type == "set") {
      keys.AddPath(path, AsSet());
    } else if (type == "map") {
      ListRule rule;
      rule.strategy = ListStrategy::kMergeByKey;
      if (auto mk = schema.find("x-kubernetes-list-map-keys"); mk != schema.end() && mk->value().is_array()) {
        for (const auto& k : mk->value().get_array()) {
          if (k.is_string()) rule.keys.emplace_back(k.get_string());
        }
      }
      keys.AddPath(path, rule.keys.empty() ? Replace() : std::move(rule));
    } else {
      keys.AddPath(path, Replace());
    }
  }
  if (const auto* properties = ObjectAt(schema, "properties")) {
    for (const auto& [name, sub] : *properties) {
      if (sub.is_object()) CollectSchemaRules(keys, sub.get_object(), Join(path, name));
    }
  }
  if (const auto* items = ObjectAt(schema, "items")) CollectSchemaRules(keys, *items, path);
}

// ---- strategic merge patch ----

// The key fields a by-key merge uses for these two lists: the rule's keys, or its fallback
// when no item carries the first key.
std::vector<std::string> EffectiveKeys(const ListRule& rule, const json::array& a, const json::array& b) {
  if (rule.fallback_keys.empty() || rule.keys.empty()) return rule.keys;
  auto carries = [&](const json::array& list) {
    return std::any_of(list.begin(), list.end(), [&](const json::value& item) {
      return item.is_object() && item.get_object().contains(rule.keys.front());
    });
  };
  if (carries(a) || carries(b)) return rule.keys;
  return rule.fallback_keys;
}

bool SameKey(const json::object& a, const json::object& b, const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    const json::value* va = a.if_contains(key);
    const json::value* vb = b.if_contains(key);
    if ((va == nullptr) != (vb == nullptr)) return false;
    if (va != nullptr && !JsonEqual(*va, *vb)) return false;
  }
  return true;
}

bool IsDirective(const json::value& item, std::string_view directive) {
  if (!item.is_object()) return false;
  const json::value* d = item.get_object().if_contains("$patch");
  return d != nullptr && d->is_string() && d->get_string() == directive;
}

std::optional<json::object> MergeMap(json::object original, const json::object& patch,
                                     const std::string& path, const MergeKeys& keys);

json::value CleanValue(const json::value& v, const std::string& path, const MergeKeys& keys);

json::array MergeList(const json::array& original, const json::array& patch,
                      const std::string& path, const MergeKeys& keys) {
  const ListRule rule = keys.Lookup(path);
  const bool replace_all =
      std::any_of(patch.begin(), patch.end(), [](const json::value& v) { return IsDirective(v, "replace"); });
  if (replace_all || rule.strategy == ListStrategy::kReplace) {
    json::array result;
    for (const auto& item : patch) {
      if (IsDirective(item, "replace") || IsDirective(item, "delete")) continue;
      result.push_back(CleanValue(item, path, keys));
    }
    return result;
  }
  if (rule.strategy == ListStrategy::kMergeSet) {
    json::array result = original;
    for (const auto& item : patch) {
      if (item.is_object() && item.get_object().contains("$patch")) continue;
      const bool present = std::any_of(result.begin(), result.end(),
                                       [&](const json::value& v) { return JsonEqual(v, item); });
      if (!present) result.push_back(item);
    }
    return result;
  }

  const std::vector<std::string> key_fields = EffectiveKeys(rule, original, patch);
  json::array result = original;
  for (const auto& item : patch) {
    if (!item.is_object()) {
      result.push_back(item);
      continue;
    }
    const json::object& patch_item = item.get_object();
    if (!key_fields.empty() && !patch_item.contains(key_fields.front())) {
      Fail(UnmappedError(fmt::format("map: {} does not contain declared merge key: {}",
                                     GoFormat(item), key_fields.front())));
    }
    auto match = std::find_if(result.begin(), result.end(), [&](const json::value& v) {
      return v.is_object() && SameKey(v.get_object(), patch_item, key_fields);
    });
    if (IsDirective(item, "delete")) {
      result.erase(std::remove_if(result.begin(), result.end(),
                                  [&](const json::value& v) {
                                    return v.is_object() && SameKey(v.get_object(), patch_item, key_fields);
                                  }),
                   result.end());
      continue;
    }
    if (match != result.end()) {
      auto merged = MergeMap(match->get_object(), patch_item, path, keys);
      if (merged) {
        *match = std::move(*merged);
      } else {
        result.erase(match);
      }
    } else {
      auto merged = MergeMap(json::object(), patch_item, path, keys);
      if (merged) result.push_back(std::move(*merged));
    }
  }
  return result;
}

// A value from a patch placed where nothing was before: directives are resolved against an
// empty original so that none of them reaches the stored object.
json::value CleanValue(const json::value& v, const std::string& path, const MergeKeys& keys) {
  if (v.is_object()) {
    auto merged = MergeMap(json::object(), v.get_object(), path, keys);
    return merged ? json::value(std::move(*merged)) : json::value(json::object());
  }
  if (v.is_array()) return MergeList(json::array(), v.get_array(), path, keys);
  return v;
}

std::optional<json::object> MergeMap(json::object original, const json::object& patch,
                                     const std::string& path, const MergeKeys& keys) {
  if (const json::value* directive = patch.if_contains("$patch")) {
    if (!directive->is_string()) Fail(UnmappedError("invalid value for special key: $patch"));
    const std::string_view d = directive->get_string();
    if (d == "delete") return std::nullopt;
    if (d == "replace") {
      json::object rest = patch;
      rest.erase("$patch");
      return MergeMap(json::object(), rest, path, keys);
    }
    if (d != "merge") {
      Fail(UnmappedError(fmt::format("Unknown patch type: {} in map: {}", d, GoFormat(json::value(patch)))));
    }
  }

  if (const json::value* retain = patch.if_contains("$retainKeys")) {
    if (!retain->is_array()) Fail(BadRequest("invalid patch format of retainKeys"));
    std::vector<std::string> retained;
    for (const auto& k : retain->get_array()) {
      if (!k.is_string()) Fail(BadRequest("invalid patch format of retainKeys"));
      retained.emplace_back(k.get_string());
    }
    auto kept = [&](std::string_view key) {
      return std::find(retained.begin(), retained.end(), key) != retained.end();
    };
    for (const auto& [key, value] : patch) {
      if (!key.starts_with("$") && !value.is_null() && !kept(key)) Fail(GenericUnprocessable());
    }
    for (auto it = original.begin(); it != original.end();) {
      if (!kept(it->key())) {
        it = original.erase(it);
      } else {
        ++it;
      }
    }
  }

  constexpr std::string_view kDeletePrefix = "$deleteFromPrimitiveList/";
  constexpr std::string_view kOrderPrefix = "$setElementOrder/";
  for (const auto& [key, value] : patch) {
    if (key.starts_with(kOrderPrefix)) {
      if (!value.is_array()) Fail(BadRequest("invalid patch format of setElementOrder list"));
    } else if (key.starts_with(kDeletePrefix)) {
      if (!value.is_array()) Fail(BadRequest("invalid patch format of primitive list"));
      const std::string_view field = std::string_view(key).substr(kDeletePrefix.size());
      auto it = original.find(field);
      if (it == original.end() || !it->value().is_array()) continue;
      json::array& list = it->value().get_array();
      const json::array& doomed = value.get_array();
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const json::value& v) {
                                  return std::any_of(doomed.begin(), doomed.end(),
                                                     [&](const json::value& d) { return JsonEqual(v, d); });
                                }),
                 list.end());
    }
  }

  for (const auto& [key, value] : patch) {
    if (key == "$patch" || key == "$retainKeys" || key.starts_with(kOrderPrefix) ||
        key.starts_with(kDeletePrefix)) {
      continue;
    }
    const std::string child = Join(path, key);
    if (value.is_null()) {
      original.erase(key);
    } else if (value.is_object()) {
      json::object base;
      if (auto it = original.find(key); it != original.end() && it->value().is_object()) {
        base = it->value().get_object();
      }
      auto merged = MergeMap(std::move(base), value.get_object(), child, keys);
      if (merged) {
        original[key] = std::move(*merged);
      } else {
        original.erase(key);
      }
    } else if (value.is_array()) {
      json::array base;
      if (auto it = original.find(key); it != original.end() && it->value().is_array()) {
        base = it->value().get_array();
      }
      original[key] = MergeList(base, value.get_array(), child, keys);
    } else {
      original[key] = value;
    }
  }
  return original;
}

// ---- JSON patch ----


// A parsed JSON pointer. `tokens` empty means the whole document.
std::vector<std::string> ParsePointer(const json::object& op, std::string_view field) {
  const json::value* raw = op.if_contains(field);
  if (raw == nullptr || !raw->is_string()) Fail(GenericUnprocessable());
  const std::string_view pointer = raw->get_string();
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') Fail(GenericUnprocessable());
  std::size_t start = 1;
  while (true) {
    const std::size_t end = pointer.find('/', start);
    std::string_view piece = pointer.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    std::string token;
    for (std::size_t i = 0; i < piece.size(); ++i) {
      if (piece[i] == '~' && i + 1 < piece.size() && (piece[i + 1] == '0' || piece[i + 1] == '1')) {
        token += piece[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += piece[i];
      }
    }
    tokens.push_back(std::move(token));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return tokens;
}

std::optional<std::size_t> ParseIndex(std::string_view token) {
  if (token.empty() || token.size() > 9) return std::nullopt;
  if (token.size() > 1 && token.front() == '0') return std::nullopt;
  std::size_t index = 0;
  for (char c : token) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

// The container holding the last token; fails when any step is missing.
json::value& Parent(json::value& doc, const std::vector<std::string>& tokens) {
  json::value* node = &doc;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (node->is_object()) {
      json::value* next = node->get_object().if_contains(tokens[i]);
      if (next == nullptr) Fail(GenericUnprocessable());
      node = next;
    } else if (node->is_array()) {
      auto index = ParseIndex(tokens[i]);
      if (!index || *index >= node->get_array().size()) Fail(GenericUnprocessable());
      node = &node->get_array()[*index];
    } else {
      Fail(GenericUnprocessable());
    }
  }
  return *node;
}

json::value Get(json::value& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return doc;
  json::value& parent = Parent(doc, tokens);
  if (parent.is_object()) {
    const json::value* v = parent.get_object().if_contains(tokens.back());
    if (v == nullptr) Fail(GenericUnprocessable());
    return *v;
  }
  if (parent.is_array()) {
    auto index = ParseIndex(tokens.back());
    if (!index || *index >= parent.get_array().size()) Fail(GenericUnprocessable());
    return parent.get_array()[*index];
  }
  Fail(GenericUnprocessable());
}

void Add(json::value& doc, const std::vector<std::string>& tokens, json::value value) {
  if (tokens.empty()) {
    doc = std::move(value);
    return;
  }
  json::value& parent = Parent(doc, tokens);
  if (parent.is_object()) {
    parent.get_object()[tokens.back()] = std::move(value);
  } else if (parent.is_array()) {
    json::array& list = parent.get_array();
    if (tokens.back() == "-") {
      list.push_back(std::move(value));
      return;
    }
    auto index = ParseIndex(tokens.back());
    if (!index || *index > list.size()) Fail(GenericUnprocessable());
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  } else {
    Fail(GenericUnprocessable());
  }
}

void Remove(json::value& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) Fail(GenericUnprocessable());
  json::value& parent = Parent(doc, tokens);
  if (parent.is_object()) {
    if (parent.get_object().erase(tokens.back()) == 0) Fail(GenericUnprocessable());
  } else if (parent.is_array()) {
    json::array& list = parent.get_array();
    auto index = ParseIndex(tokens.back());
    if (!index || *index >= list.size()) Fail(GenericUnprocessable());
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(*index));
  } else {
    Fail(GenericUnprocessable());
  }
}

void Replace(json::value& doc, const std::vector<std::string>& tokens, json::value value) {
  if (tokens.empty()) {
    doc = std::move(value);
    return;
  }
  json::value& parent = Parent(doc, tokens);
  if (parent.is_object()) {
    json::value* slot = parent.get_object().if_contains(tokens.back());
    if (slot == nullptr) Fail(GenericUnprocessable());
    *slot = std::move(value);
  } else if (parent.is_array()) {
    json::array& list = parent.get_array();
    auto index = ParseIndex(tokens.back());
    if (!index || *index >= list.size()) Fail(GenericUnprocessable());
    list[*index] = std::move(value);
  } else {
    Fail(GenericUnprocessable());
  }
}

void Test(json::value& doc, const std::vector<std::string>& tokens, const json::value& expected) {
  if (!tokens.empty()) {
    json::value& parent = Parent(doc, tokens);
    // A missing member of an existing object tests equal to null, as the Go library has it.
    if (parent.is_object() && !parent.get_object().contains(tokens.back())) {
      if (expected.is_null()) return;
      Fail(GenericUnprocessable());
    }
  }
  if (!JsonEqual(Get(doc, tokens), expected)) Fail(GenericUnprocessable());
}

const json::value& ValueOf(const json::object& op) {
  const json::value* v = op.if_contains("value");
  if (v == nullptr) Fail(GenericUnprocessable());
  return *v;
}

void ApplyOperation(json::value& doc, const json::value& raw) {
  if (!raw.is_object()) Fail(GenericUnprocessable());
  const json::object& op = raw.get_object();
  const json::value* kind = op.if_contains("op");
  if (kind == nullptr || !kind->is_string()) Fail(GenericUnprocessable());
  const std::string_view name = kind->get_string();
  if (name == "add") {
    Add(doc, ParsePointer(op, "path"), ValueOf(op));
  } else if (name == "remove") {
    Remove(doc, ParsePointer(op, "path"));
  } else if (name == "replace") {
    Replace(doc, ParsePointer(op, "path"), ValueOf(op));
  } else if (name == "move") {
    auto from = ParsePointer(op, "from");
    auto to = ParsePointer(op, "path");
    json::value moved = Get(doc, from);
    Remove(doc, from);
    Add(doc, to, std::move(moved));
  } else if (name == "copy") {
    auto from = ParsePointer(op, "from");
    Add(doc, ParsePointer(op, "path"), Get(doc, from));
  } else if (name == "test") {
    Test(doc, ParsePointer(op, "path"), ValueOf(op));
  } else {
    Fail(GenericUnprocessable());
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string_view GoJsonKind(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return "string";
    case json::kind::bool_: return "bool";
    case json::kind::null: return "null";
    default: return "number";
  }
}

// ---- MergeKeys ----

MergeKeys::MergeKeys() {
  for (const char* list : {"containers", "initContainers", "ephemeralContainers", "env", "volumes",
                           "imagePullSecrets", "resourceClaims"}) {
    by_field_[list] = ByKey("name");
  }
  by_field_["volumeMounts"] = ByKey("mountPath");
  by_field_["volumeDevices"] = ByKey("devicePath");
  by_field_["conditions"] = ByKey("type");
  by_field_["ownerReferences"] = ByKey("uid");
  by_field_["hostAliases"] = ByKey("ip");
  by_field_["topologySpreadConstraints"] = ByKey("topologyKey");
  by_field_["finalizers"] = AsSet();
  ListRule ports = ByKey("containerPort");
  ports.fallback_keys = {"port"};
  by_field_["ports"] = ports;
}

MergeKeys MergeKeys::ForKind(std::string_view kind) {
  MergeKeys keys;
  AddObjectMeta(keys, "");
  if (kind == "Pod") {
    AddPodSpec(keys, "");
    AddStatusConditions(keys);
  } else if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
             kind == "ReplicaSet" || kind == "Job" || kind == "ReplicationController") {
    AddPodSpec(keys, "spec.template");
    AddStatusConditions(keys);
    if (kind == "StatefulSet") keys.AddPath("spec.volumeClaimTemplates", Replace());
  } else if (kind == "CronJob") {
    AddObjectMeta(keys, "spec.jobTemplate");
    AddPodSpec(keys, "spec.jobTemplate.spec.template");
  } else if (kind == "PodTemplate") {
    AddPodSpec(keys, "template");
  } else if (kind == "Service") {
    keys.AddPath("spec.ports", ByKey("port"));
    AddStatusConditions(keys);
  } else if (kind == "Node") {
    keys.AddPath("spec.podCIDRs", AsSet());
    keys.AddPath("spec.taints", Replace());
    AddStatusConditions(keys);
    keys.AddPath("status.addresses", ByKey("type"));
    keys.AddPath("status.images", Replace());
  } else if (kind == "Namespace") {
    keys.AddPath("spec.finalizers", Replace());
    AddStatusConditions(keys);
  }
  // ConfigMap and Secret hold only maps besides metadata.
  return keys;
}

MergeKeys MergeKeys::FromSchema(const boost::json::object& open_api_v3_schema) {
  MergeKeys keys;
  keys.generic_ = false;
  keys.by_field_.clear();
  CollectSchemaRules(keys, open_api_v3_schema, "");
  // metadata is the standard ObjectMeta whatever the schema says.
  AddObjectMeta(keys, "");
  return keys;
}

ListRule MergeKeys::Lookup(std::string_view path) const {
  if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
  if (generic_) {
    const std::size_t dot = path.rfind('.');
    const std::string_view field = dot == std::string_view::npos ? path : path.substr(dot + 1);
    if (auto it = by_field_.find(field); it != by_field_.end()) return it->second;
  }
  return Replace();
}

void MergeKeys::AddPath(std::string path, ListRule rule) { by_path_[std::move(path)] = std::move(rule); }

// ---- content types ----

PatchType PatchTypeFromContentType(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  std::string type = Lower(content_type.substr(0, semicolon));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) type.erase(type.begin());
  if (type == "application/json-patch+json") return PatchType::kJson;
  if (type == "application/merge-patch+json") return PatchType::kMerge;
  if (type == "application/strategic-merge-patch+json") return PatchType::kStrategicMerge;
  if (type == "application/apply-patch+yaml") return PatchType::kApply;
  return PatchType::kUnknown;
}

ApiResult<PatchType> CheckPatchType(std::string_view content_type, bool custom_resource) {
  const PatchType type = PatchTypeFromContentType(content_type);
  if (type == PatchType::kUnknown || (custom_resource && type == PatchType::kStrategicMerge)) {
    ApiStatus s;
    s.code = 415;
    s.reason = "UnsupportedMediaType";
    s.message = custom_resource
                    ? "the body of the request was in an unknown format - accepted media types include: "
                      "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                    : "the body of the request was in an unknown format - accepted media types include: "
                      "application/json-patch+json, application/merge-patch+json, "
                      "application/strategic-merge-patch+json, application/apply-patch+yaml";
    return s;
  }
  return type;
}

ApiResult<boost::json::value> ParsePatchBody(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return BadRequest("invalid JSON patch");
  return v;
}

// ---- public patch functions ----

ApiResult<boost::json::object> ApplyMergePatch(const boost::json::object& target,
                                               const boost::json::value& patch) {
  if (!patch.is_object()) return BadRequest("Invalid JSON Patch");
  json::value result = MergePatchValue(json::value(target), patch);
  return std::move(result.get_object());
}

ApiResult<boost::json::value> ApplyJsonPatch(const boost::json::value& target,
                                             const boost::json::value& patch) {
  if (patch.is_null()) return target;  // the Go decoder reads null as an empty patch
  if (!patch.is_array()) {
    return BadRequest(fmt::format("json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                                  GoJsonKind(patch)));
  }
  const json::array& ops = patch.get_array();
  for (const auto& op : ops) {
    if (!op.is_object() && !op.is_null()) {
      return BadRequest(fmt::format(
          "json: cannot unmarshal {} into Go value of type jsonpatch.Operation", GoJsonKind(op)));
    }
  }
  constexpr std::size_t kMaxOperations = 10000;
  if (ops.size() > kMaxOperations) {
    return RequestEntityTooLarge(fmt::format(
        "The allowed maximum operations in a JSON patch is {}, got {}", kMaxOperations, ops.size()));
  }
  try {
    json::value doc = target;
    for (const auto& op : ops) ApplyOperation(doc, op);
    return doc;
  } catch (const PatchFailure& failure) {
    return failure.status;
  } catch (const std::exception& e) {
    return InternalError(e.what());
  }
}

ApiResult<boost::json::object> ApplyStrategicMergePatch(const boost::json::object& target,
                                                        const boost::json::object& patch,
                                                        const MergeKeys& keys) {
  try {
    auto merged = MergeMap(target, patch, "", keys);
    if (!merged) return json::object();
    return std::move(*merged);
  } catch (const PatchFailure& failure) {
    return failure.status;
  } catch (const std::exception& e) {
    return InternalError(e.what());
  }
}

// ---- value helpers ----

namespace {

bool IsNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

double AsDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

std::vector<std::pair<std::string_view, const json::value*>> SortedMembers(const json::object& o) {
  std::vector<std::pair<std::string_view, const json::value*>> members;
  members.reserve(o.size());
  for (const auto& [k, v] : o) members.emplace_back(k, &v);
  std::sort(members.begin(), members.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return members;
}

}  // namespace

bool JsonEqual(const boost::json::value& a, const boost::json::value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    if (a.is_double() || b.is_double()) return AsDouble(a) == AsDouble(b);
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const json::value& signed_value = a.is_int64() ? a : b;
    const json::value& unsigned_value = a.is_int64() ? b : a;
    return signed_value.get_int64() >= 0 &&
           static_cast<std::uint64_t>(signed_value.get_int64()) == unsigned_value.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const json::object& oa = a.get_object();
    const json::object& ob = b.get_object();
    if (oa.size() != ob.size()) return false;
    for (const auto& [k, v] : oa) {
      const json::value* other = ob.if_contains(k);
      if (other == nullptr || !JsonEqual(v, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const json::array& la = a.get_array();
    const json::array& lb = b.get_array();
    if (la.size() != lb.size()) return false;
    for (std::size_t i = 0; i < la.size(); ++i) {
      if (!JsonEqual(la[i], lb[i])) return false;
    }
    return true;
  }
  return a == b;
}

boost::json::value MergePatchValue(const boost::json::value& target, const boost::json::value& patch) {
  if (!patch.is_object()) return patch;
  json::object result = target.is_object() ? target.get_object() : json::object();
  for (const auto& [key, value] : patch.get_object()) {
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    const json::value* current = result.if_contains(key);
    result[key] = MergePatchValue(current != nullptr ? *current : json::value(), value);
  }
  return result;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string GoFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), std::fabs(d), std::chars_format::scientific);
  if (ec != std::errc()) return fmt::format("{}", d);
  const std::string_view text(buf, static_cast<std::size_t>(end - buf));
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exponent = 0;
  std::from_chars(text.data() + e + (text[e + 1] == '+' ? 2 : 1), text.data() + text.size(), exponent);
  const int nd = static_cast<int>(digits.size());
  const int dp = exponent + 1;
  // strconv.FormatFloat(f, 'g', -1, 64): %e when the exponent is < -4 or >= the precision.
  int eprec = 6;
  if (eprec > nd && nd >= dp) eprec = nd;
  std::string out = d < 0 ? "-" : "";
  if (exponent < -4 || exponent >= eprec) {
    out += digits[0];
    if (nd > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
  } else if (dp <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-dp), '0') + digits;
  } else if (dp >= nd) {
    out += digits + std::string(static_cast<std::size_t>(dp - nd), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(dp)) + "." + digits.substr(static_cast<std::size_t>(dp));
  }
  return out;
}

std::string GoFormat(const boost::json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return "<nil>";
    case json::kind::bool_: return value.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(value.get_int64());
    case json::kind::uint64: return std::to_string(value.get_uint64());
    case json::kind::double_: return GoFloat(value.get_double());
    case json::kind::string: return std::string(value.get_string());
    case json::kind::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ' ';
        first = false;
        out += GoFormat(item);
      }
      return out + "]";
    }
    case json::kind::object: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [k, v] : SortedMembers(value.get_object())) {
        if (!first) out += ' ';
        first = false;
        out += std::string(k) + ":" + GoFormat(*v);
      }
      return out + "]";
    }
  }
  return {};
}

std::string GoJson(const boost::json::value& value) {
  switch (value.kind()) {
    case json::kind::string: {
      // encoding/json escapes HTML-sensitive characters.
      std::string raw = json::serialize(value);
      std::string out;
      for (char c : raw) {
        if (c == '<') {
          out += "\\u003c";
        } else if (c == '>') {
          out += "\\u003e";
        } else if (c == '&') {
          out += "\\u0026";
        } else {
          out += c;
        }
      }
      return out;
    }
    case json::kind::double_: {
      const double d = value.get_double();
      if (std::trunc(d) == d && std::fabs(d) < 1e21) return fmt::format("{:.0f}", d);
      return fmt::format("{}", d);
    }
    case json::kind::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        out += GoJson(item);
      }
      return out + "]";
    }
    case json::kind::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : SortedMembers(value.get_object())) {
        if (!first) out += ',';
        first = false;
        out += GoJson(json::value(k)) + ":" + GoJson(*v);
      }
      return out + "}";
    }
    default:
      return json::serialize(value);
  }
}

}  // namespace airunway::kubesim
