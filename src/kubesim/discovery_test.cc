#include "kubesim/discovery.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

constexpr std::string_view kKubectlAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

json::value Body(const ApiResult<Document>& r) {
  EXPECT_TRUE(IsOk(r)) << std::get<ApiStatus>(r).message;
  return json::parse(std::get<0>(r).body);
}

const json::object* FindByField(const json::array& a, std::string_view field, std::string_view value) {
  for (const auto& v : a) {
    if (v.as_object().contains(field) && v.at(field).is_string() && v.at(field).get_string() == value) return &v.as_object();
  }
  return nullptr;
}

json::value CrdJson() {
  return json::parse(R"({"metadata": {"name": "workspaces.kaito.sh"},
    "spec": {"group": "kaito.sh", "scope": "Namespaced",
             "names": {"plural": "workspaces", "kind": "Workspace", "shortNames": ["wss"]},
             "versions": [{"name": "v1beta1", "served": true, "storage": true,
                           "subresources": {"status": {}}}]}})");
}

TEST(DiscoveryTest, VersionReports132) {
  Registry registry;
  DiscoveryService service(registry);
  auto doc = Body(service.Get("/version", ""));
  EXPECT_EQ(doc.at("major"), "1");
  EXPECT_EQ(doc.at("minor"), "32");
  EXPECT_EQ(doc.at("gitVersion"), "v1.32.4");
  EXPECT_EQ(doc.at("platform"), "linux/amd64");
  for (auto key : {"gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler"}) {
    EXPECT_TRUE(doc.as_object().contains(key)) << key;
  }
}

TEST(DiscoveryTest, LegacyApiVersions) {
  Registry registry;
  DiscoveryService service(registry, "10.0.0.1:6443");
  auto r = service.Get("/api", "application/json, */*");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(std::get<0>(r).content_type, "application/json");
  auto doc = Body(r);
  EXPECT_EQ(doc.at("kind"), "APIVersions");
  EXPECT_EQ(doc.at("versions"), json::array{"v1"});
  EXPECT_EQ(doc.at("serverAddressByClientCIDRs").at(0).at("serverAddress"), "10.0.0.1:6443");
}

TEST(DiscoveryTest, CoreResourceListHasShortNamesVerbsAndSubresources) {
  Registry registry;
  DiscoveryService service(registry);
  auto doc = Body(service.Get("/api/v1", "application/json"));
  EXPECT_EQ(doc.at("kind"), "APIResourceList");
  EXPECT_EQ(doc.at("groupVersion"), "v1");
  const json::array& resources = doc.at("resources").as_array();
  const json::object* pods = FindByField(resources, "name", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->at("singularName"), "pod");
  EXPECT_EQ(pods->at("namespaced"), true);
  EXPECT_EQ(pods->at("kind"), "Pod");
  EXPECT_EQ(pods->at("shortNames"), json::array{"po"});
  EXPECT_EQ(pods->at("categories"), json::array{"all"});
  EXPECT_EQ(pods->at("verbs"), (json::array{"create", "delete", "deletecollection", "get", "list",
                                            "patch", "update", "watch"}));
  EXPECT_TRUE(pods->contains("storageVersionHash"));

  const json::object* log = FindByField(resources, "name", "pods/log");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->at("kind"), "Pod");
  EXPECT_EQ(log->at("verbs"), json::array{"get"});
  EXPECT_EQ(log->at("singularName"), "");
  EXPECT_FALSE(log->contains("group"));
  const json::object* eviction = FindByField(resources, "name", "pods/eviction");
  ASSERT_NE(eviction, nullptr);
  EXPECT_EQ(eviction->at("group"), "policy");
  EXPECT_EQ(eviction->at("version"), "v1");
  EXPECT_NE(FindByField(resources, "name", "services/proxy"), nullptr);
  EXPECT_EQ(FindByField(resources, "name", "namespaces")->at("namespaced"), false);
  EXPECT_EQ(FindByField(resources, "name", "nodes")->at("shortNames"), json::array{"no"});
  EXPECT_EQ(FindByField(resources, "name", "secrets")->contains("shortNames"), false);
}

