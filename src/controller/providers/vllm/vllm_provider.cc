#include "controller/providers/vllm/vllm_provider.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/build_info.h"
#include "common/json.h"
#include "controller/validation.h"

namespace airunway::controller::providers::vllm {
namespace json = boost::json;

namespace {

common::Error Invalid(std::string message) { return common::MakeError(common::ErrorCode::kInvalid, std::move(message)); }

std::string Str(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::value* v = common::FindPath(o, path);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::int64_t> Int(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::value* v = common::FindPath(o, path);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return std::nullopt;
}

json::object StringMapJson(const std::map<std::string, std::string>& map) {
  json::object out;
  for (const auto& [k, v] : map) out[k] = v;
  return out;
}

json::object Probe(int delay, int period, int failures) {
  return json::object{{"httpGet", {{"path", "/health"}, {"port", kPort}}},
                      {"initialDelaySeconds", delay},
                      {"periodSeconds", period},
                      {"failureThreshold", failures}};
}

json::object SelectorLabels(const ModelDeployment& md) {
  return json::object{{kLabelDeployment, md.name}, {"app", md.name}};
}

json::object StandardLabels(const ModelDeployment& md, std::string_view engine) {
  return json::object{{kLabelManagedBy, kManagedByValue},
                      {kLabelDeployment, md.name},
                      {kLabelModelSource, md.spec.IsHuggingFace() ? "huggingface" : md.spec.model_source},
                      {kLabelEngineType, engine}};
}

json::array BuildEnv(const ModelDeployment& md, std::string_view engine) {
  json::array env;
  const bool token = !md.spec.hf_token_secret.empty();
  bool has_kv_space = false;
  for (const auto& item : md.spec.env) {
    if (!item.is_object()) continue;
    const json::object& e = item.get_object();
    std::string name(common::GetString(e, "name").value_or(""));
    if (name.empty() || (token && name == "HF_TOKEN")) continue;
    if (name == "VLLM_CPU_KVCACHE_SPACE") has_kv_space = true;
    json::object out{{"name", name}};
    if (const json::value* from = e.if_contains("valueFrom"); from != nullptr && from->is_object()) {
      out["valueFrom"] = *from;  // preferred over value when both are given
    } else if (auto value = common::GetString(e, "value")) {
      out["value"] = *value;
    }
    env.push_back(std::move(out));
  }
  if (engine == "vllm" && md.spec.GpuCount() == 0 && !has_kv_space) {
    env.push_back(json::object{{"name", "VLLM_CPU_KVCACHE_SPACE"}, {"value", "4"}});  // GiB of KV cache on CPU
  }
  if (token) {
    env.push_back(json::object{
        {"name", "HF_TOKEN"},
        {"valueFrom", {{"secretKeyRef", {{"name", md.spec.hf_token_secret}, {"key", "HF_TOKEN"}}}}}});
  }
  return env;
}

json::object BuildResources(const ModelDeploymentSpec& spec) {
  json::object limits, requests;
  if (spec.GpuCount() > 0) {
    std::string gpu_key = spec.gpu && !spec.gpu->type.empty() ? spec.gpu->type : "nvidia.com/gpu";
    limits[gpu_key] = std::to_string(spec.GpuCount());
    requests[gpu_key] = std::to_string(spec.GpuCount());
  }
  if (!spec.memory.empty()) {
    limits["memory"] = spec.memory;
    requests["memory"] = spec.memory;
  }
  if (!spec.cpu.empty()) requests["cpu"] = spec.cpu;
  json::object out;
  if (!limits.empty()) out["limits"] = std::move(limits);
  if (!requests.empty()) out["requests"] = std::move(requests);
  return out;
}

}  // namespace

std::string ResolveImage(const ModelDeployment& md, std::string_view engine) {
  std::string image = md.spec.ImageOverride();
  if (!image.empty()) return image;
  if (engine == "llamacpp") return std::string(kDefaultLlamaCppImage);
  return std::string(md.spec.GpuCount() > 0 ? kDefaultGpuImage : kDefaultCpuImage);
}

common::Result<std::vector<std::string>> BuildArgs(const ModelDeployment& md, std::string_view engine) {
  const ModelDeploymentSpec& spec = md.spec;
  if (auto keys = ValidateEngineArgKeys(spec.engine.args); !keys) return keys.error();
  std::set<std::string> explicit_keys;
  for (const auto& [key, value] : spec.engine.args) explicit_keys.insert(key);
  for (const auto& token : spec.engine.extra_args) {
    std::string key = ExtraArgKey(token);
    if (!key.empty()) explicit_keys.insert(key);
  }
  for (std::string_view reserved : {"host", "port"}) {
    if (explicit_keys.count(std::string(reserved)) > 0) {
      return Invalid(fmt::format("engine argument --{} is reserved (the server listens on 0.0.0.0:{}); remove it "
                                 "from engine.args and engine.extraArgs",
                                 reserved, kPort));
    }
  }
  if (auto conflicts = ConflictingEngineArgs(spec.engine.args, spec.engine.extra_args); !conflicts.empty()) {
    return Invalid(fmt::format("flag --{} is set in both engine.args and engine.extraArgs; keep one", conflicts[0]));
  }
  std::vector<std::string> args{"--host", "0.0.0.0", "--port", std::to_string(kPort)};
  auto derived = [&](std::string_view key, std::optional<std::string> value) {
    if (explicit_keys.count(std::string(key)) > 0) return;
    args.push_back(fmt::format("--{}", key));
    if (value) args.push_back(*value);
  };
  if (engine == "llamacpp") {
    if (spec.IsHuggingFace() && !spec.model_id.empty()) derived("hf-repo", spec.model_id);
    if (!spec.served_name.empty()) derived("alias", spec.served_name);
    if (spec.engine.context_length) derived("ctx-size", std::to_string(*spec.engine.context_length));
  } else {
    if (!spec.model_id.empty()) derived("model", spec.model_id);
    if (!spec.served_name.empty()) derived("served-model-name", spec.served_name);
    if (spec.engine.context_length) derived("max-model-len", std::to_string(*spec.engine.context_length));
    if (spec.engine.trust_remote_code) derived("trust-remote-code", std::nullopt);
    if (spec.engine.enforce_eager) derived("enforce-eager", std::nullopt);
    if (spec.engine.enable_prefix_caching) derived("enable-prefix-caching", std::nullopt);
    if (spec.GpuCount() > 1) derived("tensor-parallel-size", std::to_string(spec.GpuCount()));
  }
  for (const auto& [key, value] : spec.engine.args) {  // std::map: sorted by key
    args.push_back(fmt::format("--{}", key));
    if (!value.empty()) args.push_back(value);
  }
  args.insert(args.end(), spec.engine.extra_args.begin(), spec.engine.extra_args.end());
  return args;
}

ProviderRegistration VllmProvider::Registration() const {
  ProviderRegistration r;
  // Unlike the reference (GPU-only vLLM), CPU-only specs run too: vLLM's CPU image, or llama.cpp.
  r.engines = {EngineCapability{"vllm", {"aggregated"}, true, true, false},
               EngineCapability{"llamacpp", {"aggregated"}, false, true, false}};
  r.upstream_crd_version = "apps/v1";
  r.version = fmt::format("vllm-provider:{}", common::GetBuildInfo().version);
  r.annotations["airunway.ai/documentation"] = "https://docs.vllm.ai/";
  r.annotations["airunway.ai/installation"] = json::serialize(json::object{
      {"description", "vLLM provider: deploys vLLM (or llama.cpp on CPU) Deployments + Services directly; "
                      "no operator needed."},
      {"steps", json::array{json::object{
                    {"title", "Create the HuggingFace token secret (gated models only)"},
                    {"command", "kubectl create secret generic vllm-hf-token --from-literal=HF_TOKEN=<token>"},
                    {"description", "Reference it from spec.secrets.huggingFaceToken."}}}}});
  return r;
}

std::vector<ManagedKind> VllmProvider::Kinds() const {
  return {ManagedKind{"apps/v1", "Deployment", kube::kDeployments}, ManagedKind{"v1", "Service", kube::kServices}};
}

std::string VllmProvider::PodSelector(const ModelDeployment& md) const {
  return fmt::format("{}={}", kLabelDeployment, md.name);
}

common::Status VllmProvider::CheckCompatible(const ModelDeployment& md, std::string_view engine) const {
  if (engine != "vllm" && engine != "llamacpp") {
    return Invalid(fmt::format("vLLM provider supports the vllm and llamacpp engines, got {}; set engine.type to "
                               "vllm or choose another provider",
                               engine));
  }
  if (md.spec.ServingMode() == kModeDisaggregated) {
    return Invalid("vLLM provider does not support disaggregated serving mode; use spec.serving.mode: aggregated");
  }
  if (engine == "llamacpp" && md.spec.GpuCount() > 0) {
    return Invalid("llama.cpp on the vLLM provider runs on CPU only; remove resources.gpu or use engine vllm");
  }
  return {};
}

common::Result<std::vector<json::object>> VllmProvider::Translate(const ModelDeployment& md,
                                                                 std::string_view engine) const {
  if (auto compatible = CheckCompatible(md, engine); !compatible) return compatible.error();
  auto args = BuildArgs(md, engine);
  if (!args) return args.error();
  const ModelDeploymentSpec& spec = md.spec;

  json::object container{{"name", "vllm"},
                         {"image", ResolveImage(md, engine)},
                         {"ports", json::array{{{"name", "http"}, {"containerPort", kPort}, {"protocol", "TCP"}}}},
                         {"startupProbe", Probe(15, 10, 60)},
                         {"livenessProbe", Probe(15, 10, 3)},
                         {"readinessProbe", Probe(15, 5, 3)}};
  json::array arg_list;
  for (const auto& a : *args) arg_list.emplace_back(a);
  container["args"] = std::move(arg_list);
  if (json::array env = BuildEnv(md, engine); !env.empty()) container["env"] = std::move(env);
  if (json::object resources = BuildResources(spec); !resources.empty()) container["resources"] = std::move(resources);

  json::array volumes, mounts;
  if (spec.GpuCount() > 1) {
    volumes.push_back(json::object{{"name", "shm"}, {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "20Gi"}}}});
    mounts.push_back(json::object{{"name", "shm"}, {"mountPath", "/dev/shm"}});
  }
  for (const auto& v : spec.volumes) {
    std::string claim = !v.claim_name.empty() ? v.claim_name : (v.size.empty() ? "" : md.name + "-" + v.name);
    std::string path = v.mount_path;
    if (path.empty() && v.purpose == "modelCache") path = "/model-cache";
    if (path.empty() && v.purpose == "compilationCache") path = "/compilation-cache";
    if (claim.empty() || path.empty()) continue;
    volumes.push_back(json::object{{"name", v.name}, {"persistentVolumeClaim", {{"claimName", claim}}}});
    json::object mount{{"name", v.name}, {"mountPath", path}};
    if (v.read_only) mount["readOnly"] = true;
    mounts.push_back(std::move(mount));
  }
  if (!mounts.empty()) container["volumeMounts"] = std::move(mounts);

