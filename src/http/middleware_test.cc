#include "http/middleware.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace airunway::http {
namespace {

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

Request WithHeader(std::string name, std::string value, std::string method = "GET") {
  Request request;
  request.method = std::move(method);
  request.headers.Set(name, std::move(value));
  return request;
}

TEST(CorsTest, DefaultAllowsOnlyLoopbackOrigins) {
  auto policy = CorsPolicy::FromSetting(std::nullopt);
  EXPECT_EQ(policy.AllowedOrigin("http://localhost:5173"), "http://localhost:5173");
  EXPECT_EQ(policy.AllowedOrigin("http://127.0.0.1"), "http://127.0.0.1");
  EXPECT_EQ(policy.AllowedOrigin("https://[::1]:8443"), "https://[::1]:8443");
  EXPECT_FALSE(policy.AllowedOrigin("https://evil.example"));
  EXPECT_FALSE(policy.AllowedOrigin("http://localhost.evil.example"));
  EXPECT_FALSE(policy.AllowedOrigin("http://user@localhost"));
  EXPECT_FALSE(policy.AllowedOrigin("file://localhost"));
  EXPECT_FALSE(policy.AllowedOrigin("null"));
}

TEST(CorsTest, ListAndWildcardAndEmptyFallsBack) {
  auto list = CorsPolicy::FromSetting(" https://a.example , https://b.example ");
  EXPECT_EQ(list.AllowedOrigin("https://b.example"), "https://b.example");
  EXPECT_FALSE(list.AllowedOrigin("http://localhost:3000"));
  EXPECT_EQ(CorsPolicy::FromSetting("*").AllowedOrigin("https://x.example"), "*");
  std::string warning;
  auto empty = CorsPolicy::FromSetting(" , ", &warning);
  EXPECT_FALSE(warning.empty());
  EXPECT_TRUE(empty.AllowedOrigin("http://localhost"));
}

TEST(CorsTest, PreflightIsAnsweredWith204) {
  auto hook = MakeCorsPreflightHook(CorsPolicy::FromSetting(std::nullopt));
  auto request = WithHeader("Origin", "http://localhost:5173", "OPTIONS");
  request.headers.Set("Access-Control-Request-Method", "POST");
  request.headers.Set("Access-Control-Request-Headers", "content-type,authorization");
  auto response = hook(request);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(response->headers.Get("Access-Control-Allow-Origin"), "http://localhost:5173");
  EXPECT_EQ(response->headers.Get("Access-Control-Allow-Methods"), "GET,HEAD,PUT,POST,DELETE,PATCH");
  EXPECT_EQ(response->headers.Get("Access-Control-Allow-Headers"), "content-type,authorization");
  auto plain = WithHeader("Origin", "http://localhost");
  EXPECT_FALSE(hook(plain));
}

TEST(CorsTest, ForeignOriginGetsNoAllowHeader) {
  auto hook = MakeCorsHook(CorsPolicy::FromSetting(std::nullopt));
  Response response;
  hook(WithHeader("Origin", "https://evil.example"), response);
  EXPECT_FALSE(response.headers.Has("Access-Control-Allow-Origin"));
  EXPECT_EQ(response.headers.Get("Vary"), "Origin");
  Response allowed;
  hook(WithHeader("Origin", "http://localhost:3001"), allowed);
  EXPECT_EQ(allowed.headers.Get("Access-Control-Allow-Origin"), "http://localhost:3001");
}

TEST(SecurityHeadersTest, HtmlGetsCspEverythingGetsNosniff) {
  auto hook = MakeSecurityHeadersHook();
  auto html = Response::Text(200, "<p>", "text/html; charset=utf-8");
  hook(Request{}, html);
  EXPECT_EQ(html.headers.Get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(html.headers.Get("X-Frame-Options"), "DENY");
  ASSERT_TRUE(html.headers.Has("Content-Security-Policy"));
  EXPECT_NE(html.headers.Get("Content-Security-Policy")->find("default-src 'self'"), std::string_view::npos);
  auto json = Response::Text(200, "{}", "application/json");
  hook(Request{}, json);
  EXPECT_FALSE(json.headers.Has("Content-Security-Policy"));
}

TEST(GzipTest, CompressesLargeJsonWhenAccepted) {
  auto hook = MakeGzipHook();
  std::string body = "{\"items\":[" + std::string(4000, ' ') + "]}";
  auto response = Response::Text(200, body, "application/json");
  hook(WithHeader("Accept-Encoding", "br, gzip;q=0.8"), response);
  EXPECT_EQ(response.headers.Get("Content-Encoding"), "gzip");
  EXPECT_LT(response.body.size(), body.size());
  EXPECT_EQ(Gunzip(response.body), body);
}

TEST(GzipTest, LeavesSmallRefusedOrBinaryBodiesAlone) {
  auto hook = MakeGzipHook();
  auto small = Response::Text(200, "{}", "application/json");
  hook(WithHeader("Accept-Encoding", "gzip"), small);
  EXPECT_FALSE(small.headers.Has("Content-Encoding"));
  auto refused = Response::Text(200, std::string(5000, 'x'), "application/json");
  hook(WithHeader("Accept-Encoding", "gzip;q=0"), refused);
  EXPECT_FALSE(refused.headers.Has("Content-Encoding"));
  auto image = Response::Text(200, std::string(5000, 'x'), "image/png");
  hook(WithHeader("Accept-Encoding", "gzip"), image);
  EXPECT_FALSE(image.headers.Has("Content-Encoding"));
}

TEST(RequestIdTest, KeepsSaneClientIdsAndReplacesOthers) {
  EXPECT_EQ(ChooseRequestId("abc-123"), "abc-123");
  EXPECT_EQ(ChooseRequestId(std::nullopt).size(), 24u);
  EXPECT_NE(ChooseRequestId("has space"), "has space");
  EXPECT_NE(ChooseRequestId(std::string(200, 'a')), std::string(200, 'a'));
  EXPECT_NE(ChooseRequestId(std::nullopt), ChooseRequestId(std::nullopt));
}

}  // namespace
}  // namespace airunway::http
