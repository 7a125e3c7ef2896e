// Objects the benchmark tools seed into kubesim: the same realistic shapes in every tool, so
// that figures from different tools (bytes per pod, memory per object) can be compared.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace airunway::bench {

// Pod `pod-<i>` in `ns`: labels app=model-<i%50> and airunway.ai/deployment=d<i%50>, one vLLM
// container (args, a port, GPU and memory limits), bound to gpu-node-<i%10>, Running with a
// pod IP — about 600 bytes of JSON once the server has added its metadata.
boost::json::object RealisticPod(int i, std::string_view ns);

// A CPU-only ModelDeployment `name` in `ns` as a user would apply it: model
// Qwen/Qwen2.5-0.5B-Instruct, engine vllm, resources.cpu "1" (no GPU; see docs/controller.md).
boost::json::object CpuModelDeployment(std::string_view name, std::string_view ns);

}  // namespace airunway::bench