  json::object pod_spec{{"containers", json::array{container}}};
  if (!volumes.empty()) pod_spec["volumes"] = std::move(volumes);
  if (!spec.node_selector.empty()) pod_spec["nodeSelector"] = StringMapJson(spec.node_selector);
  if (!spec.tolerations.empty()) pod_spec["tolerations"] = spec.tolerations;

  json::object pod_labels = StringMapJson(spec.pod_labels);
  for (const auto& [k, v] : SelectorLabels(md)) pod_labels[k] = v;  // users cannot clobber the selector
  json::object labels = StandardLabels(md, engine);
  for (const auto& [k, v] : spec.pod_labels) {
    if (!labels.contains(k)) labels[k] = v;
  }
  json::object metadata{{"name", md.name},
                        {"namespace", md.namespace_name},
                        {"labels", labels},
                        {"ownerReferences", json::array{OwnerReference(md)}}};
  if (!spec.pod_annotations.empty()) metadata["annotations"] = StringMapJson(spec.pod_annotations);

  json::object deployment{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", metadata},
      {"spec",
       {{"replicas", spec.has_scaling && spec.replicas > 0 ? spec.replicas : 1},
        {"selector", {{"matchLabels", SelectorLabels(md)}}},
        {"template",
         {{"metadata", {{"labels", pod_labels}, {"annotations", StringMapJson(spec.pod_annotations)}}},
          {"spec", pod_spec}}}}}};
  if (spec.provider_overrides && spec.provider_overrides->is_object()) {
    if (auto merged = MergeOverrides(deployment, spec.provider_overrides->get_object()); !merged) {
      return merged.error();
    }
  }

