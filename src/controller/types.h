// The airunway.ai/v1alpha1 API as the controller reads it: typed views of ModelDeployment and
// InferenceProviderConfig parsed from the JSON objects the API server (or an informer cache)
// hands out, the well-known names (resources, labels, annotations, finalizers), and the
// capability queries selection needs.
//
// Parsing never fails on a missing or mistyped optional field: such a field reads as absent,
// as the reference's Go structs read it. The raw JSON is kept next to the typed view so that
// unknown fields survive a round trip and selection rules see the spec exactly as stored.
//
// Thread-safety: plain values.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/client.h"

namespace airunway::controller {

inline constexpr std::string_view kGroup = "airunway.ai";
inline constexpr std::string_view kApiVersion = "airunway.ai/v1alpha1";
inline constexpr std::string_view kModelDeploymentKind = "ModelDeployment";
inline constexpr std::string_view kInferenceProviderConfigKind = "InferenceProviderConfig";
inline const kube::ResourceRef kModelDeployments{"airunway.ai", "v1alpha1", "modeldeployments", true};
inline const kube::ResourceRef kInferenceProviderConfigs{"airunway.ai", "v1alpha1", "inferenceproviderconfigs", false};
inline const kube::ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};

// Labels and annotations (reference §1.7).
inline constexpr std::string_view kLabelManagedBy = "airunway.ai/managed-by";
inline constexpr std::string_view kManagedByValue = "airunway";
inline constexpr std::string_view kLabelDeployment = "airunway.ai/deployment";
inline constexpr std::string_view kLabelModelDeployment = "airunway.ai/model-deployment";
inline constexpr std::string_view kLabelModelSource = "airunway.ai/model-source";
inline constexpr std::string_view kLabelEngineType = "airunway.ai/engine-type";
inline constexpr std::string_view kAnnotationPaused = "airunway.ai/reconcile-paused";
inline constexpr std::string_view kAnnotationDynamoTestBackend = "airunway.ai/dynamo-test-backend";
// Written by the controller, not the user: the identity fields (model.id, model.source,
// serving.mode, managed storage volumes) as first accepted, as JSON, so that a later change can
// be refused without an admission webhook (the reference's status has no field for them).
inline constexpr std::string_view kAnnotationIdentity = "airunway.ai/identity";

// Phases (status.phase).
inline constexpr std::string_view kPhasePending = "Pending";
inline constexpr std::string_view kPhaseDeploying = "Deploying";
inline constexpr std::string_view kPhaseRunning = "Running";
inline constexpr std::string_view kPhaseFailed = "Failed";
inline constexpr std::string_view kPhaseTerminating = "Terminating";

// Engines in the reference's order of preference for auto-selection.
inline constexpr std::string_view kEnginePreference[] = {"vllm", "sglang", "trtllm", "llamacpp"};
inline constexpr std::string_view kModeAggregated = "aggregated";
inline constexpr std::string_view kModeDisaggregated = "disaggregated";

struct GpuSpec {
  std::int32_t count = 0;
  std::string type;  // resource name; empty reads as nvidia.com/gpu
};

struct ComponentSpec {  // scaling.prefill / scaling.decode
  std::int32_t replicas = 1;
  std::optional<GpuSpec> gpu;
  std::string memory;
};

struct StorageVolume {
  std::string name;
  std::string claim_name;
  std::string mount_path;
  std::string purpose;  // modelCache, compilationCache, custom
  bool read_only = false;
  std::string size;  // quantity text; empty = unmanaged
  std::optional<std::string> storage_class_name;
  std::string access_mode;
};

struct EngineSpec {
  std::string type;
  std::string image;
  std::optional<std::int32_t> context_length;
  bool trust_remote_code = false;
  bool enable_prefix_caching = true;
  bool enforce_eager = false;
  std::map<std::string, std::string> args;  // sorted by key
  std::vector<std::string> extra_args;
};

struct ModelDeploymentSpec {
  std::string model_id;
  std::string served_name;
  std::string model_source;  // "" reads as huggingface
  std::vector<StorageVolume> volumes;
  bool has_storage = false;

  std::string provider_name;
  std::optional<boost::json::value> provider_overrides;

  EngineSpec engine;
  std::string serving_mode;  // "" reads as aggregated

  bool has_scaling = false;
  std::int32_t replicas = 1;
  std::optional<ComponentSpec> prefill;
  std::optional<ComponentSpec> decode;

  bool has_resources = false;
  std::optional<GpuSpec> gpu;
  std::string memory;
  std::string cpu;

