#include "services/deployments/status.h"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <set>

#include "common/json.h"
#include "common/time.h"

namespace airunway::services::deployments {

namespace json = boost::json;

namespace {

std::optional<std::int64_t> IntAt(const json::object& object, std::initializer_list<std::string_view> path) {
  const auto* value = common::FindPath(object, path);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->as_double());
  return std::nullopt;
}

const json::array* ArrayAt(const json::object& object, std::initializer_list<std::string_view> path) {
  const auto* value = common::FindPath(object, path);
  return value != nullptr && value->is_array() ? &value->as_array() : nullptr;
}

bool ContainsCaseless(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != haystack.end();
}

constexpr std::string_view kFailureReasons[] = {"CrashLoopBackOff", "CreateContainerConfigError",
                                                "CreateContainerError", "ErrImagePull", "ImagePullBackOff",
                                                "InvalidImageName", "RunContainerError", "StartError"};

}  // namespace

std::vector<kube::ObjectPtr> DiscoverPods(const kube::Informer& pods, std::string_view ns, std::string_view name) {
  std::map<std::string, kube::ObjectPtr> found;
  auto in_namespace = [&](const kube::ObjectPtr& pod) { return common::StringAt(*pod, {"metadata", "namespace"}) == ns; };
  auto add = [&](const kube::ObjectPtr& pod) { found.emplace(std::string(common::StringAt(*pod, {"metadata", "name"})), pod); };
  for (std::string_view key : {"app.kubernetes.io/instance", "airunway.ai/deployment", "airunway.ai/model-deployment",
                               "nvidia.com/dynamo-graph-deployment-name", "kaito.sh/workspace"}) {
    auto matched = pods.ByIndex(kube::IndexKind::kLabel, std::string(key) + "=" + std::string(name));
    if (!matched) continue;
    for (const auto& pod : *matched) {
      if (in_namespace(pod)) add(pod);
    }
  }
  // Pods with a ray.io/cluster label, found through the label-key index: scanning the whole
  // namespace here made listing N deployments cost N × (pods in the namespace).
  if (auto rays = pods.ByIndex(kube::IndexKind::kLabelKey, "ray.io/cluster")) {
    std::string prefix = std::string(name) + "-raycluster";
    for (const auto& pod : *rays) {
      if (!in_namespace(pod)) continue;
      const auto* labels = common::FindPath(*pod, {"metadata", "labels"});
      if (labels == nullptr || !labels->is_object()) continue;
      const auto* ray = labels->as_object().if_contains("ray.io/cluster");
      if (ray == nullptr || !ray->is_string()) continue;
      std::string_view value = ray->as_string();
      if (value == name || value.starts_with(prefix)) add(pod);
    }
  }
  if (found.empty()) {
    if (auto matched = pods.ByIndex(kube::IndexKind::kLabel, "app=" + std::string(name))) {
      for (const auto& pod : *matched) {
        if (in_namespace(pod)) add(pod);
      }
    }
  }
  std::vector<kube::ObjectPtr> out;
  out.reserve(found.size());
  for (auto& [key, pod] : found) out.push_back(pod);
  return out;
}

