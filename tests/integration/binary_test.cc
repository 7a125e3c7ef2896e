// Starts the real `airunway` binary on port 0 and speaks real HTTP to it.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"

namespace airunway::testing {
namespace {

using namespace std::chrono_literals;

class ServeBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{AirunwayBinary(), "serve", "--port", "0"});
    ASSERT_TRUE(server_->started());
    auto out = server_->WaitForOutput("serving on", 10s);
    ASSERT_TRUE(out) << "stdout: " << server_->Stdout() << "\nstderr: " << server_->Stderr();
    port_ = FindPort(*out);
    ASSERT_GT(port_, 0) << *out;
  }

  boost::json::value Json(const HttpResult& result) { return boost::json::parse(result.body); }

  std::unique_ptr<ChildProcess> server_;
  int port_ = 0;
};

TEST_F(ServeBinaryTest, HealthAnswersWithStatusAndMillisecondTimestamp) {
  HttpClient client(port_);
  auto result = client.Get("/api/health");
  ASSERT_EQ(result.status, 200) << result.error;
  EXPECT_EQ(result.Header("content-type"), "application/json");
  auto body = Json(result);
  EXPECT_EQ(body.at("status").as_string(), "healthy");
  std::string timestamp(body.at("timestamp").as_string());
  EXPECT_TRUE(std::regex_match(timestamp, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << timestamp;
  EXPECT_FALSE(result.Header("x-request-id").empty());
  EXPECT_EQ(result.Header("x-content-type-options"), "nosniff");
}

TEST_F(ServeBinaryTest, VersionMatchesTheVersionCommand) {
  HttpClient client(port_);
  auto body = Json(client.Get("/api/health/version"));
  ChildProcess version({AirunwayBinary(), "version"});
  ASSERT_EQ(version.Wait(10s), 0);
  std::string printed = version.Stdout();
  EXPECT_NE(printed.find(std::string(body.at("version").as_string())), std::string::npos) << printed;
  EXPECT_NE(printed.find(std::string(body.at("gitCommit").as_string())), std::string::npos) << printed;
  EXPECT_FALSE(body.at("buildTime").as_string().empty());
}

TEST_F(ServeBinaryTest, ClusterStatusSaysThereIsNoCluster) {
  HttpClient client(port_);
  for (const char* path : {"/api/cluster/status", "/api/health/status"}) {
    auto result = client.Get(path);
    ASSERT_EQ(result.status, 200);
    auto body = Json(result);
    EXPECT_FALSE(body.at("connected").as_bool());
    EXPECT_EQ(body.at("namespace").as_string(), "airunway-system");
    EXPECT_NE(std::string(body.at("error").as_string()).find("without a cluster"), std::string::npos);
    EXPECT_TRUE(body.at("providerInstallation").is_null());
  }
}

TEST_F(ServeBinaryTest, ErrorsUseTheEnvelope) {
  HttpClient client(port_);
  auto unknown = client.Get("/api/does-not-exist");
  EXPECT_EQ(unknown.status, 404);
  auto body = Json(unknown);
  EXPECT_EQ(body.at("error").at("message").as_string(), "Route not found: GET /api/does-not-exist");
  EXPECT_EQ(body.at("error").at("statusCode").as_int64(), 404);
  EXPECT_EQ(body.at("error").at("reason").as_string(), "RouteNotFound");

  auto wrong_method = client.Request("POST", "/api/health", {{"Content-Type", "application/json"}}, "{}");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.Header("allow"), "GET, HEAD");
  EXPECT_EQ(Json(wrong_method).at("error").at("statusCode").as_int64(), 405);

  auto bad_escape = client.Get("/api/%zz");
  EXPECT_EQ(bad_escape.status, 400);
  EXPECT_EQ(Json(bad_escape).at("error").at("statusCode").as_int64(), 400);
}

TEST_F(ServeBinaryTest, BodyOverOneMebibyteIs413) {
  HttpClient client(port_);
  std::string big(1024 * 1024 + 1, 'x');
  auto result = client.Request("PUT", "/api/health", {{"Content-Type", "application/json"}}, big);
  EXPECT_EQ(result.status, 413) << result.error;
  auto body = Json(result);
  EXPECT_EQ(body.at("error").at("statusCode").as_int64(), 413);
  EXPECT_NE(std::string(body.at("error").at("message").as_string()).find("1048576"), std::string::npos);
}

TEST_F(ServeBinaryTest, TrailingSlashOnAnApiGetRedirects) {
  HttpClient client(port_);
  auto result = client.Get("/api/health/?x=1");
  EXPECT_EQ(result.status, 301);
  EXPECT_EQ(result.Header("location"), "/api/health?x=1");
}

TEST_F(ServeBinaryTest, UiRoutesFallBackToIndexAndTraversalIs404) {
  HttpClient client(port_);
  auto root = client.Get("/");
  ASSERT_EQ(root.status, 200);
  EXPECT_NE(root.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(root.body.find("AI Runway"), std::string::npos);
  EXPECT_EQ(root.Header("cache-control"), "no-cache");
  EXPECT_NE(root.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  auto deep = client.Get("/deployments/demo/logs");
  EXPECT_EQ(deep.status, 200);
  EXPECT_EQ(deep.body, root.body);
  EXPECT_EQ(client.Get("/favicon.svg").Header("content-type"), "image/svg+xml");
  EXPECT_EQ(client.Get("/assets/missing-12345678.js").status, 404);
  EXPECT_EQ(client.Get("/../../etc/passwd").status, 404);
  EXPECT_EQ(client.Get("/%2e%2e/%2e%2e/etc/passwd").status, 404);
}

TEST_F(ServeBinaryTest, GzipWhenAccepted) {
  // The OpenAPI document is tens of kilobytes of JSON: well over the 1 KiB threshold.
  HttpClient client(port_);
  auto zipped = client.Request("GET", "/api/openapi.json", {{"Accept-Encoding", "gzip, deflate"}});
  ASSERT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.Header("content-encoding"), "gzip");
  EXPECT_EQ(static_cast<unsigned char>(zipped.body[0]), 0x1f);  // gzip magic
  auto plain = client.Get("/api/openapi.json");
  EXPECT_TRUE(plain.Header("content-encoding").empty());
  EXPECT_GT(plain.body.size(), 4 * zipped.body.size());
  auto small = client.Request("GET", "/api/health", {{"Accept-Encoding", "gzip"}});
  EXPECT_TRUE(small.Header("content-encoding").empty()) << "bodies under 1 KiB are not worth compressing";
}

TEST_F(ServeBinaryTest, KeepAliveReusesTheConnection) {
  HttpClient client(port_);
  ASSERT_EQ(client.Get("/api/health").status, 200);
  int first = client.LocalPort();
  auto second = client.Get("/api/health");
  ASSERT_EQ(second.status, 200);
  EXPECT_TRUE(second.keep_alive);
  EXPECT_EQ(client.LocalPort(), first);
}

TEST_F(ServeBinaryTest, CorsAllowsLoopbackOriginsOnly) {
  HttpClient client(port_);
  auto local = client.Request("GET", "/api/health", {{"Origin", "http://localhost:5173"}});
  EXPECT_EQ(local.Header("access-control-allow-origin"), "http://localhost:5173");
  auto foreign = client.Request("GET", "/api/health", {{"Origin", "https://evil.example"}});
  EXPECT_TRUE(foreign.Header("access-control-allow-origin").empty());
  auto preflight = client.Request("OPTIONS", "/api/deployments",
                                  {{"Origin", "http://127.0.0.1:5173"},
                                   {"Access-Control-Request-Method", "POST"},
                                   {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.Header("access-control-allow-methods"), "GET,HEAD,PUT,POST,DELETE,PATCH");
}

TEST_F(ServeBinaryTest, RequestIdIsEchoedAndAccessLogKeepsSecretsOut) {
  HttpClient client(port_);
  auto result = client.Request("GET", "/api/health?token=QUERYSECRET",
                               {{"Authorization", "Bearer HEADERSECRET"}, {"Cookie", "session=COOKIESECRET"},
                                {"X-Request-Id", "trace-42"}});
  EXPECT_EQ(result.Header("x-request-id"), "trace-42");
  server_->Signal(SIGTERM);
  ASSERT_EQ(server_->Wait(10s), 0);
  std::string log = server_->Stderr();
  EXPECT_NE(log.find(R"("requestId":"trace-42")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("path":"/api/health","status":200)"), std::string::npos) << log;
  EXPECT_EQ(log.find("QUERYSECRET"), std::string::npos);
  EXPECT_EQ(log.find("HEADERSECRET"), std::string::npos);
  EXPECT_EQ(log.find("COOKIESECRET"), std::string::npos);
}

TEST_F(ServeBinaryTest, GracefulShutdownFinishesInFlightRequestsAndRefusesNewOnes) {
  // A request whose body is still arriving is in flight.
  HttpClient slow(port_);
  ASSERT_TRUE(slow.SendRaw("GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"));
  // Make sure the server has read the headers before we signal.
  std::this_thread::sleep_for(100ms);
  server_->Signal(SIGTERM);

  // New connections are refused once the listener closes.
  bool refused = false;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    HttpClient probe(port_, 1s);
    refused = !probe.Connect();
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused) << "the listener must close on SIGTERM";
  EXPECT_FALSE(server_->Wait(0ms)) << "the server must wait for the in-flight request";

  ASSERT_TRUE(slow.SendRaw("67890"));
  auto result = slow.ReadResponse();
  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_FALSE(result.keep_alive) << "a draining server closes the connection";
  EXPECT_EQ(server_->Wait(10s), 0);
}

TEST(ServeFlagsTest, BadFlagsAndEnvironmentStopStartupNamingTheValue) {
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{"serve", "--port", "http"}, {}, "--port \"http\""},
      {{"serve", "--port", "70000"}, {}, "--port \"70000\""},
      {{"serve"}, {"PORT=abc"}, "PORT environment variable \"abc\""},
      {{"serve", "--log-level", "loud"}, {}, "--log-level \"loud\""},
      {{"serve", "--port", "0"}, {"LOG_LEVEL=chatty"}, "LOG_LEVEL \"chatty\""},
      {{"serve", "--no-such-flag"}, {}, "--no-such-flag"},
      {{"controller", "--workers", "0"}, {}, "--workers 0 is out of range"},
      {{"controller", "--providers", "nope"}, {}, "unknown provider \"nope\""},
  };
  for (auto& c : cases) {
    std::vector<std::string> argv{AirunwayBinary()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    ChildProcess process(argv, c.env);
    EXPECT_EQ(process.Wait(10s), 2) << c.expected;
    EXPECT_NE(process.Stderr().find(c.expected), std::string::npos) << process.Stderr();
  }
}

TEST(ServeFlagsTest, HelpListsEverySubcommand) {
  ChildProcess help({AirunwayBinary(), "--help"});
  ASSERT_EQ(help.Wait(10s), 0);
  for (const char* name : {"serve", "login", "logout", "controller", "sim", "version"}) {
    EXPECT_NE(help.Stdout().find(name), std::string::npos) << name;
  }
}

TEST(ServeFlagsTest, PortInUseIsAClearError) {
  ChildProcess first({AirunwayBinary(), "serve", "--port", "0"});
  auto out = first.WaitForOutput("serving on", 10s);
  ASSERT_TRUE(out);
  int port = FindPort(*out);
  ChildProcess second({AirunwayBinary(), "serve", "--port", std::to_string(port)});
  EXPECT_EQ(second.Wait(10s), 2);
  EXPECT_NE(second.Stderr().find("Address already in use"), std::string::npos) << second.Stderr();
}

}  // namespace
}  // namespace airunway::testing