  json::object service_metadata{{"name", md.name},
                                {"namespace", md.namespace_name},
                                {"labels", StandardLabels(md, engine)},
                                {"ownerReferences", json::array{OwnerReference(md)}}};
  json::object service{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", service_metadata},
      {"spec",
       {{"type", "ClusterIP"},
        {"selector", SelectorLabels(md)},
        {"ports", json::array{{{"name", "http"}, {"port", kPort}, {"targetPort", kPort}, {"protocol", "TCP"}}}}}}};
  return std::vector<json::object>{std::move(deployment), std::move(service)};
}

namespace {

// The first pod-level reason worth reporting: a container that cannot start, or a pod the
// scheduler cannot place.
struct PodProblem {
  bool fatal = false;  // Failed (true) or Pending (false)
  std::string reason;
  std::string message;
};

std::optional<PodProblem> FindPodProblem(const std::vector<json::object>& pods) {
  static constexpr std::string_view kFatalWaiting[] = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                                                        "CrashLoopBackOff", "CreateContainerConfigError",
                                                        "CreateContainerError", "RunContainerError"};
  std::optional<PodProblem> pending;
  for (const auto& pod : pods) {
    const std::string name = Str(pod, {"metadata", "name"});
    if (const json::value* statuses = common::FindPath(pod, {"status", "containerStatuses"});
        statuses != nullptr && statuses->is_array()) {
      for (const auto& cs : statuses->get_array()) {
        if (!cs.is_object()) continue;
        std::string reason = Str(cs.get_object(), {"state", "waiting", "reason"});
        if (std::find(std::begin(kFatalWaiting), std::end(kFatalWaiting), reason) == std::end(kFatalWaiting)) continue;
        std::string message = Str(cs.get_object(), {"state", "waiting", "message"});
        return PodProblem{true, reason,
                          fmt::format("pod {}: container {} is in {}{}{}", name, Str(cs.get_object(), {"name"}),
                                      reason, message.empty() ? "" : ": ", message)};
      }
    }
    if (const json::value* conditions = common::FindPath(pod, {"status", "conditions"});
        !pending && conditions != nullptr && conditions->is_array()) {
      for (const auto& c : conditions->get_array()) {
        if (!c.is_object()) continue;
        const json::object& cond = c.get_object();
        if (Str(cond, {"type"}) == "PodScheduled" && Str(cond, {"status"}) == "False") {
          pending = PodProblem{false, Str(cond, {"reason"}).empty() ? "Unschedulable" : Str(cond, {"reason"}),
                               fmt::format("pod {} cannot be scheduled: {}", name, Str(cond, {"message"}))};
        }
      }
    }
  }
  return pending;
}

}  // namespace