json::object PodStatusOf(const json::object& pod) {
  json::object out;
  std::string_view name = common::StringAt(pod, {"metadata", "name"});
  out["name"] = name.empty() ? "unknown" : name;
  std::string_view phase = common::StringAt(pod, {"status", "phase"});
  out["phase"] = phase.empty() ? "Unknown" : phase;
  const auto* statuses = ArrayAt(pod, {"status", "containerStatuses"});
  const auto* init_statuses = ArrayAt(pod, {"status", "initContainerStatuses"});
  bool ready = statuses != nullptr && !statuses->empty();
  std::int64_t restarts = 0;
  if (statuses != nullptr) {
    for (const auto& s : *statuses) {
      if (!s.is_object()) continue;
      if (!common::GetBool(s.as_object(), "ready").value_or(false)) ready = false;
      restarts += common::GetInt(s.as_object(), "restartCount").value_or(0);
    }
  }
  if (init_statuses != nullptr) {
    for (const auto& s : *init_statuses) {
      if (s.is_object()) restarts += common::GetInt(s.as_object(), "restartCount").value_or(0);
    }
  }
  out["ready"] = ready;
  out["restarts"] = restarts;
  std::string_view node = common::StringAt(pod, {"spec", "nodeName"});
  if (!node.empty()) out["node"] = node;
  // Container names (an addition to the reference's shape) so a client can pick the logs of
  // one container without fetching the pod.
  if (const auto* containers = ArrayAt(pod, {"spec", "containers"}); containers != nullptr) {
    json::array names;
    for (const auto& c : *containers) {
      if (!c.is_object()) continue;
      if (auto container_name = common::GetString(c.as_object(), "name")) names.emplace_back(*container_name);
    }
    out["containers"] = std::move(names);
  }

  // First waiting state (init containers first), else first terminated, else the pod's own.
  auto find_state = [&](std::string_view state) -> const json::object* {
    for (const auto* list : {init_statuses, statuses}) {
      if (list == nullptr) continue;
      for (const auto& s : *list) {
        if (!s.is_object()) continue;
        const auto* found = common::FindPath(s.as_object(), {"state", state});
        if (found != nullptr && found->is_object()) return &found->as_object();
      }
    }
    return nullptr;
  };
  const json::object* state = find_state("waiting");
  if (state == nullptr) state = find_state("terminated");
  std::string_view reason = state != nullptr ? common::StringAt(*state, {"reason"}) : std::string_view();
  std::string_view message = state != nullptr ? common::StringAt(*state, {"message"}) : std::string_view();
  if (state == nullptr) {
    reason = common::StringAt(pod, {"status", "reason"});
    message = common::StringAt(pod, {"status", "message"});
  }
  if (!reason.empty()) out["reason"] = reason;
  if (!message.empty()) out["message"] = message;
  return out;
}

