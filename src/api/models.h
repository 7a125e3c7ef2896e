// Models area: the curated catalog, HuggingFace search with GPU-memory estimates, GGUF file
// lists — and, through RegisterModelsArea, the HuggingFace sign-in (api/oauth.h) and token
// secrets (api/secrets.h) that belong to the same first screen.
//
//   GET /api/models                      {"models": [...catalog...]}
//   GET /api/models/search?q&limit&offset  HfModelSearchResponse (header X-HF-Token)
//   GET /api/models/{id…}/gguf-files     {"files": [...]}       (header X-HF-Token)
//   GET /api/models/{id…}                a catalog entry, or 404 "Model not found"
//
// Handlers that reach the Hub or the cluster run their blocking work on the WorkerPool; the
// pool and every dependency must outlive the server that serves the router.
//
// Thread-safety: the registered handlers are safe on any I/O thread.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "http/router.h"
#include "http/worker_pool.h"
#include "kube/client.h"
#include "services/catalog/catalog.h"
#include "services/huggingface/hub_client.h"
#include "services/oauth/sessions.h"
#include "services/secrets/hf_token_secrets.h"

namespace airunway::api {

// What start-up knows: flags and environment.
struct ModelsAreaConfig {
  std::string catalog_path;      // --catalog FILE; empty = the built-in catalog
  std::string hf_endpoint;       // empty = $HF_ENDPOINT, else https://huggingface.co
  std::string oauth_client_id;   // empty = $HF_CLIENT_ID, else AI Runway's public client id
  huggingface::HubOptions hub;   // timeouts, retries, caches (its endpoint is replaced)
};

struct ModelsAreaDeps {
  std::shared_ptr<const catalog::Catalog> catalog;
  std::shared_ptr<huggingface::HubClient> hub;
  std::shared_ptr<oauth::Sessions> oauth_sessions;
  std::shared_ptr<secrets::HfTokenSecrets> secrets;  // nullptr: no cluster (secrets answer 503)
  std::string oauth_client_id;
  http::WorkerPool* pool = nullptr;
};

// Builds the area's services. Fails, naming the entry or the setting, when the catalog file
// or HF_ENDPOINT is invalid, so that start-up stops with a message a person can act on.
// `kube` may be nullptr (no cluster configured).
common::Result<ModelsAreaDeps> MakeModelsAreaDeps(const ModelsAreaConfig& config,
                                                  std::shared_ptr<kube::Client> kube, http::WorkerPool& pool);

void RegisterModelsRoutes(http::Router& router, std::shared_ptr<const catalog::Catalog> catalog,
                          std::shared_ptr<huggingface::HubClient> hub, http::WorkerPool& pool);

// Models, OAuth and secrets routes together.
void RegisterModelsArea(http::Router& router, const ModelsAreaDeps& deps);

}  // namespace airunway::api
