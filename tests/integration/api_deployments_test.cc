// /api/deployments*: create/preview/list/get/manifest/delete, pods, pending reasons, logs (tail,
// container, follow), PVCs, error statuses, and zero API-server requests while polling.
#include <thread>

#include "tests/integration/api_fixture.h"

namespace airunway::api::testing {
namespace {

using DeploymentsApiTest = ApiTest;

constexpr std::string_view kBody = R"({"name":"demo","namespace":"default","modelId":"Qwen/Qwen3-0.6B","engine":"vllm"})";

void SeedProvider(ApiTest& test, kubesim::ApiServer& sim, ClusterApi& api) {
  json::object provider{{"apiVersion", "airunway.ai/v1alpha1"},
                        {"kind", "InferenceProviderConfig"},
                        {"metadata",
                         {{"name", "dynamo"},
                          {"annotations",
                           {{"airunway.ai/capabilities", R"({"engines":["vllm","sglang"],"modes":["aggregated"]})"}}}}}};
  ASSERT_TRUE(kubesim::IsOk(sim.CreateObject(provider)));
  ASSERT_TRUE(WaitFor([&] { return api.cluster->ProviderConfig("dynamo").has_value(); }));
  (void)test;
}

TEST_F(DeploymentsApiTest, CreateThenReadBack) {
  auto created = Send("POST", "/api/deployments", std::string(kBody));
  ASSERT_EQ(created.status, 201) << created.body;
  auto created_body = Parse(created.body);
  EXPECT_EQ(created_body.at("message"), "Deployment created successfully");
  EXPECT_EQ(created_body.at("name"), "demo");
  EXPECT_EQ(created_body.at("namespace"), "default");
  // This cluster has no GPU nodes: created anyway, with the reference's fit warnings.
  EXPECT_NE(json::serialize(created_body.at("warnings")).find("only 0 are available"), std::string::npos);
  ASSERT_TRUE(WaitForDeployment("default", "demo"));

  auto status = Parse(Get("/api/deployments/demo?namespace=default").body);
  EXPECT_EQ(status.at("name"), "demo");
  EXPECT_EQ(status.at("modelId"), "Qwen/Qwen3-0.6B");
  EXPECT_EQ(status.at("engine"), "vllm");
  EXPECT_EQ(status.at("phase"), "Pending");
  EXPECT_EQ(status.at("provider"), "unknown");
  EXPECT_EQ(status.at("frontendService"), "demo");

  auto manifest = Parse(Get("/api/deployments/demo/manifest?namespace=default").body);
  EXPECT_EQ(manifest.at("primaryResource").at("kind"), "ModelDeployment");
  auto stored = manifest.at("resources").as_array()[0].at("manifest").as_object();
  EXPECT_EQ(stored.at("metadata").at("labels").at("app.kubernetes.io/managed-by"), "airunway");
  EXPECT_EQ(stored.at("spec").at("engine").at("enablePrefixCaching"), true);
}

// Reference bug (upstream-api.md §11 item 1): a create conflict answered 500 "Internal Server
// Error"; the Kubernetes 409 is kept.
TEST_F(DeploymentsApiTest, Bug1CreateConflictIs409) {
  ASSERT_EQ(Send("POST", "/api/deployments", std::string(kBody)).status, 201);
  auto again = Send("POST", "/api/deployments", std::string(kBody));
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(again.body.find("Failed to create deployment: "), std::string::npos);
  EXPECT_NE(again.body.find("already exists"), std::string::npos);
}

// The reference's GPU fit check: a deployment that will not fit is still created (the cluster may
// grow, the scheduler decides) and the answer carries the reasons as warnings.
TEST_F(DeploymentsApiTest, CreateWarnsWhenTheClusterHasTooFewGpus) {
  Seed(json::object{{"apiVersion", "v1"},
                    {"kind", "Node"},
                    {"metadata", {{"name", "gpu-1"}}},
                    {"status", {{"allocatable", {{"nvidia.com/gpu", "2"}}}}}});
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->nodes().Get("", "gpu-1").has_value(); }));
  auto fits = Send("POST", "/api/deployments",
                   R"({"name":"small","namespace":"default","modelId":"m","engine":"vllm","resources":{"gpu":2}})");
  ASSERT_EQ(fits.status, 201) << fits.body;
  EXPECT_EQ(Parse(fits.body).contains("warnings"), false) << fits.body;

  auto big = Send("POST", "/api/deployments",
                  R"({"name":"big","namespace":"default","modelId":"m","engine":"vllm","replicas":2,"resources":{"gpu":4}})");
  ASSERT_EQ(big.status, 201) << big.body;
  auto warnings = Parse(big.body).at("warnings").as_array();
  ASSERT_EQ(warnings.size(), 2u) << big.body;
  EXPECT_EQ(warnings[0], "⚠️ Insufficient cluster GPUs: Deployment requires 8 GPU(s) but only 2 are available in the cluster");
  EXPECT_NE(std::string(warnings[1].as_string()).find("largest available block on any node is 2 GPU(s)"), std::string::npos);
  EXPECT_TRUE(WaitForDeployment("default", "big"));

  // CPU-only deployments need no GPUs, so they never warn.
  auto cpu = Send("POST", "/api/deployments",
                  R"({"name":"cpu","namespace":"default","modelId":"m","engine":"vllm","computeType":"cpu","replicas":9})");
  ASSERT_EQ(cpu.status, 201) << cpu.body;
  EXPECT_EQ(Parse(cpu.body).contains("warnings"), false);
}