TEST(DiscoveryTest, GroupDocuments) {
  Registry registry;
  DiscoveryService service(registry);
  auto list = Body(service.Get("/apis", "application/json"));
  EXPECT_EQ(list.at("kind"), "APIGroupList");
  const json::object* apps = FindByField(list.at("groups").as_array(), "name", "apps");
  ASSERT_NE(apps, nullptr);
  EXPECT_EQ(apps->at("preferredVersion").at("groupVersion"), "apps/v1");
  EXPECT_EQ(FindByField(list.at("groups").as_array(), "name", ""), nullptr);

  auto group = Body(service.Get("/apis/rbac.authorization.k8s.io/", "application/json"));
  EXPECT_EQ(group.at("kind"), "APIGroup");
  EXPECT_EQ(group.at("versions").at(0).at("groupVersion"), "rbac.authorization.k8s.io/v1");

  auto rl = Body(service.Get("/apis/apps/v1", "application/json"));
  EXPECT_EQ(rl.at("apiVersion"), "v1");
  EXPECT_EQ(rl.at("groupVersion"), "apps/v1");
  const json::object* scale = FindByField(rl.at("resources").as_array(), "name", "deployments/scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->at("group"), "autoscaling");
  EXPECT_EQ(scale->at("kind"), "Scale");
}

TEST(DiscoveryTest, KubectlAcceptGetsAggregatedDiscovery) {
  Registry registry;
  DiscoveryService service(registry);
  auto r = service.Get("/apis", kKubectlAccept);
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(std::get<0>(r).content_type,
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  auto doc = Body(r);
  EXPECT_EQ(doc.at("kind"), "APIGroupDiscoveryList");
  EXPECT_EQ(doc.at("apiVersion"), "apidiscovery.k8s.io/v2");
  const json::array& items = doc.at("items").as_array();
  const json::object* apps = nullptr;
  for (const auto& g : items) {
    if (g.at("metadata").as_object().contains("name") && g.at("metadata").at("name") == "apps") apps = &g.as_object();
  }
  ASSERT_NE(apps, nullptr);
  const json::object& v1 = apps->at("versions").at(0).as_object();
  EXPECT_EQ(v1.at("version"), "v1");
  EXPECT_EQ(v1.at("freshness"), "Current");
  const json::object* deploy = FindByField(v1.at("resources").as_array(), "resource", "deployments");
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ(deploy->at("scope"), "Namespaced");
  EXPECT_EQ(deploy->at("singularResource"), "deployment");
  EXPECT_EQ(deploy->at("responseKind"), (json::object{{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}));
  EXPECT_EQ(deploy->at("shortNames"), json::array{"deploy"});
  EXPECT_EQ(deploy->at("categories"), json::array{"all"});
  const json::object* scale = FindByField(deploy->at("subresources").as_array(), "subresource", "scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ(scale->at("responseKind").at("group"), "autoscaling");
  EXPECT_EQ(scale->at("verbs"), (json::array{"get", "patch", "update"}));

  auto core = Body(service.Get("/api", kKubectlAccept));
  ASSERT_EQ(core.at("items").as_array().size(), 1u);
  EXPECT_FALSE(core.at("items").at(0).at("metadata").as_object().contains("name"));
  const json::object* pods = FindByField(core.at("items").at(0).at("versions").at(0).at("resources").as_array(),
                                         "resource", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->at("responseKind").at("group"), "");
}

TEST(DiscoveryTest, AcceptHeaderPicksTheForm) {
  EXPECT_EQ(NegotiateDiscovery(kKubectlAccept), DiscoveryFormat::kAggregatedV2);
  EXPECT_EQ(NegotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"),
            DiscoveryFormat::kAggregatedV2Beta1);
  EXPECT_EQ(NegotiateDiscovery("application/json"), DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery(""), DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery("application/json;q=1,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5"),
            DiscoveryFormat::kLegacy);
  EXPECT_EQ(NegotiateDiscovery("application/vnd.kubernetes.protobuf"), std::nullopt);

  Registry registry;
  DiscoveryService service(registry);
  auto r = service.Get("/apis", "application/vnd.kubernetes.protobuf");
  ASSERT_FALSE(IsOk(r));
  EXPECT_EQ(std::get<ApiStatus>(r).code, 406);
  // Non-root paths ignore aggregated types but serve plain JSON.
  auto rl = service.Get("/apis/apps/v1", kKubectlAccept);
  ASSERT_TRUE(IsOk(rl));
  EXPECT_EQ(std::get<0>(rl).content_type, "application/json");
}

TEST(DiscoveryTest, UnknownGroupOrVersionIs404) {
  Registry registry;
  DiscoveryService service(registry);
  for (auto path : {"/apis/nosuch.io", "/apis/apps/v9", "/api/v2", "/apis/kaito.sh/v1beta1"}) {
    auto r = service.Get(path, "application/json");
    ASSERT_FALSE(IsOk(r)) << path;
    EXPECT_EQ(std::get<ApiStatus>(r).code, 404);
    EXPECT_EQ(std::get<ApiStatus>(r).message, "the server could not find the requested resource");
  }
  EXPECT_TRUE(DiscoveryService::Handles("/apis/apps/v1"));
  EXPECT_FALSE(DiscoveryService::Handles("/apis/apps/v1/deployments"));
  EXPECT_FALSE(DiscoveryService::Handles("/api/v1/pods"));
}

TEST(DiscoveryTest, CrdAppearsAndDisappears) {
  Registry registry;
  DiscoveryService service(registry);
  auto before = Body(service.Get("/apis", kKubectlAccept));  // warms the cache
  ASSERT_TRUE(IsOk(registry.AddCrd(CrdJson(), std::chrono::system_clock::now())));

  auto doc = Body(service.Get("/apis", kKubectlAccept));
  const json::object* kaito = nullptr;
  for (const auto& g : doc.at("items").as_array()) {
    if (g.at("metadata").as_object().contains("name") && g.at("metadata").at("name") == "kaito.sh") kaito = &g.as_object();
  }
  ASSERT_NE(kaito, nullptr);
  const json::object& ws = kaito->at("versions").at(0).at("resources").at(0).as_object();
  EXPECT_EQ(ws.at("resource"), "workspaces");
  EXPECT_EQ(ws.at("shortNames"), json::array{"wss"});
  EXPECT_EQ(ws.at("subresources").at(0).at("responseKind").at("kind"), "Workspace");

  auto rl = Body(service.Get("/apis/kaito.sh/v1beta1", "application/json"));
  EXPECT_NE(FindByField(rl.at("resources").as_array(), "name", "workspaces/status"), nullptr);
  auto groups = Body(service.Get("/apis", "application/json"));
  EXPECT_NE(FindByField(groups.at("groups").as_array(), "name", "kaito.sh"), nullptr);

  registry.RemoveCrd("workspaces.kaito.sh");
  auto after = Body(service.Get("/apis", kKubectlAccept));
  EXPECT_EQ(after, before);
  EXPECT_FALSE(IsOk(service.Get("/apis/kaito.sh/v1beta1", "application/json")));
}

}  // namespace
}  // namespace airunway::kubesim