json::object DeploymentStatusOf(const json::object& md, const std::vector<json::object>& pods) {
  std::string_view mode = common::StringAt(md, {"spec", "serving", "mode"});
  if (mode.empty()) mode = "aggregated";
  bool any_ready = false, all_ready = !pods.empty();
  for (const auto& pod : pods) {
    bool ready = pod.at("ready").as_bool();
    any_ready = any_ready || ready;
    all_ready = all_ready && ready;
  }
  bool ready_condition = false;
  if (const auto* conditions = ArrayAt(md, {"status", "conditions"})) {
    for (const auto& c : *conditions) {
      if (c.is_object() && common::StringAt(c.as_object(), {"type"}) == "Ready" && common::StringAt(c.as_object(), {"status"}) == "True") {
        ready_condition = true;
      }
    }
  }

  std::int64_t desired = 0, ready = 0, available = 0;
  const auto* replicas = common::FindPath(md, {"status", "replicas"});
  bool has_status_replicas = false;
  if (replicas != nullptr && replicas->is_object()) {
    const auto& r = replicas->as_object();
    has_status_replicas = r.contains("desired") || r.contains("ready") || r.contains("available");
  }
  if (has_status_replicas) {
    desired = IntAt(md, {"status", "replicas", "desired"}).value_or(0);
    ready = IntAt(md, {"status", "replicas", "ready"}).value_or(0);
    available = IntAt(md, {"status", "replicas", "available"}).value_or(0);
  } else if (mode == "disaggregated") {
    desired = IntAt(md, {"status", "prefillReplicas", "desired"})
                  .value_or(IntAt(md, {"spec", "scaling", "prefill", "replicas"}).value_or(0)) +
              IntAt(md, {"status", "decodeReplicas", "desired"})
                  .value_or(IntAt(md, {"spec", "scaling", "decode", "replicas"}).value_or(0));
    ready = available = IntAt(md, {"status", "prefillReplicas", "ready"}).value_or(0) +
                        IntAt(md, {"status", "decodeReplicas", "ready"}).value_or(0);
  } else {
    desired = IntAt(md, {"spec", "scaling", "replicas"}).value_or(1);
    ready = available = (ready_condition || all_ready) ? desired : 0;
  }

  std::string_view status_phase = common::StringAt(md, {"status", "phase"});
  std::string phase;
  bool failed_pod = false, running_or_placed = false, unscheduled = false;
  for (const auto& pod : pods) {
    std::string_view pod_phase = pod.at("phase").as_string();
    std::string_view reason = pod.contains("reason") ? std::string_view(pod.at("reason").as_string()) : "";
    if (pod_phase == "Failed" ||
        std::find(std::begin(kFailureReasons), std::end(kFailureReasons), reason) != std::end(kFailureReasons)) {
      failed_pod = true;
    }
    if (pod_phase == "Running" || (pod_phase == "Pending" && pod.contains("node"))) running_or_placed = true;
    if (pod_phase == "Pending" && !pod.contains("node")) unscheduled = true;
  }
  bool enough = desired > 0 ? ready >= desired : any_ready;
  if (status_phase == "Terminating") phase = "Terminating";
  else if (enough && (status_phase == "Running" || any_ready)) phase = "Running";
  else if (failed_pod) phase = "Failed";
  else if (running_or_placed) phase = "Deploying";
  else if (unscheduled) phase = "Pending";
  else phase = status_phase.empty() ? "Pending" : std::string(status_phase);

  json::object out;
  out["name"] = common::StringAt(md, {"metadata", "name"});
  out["namespace"] = common::StringAt(md, {"metadata", "namespace"});
  out["modelId"] = common::StringAt(md, {"spec", "model", "id"});
  if (std::string_view served = common::StringAt(md, {"spec", "model", "servedName"}); !served.empty()) out["servedModelName"] = served;
  std::string_view engine = common::StringAt(md, {"spec", "engine", "type"});
  if (engine.empty()) engine = common::StringAt(md, {"status", "engine", "type"});
  if (!engine.empty()) out["engine"] = engine;
  out["mode"] = mode;
  out["phase"] = phase;
  std::string_view provider = common::StringAt(md, {"status", "provider", "name"});
  if (provider.empty()) provider = common::StringAt(md, {"spec", "provider", "name"});
  out["provider"] = provider.empty() ? "unknown" : provider;
  out["replicas"] = json::object{{"desired", desired}, {"ready", ready}, {"available", available}};
  if (const auto* conditions = ArrayAt(md, {"status", "conditions"})) out["conditions"] = *conditions;
  json::array pod_list;
  for (const auto& pod : pods) pod_list.push_back(pod);
  out["pods"] = std::move(pod_list);
  std::string_view created = common::StringAt(md, {"metadata", "creationTimestamp"});
  if (!created.empty()) {
    // Kubernetes writes seconds; the wire wants milliseconds (toISOString).
    auto parsed = common::ParseRfc3339(created);
    out["createdAt"] = parsed ? common::FormatRfc3339Millis(*parsed) : std::string(created);
  } else {
    out["createdAt"] = common::FormatRfc3339Millis(std::chrono::system_clock::now());
  }
  std::string service(common::StringAt(md, {"status", "endpoint", "service"}));
  if (service.empty()) service = common::StringAt(md, {"metadata", "name"});
  if (auto port = IntAt(md, {"status", "endpoint", "port"}); port && *port > 0) service += ":" + std::to_string(*port);
  out["frontendService"] = service;
  for (auto key : {"prefillReplicas", "decodeReplicas"}) {
    const auto* part = common::FindPath(md, {"status", key});
    if (part != nullptr && part->is_object()) {
      out[key] = json::object{{"desired", IntAt(part->as_object(), {"desired"}).value_or(0)},
                              {"ready", IntAt(part->as_object(), {"ready"}).value_or(0)}};
    }
  }
  if (const auto* gateway = common::FindPath(md, {"status", "gateway"}); gateway != nullptr && gateway->is_object()) {
    json::object g;
    if (auto endpoint = common::StringAt(gateway->as_object(), {"endpoint"}); !endpoint.empty()) g["endpoint"] = endpoint;
    if (auto model = common::StringAt(gateway->as_object(), {"modelName"}); !model.empty()) g["modelName"] = model;
    out["gateway"] = std::move(g);
  }
  if (const auto* image = common::FindPath(md, {"status", "image"}); image != nullptr && image->is_object()) {
    out["image"] = *image;
  }
  if (const auto* storage = common::FindPath(md, {"spec", "model", "storage"}); storage != nullptr && storage->is_object()) {
    out["storage"] = *storage;
  }
  return out;
}

