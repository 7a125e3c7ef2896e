#include "kubesim/request_info.h"

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

TEST(RequestInfoTest, NamespacedObjectAndSubresource) {
  auto info = ParseRequestInfo("GET", "/api/v1/namespaces/default/pods/web-0/log", "");
  EXPECT_TRUE(info.resource_request);
  EXPECT_EQ(info.verb, "get");
  EXPECT_EQ(info.group, "");
  EXPECT_EQ(info.version, "v1");
  EXPECT_EQ(info.namespace_name, "default");
  EXPECT_EQ(info.resource, "pods");
  EXPECT_EQ(info.name, "web-0");
  EXPECT_EQ(info.subresource, "log");
}

TEST(RequestInfoTest, ListsWatchesAndCollections) {
  EXPECT_EQ(ParseRequestInfo("GET", "/apis/apps/v1/deployments", "").verb, "list");
  auto watch = ParseRequestInfo("GET", "/apis/apps/v1/namespaces/x/deployments", "true");
  EXPECT_EQ(watch.verb, "watch");
  EXPECT_EQ(watch.group, "apps");
  EXPECT_EQ(watch.namespace_name, "x");
  auto legacy = ParseRequestInfo("GET", "/api/v1/watch/namespaces/x/pods", "");
  EXPECT_EQ(legacy.verb, "watch");
  EXPECT_EQ(legacy.resource, "pods");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/api/v1/namespaces/x/pods", "").verb, "deletecollection");
  EXPECT_EQ(ParseRequestInfo("POST", "/api/v1/namespaces/x/pods", "").verb, "create");
  EXPECT_EQ(ParseRequestInfo("PATCH", "/api/v1/namespaces/x/pods/p", "").verb, "patch");
}

TEST(RequestInfoTest, NamespacesThemselves) {
  auto del = ParseRequestInfo("DELETE", "/api/v1/namespaces/x", "");
  EXPECT_EQ(del.resource, "namespaces");
  EXPECT_EQ(del.name, "x");
  EXPECT_EQ(del.namespace_name, "");
  EXPECT_EQ(del.verb, "delete");
  auto status = ParseRequestInfo("GET", "/api/v1/namespaces/x/status", "");
  EXPECT_EQ(status.resource, "namespaces");
  EXPECT_EQ(status.name, "x");
  EXPECT_EQ(status.subresource, "status");
  EXPECT_EQ(ParseRequestInfo("GET", "/api/v1/namespaces", "").verb, "list");
}

TEST(RequestInfoTest, ProxyKeepsTheRestOfThePath) {
  auto info = ParseRequestInfo("POST", "/api/v1/namespaces/ns/services/svc:8000/proxy/v1/chat/completions", "");
  EXPECT_EQ(info.name, "svc:8000");
  EXPECT_EQ(info.subresource, "proxy");
  EXPECT_EQ(info.rest, "v1/chat/completions");
}

TEST(RequestInfoTest, DiscoveryPathsAreNotResourceRequests) {
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version", "/openapi/v3"}) {
    EXPECT_FALSE(ParseRequestInfo("GET", path, "").resource_request) << path;
  }
}

}  // namespace
}  // namespace airunway::kubesim
