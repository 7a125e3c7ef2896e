// Compatibility of HuggingFace Hub models with AI Runway's engines: which architecture a
// model has (from its config, else guessed from its id), which engines serve that
// architecture, how many parameters it has, how much GPU memory it needs, and whether it
// can be deployed at all (with the reason when it cannot).
//
// The engine allowlists are exact architecture class names as found in a model's
// config.json ("LlamaForCausalLM"); they follow what each engine's current release serves.
//
// Thread-safety: pure functions over immutable tables.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airunway::huggingface {

enum class Engine { kVllm, kSglang, kTrtllm, kLlamacpp };
std::string_view EngineName(Engine engine);

// True when `engine` serves models of `architecture`.
bool EngineSupports(Engine engine, std::string_view architecture);

// A best guess at the architecture from a model id ("meta-llama/Llama-3.1-8B" ->
// LlamaForCausalLM); empty when nothing matches.
std::vector<std::string> InferArchitectures(std::string_view model_id);

// "Qwen3-8B" -> 8e9, "SmolLM2-360M" -> 3.6e8; nullopt when the id carries no size.
std::optional<double> ParameterCountFromId(std::string_view model_id);

// From the Hub's safetensors metadata (total, else the sum per dtype), else from the id.
std::optional<double> ParameterCount(const boost::json::object& hub_model);

// Hub's `gated` is false, true, "auto" or "manual"; the last three all mean gated.
bool IsGated(const boost::json::object& hub_model);

// Maps one model of the Hub's /api/models answer to the HfModelSearchResult wire object:
// {id, author, name, downloads, likes, pipelineTag, libraryName, architectures, gated,
//  parameterCount?, estimatedGpuMemory?, estimatedGpuMemoryGb?, supportedEngines,
//  compatible, incompatibilityReason?}
boost::json::object ToSearchResult(const boost::json::object& hub_model);

// A repo id the Hub accepts: one or two '/'-separated parts, each 1-96 characters of
// letters, digits, '.', '_' or '-', and not "." or "..". Anything else is never sent.
bool IsValidRepoId(std::string_view id);

}  // namespace airunway::huggingface