ProviderStatus VllmProvider::MapStatus(const ModelDeployment& md, const Observed& observed) const {
  ProviderStatus s;
  s.endpoint_service = md.name;
  s.endpoint_port = kPort;
  if (!observed.primary) {
    s.phase = kPhasePending;
    s.reason = "DeploymentInProgress";
    s.message = "waiting for the Deployment to be created";
    return s;
  }
  const json::object& d = *observed.primary;
  const std::int32_t desired = static_cast<std::int32_t>(Int(d, {"spec", "replicas"}).value_or(1));
  s.desired = desired;
  s.ready = static_cast<std::int32_t>(Int(d, {"status", "readyReplicas"}).value_or(0));
  s.available = static_cast<std::int32_t>(Int(d, {"status", "availableReplicas"}).value_or(0));

  bool deadline_exceeded = false;
  std::string deadline_message;
  if (const json::value* conditions = common::FindPath(d, {"status", "conditions"});
      conditions != nullptr && conditions->is_array()) {
    for (const auto& c : conditions->get_array()) {
      if (!c.is_object()) continue;
      const json::object& cond = c.get_object();
      if (Str(cond, {"type"}) == "Progressing" && Str(cond, {"status"}) == "False" &&
          Str(cond, {"reason"}) == "ProgressDeadlineExceeded") {
        deadline_exceeded = true;
        deadline_message = Str(cond, {"message"});
      }
    }
  }
  const bool observed_current =
      Int(d, {"status", "observedGeneration"}).value_or(0) >= Int(d, {"metadata", "generation"}).value_or(0);
  if (observed_current && desired > 0 && *s.ready >= desired) {
    s.phase = kPhaseRunning;
    s.reason = "DeploymentReady";
    s.message = "Deployment created, pods are ready";
    return s;
  }
  if (deadline_exceeded) {
    s.phase = kPhaseFailed;
    s.reason = "DeploymentFailed";
    s.message = deadline_message.empty() ? "deployment timed out waiting for rollout" : deadline_message;
    return s;
  }
  if (auto problem = FindPodProblem(observed.pods)) {
    s.phase = problem->fatal ? kPhaseFailed : kPhasePending;
    s.reason = problem->reason;
    s.message = problem->message;
    return s;
  }
  s.phase = kPhaseDeploying;
  s.reason = "DeploymentInProgress";
  s.message = fmt::format("Deployment created, waiting for pods to be ready ({}/{} ready)", *s.ready, desired);
  return s;
}

std::unique_ptr<Provider> Make() { return std::make_unique<VllmProvider>(); }

}  // namespace airunway::controller::providers::vllm
