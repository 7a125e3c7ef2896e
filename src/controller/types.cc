#include "controller/types.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

#include "common/json.h"

namespace airunway::controller {
namespace json = boost::json;

namespace {

std::string Str(const json::object& o, std::string_view key) {
  auto v = common::GetString(o, key);
  return v ? std::string(*v) : std::string();
}

std::optional<std::int64_t> Int(const json::object& o, std::string_view key) {
  const json::value* v = common::Find(o, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double() && std::trunc(v->get_double()) == v->get_double()) {
    return static_cast<std::int64_t>(v->get_double());
  }
  return std::nullopt;
}

std::optional<std::int32_t> Int32(const json::object& o, std::string_view key) {
  auto v = Int(o, key);
  if (!v) return std::nullopt;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(*v, INT32_MIN, INT32_MAX));
}

bool Bool(const json::object& o, std::string_view key, bool fallback) {
  auto v = common::GetBool(o, key);
  return v ? *v : fallback;
}

const json::object& Obj(const json::object& o, std::string_view key) {
  static const json::object kEmpty;
  const json::object* found = common::GetObject(o, key);
  return found != nullptr ? *found : kEmpty;
}

std::map<std::string, std::string> StringMap(const json::object& o, std::string_view key) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : Obj(o, key)) {
    if (v.is_string()) out[std::string(k)] = std::string(v.get_string());
  }
  return out;
}

std::optional<GpuSpec> ParseGpu(const json::object& parent) {
  const json::object* gpu = common::GetObject(parent, "gpu");
  if (gpu == nullptr) return std::nullopt;
  return GpuSpec{Int32(*gpu, "count").value_or(0), Str(*gpu, "type")};
}

std::optional<ComponentSpec> ParseComponent(const json::object& parent, std::string_view key) {
  const json::object* c = common::GetObject(parent, key);
  if (c == nullptr) return std::nullopt;
  return ComponentSpec{Int32(*c, "replicas").value_or(1), ParseGpu(*c), Str(*c, "memory")};
}

// A quantity written as a string or a number.
std::string QuantityText(const json::object& o, std::string_view key) {
  const json::value* v = common::Find(o, key);
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  if (v->is_double()) return json::serialize(*v);
  return {};
}

void SetOrErase(json::object& o, std::string_view key, const std::string& value) {
  if (value.empty()) {
    o.erase(key);
  } else {
    o[key] = value;
  }
}

template <typename T>
void SetOrErase(json::object& o, std::string_view key, const std::optional<T>& value) {
  if (!value) {
    o.erase(key);
  } else {
    o[key] = *value;
  }
}

// Writes a sub-object, removing it when it ends up empty.
template <typename Fill>
void SubObject(json::object& o, std::string_view key, Fill fill) {
  json::object sub;
  if (const json::object* existing = common::GetObject(o, key)) sub = *existing;
  fill(sub);
  if (sub.empty()) {
    o.erase(key);
  } else {
    o[key] = std::move(sub);
  }
}

}  // namespace