TEST_F(DeploymentsApiTest, MissingNamespaceIs404NotInternalError) {
  auto response = Send("POST", "/api/deployments",
                       R"({"name":"demo","namespace":"nowhere","modelId":"m","engine":"vllm"})");
  EXPECT_EQ(response.status, 404) << response.body;
}

TEST_F(DeploymentsApiTest, ValidationNamesFieldAndRule) {
  auto response = Send("POST", "/api/deployments", R"({"name":"Demo!","modelId":"m","engine":"vllm","replicas":-1})");
  ASSERT_EQ(response.status, 400);
  auto body = Parse(response.body);
  EXPECT_EQ(body.at("error").at("name"), "ZodError");
  auto issues = json::parse(body.at("error").at("message").as_string()).as_array();
  std::string text = json::serialize(issues);
  EXPECT_NE(text.find(R"("path":["name"])"), std::string::npos);
  EXPECT_NE(text.find(R"("path":["replicas"])"), std::string::npos);
  EXPECT_NE(text.find("Too small: expected number to be >=0"), std::string::npos);
  EXPECT_EQ(Send("POST", "/api/deployments", "{not json").status, 400);
  airunway::testing::HttpClient client(server_->port());
  EXPECT_EQ(client.Request("POST", "/api/deployments", {{"Content-Type", "text/plain"}}, std::string(kBody)).status, 415);
}

TEST_F(DeploymentsApiTest, UnknownProvider404AndUnsupportedCombination422) {
  SeedProvider(*this, sim_, api_);
  auto unknown = Send("POST", "/api/deployments", R"({"name":"a","modelId":"m","engine":"vllm","provider":"nope"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Parse(unknown.body).at("error").at("message"), "Provider not found: nope");
  auto unsupported = Send("POST", "/api/deployments", R"({"name":"a","modelId":"m","engine":"trtllm","provider":"dynamo"})");
  EXPECT_EQ(unsupported.status, 422);
  EXPECT_NE(unsupported.body.find(R"(does not support engine \"trtllm\")"), std::string::npos) << unsupported.body;
  auto preview = Send("POST", "/api/deployments/preview",
                      R"({"name":"a","modelId":"m","engine":"vllm","provider":"dynamo","mode":"disaggregated"})");
  EXPECT_EQ(preview.status, 422);
}

TEST_F(DeploymentsApiTest, PreviewAppliesWebhookDefaults) {
  auto response = Send("POST", "/api/deployments/preview",
                       R"({"name":"test-deploy","modelId":"m","engine":"vllm",
                           "storage":{"volumes":[{"name":"cache","purpose":"modelCache","size":"10Gi"}]}})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = Parse(response.body);
  auto resource = body.at("resources").as_array()[0].as_object();
  EXPECT_EQ(resource.at("name"), "test-deploy");
  EXPECT_EQ(resource.at("manifest").at("metadata").at("namespace"), "airunway-system");
  auto volume = resource.at("manifest").at("spec").at("model").at("storage").at("volumes").as_array()[0];
  EXPECT_EQ(volume.at("claimName"), "test-deploy-cache");
  EXPECT_EQ(volume.at("mountPath"), "/model-cache");
  EXPECT_EQ(volume.at("accessMode"), "ReadWriteMany");
  EXPECT_EQ(json::serialize(body.at("primaryResource")), R"({"kind":"ModelDeployment","apiVersion":"airunway.ai/v1alpha1"})");
}

