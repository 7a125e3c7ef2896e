#include "controller/registrar.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "common/json.h"
#include "common/time.h"
#include "kube/errors.h"

namespace airunway::controller {
namespace json = boost::json;

ProviderRegistrar::ProviderRegistrar(std::shared_ptr<kube::Client> client,
                                     std::vector<std::shared_ptr<const Provider>> providers,
                                     std::chrono::milliseconds heartbeat)
    : client_(std::move(client)), providers_(std::move(providers)), heartbeat_(heartbeat) {}

common::Status ProviderRegistrar::Register(const Provider& provider, bool ready) {
  const ProviderRegistration reg = provider.Registration();
  json::object spec{{"capabilities", CapabilitiesToJson(reg.engines)}};
  json::array rules;
  for (const auto& r : reg.selection_rules) rules.push_back(json::object{{"condition", r.condition}, {"priority", r.priority}});
  if (!rules.empty()) spec["selectionRules"] = std::move(rules);
  json::object annotations;
  for (const auto& [k, v] : reg.annotations) annotations[k] = v;
  const std::string name(provider.Name());

  auto existing = client_->Get(kInferenceProviderConfigs, "", name);
  if (!existing && !kube::IsNotFound(existing.error())) return existing.error();
  if (!existing) {
    json::object object{{"apiVersion", kApiVersion},
                        {"kind", kInferenceProviderConfigKind},
                        {"metadata", {{"name", name}, {"annotations", annotations}}},
                        {"spec", spec}};
    auto created = client_->Create(kInferenceProviderConfigs, "", object);
    if (!created && !kube::IsAlreadyExists(created.error())) return created.error();
  } else {
    // The whole spec is the provider's: keys it no longer declares are removed.
    json::object old_spec;
    if (const json::object* s = common::GetObject(*existing, "spec")) old_spec = *s;
    json::object patch;
    if (json::object diff = MergePatchDiff(old_spec, spec); !diff.empty()) patch["spec"] = std::move(diff);
    patch["metadata"] = json::object{{"annotations", annotations}};
    auto patched = client_->Patch(kInferenceProviderConfigs, "", name, kube::PatchType::kMerge, json::serialize(patch));
    if (!patched) return patched.error();
  }
  json::object status{{"ready", ready},
                      {"version", reg.version},
                      {"lastHeartbeat", common::FormatRfc3339Seconds(std::chrono::system_clock::now())},
                      {"upstreamCRDVersion", reg.upstream_crd_version}};
  auto patched = client_->Patch(kInferenceProviderConfigs, "", name, kube::PatchType::kMerge,
                                json::serialize(json::object{{"status", status}}), {.subresource = "status"});
  if (!patched) return patched.error();
  return {};
}

common::Status ProviderRegistrar::RegisterAll() {
  common::Status first;
  for (const auto& provider : providers_) {
    if (auto done = Register(*provider, true); !done) {
      spdlog::warn("provider {}: registration failed: {}", provider->Name(), done.error().message);
      if (first) first = done;
    }
  }
  return first;
}

void ProviderRegistrar::Run(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    (void)RegisterAll();
    std::unique_lock lock(mutex);
    cv.wait_for(lock, stop, heartbeat_, [] { return false; });
  }
  for (const auto& provider : providers_) {
    if (auto done = Register(*provider, false); !done) {
      spdlog::warn("provider {}: could not mark not ready: {}", provider->Name(), done.error().message);
    }
  }
}

}  // namespace airunway::controller
