#include "controller/reconciler.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "common/logging.h"

#include <algorithm>

#include "common/json.h"
#include "common/time.h"
#include "controller/validation.h"
#include "kube/errors.h"

namespace airunway::controller {
namespace json = boost::json;
using runtime::EventType;
using runtime::Outcome;

namespace {

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string Key(const ModelDeployment& md) { return md.namespace_name + "/" + md.name; }

struct PendingEvent {
  EventType type;
  std::string reason;
  std::string message;
};

}  // namespace

// One reconcile pass: the object as read, the status being built, and the events to record
// once the status is written.
struct ModelDeploymentReconciler::Pass {
  json::object object;  // as read (for events' involvedObject)
  ModelDeployment md;
  ModelDeploymentStatus status;
  json::object raw_status;  // written fields beyond the typed view (status.image)
  std::string now;
  std::vector<PendingEvent> events;
  // The identity annotation to record (serialized), when none is recorded yet.
  std::string identity_to_record;

  // Upserts a condition; true when it changed.
  bool Set(std::string_view type, std::string_view state, std::string_view reason, std::string message) {
    return SetCondition(status.conditions,
                        Condition{std::string(type), std::string(state), std::string(reason), std::move(message),
                                  md.generation, ""},
                        now);
  }
  void Event(EventType type, std::string reason, std::string message) {
    events.push_back({type, std::move(reason), std::move(message)});
  }
  // A failure the user must fix: phase Failed, Ready=False, one Warning event per change.
  void Fail(std::string_view condition, std::string_view reason, const std::string& message) {
    bool changed = Set(condition, "False", reason, message);
    changed |= Set("Ready", "False", reason, message);
    status.phase = kPhaseFailed;
    status.message = message;
    if (changed) Event(EventType::kWarning, std::string(reason), message);
  }
};

ModelDeploymentReconciler::ModelDeploymentReconciler(ReconcilerOptions options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
}

std::string ModelDeploymentReconciler::Now() const { return common::FormatRfc3339Seconds(options_.now()); }

const Provider* ModelDeploymentReconciler::FindProvider(std::string_view name) const {
  for (const auto& p : options_.providers) {
    if (p->Name() == name) return p.get();
  }
  return nullptr;
}

common::Result<Outcome> ModelDeploymentReconciler::Reconcile(const std::string& key) {
  auto [ns, name] = SplitKey(key);
  auto cached = options_.model_deployments->Get(ns, name);
  if (!cached) {
    if (kube::IsNotFound(cached.error())) return Outcome::Done();
    return cached.error();
  }
  Pass pass;
  pass.object = **cached;
  auto parsed = ParseModelDeployment(pass.object);
  if (!parsed) return Outcome::Terminal(parsed.error().message);
  pass.md = std::move(*parsed);
  ModelDeployment& md = pass.md;
  if (md.Paused()) return Outcome::Done();

  if (md.being_deleted) {
    for (const auto& provider : options_.providers) {
      if (md.HasFinalizer(provider->Finalizer())) return Delete(md, *provider);
    }
    return Outcome::Done();
  }

  // What the reference's mutating webhook would have stored.
  md.raw_spec = ApplySpecDefaults(md.raw_spec, md.name);
  md.spec = ParseModelDeploymentSpec(md.raw_spec);
  pass.status = md.status;
  pass.raw_status = md.raw_status;
  pass.now = Now();
  ModelDeploymentStatus& status = pass.status;
  status.observed_generation = md.generation;
  if (status.phase.empty()) status.phase = kPhasePending;

  auto listed = options_.provider_configs->List();
  if (!listed) return listed.error();
  std::vector<ProviderConfig> configs;
  for (const auto& object : *listed) configs.push_back(ParseProviderConfig(*object));

  auto finish = [&](Outcome outcome) -> common::Result<Outcome> {
    if (auto written = WriteStatus(pass); !written) {
      if (kube::IsConflict(written.error()) || kube::IsNotFound(written.error())) return Outcome::Requeue();
      return written.error();
    }
    return outcome;
  };

  // Rules that need no other object (the reference's validating webhook), with its update
  // rules for the identity fields compared against what was recorded when the spec was first
  // accepted. A refused change leaves the provider resources as they are.
  const std::optional<json::object> identity = RecordedIdentity(md);
  std::vector<FieldError> errors = ValidateWebhookRules(md);
  if (identity) {
    auto changed = CheckIdentity(md.spec, *identity);
    errors.insert(errors.end(), changed.begin(), changed.end());
  }
  if (!errors.empty()) {
    if (HasImageConflict(md.spec)) {
      pass.Set("ImageResolved", "False", "ConflictingImageFields", ImageConflictMessage(md.spec));
      json::object image{{"requested", md.spec.engine.image}, {"message", ImageConflictMessage(md.spec)}};
      pass.raw_status["image"] = std::move(image);
    }
    pass.Fail("Validated", "ValidationFailed", "Validation failed: " + JoinFieldErrors(errors));
    return finish(Outcome::Done());
  }

  // Identity fields: the engine, once chosen, stays (a change would need a new workload).
  if (!md.spec.engine.type.empty() && !status.engine_type.empty() && md.spec.engine.type != status.engine_type) {
    pass.Fail("EngineSelected", "EngineChangeNotSupported",
              fmt::format("engine.type cannot change from {} to {} on an existing ModelDeployment; set it back to {} "
                          "or delete and recreate the ModelDeployment",
                          status.engine_type, md.spec.engine.type, status.engine_type));
    return finish(Outcome::Done());
  }

  if (options_.enable_provider_selector) {
    auto engine = SelectEngine(md, configs);
    if (!engine) {
      std::string message = "Engine selection failed: " + engine.error().message;
      if (pass.Set("EngineSelected", "False", "SelectionFailed", message)) {
        pass.Event(EventType::kWarning, "EngineSelectionFailed", message);
      }
      pass.Set("Ready", "False", "SelectionFailed", message);
      status.message = message;
      return finish(Outcome::Done());  // an InferenceProviderConfig event brings it back
    }
    if (status.engine_type != engine->name) {
      pass.Event(EventType::kNormal, "EngineSelected", fmt::format("engine {}: {}", engine->name, engine->reason));
    }
    status.engine_type = engine->name;
    status.engine_selected_reason = engine->reason;
  }
  const std::string engine = !md.spec.engine.type.empty() ? md.spec.engine.type : status.engine_type;

  if (auto valid = ValidateSpec(md, engine, configs); !valid) {
    pass.Fail("Validated", "ValidationFailed", "Validation failed: " + valid.error().message);
    return finish(Outcome::Done());
  }
  pass.Set("Validated", "True", "ValidationPassed", "Schema validation passed");
  if (!identity) pass.identity_to_record = json::serialize(IdentityOf(md.spec));
  if (!status.engine_type.empty()) {
    const bool explicit_engine = !md.spec.engine.type.empty();
    pass.Set("EngineSelected", "True", explicit_engine ? "ExplicitSelection" : "AutoSelected",
             explicit_engine ? "Engine explicitly specified in spec"
                             : fmt::format("Engine {} auto-selected from provider capabilities", status.engine_type));
  }

  if (!md.spec.provider_name.empty() && !status.provider_name.empty() &&
      md.spec.provider_name != status.provider_name) {
    std::string message = fmt::format(
        "provider cannot change from {} to {}: switching providers is not supported; set spec.provider.name back to "
        "{} or delete and recreate the ModelDeployment",
        status.provider_name, md.spec.provider_name, status.provider_name);
    bool changed = pass.Set("ProviderSelected", "False", "ProviderChangeNotSupported", message);
    pass.Set("Ready", "False", "ProviderChangeNotSupported", message);
    status.phase = kPhaseFailed;
    status.message = message;
    if (changed) pass.Event(EventType::kWarning, "ProviderChangeNotSupported", message);
    return finish(Outcome::Done());
  }

  if (options_.enable_provider_selector && md.spec.provider_name.empty() && status.provider_name.empty()) {
    std::vector<RuleProblem> problems;
    auto provider = SelectProvider(md, engine, configs, rules_, &problems);
    MarkRuleProblems(problems);
    if (!provider) {
      std::string message = "Provider selection failed: " + provider.error().message;
      if (pass.Set("ProviderSelected", "False", "SelectionFailed", message)) {
        pass.Event(EventType::kWarning, "ProviderSelectionFailed", message);
      }
      pass.Set("Ready", "False", "SelectionFailed", message);
      status.message = message;
      return finish(Outcome::Done());
    }
    status.provider_name = provider->name;
    status.provider_selected_reason = provider->reason;
    pass.Set("ProviderSelected", "True", "AutoSelected", fmt::format("Provider {} auto-selected", provider->name));
    pass.Event(EventType::kNormal, "ProviderSelected", fmt::format("provider {}: {}", provider->name, provider->reason));
  }
  if (status.provider_name.empty()) {
    if (!md.spec.provider_name.empty()) {
      status.provider_name = md.spec.provider_name;
      status.provider_selected_reason = std::string(kExplicitProviderReason);
      pass.Set("ProviderSelected", "True", "ExplicitSelection", "Provider explicitly specified in spec");
      pass.Event(EventType::kNormal, "ProviderSelected",
                 fmt::format("provider {}: {}", status.provider_name, kExplicitProviderReason));
    } else {
      std::string message = "No provider specified and provider-selector not enabled";
      pass.Set("ProviderSelected", "False", "NoProvider", message);
      status.message = message;
      return finish(Outcome::Done());
    }
  }

  const Provider* provider = FindProvider(status.provider_name);
  if (provider == nullptr) {
    // Another process (or a later build) runs this provider; the core's part is done.
    if (auto stop = UpdateMetadata(pass, nullptr)) return *stop;
    return finish(Outcome::Done());
  }
  return RunProvider(pass, *provider, engine);
}

common::Result<Outcome> ModelDeploymentReconciler::RunProvider(Pass& pass, const Provider& provider,
                                                               const std::string& engine) {
  ModelDeployment& md = pass.md;
  ModelDeploymentStatus& status = pass.status;
  auto finish = [&](Outcome outcome) -> common::Result<Outcome> {
    if (auto written = WriteStatus(pass); !written) {
      if (kube::IsConflict(written.error()) || kube::IsNotFound(written.error())) return Outcome::Requeue();
      return written.error();
    }
    return outcome;
  };

  if (auto stop = UpdateMetadata(pass, &provider)) return *stop;

  const std::string kind_name = provider.Kinds().empty() ? "resource" : provider.Kinds()[0].kind;
  if (auto compatible = provider.CheckCompatible(md, engine); !compatible) {
    pass.Fail("ProviderCompatible", "IncompatibleConfiguration", compatible.error().message);
    return finish(Outcome::Done());
  }
  pass.Set("ProviderCompatible", "True", "CompatibilityVerified",
           fmt::format("Configuration compatible with {}", provider.Name()));

  auto objects = provider.Translate(md, engine);
  if (!objects) {
    pass.Fail("ResourceCreated", "TransformFailed",
              fmt::format("Failed to generate {} resources: {}", kind_name, objects.error().message));
    return finish(Outcome::Done());
  }

  std::optional<json::object> primary;
  const std::string field_manager = fmt::format("{}-provider", provider.Name());
  for (std::size_t i = 0; i < objects->size(); ++i) {
    const json::object& object = (*objects)[i];
    const std::string api_version(common::GetString(object, "apiVersion").value_or(""));
    const std::string kind(common::GetString(object, "kind").value_or(""));
    const std::string name(common::FindPath(object, {"metadata", "name"})->as_string());
    const ManagedKind* managed = nullptr;
    auto kinds = provider.Kinds();
    for (const auto& k : kinds) {
      if (k.api_version == api_version && k.kind == kind) managed = &k;
    }
    if (managed == nullptr) {
      pass.Fail("ResourceCreated", "TransformFailed",
                fmt::format("Failed to generate {} resources: {} {} is not a kind the provider declares", kind_name,
                            api_version, kind));
      return finish(Outcome::Done());
    }
    auto existing = options_.client->Get(managed->resource, md.namespace_name, name);
    if (!existing && !kube::IsNotFound(existing.error())) return existing.error();
    if (existing && !IsOwnedBy(*existing, md.uid)) {
      std::string message = fmt::format(
          "Failed to create/update resource {}: {} {} already exists and is not owned by this ModelDeployment; "
          "rename the ModelDeployment or delete the existing {}",
          name, kind, name, kind);
      pass.Set("ResourceCreated", "False", "ResourceConflict", message);
      pass.Fail("Ready", "ResourceConflict", message);
      return finish(Outcome::RequeueAfter(options_.resync));
    }
    auto applied = options_.client->Patch(managed->resource, md.namespace_name, name, kube::PatchType::kApply,
                                          json::serialize(object), {.field_manager = field_manager, .force = true});
    if (!applied) {
      if (kube::IsConflict(applied.error())) return Outcome::Requeue();
      pass.Fail("ResourceCreated", "CreateFailed",
                fmt::format("Failed to create/update resource {}: {}", name, applied.error().message));
      return finish(Outcome::RequeueAfter(options_.resync));
    }
    const Condition* created = md.status.FindCondition("ResourceCreated");
    if (!existing && created != nullptr && created->status == "True") {
      pass.Event(EventType::kWarning, "DriftCorrected",
                 fmt::format("Re-created {} {} (it was deleted by hand)", kind, name));
    } else if (!existing) {
      pass.Event(EventType::kNormal, "ResourceCreated", fmt::format("Created {} {}", kind, name));
    } else if (common::Find(*existing, "spec") != nullptr && common::Find(*applied, "spec") != nullptr &&
               existing->at("spec") != applied->at("spec")) {
      const bool spec_changed = md.status.observed_generation.value_or(0) != md.generation;
      pass.Event(EventType::kNormal, spec_changed ? "ResourceUpdated" : "DriftCorrected",
                 spec_changed ? fmt::format("Updated {} {} for the new spec", kind, name)
                              : fmt::format("Restored {} {} to the desired state (it was changed by hand)", kind, name));
    }
    if (i == 0) primary = std::move(*applied);
  }
  pass.Set("ResourceCreated", "True", "ResourceCreated", fmt::format("{} created successfully", kind_name));
  status.provider_resource_name = primary ? std::string(common::FindPath(*primary, {"metadata", "name"})->as_string())
                                          : md.name;
  status.provider_resource_kind = kind_name;

  Observed observed;
  observed.primary = primary;
  const std::string selector = provider.PodSelector(md);
  if (!selector.empty()) {
    if (options_.pods) {
      auto pods = options_.pods->ByIndex(kube::IndexKind::kLabel, selector);
      if (pods) {
        for (const auto& pod : *pods) {
          if (common::FindPath(*pod, {"metadata", "namespace"}) != nullptr &&
              common::FindPath(*pod, {"metadata", "namespace"})->as_string() == md.namespace_name) {
            observed.pods.push_back(*pod);
          }
        }
      }
    } else if (auto pods = options_.client->List(kube::kPods, md.namespace_name, {.label_selector = selector})) {
      observed.pods = std::move(pods->items);
    }
  }
  ProviderStatus mapped = provider.MapStatus(md, observed);
  const std::string previous_phase = md.status.phase;
  status.phase = mapped.phase;
  status.message = mapped.message;
  status.replicas_desired = mapped.desired;
  status.replicas_ready = mapped.ready;
  status.replicas_available = mapped.available;
  status.endpoint_service = mapped.endpoint_service;
  status.endpoint_port = mapped.endpoint_port;
  if (mapped.phase == kPhaseRunning) {
    pass.Set("Ready", "True", "DeploymentReady", "All replicas are ready");
  } else if (mapped.phase == kPhaseFailed) {
    pass.Set("Ready", "False", mapped.reason.empty() ? "DeploymentFailed" : mapped.reason, mapped.message);
  } else {
    pass.Set("Ready", "False", mapped.reason.empty() ? "DeploymentInProgress" : mapped.reason, mapped.message);
  }
  if (previous_phase != mapped.phase) {
    const bool bad = mapped.phase == kPhaseFailed || (mapped.phase == kPhasePending && !mapped.reason.empty() &&
                                                      mapped.reason != "DeploymentInProgress");
    pass.Event(bad ? EventType::kWarning : EventType::kNormal,
               mapped.phase == kPhaseRunning ? "ModelReady" : (bad ? mapped.reason : std::string(mapped.phase)),
               mapped.message);
  }
  return finish(Outcome::RequeueAfter(options_.resync));
}

std::optional<common::Result<Outcome>> ModelDeploymentReconciler::UpdateMetadata(Pass& pass,
                                                                                 const Provider* provider) {
  ModelDeployment& md = pass.md;
  const bool add_finalizer = provider != nullptr && !md.HasFinalizer(provider->Finalizer());
  if (!add_finalizer && pass.identity_to_record.empty()) return std::nullopt;
  // The resourceVersion guards both: the finalizer list is replaced whole, and the identity must
  // be that of the spec this pass validated.
  json::object metadata{{"resourceVersion", md.resource_version}};
  if (add_finalizer) {
    json::array finalizers;
    for (const auto& f : md.finalizers) finalizers.emplace_back(f);
    finalizers.emplace_back(provider->Finalizer());
    metadata["finalizers"] = std::move(finalizers);
  }
  if (!pass.identity_to_record.empty()) {
    metadata["annotations"] = json::object{{kAnnotationIdentity, pass.identity_to_record}};
  }
  auto patched = options_.client->Patch(kModelDeployments, md.namespace_name, md.name, kube::PatchType::kMerge,
                                        json::serialize(json::object{{"metadata", std::move(metadata)}}));
  if (!patched) {
    if (kube::IsConflict(patched.error()) || kube::IsNotFound(patched.error())) return Outcome::Requeue();
    return patched.error();
  }
  pass.identity_to_record.clear();
  // The status below was computed from the older version; carry on with the new one.
  if (const json::value* rv = common::FindPath(*patched, {"metadata", "resourceVersion"}); rv && rv->is_string()) {
    md.resource_version = std::string(rv->get_string());
  }
  return std::nullopt;
}

common::Status ModelDeploymentReconciler::WriteStatus(Pass& pass) {
  json::object after = pass.raw_status;
  ::airunway::controller::WriteStatus(pass.status, after);
  json::object diff = MergePatchDiff(pass.md.raw_status, after);
  if (!diff.empty()) {
    json::object patch{{"status", diff}};
    if (diff.contains("conditions")) {
      patch["metadata"] = json::object{{"resourceVersion", pass.md.resource_version}};
    }
    auto patched = options_.client->Patch(kModelDeployments, pass.md.namespace_name, pass.md.name,
                                          kube::PatchType::kMerge, json::serialize(patch), {.subresource = "status"});
    if (!patched) return patched.error();
  }
  for (auto& e : pass.events) {
    common::LogInfo(fmt::format("modeldeployment {}: {}: {}", Key(pass.md), e.reason, e.message));
    if (options_.events != nullptr) options_.events->Record(pass.object, e.type, std::move(e.reason), std::move(e.message));
  }
  pass.events.clear();
  return {};
}

common::Result<Outcome> ModelDeploymentReconciler::Delete(const ModelDeployment& md, const Provider& provider) {
  if (md.status.phase != kPhaseTerminating) {
    json::object patch{{"status", {{"phase", kPhaseTerminating}, {"message", "deleting provider resources"}}}};
    (void)options_.client->Patch(kModelDeployments, md.namespace_name, md.name, kube::PatchType::kMerge,
                                 json::serialize(patch), {.subresource = "status"});
  }
  bool remaining = false;
  const std::string selector = fmt::format("{}={}", kLabelDeployment, md.name);
  for (const auto& kind : provider.Kinds()) {
    auto listed = options_.client->List(kind.resource, md.namespace_name, {.label_selector = selector});
    if (!listed) return listed.error();
    for (const auto& object : listed->items) {
      if (!IsOwnedBy(object, md.uid)) continue;  // never delete what we do not own
      const std::string name(common::FindPath(object, {"metadata", "name"})->as_string());
      if (common::FindPath(object, {"metadata", "deletionTimestamp"}) == nullptr) {
        auto deleted = options_.client->Delete(kind.resource, md.namespace_name, name,
                                               {.propagation = kube::PropagationPolicy::kBackground});
        if (!deleted && !kube::IsNotFound(deleted.error())) return deleted.error();
        if (deleted && common::FindPath(*deleted, {"metadata", "deletionTimestamp"}) == nullptr) continue;  // gone
      }
      remaining = true;
    }
  }
  if (remaining) {
    auto since = common::ParseRfc3339(md.deletion_timestamp);
    if (!since || options_.now() - *since < options_.finalizer_timeout) {
      return Outcome::RequeueAfter(std::chrono::seconds(2));
    }
    common::LogWarn(fmt::format("modeldeployment {}: provider resources still present after {}s; removing the finalizer anyway",
                 Key(md), std::chrono::duration_cast<std::chrono::seconds>(options_.finalizer_timeout).count()));
  }
  json::array finalizers;
  for (const auto& f : md.finalizers) {
    if (f != provider.Finalizer()) finalizers.emplace_back(f);
  }
  json::object patch{{"metadata", {{"finalizers", finalizers}, {"resourceVersion", md.resource_version}}}};
  auto patched = options_.client->Patch(kModelDeployments, md.namespace_name, md.name, kube::PatchType::kMerge,
                                        json::serialize(patch));
  if (!patched) {
    if (kube::IsNotFound(patched.error())) return Outcome::Done();
    if (kube::IsConflict(patched.error())) return Outcome::Requeue();
    return patched.error();
  }
  common::LogInfo(fmt::format("modeldeployment {}: provider resources deleted, finalizer removed", Key(md)));
  return Outcome::Done();
}

void ModelDeploymentReconciler::MarkRuleProblems(const std::vector<RuleProblem>& problems) {
  std::map<std::string, std::string> by_provider;
  for (const auto& p : problems) {
    auto& message = by_provider[p.provider];
    if (!message.empty()) message += "; ";
    message += fmt::format("selectionRules[{}] ({}) is skipped: {}", p.rule_index, p.condition, p.message);
  }
  for (const auto& [name, message] : by_provider) {
    auto cached = options_.provider_configs->Get("", name);
    if (!cached) continue;
    ProviderConfig config = ParseProviderConfig(**cached);
    std::vector<Condition> conditions = config.conditions;
    if (!SetCondition(conditions, {std::string(kConditionSelectionRulesValid), "False", "InvalidSelectionRule", message, 0, ""},
                      Now())) {
      continue;
    }
    json::array list;
    for (const auto& c : conditions) list.push_back(ConditionToJson(c));
    json::object patch{{"status", {{"conditions", list}}}};
    auto patched = options_.client->Patch(kInferenceProviderConfigs, "", name, kube::PatchType::kMerge,
                                          json::serialize(patch), {.subresource = "status"});
    if (!patched) common::LogWarn(fmt::format("inferenceproviderconfig {}: cannot mark invalid rules: {}", name, patched.error().message));
    if (options_.events != nullptr) options_.events->Record(**cached, EventType::kWarning, "InvalidSelectionRule", message);
  }
}

std::vector<std::string> ModelDeploymentsForProvider(const kube::Informer& model_deployments,
                                                     const json::object& provider_config) {
  std::vector<std::string> keys;
  const json::value* name = common::FindPath(provider_config, {"metadata", "name"});
  if (name == nullptr || !name->is_string()) return keys;
  auto all = model_deployments.List();
  if (!all) return keys;
  for (const auto& object : *all) {
    auto str = [&](std::initializer_list<std::string_view> path) {
      const json::value* v = common::FindPath(*object, path);
      return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
    };
    std::string_view spec_provider = str({"spec", "provider", "name"});
    std::string_view status_provider = str({"status", "provider", "name"});
    if (spec_provider == name->get_string() || status_provider == name->get_string() ||
        (spec_provider.empty() && status_provider.empty())) {
      keys.push_back(kube::ObjectKey(*object));
    }
  }
  return keys;
}

}  // namespace airunway::controller