TEST_F(DeploymentsApiTest, ListSortsNewestFirstAndPaginates) {
  // The server stamps creationTimestamp (in seconds): let the clock pass a second boundary
  // between creations so that the three differ.
  auto next_second = [] {
    auto start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return WaitFor([&] { return std::chrono::system_clock::now() >= start + std::chrono::seconds(1); },
                   std::chrono::milliseconds(2'000));
  };
  Seed(ModelDeployment("old"));
  ASSERT_TRUE(next_second());
  Seed(ModelDeployment("mid"));
  ASSERT_TRUE(next_second());
  Seed(ModelDeployment("new"));
  ASSERT_TRUE(WaitForDeployment("default", "old") && WaitForDeployment("default", "new") &&
              WaitForDeployment("default", "mid"));
  auto all = Parse(Get("/api/deployments").body);
  auto names = [](const json::object& body) {
    std::string out;
    for (const auto& d : body.at("deployments").as_array()) out += std::string(d.at("name").as_string()) + ",";
    return out;
  };
  EXPECT_EQ(names(all), "new,mid,old,");
  EXPECT_EQ(json::serialize(all.at("pagination")), R"({"total":3,"limit":3,"offset":0,"hasMore":false})");
  auto page = Parse(Get("/api/deployments?namespace=default&limit=1&offset=1").body);
  EXPECT_EQ(names(page), "mid,");
  EXPECT_EQ(json::serialize(page.at("pagination")), R"({"total":3,"limit":1,"offset":1,"hasMore":true})");
  EXPECT_EQ(Parse(Get("/api/deployments?namespace=other").body).at("deployments").as_array().size(), 0u);
  EXPECT_EQ(Get("/api/deployments?limit=0").status, 400);
  EXPECT_EQ(Get("/api/deployments?limit=abc").status, 400);
  EXPECT_EQ(Get("/api/deployments?namespace=Bad_NS").status, 400);
}

TEST_F(DeploymentsApiTest, PodsOfOneDeploymentOnlyAndDerivedPhase) {
  Seed(ModelDeployment("alpha"));
  Seed(ModelDeployment("beta"));
  SeedPod(PodFor("alpha-0", "airunway.ai/deployment", "alpha", "Running", "node-1", true));
  SeedPod(PodFor("alpha-1", "kaito.sh/workspace", "alpha", "Pending"));
  SeedPod(PodFor("beta-0", "airunway.ai/deployment", "beta", "Running", "node-1", true));
  SeedPod(PodFor("unrelated", "app", "other", "Running", "node-1", true));
  ASSERT_TRUE(WaitForDeployment("default", "alpha") && WaitForDeployment("default", "beta"));
  SetStatus("default", "alpha", json::object{{"phase", "Deploying"}, {"replicas", {{"desired", 2}, {"ready", 1}, {"available", 1}}},
                                             {"provider", {{"name", "kaito"}}}, {"endpoint", {{"service", "alpha-svc"}, {"port", 8000}}}});
  ASSERT_TRUE(WaitFor([&] {
    auto md = api_.cluster->ModelDeployment("default", "alpha");
    return md && common::FindPath(**md, {"status", "phase"}) != nullptr;
  }));

  auto pods = Parse(Get("/api/deployments/alpha/pods?namespace=default").body).at("pods").as_array();
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_EQ(json::serialize(pods[0]),
            R"({"name":"alpha-0","phase":"Running","ready":true,"restarts":0,"node":"node-1","containers":["sidecar","vllm"]})");
  EXPECT_EQ(pods[1].at("name"), "alpha-1");
  auto status = Parse(Get("/api/deployments/alpha?namespace=default").body);
  EXPECT_EQ(status.at("phase"), "Deploying");
  EXPECT_EQ(status.at("provider"), "kaito");
  EXPECT_EQ(status.at("frontendService"), "alpha-svc:8000");
  EXPECT_EQ(status.at("pods").as_array().size(), 2u);
  EXPECT_EQ(Parse(Get("/api/deployments/beta/pods?namespace=default").body).at("pods").as_array().size(), 1u);
}

// The list reuses serialised statuses between requests (DeploymentStatusCache); a change to a
// pod or to the ModelDeployment must show in the very next list after the caches have it.
TEST_F(DeploymentsApiTest, ListShowsPodAndStatusChangesAtOnce) {
  Seed(ModelDeployment("gamma"));
  SeedPod(PodFor("gamma-0", "airunway.ai/deployment", "gamma", "Pending"));
  ASSERT_TRUE(WaitForDeployment("default", "gamma"));
  auto pod_phase = [&] {
    auto list = Parse(Get("/api/deployments?namespace=default").body).at("deployments").as_array();
    EXPECT_EQ(list.size(), 1u);
    return std::string(list[0].at("pods").as_array()[0].at("phase").as_string());
  };
  EXPECT_EQ(pod_phase(), "Pending");
  EXPECT_EQ(pod_phase(), "Pending");  // served again, unchanged

  auto& client = api_.cluster->client();
  auto pod = client.Get(kube::kPods, "default", "gamma-0");
  ASSERT_TRUE(pod);
  json::object running = *pod;
  running["status"] = PodFor("gamma-0", "airunway.ai/deployment", "gamma", "Running", "node-1", true).at("status");
  ASSERT_TRUE(client.UpdateStatus(kube::kPods, "default", running));
  ASSERT_TRUE(WaitFor([&] {
    auto cached = api_.cluster->pods().Get("default", "gamma-0");
    return cached && common::FindPath(**cached, {"status", "phase"})->as_string() == "Running";
  }));
  EXPECT_EQ(pod_phase(), "Running");

  SetStatus("default", "gamma", json::object{{"phase", "Running"}, {"replicas", {{"desired", 1}, {"ready", 1}, {"available", 1}}}});
  ASSERT_TRUE(WaitFor([&] {
    auto md = api_.cluster->ModelDeployment("default", "gamma");
    return md && common::FindPath(**md, {"status", "phase"}) != nullptr;
  }));
  auto list = Parse(Get("/api/deployments").body).at("deployments").as_array();
  EXPECT_EQ(list[0].at("phase"), "Running");
  EXPECT_EQ(json::serialize(list[0].at("replicas")), R"({"desired":1,"ready":1,"available":1})");
  // Identical to the single-deployment route, which derives the status afresh.
  EXPECT_EQ(json::serialize(list[0]), json::serialize(Parse(Get("/api/deployments/gamma?namespace=default").body)));
}

TEST_F(DeploymentsApiTest, PendingReasonsFromFailedSchedulingEvent) {
  Seed(ModelDeployment("demo"));
  SeedPod(PodFor("demo-0", "airunway.ai/deployment", "demo", "Pending"));
  Seed(json::object{{"apiVersion", "v1"},
                    {"kind", "Event"},
                    {"metadata", {{"name", "demo-0.1"}, {"namespace", "default"}}},
                    {"involvedObject", {{"kind", "Pod"}, {"name", "demo-0"}, {"namespace", "default"}}},
                    {"type", "Warning"},
                    {"reason", "FailedScheduling"},
                    {"message", "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."}});
  ASSERT_TRUE(WaitForDeployment("default", "demo"));
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->events().Get("default", "demo-0.1").has_value(); }));
  auto body = Parse(Get("/api/deployments/demo/pending-reasons?namespace=default").body);
  EXPECT_EQ(json::serialize(body),
            R"({"reasons":[{"reason":"FailedScheduling","message":"0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",)"
            R"("isResourceConstraint":true,"resourceType":"gpu","canAutoscalerHelp":true}]})");
  EXPECT_EQ(Get("/api/deployments/ghost/pending-reasons?namespace=default").status, 404);
}

