// Integration fixture for the REST API: an in-process kubesim API server over HTTPS with the
// AI Runway CRDs from deploy/crds applied, a ClusterService connected to it, and every API
// route (api::RegisterApiRoutes, as `airunway serve` registers them) served by an
// http::Server on a loopback port. The models area talks to kubesim for token secrets; its
// HuggingFace endpoint is a closed loopback port, so nothing reaches the internet and a test
// that needs the Hub uses api/models_area_fixture.h instead.
//
// Objects are seeded straight into kubesim (CreateObject) and ModelDeployment status is written
// with the Kubernetes client, standing in for the controller.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "api/cluster.h"
#include "api/models.h"
#include "api/routes.h"
#include "http/server.h"
#include "http/worker_pool.h"
#include "kube/kubesim_fixture.h"
#include "kubesim/api_server.h"
#include "kubesim/server_side_apply.h"
#include "services/cluster/cluster_service.h"
#include "services/deployments/logs.h"
#include "tests/support/http_client.h"

namespace airunway::api::testing {

namespace json = boost::json;
using kube::testing::WaitFor;

inline json::object Parse(const std::string& text) {
  auto value = json::parse(text);
  return value.is_object() ? value.as_object() : json::object{};
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A ModelDeployment as a user (or the API) would create it.
inline json::object ModelDeployment(std::string_view name, std::string_view ns = "default",
                                    std::string_view created = "2026-01-01T00:00:00Z") {
  return json::object{{"apiVersion", "airunway.ai/v1alpha1"},
                      {"kind", "ModelDeployment"},
                      {"metadata", {{"name", name}, {"namespace", ns}, {"creationTimestamp", created}}},
                      {"spec",
                       {{"model", {{"id", "Qwen/Qwen3-0.6B"}}},
                        {"engine", {{"type", "vllm"}}},
                        {"provider", {{"name", "kaito"}}},
                        {"scaling", {{"replicas", 1}}}}}};
}

inline json::object PodFor(std::string_view name, std::string_view label_key, std::string_view deployment,
                           std::string_view phase, std::string_view node = {}, bool ready = false) {
  json::object spec{{"containers", json::array{{{"name", "sidecar"}, {"image", "busybox"}},
                                               {{"name", "vllm"}, {"image", "vllm/vllm-openai"}}}}};
  if (!node.empty()) spec["nodeName"] = node;
  json::object status{{"phase", phase}};
  if (phase == "Running") {
    status["containerStatuses"] = json::array{{{"name", "vllm"}, {"ready", ready}, {"restartCount", 0}},
                                              {{"name", "sidecar"}, {"ready", ready}, {"restartCount", 0}}};
  }
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{label_key, deployment}}}}},
                      {"spec", std::move(spec)},
                      {"status", std::move(status)}};
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = sim_.Start();
    ASSERT_TRUE(started) << started.error().message;
    for (auto file : {"airunway.ai_modeldeployments.yaml", "airunway.ai_inferenceproviderconfigs.yaml"}) {
      auto crd = kubesim::YamlToJson(ReadFile(std::string(AIRUNWAY_CRD_DIR) + "/" + file));
      ASSERT_TRUE(kubesim::IsOk(crd)) << file;
      ASSERT_TRUE(kubesim::IsOk(sim_.CreateObject(std::get<0>(crd).as_object()))) << file;
    }
    config_ = kube::testing::MustConfig(sim_.KubeconfigYaml());
    services::cluster::ClusterOptions options;
    options.client.timeout = std::chrono::seconds(10);
    options.client.discovery_miss_ttl = std::chrono::milliseconds(0);
    options.max_backoff = std::chrono::milliseconds(200);
    api_.cluster = std::make_shared<services::cluster::ClusterService>(config_, options);
    api_.pool = std::make_shared<http::WorkerPool>(4, 64);
    api_.logs = std::make_shared<services::deployments::LogStreamer>(api_.cluster->shared_client(), 4);
    api_.cluster->Start();
    ASSERT_TRUE(api_.cluster->WaitForSync(std::chrono::seconds(20))) << api_.cluster->CheckSynced().error().message;
    // Steady state: all eight informers watching and the one /version probe answered.
    ASSERT_TRUE(WaitFor([&] { return sim_.store().WatcherCount() == 8; })) << sim_.store().WatcherCount();
    ASSERT_TRUE(WaitFor([&] { return !api_.cluster->Connection().server_version.empty(); }));
    ModelsAreaConfig models;
    models.hf_endpoint = "http://127.0.0.1:9";  // discard port: refused at once, never the internet
    models.hub.connect_timeout = std::chrono::milliseconds(100);
    models.hub.attempt_timeout = std::chrono::milliseconds(200);
    models.hub.deadline = std::chrono::milliseconds(500);
    models.hub.max_attempts = 1;
    auto deps = MakeModelsAreaDeps(models, api_.cluster->shared_client(), *api_.pool);
    ASSERT_TRUE(deps) << deps.error().message;
    models_ = std::move(*deps);
    StartServer();
  }

  void StartServer() {
    router_ = std::make_shared<http::Router>();
    RegisterApiRoutes(*router_, Deps(api_));
    http::ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.access_log = false;
    server_ = std::make_unique<http::Server>(options, router_);
    auto listening = server_->Listen();
    ASSERT_TRUE(listening) << listening.error().message;
    server_->Start();
  }

  // Everything the routes need, with `api` as the cluster side (tests vary it).
  ApiDeps Deps(const ClusterApi& api) const { return ApiDeps{.cluster = api, .models = models_}; }

  void TearDown() override {
    if (server_) {
      server_->Stop();
      server_->Wait();
    }
    api_.logs.reset();
    if (api_.cluster) api_.cluster->Stop();
    sim_.Stop();
    sim_.Wait();
  }

  airunway::testing::HttpResult Get(const std::string& target) {
    airunway::testing::HttpClient client(server_->port());
    return client.Get(target);
  }
  airunway::testing::HttpResult Send(const std::string& method, const std::string& target, const std::string& body) {
    airunway::testing::HttpClient client(server_->port());
    return client.Request(method, target, {{"Content-Type", "application/json"}}, body);
  }

  // Creates `object` in kubesim and waits until the API's caches show it.
  void Seed(json::object object) {
    auto created = sim_.CreateObject(object);
    ASSERT_TRUE(kubesim::IsOk(created)) << json::serialize(object);
  }
  // Writes ModelDeployment status as the controller would.
  void SetStatus(std::string_view ns, std::string_view name, json::object status) {
    auto& client = api_.cluster->client();
    auto current = client.Get(services::cluster::kModelDeployments, ns, name);
    ASSERT_TRUE(current) << current.error().message;
    json::object updated = *current;
    updated["status"] = std::move(status);
    auto written = client.UpdateStatus(services::cluster::kModelDeployments, ns, updated);
    ASSERT_TRUE(written) << written.error().message;
  }
  // Creates a pod and writes its status (creation drops status, as a real API server does).
  void SeedPod(json::object pod) {
    json::object status = pod["status"].as_object();
    pod.erase("status");
    Seed(pod);
    auto& client = api_.cluster->client();
    std::string name(pod["metadata"].at("name").as_string());
    auto current = client.Get(kube::kPods, "default", name);
    ASSERT_TRUE(current) << current.error().message;
    json::object updated = *current;
    updated["status"] = std::move(status);
    auto written = client.UpdateStatus(kube::kPods, "default", updated);
    ASSERT_TRUE(written) << written.error().message;
    ASSERT_TRUE(WaitFor([&] {
      auto cached = api_.cluster->pods().Get("default", name);
      return cached && common::FindPath(**cached, {"status", "phase"}) != nullptr &&
             common::FindPath(**cached, {"status", "phase"})->as_string() == updated["status"].at("phase").as_string();
    }));
  }
  bool WaitForDeployment(std::string_view ns, std::string_view name) {
    return WaitFor([&] { return api_.cluster->ModelDeployment(ns, name).has_value(); });
  }
  bool WaitForPod(std::string_view name) {
    return WaitFor([&] { return api_.cluster->pods().Get("default", name).has_value(); });
  }

  kubesim::ApiServer sim_;
  kube::Config config_;
  ClusterApi api_;
  ModelsAreaDeps models_;  // its pool is api_.pool
  std::shared_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace airunway::api::testing
