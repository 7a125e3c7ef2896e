// Engine and provider selection (reference §2.5-2.6): which inference engine serves a
// ModelDeployment and which provider runs it, chosen among the registered, ready
// InferenceProviderConfigs by capability (engine, GPU/CPU, serving mode) and by the providers'
// CEL selection rules, with ties broken by name. Explicit choices in the spec win (and are
// checked by validation); a choice recorded in status is kept.
//
// A selection rule that fails to compile is skipped, as in the reference, and reported in
// RuleProblem so the controller can mark its InferenceProviderConfig; compiled rules are
// cached by expression text.
//
// Thread-safety: the free functions are pure; RuleCache is internally locked and may be
// shared by all workers.
#pragma once

#include <boost/json/object.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/cel/eval.h"
#include "controller/types.h"

namespace airunway::controller {

inline constexpr std::string_view kExplicitEngineReason = "explicit engine selection";
inline constexpr std::string_view kExplicitProviderReason = "explicit provider selection";

struct Choice {
  std::string name;
  std::string reason;  // the reference's selectedReason text
};

// selectEngine: explicit spec engine; else the engine already in status; else the most
// preferred engine (vllm > sglang > trtllm > llamacpp) any ready provider offers for the spec's
// GPU/CPU need and serving mode. Errors carry the reference's messages.
common::Result<Choice> SelectEngine(const ModelDeployment& md, const std::vector<ProviderConfig>& configs);

// The spec as selection rules see it: Go's omitempty view of the stored spec (zero numbers,
// false, empty strings and empty lists absent; engine always present), numbers as doubles, and
// engine.type filled with `resolved_engine` when the spec leaves it empty. `md` is not modified.
boost::json::object SelectionInput(const boost::json::object& raw_spec, std::string_view resolved_engine);

struct RuleProblem {
  std::string provider;
  std::size_t rule_index = 0;
  std::string condition;
  std::string message;  // the compile error
};

class RuleCache {
 public:
  // The compiled rule, or its compile error (cached too).
  common::Result<cel::Program> Get(const std::string& condition);

 private:
  std::mutex mutex_;
  std::map<std::string, common::Result<cel::Program>> programs_;  // guarded by mutex_
};

// runSelectionAlgorithm over ready configs. Rules that fail to compile are skipped and
// appended to `problems` (when given); rules that error at run time or return a non-bool are
// skipped silently.
common::Result<Choice> SelectProvider(const ModelDeployment& md, std::string_view resolved_engine,
                                      const std::vector<ProviderConfig>& configs, RuleCache& cache,
                                      std::vector<RuleProblem>* problems = nullptr);

// The compile errors of every rule of `config` (for marking the config at start-up and when
// it changes).
std::vector<RuleProblem> CheckRules(const ProviderConfig& config, RuleCache& cache);

}  // namespace airunway::controller
