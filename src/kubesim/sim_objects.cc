#include "kubesim/sim_objects.h"

#include <fmt/format.h>

#include <atomic>
#include <random>

#include "common/time.h"

namespace airunway::kubesim {

namespace json = boost::json;

StoreResource SimStoreResourceFor(const ResourceType& type) {
  StoreResource r;
  r.group = type.group;
  r.version = type.version;
  r.resource = type.resource;
  r.kind = type.kind;
  r.namespaced = type.namespaced;
  r.has_status_subresource = type.FindSubresource("status") != nullptr;
  // The field selectors the real registries accept for these types.
  if (type.group.empty() && type.resource == "pods") {
    r.extra_field_selectors = {"spec.nodeName",          "spec.restartPolicy", "spec.schedulerName",
                               "spec.serviceAccountName", "spec.hostNetwork",   "status.phase",
                               "status.podIP",           "status.nominatedNodeName"};
  } else if (type.group.empty() && type.resource == "events") {
    r.extra_field_selectors = {"involvedObject.kind",       "involvedObject.namespace",
                               "involvedObject.name",       "involvedObject.uid",
                               "involvedObject.apiVersion", "involvedObject.resourceVersion",
                               "involvedObject.fieldPath",  "reason",
                               "reportingComponent",        "source",
                               "type"};
  } else if (type.group.empty() && type.resource == "nodes") {
    r.extra_field_selectors = {"spec.unschedulable"};
  } else if (type.group.empty() && type.resource == "namespaces") {
    r.extra_field_selectors = {"status.phase"};
  } else if (type.group.empty() && type.resource == "secrets") {
    r.extra_field_selectors = {"type"};
  } else if (type.group == "apps" && type.resource == "replicasets") {
    r.extra_field_selectors = {"status.replicas"};
  } else if (type.group == "batch" && type.resource == "jobs") {
    r.extra_field_selectors = {"status.successful"};
  }
  return r;
}

SimResources SimResources::From(const Registry& registry, const StoreResourceFn& convert) {
  StoreResourceFn fn = convert ? convert : StoreResourceFn(&SimStoreResourceFor);
  auto get = [&](std::string_view group, std::string_view resource) {
    auto type = registry.Find(group, "v1", resource);
    if (type) return fn(*type);
    StoreResource fallback;  // unreachable with the built-in registry; keeps the value sane
    fallback.group = group;
    fallback.version = "v1";
    fallback.resource = resource;
    return fallback;
  };
  SimResources r;
  r.namespaces = get("", "namespaces");
  r.nodes = get("", "nodes");
  r.pods = get("", "pods");
  r.events = get("", "events");
  r.services = get("", "services");
  r.endpoints = get("", "endpoints");
  r.configmaps = get("", "configmaps");
  r.deployments = get("apps", "deployments");
  r.replicasets = get("apps", "replicasets");
  r.statefulsets = get("apps", "statefulsets");
  r.daemonsets = get("apps", "daemonsets");
  r.jobs = get("batch", "jobs");
  return r;
}

SimResources SimResources::Builtin() {
  Registry registry;
  return From(registry);
}

std::string NowRfc3339() { return common::FormatRfc3339Seconds(std::chrono::system_clock::now()); }

namespace simjson {

const json::object* Obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* Arr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_array() ? &v->get_array() : nullptr;
}

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t Int(const json::object& o, std::string_view key, std::int64_t fallback) {
  const json::value* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return fallback;
}

const json::object* ObjAt(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::object* cur = &o;
  for (std::string_view key : path) {
    cur = Obj(*cur, key);
    if (!cur) return nullptr;
  }
  return cur;
}

json::object& EnsureObj(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

const json::object& Meta(const json::object& o) {
  static const json::object kEmpty;
  const json::object* m = Obj(o, "metadata");
  return m ? *m : kEmpty;
}

std::string Name(const json::object& o) { return Str(Meta(o), "name"); }
std::string Namespace(const json::object& o) { return Str(Meta(o), "namespace"); }
std::string Uid(const json::object& o) { return Str(Meta(o), "uid"); }
std::int64_t Generation(const json::object& o) { return Int(Meta(o), "generation", 0); }
bool BeingDeleted(const json::object& o) { return Meta(o).contains("deletionTimestamp"); }
const json::object* Labels(const json::object& o) { return Obj(Meta(o), "labels"); }

namespace {

// The ownerReference with controller: true and the given kind, or nullptr.
const json::object* FindControllerRef(const json::object& o, std::string_view kind) {
  const json::array* refs = Arr(Meta(o), "ownerReferences");
  if (!refs) return nullptr;
  for (const json::value& v : *refs) {
    if (!v.is_object()) continue;
    const json::object& ref = v.get_object();
    const json::value* controller = ref.if_contains("controller");
    if (controller && controller->is_bool() && controller->get_bool() && Str(ref, "kind") == kind) return &ref;
  }
  return nullptr;
}

}  // namespace

std::string ControllerUid(const json::object& o, std::string_view kind) {
  const json::object* ref = FindControllerRef(o, kind);
  return ref ? Str(*ref, "uid") : std::string();
}

std::string ControllerName(const json::object& o, std::string_view kind) {
  const json::object* ref = FindControllerRef(o, kind);
  return ref ? Str(*ref, "name") : std::string();
}

json::object ControllerRef(const json::object& owner) {
  return json::object{{"apiVersion", Str(owner, "apiVersion")},
                      {"kind", Str(owner, "kind")},
                      {"name", Name(owner)},
                      {"uid", Uid(owner)},
                      {"controller", true},
                      {"blockOwnerDeletion", true}};
}

const json::object* Condition(const json::object& o, std::string_view type) {
  const json::object* status = Obj(o, "status");
  const json::array* conditions = status ? Arr(*status, "conditions") : nullptr;
  if (!conditions) return nullptr;
  for (const json::value& v : *conditions) {
    if (v.is_object() && Str(v.get_object(), "type") == type) return &v.get_object();
  }
  return nullptr;
}

void SetCondition(json::object& status, std::string_view type, std::string_view condition_status,
                  std::string_view reason, std::string_view message, const std::string& now,
                  json::object fields) {
  json::value& list = status["conditions"];
  if (!list.is_array()) list = json::array();
  json::array& conditions = list.get_array();
  json::object next;
  next["type"] = type;
  next["status"] = condition_status;
  for (auto& [k, v] : fields) next[k] = v;
  next["lastTransitionTime"] = now;
  if (!reason.empty()) next["reason"] = reason;
  if (!message.empty()) next["message"] = message;
  for (json::value& v : conditions) {
    if (!v.is_object() || Str(v.get_object(), "type") != type) continue;
    json::object& old = v.get_object();
    if (Str(old, "status") == condition_status && Str(old, "reason") == reason && Str(old, "message") == message) {
      return;  // unchanged: keep every timestamp, so that a reconcile without news writes nothing
    }
    if (Str(old, "status") == condition_status && old.contains("lastTransitionTime")) {
      next["lastTransitionTime"] = old["lastTransitionTime"];
    }
    v = std::move(next);
    return;
  }
  conditions.push_back(std::move(next));
}

bool PodReady(const json::object& pod) {
  const json::object* ready = Condition(pod, "Ready");
  return ready && Str(*ready, "status") == "True";
}

std::string PodPhase(const json::object& pod) {
  const json::object* status = Obj(pod, "status");
  return status ? Str(*status, "phase") : std::string();
}

bool PodActive(const json::object& pod) {
  std::string phase = PodPhase(pod);
  return phase != "Succeeded" && phase != "Failed" && !BeingDeleted(pod);
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single backtrack point; patterns are short.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string ShortHash(std::string_view text, std::size_t length) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    out += kAlphabet[h % kAlphabet.size()];
    h /= kAlphabet.size();
    if (h == 0) h = 1099511628211ULL * (i + 7);
  }
  return out;
}

std::string RandomSuffix() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[random() % kAlphabet.size()];
  return out;
}

}  // namespace simjson

