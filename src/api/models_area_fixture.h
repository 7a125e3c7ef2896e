// Test fixture: the models area (models, OAuth, secrets routes) served in-process by an
// http::Server on 127.0.0.1:0, talking to an in-process FakeHub, and optionally to kubesim.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>

#include "api/models.h"
#include "http/server.h"
#include "http/worker_pool.h"
#include "services/huggingface/fake_hub.h"
#include "tests/support/http_client.h"

namespace airunway::api::testing {

using namespace std::chrono_literals;

class ModelsAreaServer {
 public:
  ModelsAreaServer() : hub_(AIRUNWAY_HF_TESTDATA), pool_(4, 64) {}
  ~ModelsAreaServer() { Stop(); }

  // Starts the fixture Hub and the API server. `kube` may be nullptr.
  void Start(std::shared_ptr<kube::Client> kube = nullptr, ModelsAreaConfig config = {}) {
    ASSERT_TRUE(hub_.Start().ok());
    config.hf_endpoint = hub_.endpoint();
    config.hub.attempt_timeout = 400ms;
    config.hub.connect_timeout = 200ms;
    config.hub.deadline = 1500ms;
    config.hub.max_attempts = 3;
    config.hub.backoff = {std::chrono::milliseconds(10), std::chrono::milliseconds(50)};
    auto deps = MakeModelsAreaDeps(config, std::move(kube), pool_);
    ASSERT_TRUE(deps) << deps.error().message;
    deps_ = *deps;
    auto router = std::make_shared<http::Router>();
    RegisterModelsArea(*router, deps_);
    http::ServerOptions options;
    options.threads = 2;
    options.access_log = false;
    options.shutdown_grace = 200ms;
    server_ = std::make_unique<http::Server>(std::move(options), router);
    ASSERT_TRUE(server_->Listen().ok());
    server_->Start();
  }

  void Stop() {
    if (server_) {
      server_->Stop();
      server_->Wait();
      server_.reset();
    }
    hub_.Stop();
  }

  airunway::testing::HttpResult Get(const std::string& target,
                                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    airunway::testing::HttpClient client(server_->port());
    return client.Request("GET", target, headers);
  }
  airunway::testing::HttpResult Send(const std::string& method, const std::string& target, const std::string& body,
                                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    airunway::testing::HttpClient client(server_->port());
    return client.Request(method, target, headers, body);
  }

  huggingface::testing::FakeHub& hub() { return hub_; }
  const ModelsAreaDeps& deps() const { return deps_; }

 private:
  huggingface::testing::FakeHub hub_;
  http::WorkerPool pool_;
  ModelsAreaDeps deps_;
  std::unique_ptr<http::Server> server_;
};

inline boost::json::value Body(const airunway::testing::HttpResult& result) {
  boost::system::error_code ec;
  auto value = boost::json::parse(result.body, ec);
  return ec ? boost::json::value(result.body) : value;
}

inline std::string ErrorMessage(const airunway::testing::HttpResult& result) {
  auto body = Body(result);
  if (!body.is_object()) return {};
  const auto* error = body.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return {};
  const auto* message = error->as_object().if_contains("message");
  return message != nullptr && message->is_string() ? std::string(message->as_string()) : std::string();
}

}  // namespace airunway::api::testing
