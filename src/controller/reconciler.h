// ModelDeploymentReconciler: the level-based reconcile of one ModelDeployment, on the
// runtime's Reconciler interface. It plays both parts the reference splits into processes —
// the core (validation, engine and provider selection, §2.3) and, when the selected provider
// runs in this process, the provider shim (§3.1: finalizer, compatibility, translate, apply,
// status sync, deletion) — and writes status once per pass.
//
// Status is written as a JSON merge patch of the status subresource holding only the fields
// this pass changed (computed against the object as read), so fields written by anyone else
// are never touched; when conditions change, the patch carries the resourceVersion it was
// computed from (a list is replaced whole by a merge patch), and a conflict retries.
// Provider objects are applied with server-side apply (field manager "<provider>-provider",
// force), which also restores hand-edited fields; a hand-deleted object is re-created on the
// next pass (the Deployment watch triggers one at once, a 30 s resync catches the rest).
// Every decision is recorded as a Kubernetes Event on the ModelDeployment.
//
// Ownership: shares the Client, informers, recorder and providers it is given; owns nothing
// else. Thread-safety: Reconcile may run on several workers at once (never for one key twice,
// which the runtime guarantees).
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/provider.h"
#include "controller/runtime/event_recorder.h"
#include "controller/runtime/manager.h"
#include "controller/selection.h"
#include "kube/client.h"
#include "kube/informer.h"

namespace airunway::controller {

// The condition a provider config gets when one of its selection rules does not compile.
inline constexpr std::string_view kConditionSelectionRulesValid = "SelectionRulesValid";

struct ReconcilerOptions {
  std::shared_ptr<kube::Client> client;
  std::shared_ptr<kube::Informer> model_deployments;  // required
  std::shared_ptr<kube::Informer> provider_configs;   // required
  std::shared_ptr<kube::Informer> pods;               // optional; pods are listed when null
  runtime::EventRecorder* events = nullptr;           // optional
  std::vector<std::shared_ptr<const Provider>> providers;  // the providers running here
  bool enable_provider_selector = true;
  std::chrono::milliseconds resync{30'000};
  std::chrono::milliseconds finalizer_timeout{300'000};
  std::function<std::chrono::system_clock::time_point()> now;  // default: system clock
};

class ModelDeploymentReconciler : public runtime::Reconciler {
 public:
  explicit ModelDeploymentReconciler(ReconcilerOptions options);
  common::Result<runtime::Outcome> Reconcile(const std::string& key) override;

 private:
  struct Pass;
  common::Result<runtime::Outcome> Delete(const ModelDeployment& md, const Provider& provider);
  common::Result<runtime::Outcome> RunProvider(Pass& pass, const Provider& provider, const std::string& engine);
  common::Status WriteStatus(Pass& pass);
  // Adds `provider`'s finalizer (when given and missing) and records the identity annotation
  // (when the pass has one to record) in one metadata patch; the outcome to return when the
  // pass must stop, nullopt to carry on.
  std::optional<common::Result<runtime::Outcome>> UpdateMetadata(Pass& pass, const Provider* provider);
  void MarkRuleProblems(const std::vector<RuleProblem>& problems);
  const Provider* FindProvider(std::string_view name) const;
  std::string Now() const;

  ReconcilerOptions options_;
  RuleCache rules_;
};

// The ModelDeployment keys an InferenceProviderConfig event concerns (reference §2.2): those
// that name it in spec or status, and those still waiting for a provider.
std::vector<std::string> ModelDeploymentsForProvider(const kube::Informer& model_deployments,
                                                     const boost::json::object& provider_config);

}  // namespace airunway::controller
