// The simulated kubelet: runs the pods bound to simulated nodes.
//
// Per container: Pulling → Pulled → Created → Started (pod Running, pod IP) → Ready, each
// step after the scenario's delay, with the real events (Pulling, Pulled, Created, Started)
// and container statuses (state, lastState, ready, started, restartCount, containerID).
// Scenario faults turn this into ErrImagePull ⇄ ImagePullBackOff, a crash loop
// (terminated → CrashLoopBackOff with growing back-off and restartCount), or a readiness
// probe that never passes (Unhealthy event). Pods with restartPolicy Never/OnFailure run for
// timing.run and then complete (Succeeded), or fail (Failed) when they crash under Never.
//
// Logs: lines are appended to LogBuffers as the container starts, becomes ready and (for
// model servers, every timing.logInterval) serves simulated traffic. vLLM, SGLang, llama.cpp
// and TensorRT-LLM images (recognised by name) log like those servers; anything else logs
// generic lines. Deleting a pod removes its logs.
//
// Thread-safety: see SimController; the per-pod runtime state is touched only by the worker.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <vector>

#include "kubesim/sim_controller.h"

namespace airunway::kubesim {

enum class ServerKind { kGeneric, kVllm, kSglang, kLlamaCpp, kTrtLlm };

// What a container runs, as far as the simulation cares.
struct ModelServerInfo {
  ServerKind kind = ServerKind::kGeneric;
  std::string model;  // --model / --model-path / -m / `vllm serve <model>`, else "model"
  int port = 8000;    // --port, else the first containerPort, else the server's default
};
ModelServerInfo DescribeModelServer(const boost::json::object& container);

// The start-up lines a server of `info` logs, split at the moment it becomes ready:
// `before_ready` when the process starts, `at_ready` when it starts listening.
struct StartupLog {
  std::vector<std::string> before_ready;
  std::vector<std::string> at_ready;
};
StartupLog StartupLogFor(const ModelServerInfo& info, const std::string& image);
// One periodic line (request metrics for model servers, a heartbeat otherwise).
std::string PeriodicLogLine(const ModelServerInfo& info, int tick);

std::unique_ptr<SimController> MakeKubelet(SimContext& context);

}  // namespace airunway::kubesim