TEST_F(DeploymentsApiTest, LogsWithTailContainerAndErrors) {
  Seed(ModelDeployment("demo"));
  SeedPod(PodFor("demo-0", "airunway.ai/deployment", "demo", "Running", "node-1", true));
  ASSERT_TRUE(WaitForDeployment("default", "demo"));
  sim_.logs().Append("default", "demo-0", "vllm", "line 1\nline 2\n\x1b[32mline 3\x1b[0m\n");
  sim_.logs().Append("default", "demo-0", "sidecar", "sidecar says hi\n");

  auto tail = Parse(Get("/api/deployments/demo/logs?namespace=default&tailLines=2").body);
  EXPECT_EQ(json::serialize(tail), R"({"logs":"line 2\nline 3\n","podName":"demo-0"})");
  auto sidecar = Parse(Get("/api/deployments/demo/logs?namespace=default&container=sidecar").body);
  EXPECT_EQ(json::serialize(sidecar), R"({"logs":"sidecar says hi\n","podName":"demo-0","container":"sidecar"})");
  auto stamped = Parse(Get("/api/deployments/demo/logs?namespace=default&tailLines=1&timestamps=true").body);
  EXPECT_NE(std::string(stamped.at("logs").as_string()).find("Z line 3"), std::string::npos);

  auto foreign = Get("/api/deployments/demo/logs?namespace=default&podName=other-0");
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(Parse(foreign.body).at("error").at("message"), "Pod 'other-0' is not part of deployment 'demo'");
  EXPECT_EQ(Get("/api/deployments/demo/logs?namespace=default&tailLines=0").status, 400);
  EXPECT_EQ(Get("/api/deployments/ghost/logs?namespace=default").status, 404);

  Seed(ModelDeployment("empty"));
  ASSERT_TRUE(WaitForDeployment("default", "empty"));
  EXPECT_EQ(Get("/api/deployments/empty/logs?namespace=default").body,
            R"({"logs":"","podName":"","message":"No pods found for this deployment"})");
}

