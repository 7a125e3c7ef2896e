// Provider: the interface every in-tree inference provider implements (Direct vLLM today;
// KAITO, Dynamo, KubeRay and llm-d later), and the registry of built-in providers.
//
// A provider says what it can run (the InferenceProviderConfig it registers at start-up and
// keeps alive with a heartbeat), checks that a ModelDeployment fits it, translates the
// ModelDeployment into Kubernetes objects (owned by the ModelDeployment; the first object is
// the primary one whose status is reported), and maps what it observes back to a phase,
// replicas, endpoint and a reason. Applying the objects, finalizers, deletion and status
// writes are the reconciler's job, the same for every provider.
//
// Adding a provider touches only providers/<name>/: its provider.cmake appends its sources to
// CONTROLLER_SOURCES and its name to CONTROLLER_PROVIDERS, and it defines
// `std::unique_ptr<Provider> airunway::controller::providers::<name>::Make()`.
//
// Thread-safety: providers are immutable after construction; every method may be called from
// any number of reconcile workers at once.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "controller/types.h"
#include "kube/client.h"

namespace airunway::controller {

// What a provider registers as its InferenceProviderConfig.
struct ProviderRegistration {
  std::vector<EngineCapability> engines;
  std::vector<SelectionRule> selection_rules;
  std::map<std::string, std::string> annotations;
  std::string upstream_crd_version;  // e.g. "apps/v1"
  std::string version;               // "<name>-provider:<build version>"
};

// A kind of object the provider creates, and where it lives in the API.
struct ManagedKind {
  std::string api_version;
  std::string kind;
  kube::ResourceRef resource;
};

// What the reconciler read about the provider's objects for one ModelDeployment.
struct Observed {
  std::optional<boost::json::object> primary;  // nullopt when absent
  std::vector<boost::json::object> pods;       // pods matching PodSelector
};

// The provider's view of where a ModelDeployment stands.
struct ProviderStatus {
  std::string phase;    // Pending, Deploying, Running, Failed
  std::string message;
  std::string reason;   // reason of the Ready condition
  std::optional<std::int32_t> desired, ready, available;
  std::string endpoint_service;
  std::optional<std::int32_t> endpoint_port;
};

class Provider {
 public:
  virtual ~Provider() = default;

  virtual std::string_view Name() const = 0;
  virtual ProviderRegistration Registration() const = 0;
  // Kinds Translate may produce, the primary's kind first.
  virtual std::vector<ManagedKind> Kinds() const = 0;
  // A label selector for the pods of `md` (empty when the provider has none to report).
  virtual std::string PodSelector(const ModelDeployment& md) const = 0;

  // kInvalid with a message that says what to change when `md` cannot run on this provider.
  virtual common::Status CheckCompatible(const ModelDeployment& md, std::string_view engine) const = 0;
  // The desired objects (namespace, owner reference and labels included); element 0 is the
  // primary.
  virtual common::Result<std::vector<boost::json::object>> Translate(const ModelDeployment& md,
                                                                    std::string_view engine) const = 0;
  virtual ProviderStatus MapStatus(const ModelDeployment& md, const Observed& observed) const = 0;

  // "airunway.ai/<name>-provider".
  std::string Finalizer() const;
};

// Names of the providers compiled in, sorted.
std::vector<std::string> BuiltinProviderNames();
// A new instance of a built-in provider; nullptr for an unknown name.
std::unique_ptr<Provider> MakeProvider(std::string_view name);

// ---- helpers shared by providers ------------------------------------------------------------------

// Deep-merges `overrides` into `object` (objects merge recursively, anything else replaces);
// kInvalid when it tries to set apiVersion, kind, metadata or status.
common::Status MergeOverrides(boost::json::object& object, const boost::json::object& overrides);
// Label-value safe text: at most 63 characters of [A-Za-z0-9-_.], trimmed of -_. at the ends.
std::string SanitizeLabelValue(std::string_view value);
// Keys given in engine.args must be non-empty, not start with '-', and use [A-Za-z0-9_-].
common::Status ValidateEngineArgKeys(const std::map<std::string, std::string>& args);

}  // namespace airunway::controller
