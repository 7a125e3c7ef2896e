// ModelDeployment validation and defaulting: the reference's admission-webhook rules
// (§2.11: defaults D1-D6, rules V1-V7 and V10-V12) and the reconciler's validateSpec with the
// shared CheckProviderCompatibility (§2.4). There is no admission webhook in this
// re-implementation, so the controller runs these itself on every reconcile and reports a
// violation as a condition whose message names the field and says what to change; nothing is
// created for an invalid spec.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/types.h"

namespace airunway::controller {

// The webhook's defaults D1-D6 applied to a raw spec (as stored), so the controller sees what
// it would have seen behind the reference's mutating webhook.
boost::json::object ApplySpecDefaults(boost::json::object spec, std::string_view md_name);

struct FieldError {
  std::string field;    // "spec.engine.extraArgs"
  std::string message;  // says what is wrong and what to do
};

// "field: message; field: message".
std::string JoinFieldErrors(const std::vector<FieldError>& errors);

// The webhook's create/update rules that need no other object: V1 (name without '.'), V2
// (image conflict), V3 (args vs extraArgs), V4 (model.id), V5-V7 (overrides), V10
// (disaggregated shape), V11 (storage volumes), V12 (ceilings).
std::vector<FieldError> ValidateWebhookRules(const ModelDeployment& md);

// V3 alone: keys of `args` that `extra_args` also sets (checklist 5-8).
std::vector<std::string> ConflictingEngineArgs(const std::map<std::string, std::string>& args,
                                               const std::vector<std::string>& extra_args);
// The key an extraArgs token sets: "--max-model-len=4096" → "max-model-len"; empty for tokens
// that do not start with exactly "--".
std::string ExtraArgKey(std::string_view token);

// V5-V7 over provider.overrides.
std::vector<FieldError> ValidateOverrides(const boost::json::value& overrides);

// Quantity text ("4Ti", "500m", "1.5G") → its value in base units; nullopt when malformed.
std::optional<long double> ParseQuantity(std::string_view text);

// CheckProviderCompatibility (reference §2.4 table).
enum class CompatibilityErrorKind { kEngineUnsupported, kServingModeUnsupported, kGpuRequired };
struct CompatibilityError {
  CompatibilityErrorKind kind;
  std::string field;
  std::string message;
};
std::optional<CompatibilityError> CheckProviderCompatibility(std::string_view provider_name,
                                                             const ProviderConfig* named_config,
                                                             const std::vector<ProviderConfig>* all_configs,
                                                             std::string_view engine, std::string_view mode,
                                                             std::int32_t gpu_count);

// validateSpec: the reconciler's checks in order, first failure wins. `engine` is the resolved
// engine (spec or status); the spec is never modified. The error message is the reference's.
common::Status ValidateSpec(const ModelDeployment& md, std::string_view engine,
                            const std::vector<ProviderConfig>& configs);

// True when spec.image and spec.engine.image are both set and differ.
bool HasImageConflict(const ModelDeploymentSpec& spec);
std::string ImageConflictMessage(const ModelDeploymentSpec& spec);

// ---- identity fields (the webhook's update rules U1, U2, U5, U6) --------------------------------
// The reference's webhook compares the old object with the new one; without a webhook the
// controller compares the (defaulted) spec with what it recorded in the kAnnotationIdentity
// annotation when it first accepted the spec. engine.type and provider.name are compared with
// status.engine.type / status.provider.name instead (the reference's status has those).

// The identity of a defaulted spec: {"model.id", "model.source" (empty reads as huggingface),
// "serving.mode" (empty reads as aggregated), "storage.managedVolumes" (the volumes with a
// size, each with the fields U6 compares)}.
boost::json::object IdentityOf(const ModelDeploymentSpec& spec);

// The recorded identity; nullopt when the annotation is absent or is not a JSON object.
std::optional<boost::json::object> RecordedIdentity(const ModelDeployment& md);

// One error per changed identity field, naming the field, the old and new value, and what to
// do (set it back, or delete and recreate). Keys absent from `recorded` are not compared.
std::vector<FieldError> CheckIdentity(const ModelDeploymentSpec& spec, const boost::json::object& recorded);

// U6's equality of two managed volumes: name, claimName, mountPath, purpose, readOnly,
// accessMode, storageClassName (absent and "" differ) and size by quantity value (1Gi ==
// 1024Mi). Returns the names of the fields that differ (empty when equal).
std::vector<std::string> ManagedVolumeDifferences(const StorageVolume& before, const StorageVolume& after);

// Dynamo's GPU-less test mode (annotation airunway.ai/dynamo-test-backend=mocker with
// provider dynamo).
bool IsMockerMode(const ModelDeployment& md);

}  // namespace airunway::controller