TEST_F(DeploymentsApiTest, LogsFollowStreamsNewLinesUntilTheClientLeaves) {
  Seed(ModelDeployment("demo"));
  SeedPod(PodFor("demo-0", "airunway.ai/deployment", "demo", "Running", "node-1", true));
  ASSERT_TRUE(WaitForDeployment("default", "demo"));
  sim_.logs().Append("default", "demo-0", "vllm", "before\n");

  airunway::testing::HttpClient client(server_->port());
  ASSERT_TRUE(client.SendRaw("GET /api/deployments/demo/logs?namespace=default&follow=true&tailLines=1 HTTP/1.1\r\n"
                             "Host: x\r\n\r\n"));
  // The stream is open once the streamer counts it; then a new line is written.
  ASSERT_TRUE(WaitFor([&] { return api_.logs->active() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return sim_.logs().FollowerCount() == 1; }));
  sim_.logs().Append("default", "demo-0", "vllm", "after\n");
  // Ending the container's log (pod removed) ends the stream, so the response completes.
  kube::DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(api_.cluster->client().Delete(kube::kPods, "default", "demo-0", now));
  auto response = client.ReadResponse();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(response.body, "before\nafter\n");
  EXPECT_TRUE(WaitFor([&] { return api_.logs->active() == 0; }));
}

