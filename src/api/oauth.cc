#include "api/oauth.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include "api/hf_request.h"
#include "common/logging.h"
#include "services/oauth/pkce.h"

namespace airunway::api {

namespace {

using boost::asio::awaitable;
using http::Response;

// The token exchange followed by whoami, as one blocking step. Refusals by the Hub (a bad
// or reused code, a token it then rejects) are 400s; an unreachable Hub keeps its 502/504.
common::Result<boost::json::object> ExchangeAndIdentify(huggingface::HubClient& hub, const std::string& client_id,
                                                        const std::string& code, const std::string& verifier,
                                                        const std::string& redirect_uri) {
  auto token = hub.ExchangeCode(client_id, code, verifier, redirect_uri);
  if (!token) return token.error();
  auto user = hub.WhoAmI(token->access_token);
  if (!user) {
    if (user.error().code == common::ErrorCode::kUnauthorized) {
      return common::MakeError(common::ErrorCode::kBadRequest,
                               "OAuth token exchange failed: HuggingFace did not accept the token it issued",
                               "OAuthExchangeFailed");
    }
    return user.error();
  }
  boost::json::object response;
  response["accessToken"] = token->access_token;
  response["tokenType"] = "Bearer";
  if (token->expires_in) response["expiresIn"] = *token->expires_in;
  if (token->scope) response["scope"] = *token->scope;
  response["user"] = user->ToJson();
  return response;
}

common::Result<std::string> RedirectUri(const boost::json::object& body) {
  auto uri = common::GetString(body, "redirectUri");
  if (!uri || !hf::IsAbsoluteUrl(*uri)) {
    return hf::ValidationError("redirectUri", "must be an absolute URL (Redirect URI must be a valid URL)");
  }
  return std::string(*uri);
}

}  // namespace

void RegisterOAuthRoutes(http::Router& router, std::shared_ptr<huggingface::HubClient> hub,
                         std::shared_ptr<oauth::Sessions> sessions, std::string client_id, http::WorkerPool& pool) {
  const std::string authorize_url = hub->endpoint() + "/oauth/authorize";

  router.Get("/api/oauth/huggingface/config", [client_id, authorize_url](http::Request&) {
    boost::json::array scopes;
    for (auto scope : oauth::kScopes) scopes.emplace_back(scope);
    return Response::Json(200, boost::json::object{
                                   {"clientId", client_id}, {"authorizeUrl", authorize_url}, {"scopes", scopes}});
  });

  router.Post("/api/oauth/huggingface/start", [sessions, client_id, authorize_url](http::Request& request) {
    auto body = hf::ObjectBody(request);
    if (!body) return Response::Error(body.error());
    auto redirect_uri = RedirectUri(*body);
    if (!redirect_uri) return Response::Error(redirect_uri.error());
    try {
      auto started = sessions->Start(*redirect_uri);
      return Response::Json(
          200, boost::json::object{{"authorizationUrl", oauth::AuthorizeUrl(authorize_url, client_id, *redirect_uri,
                                                                            started.challenge, started.state)},
                                   {"state", started.state}});
    } catch (const std::exception& e) {
      common::LogError("could not start a HuggingFace sign-in", {{"error", e.what()}});
      return Response::Error(common::MakeError(common::ErrorCode::kInternal,
                                               "Could not start the sign-in: the server's random number generator "
                                               "failed"));
    }
  });

  router.Get("/api/oauth/huggingface/verifier/:state", [](http::Request&) {
    return Response::Error(common::MakeError(
        common::ErrorCode::kGone,
        "This endpoint has been removed for security. Use POST /huggingface/token-with-state instead.",
        "EndpointRemoved"));
  });

  router.AddAsync("POST", "/api/oauth/huggingface/token",
                  [hub, client_id, &pool](http::Request& request) -> awaitable<Response> {
                    auto body = hf::ObjectBody(request);
                    if (!body) co_return Response::Error(body.error());
                    auto code = hf::RequiredString(*body, "code");
                    if (!code) co_return Response::Error(code.error());
                    auto verifier = hf::RequiredString(*body, "codeVerifier", 43);
                    if (!verifier) co_return Response::Error(verifier.error());
                    auto redirect_uri = RedirectUri(*body);
                    if (!redirect_uri) co_return Response::Error(redirect_uri.error());
                    auto result = co_await pool.Run([&] {
                      return ExchangeAndIdentify(*hub, client_id, *code, *verifier, *redirect_uri);
                    });
                    if (!result) co_return Response::Error(result.error());
                    if (!*result) co_return Response::Error(result->error());
                    co_return Response::Json(200, **result);
                  });

  router.AddAsync("POST", "/api/oauth/huggingface/token-with-state",
                  [hub, sessions, client_id, &pool](http::Request& request) -> awaitable<Response> {
                    auto body = hf::ObjectBody(request);
                    if (!body) co_return Response::Error(body.error());
                    auto code = hf::RequiredString(*body, "code");
                    if (!code) co_return Response::Error(code.error());
                    auto state = common::GetString(*body, "state");
                    if (!state || !oauth::IsUuid(*state)) {
                      co_return Response::Error(hf::ValidationError("state", "must be a UUID"));
                    }
                    auto session = sessions->Find(*state);
                    if (!session) {
                      co_return Response::Error(common::MakeError(common::ErrorCode::kNotFound,
                                                                  "OAuth session not found or expired",
                                                                  "OAuthSessionNotFound"));
                    }
                    auto result = co_await pool.Run([&] {
                      return ExchangeAndIdentify(*hub, client_id, *code, session->verifier, session->redirect_uri);
                    });
                    if (!result) co_return Response::Error(result.error());
                    if (!*result) co_return Response::Error(result->error());  // the session stays for a retry
                    sessions->Remove(*state);
                    co_return Response::Json(200, **result);
                  });
}

}  // namespace airunway::api
