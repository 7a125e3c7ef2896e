// /api/health*, /api/cluster*, nodes, the 503 paths and the OpenAPI document.
#include <set>

#include "tests/integration/api_fixture.h"

namespace airunway::api::testing {
namespace {

using ClusterApiTest = ApiTest;

TEST_F(ClusterApiTest, StatusReportsConnectionContextCrdAndSimulatedCluster) {
  auto response = Get("/api/cluster/status");
  ASSERT_EQ(response.status, 200);
  auto body = Parse(response.body);
  EXPECT_EQ(body.at("connected"), true);
  EXPECT_EQ(body.at("clusterName"), "kubesim");
  EXPECT_EQ(body.at("namespace"), "airunway-system");
  EXPECT_EQ(body.at("simulated"), true);
  EXPECT_EQ(body.at("synced"), true);
  EXPECT_EQ(json::serialize(body.at("providerInstallation")),
            R"({"installed":true,"crdFound":true,"message":"ModelDeployment CRD is installed"})");
  EXPECT_EQ(Get("/api/health/status").body, response.body);
  EXPECT_EQ(Parse(Get("/api/cluster").body).at("status"), "healthy");
  EXPECT_TRUE(Parse(Get("/api/cluster/version").body).contains("gitCommit"));
}

// Reference bug (upstream-api.md §11 item 14): /api/cluster/status reported DEFAULT_NAMESPACE
// instead of the settings' defaultNamespace that every deployment route uses.
TEST_F(ClusterApiTest, Bug14StatusNamespaceComesFromSettings) {
  auto put = Send("PUT", "/api/settings", R"({"defaultNamespace":"team-a"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Parse(Get("/api/cluster/status").body).at("namespace"), "team-a");
}

TEST_F(ClusterApiTest, NodesAreSchedulableSortedWithGpuCounts) {
  auto node = [](std::string_view name, bool ready, std::string_view gpus, bool unschedulable) {
    json::object n{{"apiVersion", "v1"},
                   {"kind", "Node"},
                   {"metadata", {{"name", name}}},
                   {"spec", {{"unschedulable", unschedulable}}},
                   {"status",
                    {{"conditions", json::array{{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}},
                     {"allocatable", {{"nvidia.com/gpu", gpus}}}}}};
    return n;
  };
  Seed(node("gpu-b", true, "8", false));
  Seed(node("cpu-a", false, "0", false));
  Seed(node("cordoned", true, "4", true));
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->nodes().Get("", "cordoned").has_value(); }));
  auto body = Parse(Get("/api/cluster/nodes").body);
  // Unschedulable nodes are left out; the rest are sorted by name.
  auto nodes = body.at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 2u) << json::serialize(body);
  EXPECT_EQ(nodes[0].at("name"), "cpu-a");
  EXPECT_EQ(nodes[1].at("name"), "gpu-b");
  EXPECT_EQ(Get("/api/health/nodes").body, Get("/api/cluster/nodes").body);
}