EventRecorder::EventRecorder(Store& store, StoreResource events) : store_(store), events_(std::move(events)) {}

void EventRecorder::Record(const json::object& involved, std::string_view type, std::string_view reason,
                           std::string_view message, const EventSource& source, std::string_view field_path) {
  using namespace simjson;
  const std::string ns = Namespace(involved).empty() ? "default" : Namespace(involved);
  const std::string now = NowRfc3339();
  Key key{Uid(involved), std::string(reason), std::string(message), std::string(field_path)};
  {
    std::string existing;
    {
      std::lock_guard lock(mu_);
      auto it = recent_.find(key);
      if (it != recent_.end()) existing = it->second;
    }
    if (!existing.empty()) {
      auto updated = store_.Mutate(events_, ns, existing, [&](const json::object& current) -> ApiResult<json::object> {
        json::object next = current;
        next["count"] = Int(current, "count", 1) + 1;
        next["lastTimestamp"] = now;
        return next;
      });
      if (IsOk(updated)) return;
    }
  }
  json::object ref{{"kind", Str(involved, "kind")},
                   {"namespace", Namespace(involved)},
                   {"name", Name(involved)},
                   {"uid", Uid(involved)},
                   {"apiVersion", Str(involved, "apiVersion")},
                   {"resourceVersion", Str(Meta(involved), "resourceVersion")}};
  if (Namespace(involved).empty()) ref.erase("namespace");
  if (!field_path.empty()) ref["fieldPath"] = field_path;
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  static std::atomic<std::uint64_t> sequence{0};
  json::object source_json{{"component", source.component}};
  if (!source.host.empty()) source_json["host"] = source.host;
  json::object event{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata",
       json::object{{"name", fmt::format("{}.{:x}", Name(involved), static_cast<std::uint64_t>(nanos) + sequence++)},
                    {"namespace", ns}}},
      {"involvedObject", std::move(ref)},
      {"reason", reason},
      {"message", message},
      {"source", std::move(source_json)},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
      {"type", type},
      {"eventTime", nullptr},
      {"reportingComponent", source.component},
      {"reportingInstance", source.host.empty() ? source.component : source.host},
  };
  auto created = store_.Create(events_, ns, std::move(event));
  if (auto* obj = std::get_if<ObjectPtr>(&created)) {
    std::lock_guard lock(mu_);
    if (recent_.size() > 20000) recent_.clear();  // bounded: a forgotten entry only means a new Event
    recent_[key] = Name(**obj);  // the namespace is the involved object's
  }
}

}  // namespace airunway::kubesim
