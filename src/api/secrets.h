// HuggingFace token secrets in the cluster:
//
//   GET    /api/secrets/huggingface/status   HfSecretStatus {configured, namespaces, user?}
//   POST   /api/secrets/huggingface          {accessToken} -> HfSaveSecretResponse
//   DELETE /api/secrets/huggingface          HfDeleteSecretResponse (always 200)
//
// A save that worked in some namespaces and not others answers 500 with the usual error
// envelope (naming the namespaces that failed and why) and, beside it, the per-namespace
// `results`, so the UI can show both. Without a cluster every route answers 503.
//
// Thread-safety: the registered handlers are safe on any I/O thread.
#pragma once

#include <memory>

#include "http/router.h"
#include "http/worker_pool.h"
#include "services/secrets/hf_token_secrets.h"

namespace airunway::api {

// `secrets` may be nullptr when no cluster is configured.
void RegisterSecretsRoutes(http::Router& router, std::shared_ptr<secrets::HfTokenSecrets> secrets,
                           http::WorkerPool& pool);

}  // namespace airunway::api
