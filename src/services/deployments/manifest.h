// From a validated DeploymentConfig to the ModelDeployment it creates, as the reference builds
// it: KAITO image resolution (premade AIKit images, GGUF direct runs), the storage defaults the
// admission webhook would apply (for previews), and the manifest itself (labels, recipe
// provenance annotations, spec in the reference's key order).
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airunway::services::deployments {

inline constexpr std::string_view kApiVersion = "airunway.ai/v1alpha1";
inline constexpr std::string_view kKind = "ModelDeployment";
inline constexpr std::string_view kLlamaCppRunner = "ghcr.io/kaito-project/aikit/runners/llama-cpp-cuda:latest";

// The AIKit image of a premade model id ("llama3.2:3b"), or nullopt.
std::optional<std::string> PremadeImage(std::string_view id);
// https://huggingface.co/<model segments>/resolve/main/<file segments>, each segment
// percent-encoded as encodeURIComponent does.
std::string HuggingFaceResolveUrl(std::string_view model_id, std::string_view file);

// KAITO only: fills imageRef (premade image, or the llama.cpp runner for GGUF direct runs) and
// engineArgs.ggufUrl. Other providers are left alone.
void ResolveKaitoImage(boost::json::object& config);
// What the mutating webhook would fill in storage volumes (previews show it).
void ApplyStorageDefaults(boost::json::object& config);

// The ModelDeployment for `config` in `ns`.
boost::json::object BuildManifest(const boost::json::object& config, std::string_view ns);

// {"resources":[{"kind","apiVersion","name","manifest"}],"primaryResource":{"kind","apiVersion"}}.
boost::json::object ResourcesDocument(const boost::json::object& manifest);

}  // namespace airunway::services::deployments