const Condition* ModelDeploymentStatus::FindCondition(std::string_view type) const {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool ModelDeployment::HasFinalizer(std::string_view finalizer) const {
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

bool ModelDeployment::Paused() const {
  auto found = annotations.find(std::string(kAnnotationPaused));
  return found != annotations.end() && found->second == "true";
}

ModelDeploymentSpec ParseModelDeploymentSpec(const json::object& spec) {
  ModelDeploymentSpec out;
  const json::object& model = Obj(spec, "model");
  out.model_id = Str(model, "id");
  out.served_name = Str(model, "servedName");
  out.model_source = Str(model, "source");
  if (const json::object* storage = common::GetObject(model, "storage")) {
    out.has_storage = true;
    if (const json::array* volumes = common::GetArray(*storage, "volumes")) {
      for (const auto& item : *volumes) {
        if (!item.is_object()) continue;
        const json::object& v = item.get_object();
        StorageVolume volume;
        volume.name = Str(v, "name");
        volume.claim_name = Str(v, "claimName");
        volume.mount_path = Str(v, "mountPath");
        volume.purpose = Str(v, "purpose");
        volume.read_only = Bool(v, "readOnly", false);
        volume.size = QuantityText(v, "size");
        if (auto sc = common::GetString(v, "storageClassName")) volume.storage_class_name = std::string(*sc);
        volume.access_mode = Str(v, "accessMode");
        out.volumes.push_back(std::move(volume));
      }
    }
  }
  const json::object& provider = Obj(spec, "provider");
  out.provider_name = Str(provider, "name");
  if (const json::value* overrides = common::Find(provider, "overrides")) out.provider_overrides = *overrides;

  const json::object& engine = Obj(spec, "engine");
  out.engine.type = Str(engine, "type");
  out.engine.image = Str(engine, "image");
  out.engine.context_length = Int32(engine, "contextLength");
  out.engine.trust_remote_code = Bool(engine, "trustRemoteCode", false);
  out.engine.enable_prefix_caching = Bool(engine, "enablePrefixCaching", true);
  out.engine.enforce_eager = Bool(engine, "enforceEager", false);
  out.engine.args = StringMap(engine, "args");
  if (const json::array* extra = common::GetArray(engine, "extraArgs")) {
    for (const auto& token : *extra) {
      if (token.is_string()) out.engine.extra_args.emplace_back(token.get_string());
    }
  }
  out.serving_mode = Str(Obj(spec, "serving"), "mode");
  if (const json::object* scaling = common::GetObject(spec, "scaling")) {
    out.has_scaling = true;
    out.replicas = Int32(*scaling, "replicas").value_or(1);
    out.prefill = ParseComponent(*scaling, "prefill");
    out.decode = ParseComponent(*scaling, "decode");
  }
  if (const json::object* resources = common::GetObject(spec, "resources")) {
    out.has_resources = true;
    out.gpu = ParseGpu(*resources);
    out.memory = QuantityText(*resources, "memory");
    out.cpu = QuantityText(*resources, "cpu");
  }
  out.image = Str(spec, "image");
  if (const json::array* env = common::GetArray(spec, "env")) out.env = *env;
  const json::object& template_metadata = Obj(Obj(spec, "podTemplate"), "metadata");
  out.pod_labels = StringMap(template_metadata, "labels");
  out.pod_annotations = StringMap(template_metadata, "annotations");
  out.hf_token_secret = Str(Obj(spec, "secrets"), "huggingFaceToken");
  out.node_selector = StringMap(spec, "nodeSelector");
  if (const json::array* tolerations = common::GetArray(spec, "tolerations")) out.tolerations = *tolerations;
  return out;
}

Condition ConditionFromJson(const json::object& o) {
  Condition c;
  c.type = Str(o, "type");
  c.status = Str(o, "status");
  c.reason = Str(o, "reason");
  c.message = Str(o, "message");
  c.observed_generation = Int(o, "observedGeneration").value_or(0);
  c.last_transition_time = Str(o, "lastTransitionTime");
  return c;
}

json::object ConditionToJson(const Condition& c) {
  json::object o;
  o["type"] = c.type;
  o["status"] = c.status;
  if (c.observed_generation > 0) o["observedGeneration"] = c.observed_generation;
  o["lastTransitionTime"] = c.last_transition_time;
  o["reason"] = c.reason;
  o["message"] = c.message;
  return o;
}

namespace {
std::vector<Condition> ParseConditions(const json::object& status) {
  std::vector<Condition> out;
  if (const json::array* conditions = common::GetArray(status, "conditions")) {
    for (const auto& item : *conditions) {
      if (item.is_object()) out.push_back(ConditionFromJson(item.get_object()));
    }
  }
  return out;
}
}  // namespace

ModelDeploymentStatus ParseModelDeploymentStatus(const json::object& status) {
  ModelDeploymentStatus out;
  out.phase = Str(status, "phase");
  out.message = Str(status, "message");
  const json::object& provider = Obj(status, "provider");
  out.provider_name = Str(provider, "name");
  out.provider_resource_name = Str(provider, "resourceName");
  out.provider_resource_kind = Str(provider, "resourceKind");
  out.provider_selected_reason = Str(provider, "selectedReason");
  const json::object& engine = Obj(status, "engine");
  out.engine_type = Str(engine, "type");
  out.engine_selected_reason = Str(engine, "selectedReason");
  if (const json::object* replicas = common::GetObject(status, "replicas")) {
    out.replicas_desired = Int32(*replicas, "desired");
    out.replicas_ready = Int32(*replicas, "ready");
    out.replicas_available = Int32(*replicas, "available");
  }
  const json::object& endpoint = Obj(status, "endpoint");
  out.endpoint_service = Str(endpoint, "service");
  out.endpoint_port = Int32(endpoint, "port");
  out.conditions = ParseConditions(status);
  out.observed_generation = Int(status, "observedGeneration");
  return out;
}

void WriteStatus(const ModelDeploymentStatus& s, json::object& o) {
  SetOrErase(o, "phase", s.phase);
  SetOrErase(o, "message", s.message);
  SubObject(o, "provider", [&](json::object& p) {
    SetOrErase(p, "name", s.provider_name);
    SetOrErase(p, "resourceName", s.provider_resource_name);
    SetOrErase(p, "resourceKind", s.provider_resource_kind);
    SetOrErase(p, "selectedReason", s.provider_selected_reason);
  });
  SubObject(o, "engine", [&](json::object& e) {
    SetOrErase(e, "type", s.engine_type);
    SetOrErase(e, "selectedReason", s.engine_selected_reason);
  });
  SubObject(o, "replicas", [&](json::object& r) {
    SetOrErase(r, "desired", s.replicas_desired);
    SetOrErase(r, "ready", s.replicas_ready);
    SetOrErase(r, "available", s.replicas_available);
  });
  SubObject(o, "endpoint", [&](json::object& e) {
    SetOrErase(e, "service", s.endpoint_service);
    SetOrErase(e, "port", s.endpoint_port);
  });
  if (s.conditions.empty()) {
    o.erase("conditions");
  } else {
    json::array conditions;
    for (const auto& c : s.conditions) conditions.push_back(ConditionToJson(c));
    o["conditions"] = std::move(conditions);
  }
  SetOrErase(o, "observedGeneration", s.observed_generation);
}

common::Result<ModelDeployment> ParseModelDeployment(const json::object& object) {
  const json::object* metadata = common::GetObject(object, "metadata");
  if (metadata == nullptr || !common::GetString(*metadata, "name")) {
    return common::MakeError(common::ErrorCode::kInvalid, "ModelDeployment has no metadata.name");
  }
  ModelDeployment md;
  md.name = Str(*metadata, "name");
  md.namespace_name = Str(*metadata, "namespace");
  md.uid = Str(*metadata, "uid");
  md.resource_version = Str(*metadata, "resourceVersion");
  md.generation = Int(*metadata, "generation").value_or(0);
  md.labels = StringMap(*metadata, "labels");
  md.annotations = StringMap(*metadata, "annotations");
  md.creation_timestamp = Str(*metadata, "creationTimestamp");
  md.deletion_timestamp = Str(*metadata, "deletionTimestamp");
  md.being_deleted = !md.deletion_timestamp.empty();
  if (const json::array* finalizers = common::GetArray(*metadata, "finalizers")) {
    for (const auto& f : *finalizers) {
      if (f.is_string()) md.finalizers.emplace_back(f.get_string());
    }
  }
  const json::value* spec = common::Find(object, "spec");
  if (spec != nullptr && !spec->is_object()) {
    return common::MakeError(common::ErrorCode::kInvalid, "ModelDeployment spec must be an object");
  }
  if (spec != nullptr) md.raw_spec = spec->get_object();
  md.spec = ParseModelDeploymentSpec(md.raw_spec);
  if (const json::object* status = common::GetObject(object, "status")) md.raw_status = *status;
  md.status = ParseModelDeploymentStatus(md.raw_status);
  return md;
}

// ---- InferenceProviderConfig --------------------------------------------------------------------

const EngineCapability* ProviderConfig::GetEngineCapability(std::string_view engine) const {
  if (!has_capabilities) return nullptr;
  for (const auto& e : engines) {
    if (e.name == engine) return &e;
  }
  return nullptr;
}

bool ProviderConfig::SupportsServingMode(std::string_view engine, std::string_view mode) const {
  const EngineCapability* e = GetEngineCapability(engine);
  return e != nullptr && std::find(e->serving_modes.begin(), e->serving_modes.end(), mode) != e->serving_modes.end();
}

bool ProviderConfig::SupportsGpu(std::string_view engine) const {
  const EngineCapability* e = GetEngineCapability(engine);
  return e != nullptr && e->gpu_support;
}

bool ProviderConfig::SupportsCpu(std::string_view engine) const {
  const EngineCapability* e = GetEngineCapability(engine);
  return e != nullptr && e->cpu_support;
}

std::optional<std::vector<std::string>> ProviderConfig::EngineNames() const {
  if (!has_capabilities) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& e : engines) names.push_back(e.name);
  return names;
}

ProviderConfig ParseProviderConfig(const json::object& object) {
  ProviderConfig out;
  out.name = Str(Obj(object, "metadata"), "name");
  const json::object& spec = Obj(object, "spec");
  if (const json::object* capabilities = common::GetObject(spec, "capabilities")) {
    out.has_capabilities = true;
    if (const json::array* engines = common::GetArray(*capabilities, "engines")) {
      for (const auto& item : *engines) {
        if (!item.is_object()) continue;  // legacy string lists are migrated elsewhere
        const json::object& e = item.get_object();
        EngineCapability cap;
        cap.name = Str(e, "name");
        if (const json::array* modes = common::GetArray(e, "servingModes")) {
          for (const auto& m : *modes) {
            if (m.is_string()) cap.serving_modes.emplace_back(m.get_string());
          }
        }
        cap.gpu_support = Bool(e, "gpuSupport", false);
        cap.cpu_support = Bool(e, "cpuSupport", false);
        if (auto requires_crd = common::GetBool(e, "requiresCRD")) cap.requires_crd = *requires_crd;
        out.engines.push_back(std::move(cap));
      }
    }
  }
  if (const json::array* rules = common::GetArray(spec, "selectionRules")) {
    for (const auto& item : *rules) {
      if (!item.is_object()) continue;
      out.selection_rules.push_back(
          SelectionRule{Str(item.get_object(), "condition"), Int32(item.get_object(), "priority").value_or(0)});
    }
  }
  const json::object& status = Obj(object, "status");
  out.ready = Bool(status, "ready", false);
  out.version = Str(status, "version");
  out.conditions = ParseConditions(status);
  return out;
}

json::object CapabilitiesToJson(const std::vector<EngineCapability>& engines) {
  json::array list;
  for (const auto& e : engines) {
    json::object o{{"name", e.name}};
    if (!e.serving_modes.empty()) {
      json::array modes;
      for (const auto& m : e.serving_modes) modes.emplace_back(m);
      o["servingModes"] = std::move(modes);
    }
    o["gpuSupport"] = e.gpu_support;
    o["cpuSupport"] = e.cpu_support;
    if (e.requires_crd) o["requiresCRD"] = *e.requires_crd;
    list.push_back(std::move(o));
  }
  return json::object{{"engines", std::move(list)}};
}

// ---- helpers --------------------------------------------------------------------------------------

bool SetCondition(std::vector<Condition>& conditions, Condition condition, std::string_view now) {
  for (auto& existing : conditions) {
    if (existing.type != condition.type) continue;
    if (existing.status == condition.status && !existing.last_transition_time.empty()) {
      condition.last_transition_time = existing.last_transition_time;
    } else {
      condition.last_transition_time = std::string(now);
    }
    if (existing == condition) return false;
    existing = std::move(condition);
    return true;
  }
  condition.last_transition_time = std::string(now);
  conditions.push_back(std::move(condition));
  return true;
}

json::object MergePatchDiff(const json::object& before, const json::object& after) {
  json::object patch;
  for (const auto& [key, value] : before) {
    if (!after.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : after) {
    const json::value* old = before.if_contains(key);
    if (old != nullptr && *old == value) continue;
    if (old != nullptr && old->is_object() && value.is_object()) {
      json::object sub = MergePatchDiff(old->get_object(), value.get_object());
      if (!sub.empty()) patch[key] = std::move(sub);
    } else {
      patch[key] = value;
    }
  }
  return patch;
}

json::object OwnerReference(const ModelDeployment& md) {
  return json::object{{"apiVersion", kApiVersion}, {"kind", kModelDeploymentKind}, {"name", md.name},
                      {"uid", md.uid},             {"controller", true},           {"blockOwnerDeletion", true}};
}

bool IsOwnedBy(const json::object& object, std::string_view uid) {
  const json::value* refs = common::FindPath(object, {"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return false;
  for (const auto& ref : refs->get_array()) {
    if (ref.is_object() && Str(ref.get_object(), "uid") == uid) return true;
  }
  return false;
}

}  // namespace airunway::controller
