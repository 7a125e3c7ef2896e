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