json::array PendingReasons(const std::vector<kube::ObjectPtr>& events) {
  json::array reasons;
  for (const auto& event : events) {
    if (common::StringAt(*event, {"type"}) != "Warning") continue;
    std::string_view reason = common::StringAt(*event, {"reason"});
    std::string_view message = common::StringAt(*event, {"message"});
    json::object out{{"reason", reason.empty() ? "Unknown" : reason}, {"message", message}};
    bool constraint = reason == "FailedScheduling" || ContainsCaseless(message, "insufficient");
    out["isResourceConstraint"] = constraint;
    bool helps = false;
    if (constraint) {
      if (ContainsCaseless(message, "nvidia.com/gpu")) out["resourceType"] = "gpu", helps = true;
      else if (ContainsCaseless(message, "cpu")) out["resourceType"] = "cpu", helps = true;
      else if (ContainsCaseless(message, "memory")) out["resourceType"] = "memory", helps = true;
      if (ContainsCaseless(message, "taint") || ContainsCaseless(message, "toleration") ||
          ContainsCaseless(message, "node selector") || ContainsCaseless(message, "didn't match")) {
        helps = false;
      }
    }
    out["canAutoscalerHelp"] = helps;
    reasons.push_back(std::move(out));
  }
  return reasons;
}

std::string DefaultLogContainer(const json::object& pod) {
  const auto* containers = ArrayAt(pod, {"spec", "containers"});
  if (containers == nullptr || containers->empty()) return {};
  std::vector<std::string> names;
  for (const auto& c : *containers) {
    if (c.is_object()) names.emplace_back(common::StringAt(c.as_object(), {"name"}));
  }
  for (std::string_view preferred :
       {"main", "vllm", "model", "ray-head", "ray-worker", "inference", "worker", "server", "frontend"}) {
    if (std::find(names.begin(), names.end(), preferred) != names.end()) return std::string(preferred);
  }
  if (const auto* statuses = ArrayAt(pod, {"status", "containerStatuses"})) {
    for (const auto& s : *statuses) {
      if (s.is_object() && common::GetBool(s.as_object(), "ready").value_or(false)) {
        return std::string(common::StringAt(s.as_object(), {"name"}));
      }
    }
  }
  return names.empty() ? std::string() : names.front();
}

bool PodHasContainer(const json::object& pod, std::string_view container) {
  for (auto key : {"containers", "initContainers"}) {
    const auto* list = common::FindPath(pod, {"spec", key});
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& c : list->as_array()) {
      if (c.is_object() && common::StringAt(c.as_object(), {"name"}) == container) return true;
    }
  }
  return false;
}

std::string StripAnsi(std::string_view text, std::string* carry) {
  std::string input;
  if (carry != nullptr && !carry->empty()) {
    input = std::move(*carry) + std::string(text);
    carry->clear();
    text = input;
  }
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\x1b') {
      std::size_t j = i + 1;
      if (j == text.size()) {
        if (carry != nullptr) *carry = std::string(text.substr(i));
        else out += text[i];
        break;
      }
      if (text[j] == '[') {
        ++j;
        while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == ';')) ++j;
        if (j == text.size() && carry != nullptr) {
          *carry = std::string(text.substr(i));
          break;
        }
        if (j < text.size() && text[j] == 'm') {
          i = j + 1;
          continue;
        }
      }
    }
    out += text[i];
    ++i;
  }
  return out;
}

}  // namespace airunway::services::deployments