  std::string image;            // legacy
  boost::json::array env;       // core/v1 EnvVar objects as written
  std::map<std::string, std::string> pod_labels;
  std::map<std::string, std::string> pod_annotations;
  std::string hf_token_secret;  // secrets.huggingFaceToken
  std::map<std::string, std::string> node_selector;
  boost::json::array tolerations;

  std::string ServingMode() const { return serving_mode.empty() ? std::string(kModeAggregated) : serving_mode; }
  std::int32_t GpuCount() const { return gpu ? gpu->count : 0; }
  bool IsHuggingFace() const { return model_source.empty() || model_source == "huggingface"; }
  // engine.image wins over the legacy spec.image.
  std::string ImageOverride() const { return !engine.image.empty() ? engine.image : image; }
};

struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::int64_t observed_generation = 0;
  std::string last_transition_time;  // RFC 3339
  friend bool operator==(const Condition&, const Condition&) = default;
};

struct ModelDeploymentStatus {
  std::string phase;
  std::string message;
  std::string provider_name;
  std::string provider_resource_name;
  std::string provider_resource_kind;
  std::string provider_selected_reason;
  std::string engine_type;
  std::string engine_selected_reason;
  std::optional<std::int32_t> replicas_desired, replicas_ready, replicas_available;
  std::string endpoint_service;
  std::optional<std::int32_t> endpoint_port;
  std::vector<Condition> conditions;
  std::optional<std::int64_t> observed_generation;

  const Condition* FindCondition(std::string_view type) const;
};

struct ModelDeployment {
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;
  bool being_deleted = false;
  std::string deletion_timestamp;
  std::string creation_timestamp;

  ModelDeploymentSpec spec;
  ModelDeploymentStatus status;
  boost::json::object raw_spec;    // as stored
  boost::json::object raw_status;  // as stored, with fields the typed view does not know

  bool HasFinalizer(std::string_view finalizer) const;
  bool Paused() const;
};

// kInvalid when `object` is not a ModelDeployment object at all (no metadata.name, spec not an
// object); missing or mistyped optional fields read as absent.
common::Result<ModelDeployment> ParseModelDeployment(const boost::json::object& object);
ModelDeploymentSpec ParseModelDeploymentSpec(const boost::json::object& spec);
ModelDeploymentStatus ParseModelDeploymentStatus(const boost::json::object& status);

// Writes the typed status into `status`: known fields are set from `typed` (an empty string or
// absent optional erases the key), unknown keys are left as they are.
void WriteStatus(const ModelDeploymentStatus& typed, boost::json::object& status);

// ---- InferenceProviderConfig ------------------------------------------------------------------

struct EngineCapability {
  std::string name;
  std::vector<std::string> serving_modes;
  bool gpu_support = false;
  bool cpu_support = false;
  std::optional<bool> requires_crd;
};

struct SelectionRule {
  std::string condition;
  std::int32_t priority = 0;
};

struct ProviderConfig {
  std::string name;
  bool has_capabilities = false;  // spec.capabilities present
  std::vector<EngineCapability> engines;
  std::vector<SelectionRule> selection_rules;
  bool ready = false;
  std::string version;
  std::vector<Condition> conditions;

  // Capability queries (reference checklist 1-4); all false/null for an undeclared engine or
  // a config without capabilities.
  const EngineCapability* GetEngineCapability(std::string_view engine) const;
  bool HasEngine(std::string_view engine) const { return GetEngineCapability(engine) != nullptr; }
  bool SupportsServingMode(std::string_view engine, std::string_view mode) const;
  bool SupportsGpu(std::string_view engine) const;
  bool SupportsCpu(std::string_view engine) const;
  // Declaration order; nullopt when there are no capabilities.
  std::optional<std::vector<std::string>> EngineNames() const;
};

ProviderConfig ParseProviderConfig(const boost::json::object& object);
boost::json::object CapabilitiesToJson(const std::vector<EngineCapability>& engines);

// ---- helpers -------------------------------------------------------------------------------------

// Upserts `condition` by type with metav1 semantics: lastTransitionTime is set to `now` when
// the condition is new or its status changes, and kept otherwise. True when anything changed.
bool SetCondition(std::vector<Condition>& conditions, Condition condition, std::string_view now);

boost::json::object ConditionToJson(const Condition& condition);
Condition ConditionFromJson(const boost::json::object& object);

// RFC 7386 merge patch turning `before` into `after` (keys removed in `after` become null).
// An empty object when they are equal.
boost::json::object MergePatchDiff(const boost::json::object& before, const boost::json::object& after);

// The owner reference objects created for a ModelDeployment carry.
boost::json::object OwnerReference(const ModelDeployment& md);
// True when `object` lists `uid` among its owner references.
bool IsOwnedBy(const boost::json::object& object, std::string_view uid);

}  // namespace airunway::controller
