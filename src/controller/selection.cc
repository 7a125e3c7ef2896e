#include "controller/selection.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "common/json.h"

namespace airunway::controller {
namespace json = boost::json;

namespace {

bool HasGpu(const ModelDeploymentSpec& spec) { return spec.GpuCount() > 0 || spec.ServingMode() == kModeDisaggregated; }

bool Fits(const EngineCapability& cap, bool has_gpu, std::string_view mode) {
  if (has_gpu ? !cap.gpu_support : !cap.cpu_support) return false;
  return std::find(cap.serving_modes.begin(), cap.serving_modes.end(), mode) != cap.serving_modes.end();
}

// Go's omitempty: zero scalars and empty lists/maps of string values vanish; objects stay
// (pointer structs are kept even when their fields are all zero).
void StripZeroValues(json::object& object) {
  for (auto it = object.begin(); it != object.end();) {
    json::value& v = it->value();
    bool drop = false;
    switch (v.kind()) {
      case json::kind::null: drop = true; break;
      case json::kind::bool_: drop = !v.get_bool(); break;
      case json::kind::int64: drop = v.get_int64() == 0; break;
      case json::kind::uint64: drop = v.get_uint64() == 0; break;
      case json::kind::double_: drop = v.get_double() == 0; break;
      case json::kind::string: drop = v.get_string().empty(); break;
      case json::kind::array: drop = v.get_array().empty(); break;
      case json::kind::object: StripZeroValues(v.get_object()); break;
    }
    it = drop ? object.erase(it) : std::next(it);
  }
}

}  // namespace

common::Result<Choice> SelectEngine(const ModelDeployment& md, const std::vector<ProviderConfig>& configs) {
  if (!md.spec.engine.type.empty()) return Choice{md.spec.engine.type, std::string(kExplicitEngineReason)};
  if (!md.status.engine_type.empty()) return Choice{md.status.engine_type, md.status.engine_selected_reason};
  if (configs.empty()) {
    return common::MakeError(common::ErrorCode::kNotFound,
                             "no providers registered (InferenceProviderConfig resources not found)");
  }
  const bool has_gpu = HasGpu(md.spec);
  const std::string mode = md.spec.ServingMode();
  std::map<std::string, std::string> first_provider;  // engine → first provider offering it
  std::map<std::string, std::vector<std::string>> advertised;
  for (const auto& config : configs) {
    if (!config.ready || !config.has_capabilities) continue;
    for (const auto& cap : config.engines) {
      advertised[config.name].push_back(cap.name);
      if (Fits(cap, has_gpu, mode)) first_provider.emplace(cap.name, config.name);
    }
  }
  for (std::string_view engine : kEnginePreference) {
    auto found = first_provider.find(std::string(engine));
    if (found != first_provider.end()) {
      return Choice{found->first, fmt::format("auto-selected from provider {} capabilities", found->second)};
    }
  }
  std::string listing;
  for (const auto& [provider, engines] : advertised) {
    if (!listing.empty()) listing += " ";
    listing += fmt::format("{}:[{}]", provider, fmt::join(engines, " "));
  }
  return common::MakeError(common::ErrorCode::kNotFound,
                           fmt::format("no engines available from registered providers (hasGPU={}, "
                                       "servingMode={}, advertised=map[{}])",
                                       has_gpu, mode, listing));
}

json::object SelectionInput(const json::object& raw_spec, std::string_view resolved_engine) {
  json::object view = raw_spec;
  StripZeroValues(view);
  json::value& engine = view["engine"];  // a non-pointer struct in the reference: always present
  if (!engine.is_object()) engine = json::object();
  if (!resolved_engine.empty() && !engine.get_object().contains("type")) engine.get_object()["type"] = resolved_engine;
  return view;
}

common::Result<cel::Program> RuleCache::Get(const std::string& condition) {
  std::lock_guard lock(mutex_);
  auto found = programs_.find(condition);
  if (found != programs_.end()) return found->second;
  auto compiled = cel::Program::Compile(condition, {"spec"});
  programs_.emplace(condition, compiled);
  return compiled;
}

std::vector<RuleProblem> CheckRules(const ProviderConfig& config, RuleCache& cache) {
  std::vector<RuleProblem> problems;
  for (std::size_t i = 0; i < config.selection_rules.size(); ++i) {
    auto program = cache.Get(config.selection_rules[i].condition);
    if (!program) {
      problems.push_back({config.name, i, config.selection_rules[i].condition, program.error().message});
    }
  }
  return problems;
}

common::Result<Choice> SelectProvider(const ModelDeployment& md, std::string_view resolved_engine,
                                      const std::vector<ProviderConfig>& configs, RuleCache& cache,
                                      std::vector<RuleProblem>* problems) {
  if (configs.empty()) {
    return common::MakeError(common::ErrorCode::kNotFound,
                             "no providers registered (InferenceProviderConfig resources not found)");
  }
  std::vector<const ProviderConfig*> ready;
  for (const auto& config : configs) {
    if (config.ready) ready.push_back(&config);
  }
  if (ready.empty()) return common::MakeError(common::ErrorCode::kUnavailable, "no healthy providers available");

  const bool has_gpu = HasGpu(md.spec);
  const std::string mode = md.spec.ServingMode();
  const cel::Activation activation{{"spec", cel::FromJson(SelectionInput(md.raw_spec, resolved_engine))}};

  const ProviderConfig* winner = nullptr;
  std::int64_t best = -1;
  for (const ProviderConfig* config : ready) {
    const EngineCapability* cap = config->GetEngineCapability(resolved_engine);
    if (cap == nullptr || !Fits(*cap, has_gpu, mode)) continue;
    std::int64_t priority = 0;
    for (std::size_t i = 0; i < config->selection_rules.size(); ++i) {
      const SelectionRule& rule = config->selection_rules[i];
      auto program = cache.Get(rule.condition);
      if (!program) {
        if (problems != nullptr) problems->push_back({config->name, i, rule.condition, program.error().message});
        continue;
      }
      cel::Value result = program->Evaluate(activation);
      if (result.is_bool() && result.as_bool()) priority = std::max<std::int64_t>(priority, rule.priority);
    }
    if (priority > best || (priority == best && config->name < winner->name)) {
      winner = config;
      best = priority;
    }
  }
  if (winner == nullptr) {
    return common::MakeError(common::ErrorCode::kNotFound, "no compatible provider found for this configuration");
  }
  return Choice{winner->name,
                fmt::format("matched capabilities: engine={}, gpu={}, mode={}", resolved_engine, has_gpu, mode)};
}

}  // namespace airunway::controller
