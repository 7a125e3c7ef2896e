// Direct vLLM provider (reference §3.7): a ModelDeployment becomes a Deployment and a Service
// named after it, running vLLM's OpenAI-compatible server on port 8000.
//
// Beyond the reference, a CPU-only spec (no GPU) is accepted, so GPU-less clusters and the
// demo can run models: engine vllm without GPUs runs the vLLM CPU image, engine llamacpp runs
// llama.cpp's server (CPU only). See docs/controller.md.
//
// Status: no Deployment → Pending; rollout stuck (ProgressDeadlineExceeded) or a pod whose
// container cannot pull its image or crash-loops → Failed with that reason; a pod the
// scheduler cannot place → Pending with the scheduler's message; all replicas ready →
// Running; otherwise Deploying. The endpoint is {service: <md>, port: 8000}.
//
// Thread-safety: immutable; see provider.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controller/provider.h"

namespace airunway::controller::providers::vllm {

inline constexpr std::string_view kName = "vllm";
inline constexpr std::string_view kDefaultGpuImage = "vllm/vllm-openai:cu130-nightly";
inline constexpr std::string_view kDefaultCpuImage = "public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo:v0.10.1";
inline constexpr std::string_view kDefaultLlamaCppImage = "ghcr.io/ggml-org/llama.cpp:server";
inline constexpr std::int32_t kPort = 8000;

class VllmProvider : public Provider {
 public:
  std::string_view Name() const override { return kName; }
  ProviderRegistration Registration() const override;
  std::vector<ManagedKind> Kinds() const override;
  std::string PodSelector(const ModelDeployment& md) const override;
  common::Status CheckCompatible(const ModelDeployment& md, std::string_view engine) const override;
  common::Result<std::vector<boost::json::object>> Translate(const ModelDeployment& md,
                                                            std::string_view engine) const override;
  ProviderStatus MapStatus(const ModelDeployment& md, const Observed& observed) const override;
};

// The container arguments (exposed for tests).
common::Result<std::vector<std::string>> BuildArgs(const ModelDeployment& md, std::string_view engine);
// The image the container runs.
std::string ResolveImage(const ModelDeployment& md, std::string_view engine);

std::unique_ptr<Provider> Make();

}  // namespace airunway::controller::providers::vllm
