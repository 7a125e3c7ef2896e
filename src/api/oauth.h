// HuggingFace sign-in (OAuth 2 authorization code with PKCE), public routes:
//
//   GET  /api/oauth/huggingface/config              {clientId, authorizeUrl, scopes}
//   POST /api/oauth/huggingface/start               {redirectUri} -> {authorizationUrl, state}
//   POST /api/oauth/huggingface/token               {code, codeVerifier, redirectUri} -> token + user
//   POST /api/oauth/huggingface/token-with-state    {code, state} -> token + user
//   GET  /api/oauth/huggingface/verifier/{state}    410: verifiers never leave the server
//
// The verifier stays in the server's session store (services/oauth/sessions.h) under the
// state; a session expires after 10 minutes and survives a failed exchange so the user can
// retry. The access token is returned to the browser that signed in and nowhere else.
//
// Thread-safety: the registered handlers are safe on any I/O thread.
#pragma once

#include <memory>
#include <string>

#include "http/router.h"
#include "http/worker_pool.h"
#include "services/huggingface/hub_client.h"
#include "services/oauth/sessions.h"

namespace airunway::api {

void RegisterOAuthRoutes(http::Router& router, std::shared_ptr<huggingface::HubClient> hub,
                         std::shared_ptr<oauth::Sessions> sessions, std::string client_id, http::WorkerPool& pool);

}  // namespace airunway::api
