// ApiServer request handling, in-process through Serve() (no sockets), plus one test over a
// real listener for the limits that live in the HTTP layer.
#include "kubesim/api_server.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/support/http_client.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

class ApiServerTest : public ::testing::Test {
 protected:
  http::Response Call(const std::string& method, const std::string& target, const std::string& body = {},
                      const std::string& content_type = "application/json", const std::string& accept = {},
                      std::optional<std::string> token = std::nullopt) {
    http::Request request;
    request.method = method;
    request.target = target;
    request.body = body;
    if (!body.empty()) request.headers.Set("Content-Type", content_type);
    if (!accept.empty()) request.headers.Set("Accept", accept);
    request.headers.Set("Authorization", "Bearer " + token.value_or(sim_.admin_token()));
    EXPECT_TRUE(http::ParseTarget(request).ok());
    return sim_.Serve(request);
  }

  static json::object Body(const http::Response& response) { return json::parse(response.body).as_object(); }

  ApiServer sim_{{.tls = true}};
};

TEST_F(ApiServerTest, CreateGetListAndConflicts) {
  auto created = Call("POST", "/api/v1/namespaces/default/configmaps",
                      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1","labels":{"app":"web"}},"data":{"a":"b"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto object = Body(created);
  EXPECT_EQ(object["metadata"].at("namespace").as_string(), "default");
  EXPECT_FALSE(object["metadata"].at("uid").as_string().empty());

  auto again = Call("POST", "/api/v1/namespaces/default/configmaps",
                    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"}})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Body(again)["reason"].as_string(), "AlreadyExists");

  auto list = Call("GET", "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dweb");
  ASSERT_EQ(list.status, 200);
  auto items = Body(list);
  EXPECT_EQ(items["kind"].as_string(), "ConfigMapList");
  EXPECT_EQ(items["items"].as_array().size(), 1u);

  std::string stale = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1","resourceVersion":"1"},"data":{}})";
  auto conflict = Call("PUT", "/api/v1/namespaces/default/configmaps/c1", stale);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Body(conflict)["reason"].as_string(), "Conflict");
}

TEST_F(ApiServerTest, BadRequestsGetRealStatusErrors) {
  auto malformed = Call("POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Body(malformed)["kind"].as_string(), "Status");
  auto wrong_kind = Call("POST", "/api/v1/namespaces/default/configmaps",
                         R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_kind.status, 400);
  EXPECT_NE(std::string(Body(wrong_kind)["message"].as_string()).find("must be of type ConfigMap"), std::string::npos);
  auto wrong_version = Call("POST", "/api/v1/namespaces/default/configmaps",
                            R"({"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}})");
  EXPECT_EQ(wrong_version.status, 400);
  auto bad_name = Call("POST", "/api/v1/namespaces/default/configmaps",
                       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}})");
  EXPECT_EQ(bad_name.status, 422);
  EXPECT_EQ(Body(bad_name)["details"].at("causes").as_array()[0].at("field").as_string(), "metadata.name");
  auto unknown = Call("GET", "/apis/nope.example.com/v1/things");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Body(unknown)["reason"].as_string(), "NotFound");
  auto missing_ns = Call("POST", "/api/v1/namespaces/ghost/configmaps",
                         R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}})");
  EXPECT_EQ(missing_ns.status, 404);
  EXPECT_EQ(Body(missing_ns)["message"].as_string(), "namespaces \"ghost\" not found");
  auto bad_selector = Call("GET", "/api/v1/pods?labelSelector=a%20in%20(");
  EXPECT_EQ(bad_selector.status, 400);
  auto bad_field = Call("GET", "/api/v1/pods?fieldSelector=spec.bogus%3D1");
  EXPECT_EQ(bad_field.status, 400);
  auto yaml_as_json = Call("POST", "/api/v1/namespaces/default/configmaps", "kind: ConfigMap", "text/plain");
  EXPECT_EQ(yaml_as_json.status, 415);
}

TEST_F(ApiServerTest, AuthenticationIsRequiredOverTls) {
  auto anonymous = Call("GET", "/api/v1/namespaces", {}, "application/json", {}, std::string("wrong-token"));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(Body(anonymous)["reason"].as_string(), "Unauthorized");
}

TEST_F(ApiServerTest, CrdIsServedAtOnceAndValidatesItsObjects) {
  auto crd = Call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", R"({
    "apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
      "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
        "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","required":["size"],
          "properties":{"size":{"type":"integer","minimum":1},"color":{"type":"string","default":"red"}}}}}}}]}})");
  ASSERT_EQ(crd.status, 201) << crd.body;
  auto conditions = Body(crd)["status"].at("conditions").as_array();
  bool established = false;
  for (const auto& c : conditions) {
    established |= c.at("type") == "Established" && c.at("status") == "True";
  }
  EXPECT_TRUE(established);

  auto discovery = Call("GET", "/apis/example.com/v1");
  ASSERT_EQ(discovery.status, 200);
  EXPECT_NE(discovery.body.find("\"wd\""), std::string::npos);

  auto good = Call("POST", "/apis/example.com/v1/namespaces/default/widgets",
                   R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":2}})");
  ASSERT_EQ(good.status, 201) << good.body;
  EXPECT_EQ(Body(good)["spec"].at("color").as_string(), "red") << "defaults are applied";

  auto invalid = Call("POST", "/apis/example.com/v1/namespaces/default/widgets",
                      R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w2"},"spec":{"size":0}})");
  EXPECT_EQ(invalid.status, 422);
  auto causes = Body(invalid)["details"].at("causes").as_array();
  ASSERT_FALSE(causes.empty());
  EXPECT_EQ(causes[0].at("field").as_string(), "spec.size");

  auto strict = Call("POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict",
                     R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w3"},"spec":{"size":1,"extra":true}})");
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.body.find("unknown field \\\"spec.extra\\\""), std::string::npos) << strict.body;

  auto deleted = Call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(Call("GET", "/apis/example.com/v1/namespaces/default/widgets").status, 404);
}

