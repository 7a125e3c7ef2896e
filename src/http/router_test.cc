#include "http/router.h"

#include <gtest/gtest.h>

namespace airunway::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

std::string Call(const Router& router, std::string_view method, std::string_view path) {
  auto match = router.Find(method, path);
  if (match.route == nullptr) return match.path_matched ? "405" : "404";
  Request request;
  request.params = match.params;
  return std::get<Handler>(match.route->handler)(request).body;
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router;
  router.Get("/api/deployments", Named("list"));
  router.Get("/api/deployments/:name", Named("get"));
  router.Get("/api/deployments/:name/pods", Named("pods"));
  EXPECT_EQ(Call(router, "GET", "/api/deployments"), "list");
  EXPECT_EQ(Call(router, "GET", "/api/deployments/x"), "get");
  EXPECT_EQ(Call(router, "GET", "/api/deployments/x/pods"), "pods");
  EXPECT_EQ(Call(router, "GET", "/api/deployments/x/y"), "404");
  EXPECT_EQ(Call(router, "GET", "/api/deployments/"), "404");  // strict: no trailing slash
  EXPECT_EQ(Call(router, "GET", "/api"), "404");
}

TEST(RouterTest, ParameterValuesAreDecoded) {
  Router router;
  router.Get("/api/deployments/:name", Named("get"));
  auto match = router.Find("GET", "/api/deployments/a%20b");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.params.at(0).second, "a b");
}

TEST(RouterTest, GreedyTailTakesSlashesAndEncodedSlashes) {
  Router router;
  router.Get("/api/models/*id", Named("model"));
  auto plain = router.Find("GET", "/api/models/Qwen/Qwen3-0.6B");
  ASSERT_NE(plain.route, nullptr);
  EXPECT_EQ(plain.params.at(0).second, "Qwen/Qwen3-0.6B");
  auto encoded = router.Find("GET", "/api/models/Qwen%2FQwen3-0.6B");
  ASSERT_NE(encoded.route, nullptr);
  EXPECT_EQ(encoded.params.at(0).second, "Qwen/Qwen3-0.6B");
  EXPECT_EQ(router.Find("GET", "/api/models").route, nullptr);  // a tail needs one segment
  EXPECT_EQ(router.Find("GET", "/api/models/a//b").route, nullptr);
}

TEST(RouterTest, MoreSpecificRouteWinsWhateverTheOrder) {
  Router router;
  router.Get("/api/models/*id", Named("tail"));
  router.Get("/api/models/:id/gguf-files", Named("param-literal"));
  router.Get("/api/models/search", Named("search"));
  EXPECT_EQ(Call(router, "GET", "/api/models/search"), "search");
  EXPECT_EQ(Call(router, "GET", "/api/models/x/gguf-files"), "param-literal");
  EXPECT_EQ(Call(router, "GET", "/api/models/org/name/gguf-files"), "tail");
  EXPECT_EQ(Call(router, "GET", "/api/models/org/name"), "tail");
}

TEST(RouterTest, EqualPatternsFirstRegisteredWins) {
  Router router;
  router.Get("/a/:x", Named("first"));
  router.Get("/a/:y", Named("second"));
  EXPECT_EQ(Call(router, "GET", "/a/1"), "first");
}

TEST(RouterTest, OtherMethodsGiveAllowListAndHeadUsesGet) {
  Router router;
  router.Get("/api/settings", Named("get"));
  router.Put("/api/settings", Named("put"));
  EXPECT_EQ(Call(router, "HEAD", "/api/settings"), "get");
  auto match = router.Find("DELETE", "/api/settings");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_matched);
  EXPECT_EQ(match.allowed_methods, (std::vector<std::string>{"GET", "PUT", "HEAD"}));
}

TEST(RouterTest, BadEscapeInParameterDoesNotMatch) {
  Router router;
  router.Get("/x/:id", Named("x"));
  EXPECT_EQ(router.Find("GET", "/x/%zz").route, nullptr);
}

}  // namespace
}  // namespace airunway::http
