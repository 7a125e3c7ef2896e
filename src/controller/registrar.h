// ProviderRegistrar: keeps each provider's InferenceProviderConfig current — created or
// updated at start-up (spec = capabilities and selection rules, annotations merged), status
// ready/version/upstreamCRDVersion with lastHeartbeat refreshed every `heartbeat`, marked
// not ready on a clean stop. Not leader-gated: every replica registers, as in the reference.
//
// Status is written with a merge patch of only those fields, so a condition the reconciler
// puts on the config (an invalid selection rule) survives heartbeats.
//
// Thread-safety: Run on one thread; Stop from any.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <vector>

#include "common/result.h"
#include "controller/provider.h"
#include "kube/client.h"

namespace airunway::controller {

class ProviderRegistrar {
 public:
  ProviderRegistrar(std::shared_ptr<kube::Client> client, std::vector<std::shared_ptr<const Provider>> providers,
                    std::chrono::milliseconds heartbeat = std::chrono::seconds(60));

  // Registers every provider once (the first error is returned; the others are still tried).
  common::Status RegisterAll();
  // RegisterAll, then a heartbeat every period until `stop`; then marks them not ready.
  void Run(std::stop_token stop);

 private:
  common::Status Register(const Provider& provider, bool ready);

  std::shared_ptr<kube::Client> client_;
  std::vector<std::shared_ptr<const Provider>> providers_;
  std::chrono::milliseconds heartbeat_;
};

}  // namespace airunway::controller