TEST_F(ApiServerTest, TablesForKubectlGet) {
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/pods",
                 R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p1"},"spec":{"containers":[{"name":"c","image":"x"}]}})")
                .status,
            201);
  auto table = Call("GET", "/api/v1/namespaces/default/pods", {}, "application/json",
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
  ASSERT_EQ(table.status, 200);
  EXPECT_EQ(*table.headers.Get("Content-Type"), "application/json;as=Table;v=v1;g=meta.k8s.io");
  auto body = Body(table);
  EXPECT_EQ(body["kind"].as_string(), "Table");
  EXPECT_EQ(body["columnDefinitions"].as_array()[0].at("name").as_string(), "Name");
  auto cells = body["rows"].as_array()[0].at("cells").as_array();
  EXPECT_EQ(cells[0].as_string(), "p1");
  EXPECT_EQ(cells[2].as_string(), "Pending") << "a new pod is Pending";
}

TEST_F(ApiServerTest, ExpiredWatchIsAnErrorEventInTheStream) {
  for (int i = 0; i < 3; ++i) {
    Call("POST", "/api/v1/namespaces/default/configmaps",
         R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"c-"}})");
  }
  ApiServer small({.tls = false, .store = {.history_limit = 2}});
  http::Request request;
  request.method = "GET";
  request.target = "/api/v1/namespaces?watch=true&resourceVersion=1";
  ASSERT_TRUE(http::ParseTarget(request).ok());
  auto response = small.Serve(request);
  ASSERT_EQ(response.status, 200);
  ASSERT_TRUE(response.stream);
  bool closed = false;
  std::string events = response.stream->Take(closed);
  EXPECT_NE(events.find("\"type\":\"ERROR\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"code\":410"), std::string::npos) << events;
}

TEST_F(ApiServerTest, WatchStreamsEventsAndStopsWhenTheClientLeaves) {
  auto response = Call("GET", "/api/v1/namespaces/default/configmaps?watch=1");
  ASSERT_TRUE(response.stream);
  Call("POST", "/api/v1/namespaces/default/configmaps",
       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watched"}})");
  Call("DELETE", "/api/v1/namespaces/default/configmaps/watched");
  bool closed = false;
  std::string events = response.stream->Take(closed);
  EXPECT_NE(events.find("\"type\":\"ADDED\""), std::string::npos);
  EXPECT_NE(events.find("\"type\":\"DELETED\""), std::string::npos);
  std::size_t before = sim_.store().WatcherCount();
  response.stream->Cancel();  // the client disconnects
  // Unsubscribing happens on the housekeeping thread only once the server runs; here the
  // next event notices the closed stream and unsubscribes.
  Call("POST", "/api/v1/namespaces/default/configmaps",
       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"after"}})");
  EXPECT_LT(sim_.store().WatcherCount(), before);
}

TEST_F(ApiServerTest, PodLogsNeedAContainerWhenThereAreSeveral) {
  Call("POST", "/api/v1/namespaces/default/pods",
       R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"two"},"spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}})");
  auto ambiguous = Call("GET", "/api/v1/namespaces/default/pods/two/log");
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_NE(std::string(Body(ambiguous)["message"].as_string()).find("choose one of: [a b]"), std::string::npos);
  sim_.logs().Append("default", "two", "b", "line 1\nline 2\nline 3\n");
  auto tail = Call("GET", "/api/v1/namespaces/default/pods/two/log?container=b&tailLines=2");
  EXPECT_EQ(tail.status, 200);
  EXPECT_EQ(tail.body, "line 2\nline 3\n");
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/pods/two/log?container=zzz").status, 400);
}

TEST_F(ApiServerTest, ScaleSubresourceReadsAndWritesReplicas) {
  ASSERT_EQ(Call("POST", "/apis/apps/v1/namespaces/default/deployments", R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"d"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},
    "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})").status, 201);
  auto scaled = Call("PATCH", "/apis/apps/v1/namespaces/default/deployments/d/scale", R"({"spec":{"replicas":3}})",
                     "application/merge-patch+json");
  ASSERT_EQ(scaled.status, 200) << scaled.body;
  EXPECT_EQ(Body(scaled)["spec"].at("replicas").as_int64(), 3);
  auto deployment = Body(Call("GET", "/apis/apps/v1/namespaces/default/deployments/d"));
  EXPECT_EQ(deployment["spec"].at("replicas").as_int64(), 3);
  EXPECT_EQ(deployment["metadata"].at("generation").as_int64(), 2);
}

TEST(ApiServerListenTest, BodiesOverThreeMebibytesAre413Status) {
  ApiServer sim({.tls = false});
  ASSERT_TRUE(sim.Start().ok());
  airunway::testing::HttpClient client(sim.port());
  std::string body(3 * 1024 * 1024 + 10, ' ');
  auto result = client.Request("POST", "/api/v1/namespaces/default/configmaps",
                               {{"Content-Type", "application/json"}}, body);
  EXPECT_EQ(result.status, 413);
  auto status = json::parse(result.body).as_object();
  EXPECT_EQ(status["reason"].as_string(), "RequestEntityTooLarge");
  EXPECT_EQ(status["kind"].as_string(), "Status");
  auto health = client.Get("/healthz");
  EXPECT_EQ(health.status, 200);
  sim.Stop();
  sim.Wait();
}

}  // namespace
}  // namespace airunway::kubesim
