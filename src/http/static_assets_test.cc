#include "http/static_assets.h"

#include <gtest/gtest.h>

namespace airunway::http {
namespace {

constexpr EmbeddedFile kFiles[] = {
    {"/index.html", "<html>app</html>"},
    {"/assets/index-3f9a1c2b.js", "console.log(1)"},
    {"/favicon.svg", "<svg/>"},
};

Request Get(std::string target, std::string method = "GET") {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  EXPECT_TRUE(ParseTarget(request).ok());
  return request;
}

TEST(StaticAssetsTest, ServesFilesWithTypesAndCaching) {
  StaticAssets assets(kFiles);
  auto js = assets.Serve(Get("/assets/index-3f9a1c2b.js"));
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->headers.Get("Content-Type"), "application/javascript; charset=utf-8");
  EXPECT_EQ(js->headers.Get("Cache-Control"), "public, max-age=31536000, immutable");
  auto index = assets.Serve(Get("/index.html"));
  EXPECT_EQ(index->headers.Get("Cache-Control"), "no-cache");
  EXPECT_EQ(index->headers.Get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(assets.Serve(Get("/favicon.svg"))->headers.Get("Content-Type"), "image/svg+xml");
}

TEST(StaticAssetsTest, SpaFallbackServesIndexForClientRoutes) {
  StaticAssets assets(kFiles);
  for (const char* path : {"/", "/deployments", "/deployments/x/logs", "/models?tab=hf"}) {
    auto response = assets.Serve(Get(path));
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 200) << path;
    EXPECT_EQ(response->body, "<html>app</html>") << path;
  }
}

TEST(StaticAssetsTest, MissingAssetIs404NotHtml) {
  StaticAssets assets(kFiles);
  EXPECT_EQ(assets.Serve(Get("/assets/missing-12345678.js"))->status, 404);
}

TEST(StaticAssetsTest, TraversalAndEncodedTraversalAre404) {
  StaticAssets assets(kFiles);
  for (const char* path : {"/../etc/passwd", "/assets/../index.html", "/%2e%2e/etc/passwd",
                           "/assets/%2E%2E/%2E%2E/etc/passwd", "/..%2Fetc%2Fpasswd", "/a%5C..%5Cb"}) {
    auto response = assets.Serve(Get(path));
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
}

TEST(StaticAssetsTest, ConditionalRequestGets304) {
  StaticAssets assets(kFiles);
  auto first = assets.Serve(Get("/index.html"));
  auto etag = std::string(*first->headers.Get("ETag"));
  auto request = Get("/index.html");
  request.headers.Set("If-None-Match", etag);
  auto second = assets.Serve(request);
  EXPECT_EQ(second->status, 304);
  EXPECT_TRUE(second->body.empty());
}

TEST(StaticAssetsTest, WritesAreRefused) {
  StaticAssets assets(kFiles);
  auto response = assets.Serve(Get("/index.html", "POST"));
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers.Get("Allow"), "GET, HEAD");
}

TEST(StaticAssetsTest, NoUiEmbeddedMeansNoAnswer) {
  StaticAssets assets(std::span<const EmbeddedFile>{});
  EXPECT_FALSE(assets.Serve(Get("/")));
}

TEST(StaticAssetsTest, ContentTypesAndHashDetection) {
  EXPECT_EQ(ContentTypeForPath("/a/b.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeForPath("/a/b"), "application/octet-stream");
  EXPECT_EQ(ContentTypeForPath("/a.b/c"), "application/octet-stream");
  EXPECT_TRUE(LooksContentHashed("/assets/index-BxT3k9_Q.js"));
  EXPECT_FALSE(LooksContentHashed("/assets/logo.svg"));
  EXPECT_FALSE(LooksContentHashed("/assets/my-icon.svg"));
}

}  // namespace
}  // namespace airunway::http