TEST_F(DeploymentsApiTest, FollowStopsWhenTheClientDisconnects) {
  Seed(ModelDeployment("demo"));
  SeedPod(PodFor("demo-0", "airunway.ai/deployment", "demo", "Running", "node-1", true));
  ASSERT_TRUE(WaitForDeployment("default", "demo"));
  {
    airunway::testing::HttpClient client(server_->port());
    ASSERT_TRUE(client.SendRaw("GET /api/deployments/demo/logs?namespace=default&follow=true HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(WaitFor([&] { return sim_.logs().FollowerCount() == 1; }));
  }  // disconnect
  // The server notices when it next writes; give it something to write.
  EXPECT_TRUE(WaitFor([&] {
    sim_.logs().Append("default", "demo-0", "vllm", "tick\n");
    return api_.logs->active() == 0 && sim_.logs().FollowerCount() == 0;
  }));
}

TEST_F(DeploymentsApiTest, DeleteAndDeleteMissing) {
  Seed(ModelDeployment("demo"));
  ASSERT_TRUE(WaitForDeployment("default", "demo"));
  auto deleted = Send("DELETE", "/api/deployments/demo?namespace=default", "");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, R"({"message":"Deployment deleted successfully"})");
  auto again = Send("DELETE", "/api/deployments/demo?namespace=default", "");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(Parse(again.body).at("error").at("message"), "Deployment 'demo' not found in namespace 'default'");
  EXPECT_EQ(Send("DELETE", "/api/deployments/Bad_Name", "").status, 400);
}

TEST_F(DeploymentsApiTest, NotFoundPaths) {
  EXPECT_EQ(Parse(Get("/api/deployments/ghost?namespace=default").body).at("error").at("message"), "Deployment not found");
  EXPECT_EQ(Get("/api/deployments/ghost/manifest").status, 404);
  EXPECT_EQ(Parse(Get("/api/deployments/ghost/manifest").body).at("error").at("message"), "Deployment manifest not found");
  EXPECT_EQ(Get("/api/deployments/ghost/pods").status, 404);
}

TEST_F(DeploymentsApiTest, PersistentVolumeClaims) {
  Seed(json::object{{"apiVersion", "v1"},
                    {"kind", "PersistentVolumeClaim"},
                    {"metadata", {{"name", "model-cache"}, {"namespace", "default"}}},
                    {"spec",
                     {{"storageClassName", "azurefile"},
                      {"accessModes", json::array{"ReadWriteMany"}},
                      {"resources", {{"requests", {{"storage", "100Gi"}}}}}}}});
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->pvcs().Get("default", "model-cache").has_value(); }));
  auto body = Parse(Get("/api/deployments/-/pvcs?namespace=default").body);
  ASSERT_EQ(body.at("pvcs").as_array().size(), 1u);
  auto pvc = body.at("pvcs").as_array()[0].as_object();
  EXPECT_EQ(pvc.at("name"), "model-cache");
  EXPECT_EQ(pvc.at("storageClass"), "azurefile");
  EXPECT_EQ(pvc.at("capacity"), "100Gi");
  EXPECT_EQ(Get("/api/deployments/-/pvcs").status, 400);
}

// Steady state: a UI polling the list costs the API server nothing.
TEST_F(DeploymentsApiTest, HundredPollsMakeZeroApiServerRequests) {
  Seed(ModelDeployment("demo"));
  SeedPod(PodFor("demo-0", "airunway.ai/deployment", "demo", "Running", "node-1", true));
  ASSERT_TRUE(WaitForDeployment("default", "demo"));
  auto before = sim_.request_count();
  airunway::testing::HttpClient client(server_->port());
  for (int i = 0; i < 100; ++i) {
    auto response = client.Get("/api/deployments");
    ASSERT_EQ(response.status, 200);
    ASSERT_EQ(Parse(response.body).at("deployments").as_array().size(), 1u);
  }
  EXPECT_EQ(sim_.request_count(), before);
}

}  // namespace
}  // namespace airunway::api::testing