// GPU capacity from the node and pod caches: GPU nodes only, GPUs held by Running and Pending
// pods bound to them (finished pods release theirs), grouped by pool in the detailed form.
TEST_F(ClusterApiTest, GpuCapacityCountsGpuNodesAndTheirPods) {
  auto node = [](std::string_view name, std::string_view gpus, json::object labels) {
    return json::object{{"apiVersion", "v1"},
                        {"kind", "Node"},
                        {"metadata", {{"name", name}, {"labels", std::move(labels)}}},
                        {"status", {{"allocatable", {{"nvidia.com/gpu", gpus}, {"cpu", "32"}}}}}};
  };
  Seed(node("gpu-a", "8", {{"agentpool", "a100"}, {"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB"}}));
  Seed(node("gpu-b", "4", {{"agentpool", "a100"}}));
  Seed(node("cpu-a", "0", {{"agentpool", "system"}}));
  auto gpu_pod = [](std::string_view name, std::string_view node_name, std::string_view phase, std::string_view gpus) {
    json::object pod = PodFor(name, "app", "x", phase, node_name);
    pod["spec"].as_object()["containers"].as_array()[1].as_object()["resources"] =
        json::object{{"requests", {{"nvidia.com/gpu", gpus}}}};
    return pod;
  };
  SeedPod(gpu_pod("running", "gpu-a", "Running", "2"));
  SeedPod(gpu_pod("pending", "gpu-a", "Pending", "1"));
  SeedPod(gpu_pod("done", "gpu-b", "Succeeded", "4"));
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->nodes().Get("", "cpu-a").has_value(); }));

  auto response = Get("/api/installation/gpu-capacity");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"totalGpus":12,"allocatedGpus":3,"availableGpus":9,"maxContiguousAvailable":5,"maxNodeGpuCapacity":8,)"
            R"("gpuNodeCount":2,"totalMemoryGb":80,"nodes":[{"nodeName":"gpu-a","totalGpus":8,"allocatedGpus":3,)"
            R"("availableGpus":5},{"nodeName":"gpu-b","totalGpus":4,"allocatedGpus":0,"availableGpus":4}]})");
  auto detailed = Parse(Get("/api/installation/gpu-capacity/detailed").body);
  EXPECT_EQ(json::serialize(detailed.at("nodePools")),
            R"([{"name":"a100","gpuCount":12,"nodeCount":2,"availableGpus":9,"gpuModel":"NVIDIA-A100-SXM4-80GB"}])");

  // Without a cluster the reference's all-zero answer, which the UI reads as "unknown".
  ClusterApi none;
  http::Router router;
  RegisterApiRoutes(router, Deps(none));
  http::Request request;
  request.method = "GET";
  request.target = request.path = request.raw_path = "/api/installation/gpu-capacity";
  auto match = router.Find("GET", request.path);
  ASSERT_NE(match.route, nullptr);
  auto zero = std::get<http::Handler>(match.route->handler)(request);
  EXPECT_EQ(zero.status, 200);
  EXPECT_EQ(Parse(zero.body).at("gpuNodeCount"), 0);
  EXPECT_EQ(Parse(zero.body).at("nodes").as_array().size(), 0u);
}

TEST_F(ClusterApiTest, NotSyncedAnswers503WithAMessage) {
  // A second API over a cluster service that has not started: nothing is synced.
  ClusterApi cold = api_;
  cold.cluster = std::make_shared<services::cluster::ClusterService>(config_);
  http::Router router;
  RegisterApiRoutes(router, Deps(cold));
  http::Request request;
  request.method = "GET";
  request.target = request.path = request.raw_path = "/api/deployments";
  auto match = router.Find("GET", "/api/deployments");
  ASSERT_NE(match.route, nullptr);
  auto response = std::get<http::Handler>(match.route->handler)(request);
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("has not synced yet"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("CacheNotSynced"), std::string::npos);

  // And without any cluster at all.
  ClusterApi none;
  none.no_cluster_reason = "no kubeconfig was found";
  EXPECT_EQ(CacheUnavailable(none)->status, 503);
  EXPECT_NE(CacheUnavailable(none)->body.find("not connected to a Kubernetes cluster: no kubeconfig was found"),
            std::string::npos);
  auto status = ClusterStatusFrom(none)();
  EXPECT_EQ(status.at("connected"), false);
  EXPECT_TRUE(status.at("providerInstallation").is_null());
}

// Every registered route is documented in docs/openapi.json, and every documented operation is
// registered. The fixture registers the whole API (RegisterApiRoutes), so this covers all of it.
TEST_F(ClusterApiTest, OpenApiDocumentsExactlyTheRegisteredRoutes) {
  auto response = Get("/api/openapi.json");
  ASSERT_EQ(response.status, 200);
  auto doc = Parse(response.body);
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(upper + " " + std::string(path));
    }
  }
  std::set<std::string> registered;
  for (const auto& route : router_->routes()) {
    std::string path;
    std::size_t start = 1;
    while (start <= route.pattern.size()) {
      std::size_t slash = route.pattern.find('/', start);
      std::string segment = route.pattern.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      if (!segment.empty() && (segment[0] == ':' || segment[0] == '*')) segment = "{" + segment.substr(1) + "}";
      path += "/" + segment;
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    registered.insert(route.method + " " + path);
  }
  for (const auto& route : registered) EXPECT_TRUE(documented.count(route)) << "undocumented: " << route;
  for (const auto& route : documented) EXPECT_TRUE(registered.count(route)) << "documented but not served: " << route;
}

}  // namespace
}  // namespace airunway::api::testing
