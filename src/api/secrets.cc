#include "api/secrets.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include "api/hf_request.h"

namespace airunway::api {

namespace {

using boost::asio::awaitable;
using http::Response;

common::Error NoCluster() {
  return common::MakeError(common::ErrorCode::kUnavailable,
                           "No Kubernetes cluster is configured, so the HuggingFace token cannot be stored. Point "
                           "AI Runway at a cluster (kubeconfig) and restart it.",
                           "NoCluster");
}

boost::json::array ResultsJson(const std::vector<secrets::NamespaceResult>& results) {
  boost::json::array array;
  for (const auto& result : results) array.emplace_back(result.ToJson());
  return array;
}

}  // namespace

void RegisterSecretsRoutes(http::Router& router, std::shared_ptr<secrets::HfTokenSecrets> secrets,
                           http::WorkerPool& pool) {
  router.AddAsync("GET", "/api/secrets/huggingface/status", [secrets, &pool](http::Request&) -> awaitable<Response> {
    if (!secrets) co_return Response::Error(NoCluster());
    auto result = co_await pool.Run([&] { return secrets->Status(); });
    if (!result) co_return Response::Error(result.error());
    if (!*result) co_return Response::Error(result->error());
    co_return Response::Json(200, **result);
  });

  router.AddAsync("POST", "/api/secrets/huggingface", [secrets, &pool](http::Request& request) -> awaitable<Response> {
    auto body = hf::ObjectBody(request);
    if (!body) co_return Response::Error(body.error());
    auto token = hf::RequiredString(*body, "accessToken");
    if (!token) co_return Response::Error(token.error());
    if (!secrets) co_return Response::Error(NoCluster());
    auto result = co_await pool.Run([&] { return secrets->Save(*token); });
    if (!result) co_return Response::Error(result.error());
    if (!*result) co_return Response::Error(result->error());
    const auto& outcome = **result;
    boost::json::object response;
    if (outcome.AllSucceeded()) {
      response["success"] = true;
      response["message"] = "HuggingFace token saved successfully";
      response["user"] = outcome.user;
      response["results"] = ResultsJson(outcome.results);
      co_return Response::Json(200, response);
    }
    std::size_t saved = 0;
    for (const auto& r : outcome.results) saved += r.success ? 1 : 0;
    std::string message = "The HuggingFace token was saved in " + std::to_string(saved) + " of " +
                          std::to_string(outcome.results.size()) + " namespaces; it could not be saved in " +
                          outcome.FailureSummary();
    auto envelope = Response::Error(common::MakeError(common::ErrorCode::kInternal, message, "PartialFailure"));
    auto parsed = common::ParseJson(envelope.body);
    response["success"] = false;
    response["message"] = message;
    response["user"] = outcome.user;
    response["results"] = ResultsJson(outcome.results);
    if (parsed && parsed->is_object()) response["error"] = parsed->get_object()["error"];
    co_return Response::Json(envelope.status, response);
  });

  router.AddAsync("DELETE", "/api/secrets/huggingface", [secrets, &pool](http::Request&) -> awaitable<Response> {
    if (!secrets) co_return Response::Error(NoCluster());
    auto results = co_await pool.Run([&] { return secrets->Delete(); });
    if (!results) co_return Response::Error(results.error());
    bool all_ok = true;
    for (const auto& r : *results) all_ok = all_ok && r.success;
    boost::json::object response{
        {"success", all_ok},
        {"message", all_ok ? "HuggingFace secrets deleted successfully" : "Some secrets could not be deleted"},
        {"results", ResultsJson(*results)}};
    co_return Response::Json(200, response);
  });
}

}  // namespace airunway::api
