// API fault injection: rule matching and parsing, deterministic error rates, and the faults as
// a client of a running ApiServer sees them (Status bodies, Retry-After, latency that does not
// block the I/O thread, dropped and expired watches, a pause that keeps the data).
#include "kubesim/sim_faults.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kubesim/api_server.h"
#include "kubesim/sim_scenario.h"
#include "tests/support/http_client.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

FaultRequest Req(std::string verb, std::string resource, std::string ns = "default", std::string name = "",
                 std::string subresource = "", std::string group = "") {
  return FaultRequest{std::move(verb), std::move(group), std::move(resource), std::move(subresource), std::move(ns),
                      std::move(name)};
}

TEST(FaultRuleTest, MatchesVerbsResourcesAndNamespacesLikeRbac) {
  FaultRule rule;
  rule.verbs = {"list", "get"};
  rule.resources = {"pods"};
  rule.namespaces = {"team-*"};
  EXPECT_TRUE(FaultRuleMatches(rule, Req("list", "pods", "team-a")));
  EXPECT_FALSE(FaultRuleMatches(rule, Req("watch", "pods", "team-a")));
  EXPECT_FALSE(FaultRuleMatches(rule, Req("list", "pods", "default")));
  EXPECT_FALSE(FaultRuleMatches(rule, Req("get", "pods", "team-a", "x", "log")));  // "pods" is not pods/log

  FaultRule sub;
  sub.resources = {"*/status"};
  EXPECT_TRUE(FaultRuleMatches(sub, Req("update", "deployments", "default", "web", "status", "apps")));
  EXPECT_FALSE(FaultRuleMatches(sub, Req("update", "deployments", "default", "web", "", "apps")));

  FaultRule everything;
  EXPECT_TRUE(FaultRuleMatches(everything, Req("delete", "nodes", "", "n1")));
}

TEST(FaultRuleTest, ErrorsAreRealStatusObjects) {
  FaultRule busy;
  busy.status = 429;
  ApiStatus status = FaultStatus(busy, Req("list", "pods"));
  EXPECT_EQ(status.code, 429);
  EXPECT_EQ(status.reason, "TooManyRequests");
  EXPECT_EQ(status.message, "Too many requests, please try again later.");
  EXPECT_EQ(status.retry_after_seconds, 1);
  EXPECT_EQ(status.ToJson().at("details").at("retryAfterSeconds").as_int64(), 1);

  FaultRule conflict;
  conflict.status = 409;
  status = FaultStatus(conflict, Req("update", "deployments", "default", "web", "", "apps"));
  EXPECT_EQ(status.reason, "Conflict");
  EXPECT_EQ(status.message,
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply "
            "your changes to the latest version and try again");

  FaultRule down;
  down.status = 503;
  down.message = "etcdserver: leader changed";
  status = FaultStatus(down, Req("get", "pods", "default", "x"));
  EXPECT_EQ(status.reason, "ServiceUnavailable");
  EXPECT_EQ(status.message, "etcdserver: leader changed");
}

TEST(FaultRulesFromJsonTest, ParsesBothShapesAndNamesBadKeys) {
  auto list = FaultRulesFromJson(json::parse(R"([{"verbs":["list"],"resources":["pods"],"status":503,
      "latency":"250ms","every":2,"dropWatchAfter":"2s","expireWatchAfter":1000}])"));
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->rules.size(), 1u);
  EXPECT_EQ(list->rules[0].status, 503);
  EXPECT_EQ(list->rules[0].latency, milliseconds(250));
  EXPECT_EQ(list->rules[0].every, 2);
  EXPECT_EQ(list->rules[0].drop_watch_after, milliseconds(2000));
  EXPECT_EQ(list->rules[0].expire_watch_after, milliseconds(1000));

  auto seeded = FaultRulesFromJson(json::parse(R"({"seed":7,"rules":[{"status":500,"errorRate":0.5}]})"));
  ASSERT_TRUE(seeded);
  EXPECT_EQ(seeded->seed, 7u);
  EXPECT_DOUBLE_EQ(seeded->rules[0].error_rate, 0.5);

  auto typo = FaultRulesFromJson(json::parse(R"({"rules":[{"status":503},{"namespace":"x"}]})"));
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().message, "apiFaults.rules[1].namespace: unknown key");
  auto code = FaultRulesFromJson(json::parse(R"([{"status":200}])"));
  ASSERT_FALSE(code);
  EXPECT_EQ(code.error().message, "apiFaults[0].status: expected an HTTP error code (400-599)");
}

TEST(FaultRulesFromJsonTest, ScenarioApiFaultsKey) {
  auto scenario = ParseScenario(R"(
name: flaky
apiFaults:
  - verbs: [list]
    resources: [pods]
    status: 503
    message: etcd is down
)");
  ASSERT_TRUE(scenario) << scenario.error().message;
  ASSERT_EQ(scenario->api_faults.rules.size(), 1u);
  EXPECT_EQ(scenario->api_faults.rules[0].message, "etcd is down");
  auto bad = ParseScenario("apiFaults: [{status: 999}]");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "scenario: apiFaults[0].status: expected an HTTP error code (400-599)");
}

TEST(FaultInjectorTest, EveryNthRequestFailsDeterministically) {
  FaultInjector injector;
  EXPECT_FALSE(injector.Active());
  FaultRule rule;
  rule.resources = {"pods"};
  rule.status = 500;
  rule.every = 3;
  injector.SetRules({{rule}, 1});
  EXPECT_TRUE(injector.Active());
  std::vector<bool> failed;
  for (int i = 0; i < 6; ++i) failed.push_back(injector.Decide(Req("list", "pods")).error.has_value());
  EXPECT_EQ(failed, (std::vector<bool>{false, false, true, false, false, true}));
  EXPECT_FALSE(injector.Decide(Req("list", "configmaps")).error);
}

TEST(FaultInjectorTest, SeededErrorRateRepeats) {
  FaultRule rule;
  rule.status = 503;
  rule.error_rate = 0.3;
  auto run = [&](std::uint64_t seed) {
    FaultInjector injector;
    injector.SetRules({{rule}, seed});
    std::vector<bool> out;
    for (int i = 0; i < 200; ++i) out.push_back(injector.Decide(Req("get", "pods", "default", "x")).error.has_value());
    return out;
  };
  auto first = run(42);
  EXPECT_EQ(first, run(42));
  auto failures = std::count(first.begin(), first.end(), true);
  EXPECT_GT(failures, 30);
  EXPECT_LT(failures, 90);
}

TEST(FaultInjectorTest, CompactionRefusesOlderResumes) {
  FaultInjector injector;
  EXPECT_FALSE(injector.CheckWatchResume("5", "10"));
  injector.MarkCompacted("10");
  auto gone = injector.CheckWatchResume("5", "12");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->code, 410);
  EXPECT_EQ(gone->reason, "Expired");
  EXPECT_EQ(gone->message, "too old resource version: 5 (12)");
  EXPECT_FALSE(injector.CheckWatchResume("10", "12"));
  EXPECT_FALSE(injector.CheckWatchResume("0", "12"));
  EXPECT_FALSE(injector.CheckWatchResume("", "12"));
}

// ---- against a running server (plain HTTP: a request without credentials acts as admin) ----

class ApiFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    testing::HttpClient client(server_.port());
    auto created = client.Request("POST", "/api/v1/namespaces/default/configmaps", {{"Content-Type", "application/json"}},
                                  R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"b"}})");
    ASSERT_EQ(created.status, 201) << created.body;
  }

  static FaultRules Rules(FaultRule rule) { return FaultRules{{std::move(rule)}, 1}; }

  // One thread: a blocked I/O thread would stall every other request.
  ApiServer server_{{.tls = false, .threads = 1}};
};

TEST_F(ApiFaultsTest, ConfiguredErrorsAreStatusBodies) {
  FaultRule rule;
  rule.verbs = {"list"};
  rule.resources = {"pods"};
  rule.status = 503;
  rule.message = "simulated outage of etcd";
  server_.SetFaults(Rules(rule));

  testing::HttpClient client(server_.port());
  auto pods = client.Get("/api/v1/namespaces/default/pods");
  EXPECT_EQ(pods.status, 503);
  auto body = json::parse(pods.body).as_object();
  EXPECT_EQ(body.at("kind").as_string(), "Status");
  EXPECT_EQ(body.at("reason").as_string(), "ServiceUnavailable");
  EXPECT_EQ(body.at("message").as_string(), "simulated outage of etcd");
  EXPECT_EQ(body.at("code").as_int64(), 503);
  // Other verbs, other resources and discovery are untouched.
  EXPECT_EQ(client.Get("/api/v1/namespaces/default/configmaps").status, 200);
  EXPECT_EQ(client.Get("/api").status, 200);

  rule.status = 429;
  rule.retry_after_seconds = 3;
  server_.SetFaults(Rules(rule));
  auto busy = client.Get("/api/v1/pods");
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(busy.Header("retry-after"), "3");
  EXPECT_EQ(json::parse(busy.body).at("details").at("retryAfterSeconds").as_int64(), 3);

  server_.SetFaults({});
  EXPECT_EQ(client.Get("/api/v1/namespaces/default/pods").status, 200);
}

// Faults stand in for server-side failures behind authentication and authorization: a
// request the server would refuse anyway gets its 401 or 403, never an injected error.
TEST_F(ApiFaultsTest, AuthenticationAndAuthorizationComeBeforeFaults) {
  ASSERT_TRUE(server_.authenticator().AddToken("viewer-token", UserInfo{.username = "viewer"}).ok());
  server_.authorizer().SetPolicy(AuthorizationPolicy{
      .allow_all = false,
      .rules = {AuthorizationRule{.users = {"viewer"}, .verbs = {"list"}, .resources = {"configmaps"}}}});
  FaultRule rule;
  rule.verbs = {"get"};
  rule.status = 503;
  server_.SetFaults(Rules(rule));
  std::uint64_t before = server_.request_count();

  testing::HttpClient client(server_.port());
  const std::string path = "/api/v1/namespaces/default/configmaps/c1";
  auto bad = client.Request("GET", path, {{"Authorization", "Bearer not-a-token"}});
  EXPECT_EQ(bad.status, 401) << bad.body;
  EXPECT_EQ(json::parse(bad.body).at("reason").as_string(), "Unauthorized");

  auto forbidden = client.Request("GET", path, {{"Authorization", "Bearer viewer-token"}});
  EXPECT_EQ(forbidden.status, 403) << forbidden.body;
  EXPECT_EQ(json::parse(forbidden.body).at("reason").as_string(), "Forbidden");

  auto good = client.Request("GET", path, {{"Authorization", "Bearer " + server_.admin_token()}});
  EXPECT_EQ(good.status, 503) << good.body;
  EXPECT_EQ(json::parse(good.body).at("reason").as_string(), "ServiceUnavailable");

  // Every request counts, refused and faulted alike.
  EXPECT_EQ(server_.request_count() - before, 3u);
}

TEST_F(ApiFaultsTest, LatencyDoesNotBlockTheIoThread) {
  FaultRule rule;
  rule.verbs = {"get"};
  rule.resources = {"configmaps"};
  rule.latency = milliseconds(1500);
  server_.SetFaults(Rules(rule));

  auto start = Clock::now();
  Clock::time_point slow_done;
  testing::HttpResult slow;
  std::thread slow_thread([&] {
    testing::HttpClient client(server_.port());
    slow = client.Get("/api/v1/namespaces/default/configmaps/c1");
    slow_done = Clock::now();
  });
  // While the delayed answer is pending, the single I/O thread keeps serving.
  testing::HttpClient fast_client(server_.port());
  bool saw_fast = false;
  for (int i = 0; i < 5; ++i) saw_fast = fast_client.Get("/api/v1/namespaces/default/configmaps").status == 200 || saw_fast;
  auto fast_done = Clock::now();
  slow_thread.join();
  EXPECT_TRUE(saw_fast);
  ASSERT_EQ(slow.status, 200) << slow.error;
  EXPECT_EQ(json::parse(slow.body).at("metadata").at("name").as_string(), "c1");
  EXPECT_GE(slow_done - start, milliseconds(1500));
  EXPECT_LT(fast_done, slow_done);
}

TEST_F(ApiFaultsTest, WatchesAreDroppedAndExpired) {
  FaultRule drop;
  drop.verbs = {"watch"};
  drop.drop_watch_after = milliseconds(200);
  server_.SetFaults(Rules(drop));
  testing::HttpClient client(server_.port(), std::chrono::seconds(20));
  auto start = Clock::now();
  auto dropped = client.Get("/api/v1/namespaces/default/configmaps?watch=1");
  EXPECT_EQ(dropped.status, 200);
  EXPECT_NE(dropped.body.find(R"("type":"ADDED")"), std::string::npos);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));

  FaultRule expire;
  expire.verbs = {"watch"};
  expire.expire_watch_after = milliseconds(200);
  server_.SetFaults(Rules(expire));
  std::string from = server_.store().CurrentResourceVersion();
  testing::HttpClient client2(server_.port(), std::chrono::seconds(20));
  auto expired = client2.Get("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=" + from);
  EXPECT_EQ(expired.status, 200);
  EXPECT_NE(expired.body.find(R"("type":"ERROR")"), std::string::npos) << expired.body;
  EXPECT_NE(expired.body.find("too old resource version: " + from), std::string::npos) << expired.body;

  // History before the expiry is compacted: resuming from it is refused at once.
  testing::HttpClient writer(server_.port());
  ASSERT_EQ(writer.Request("POST", "/api/v1/namespaces/default/configmaps", {{"Content-Type", "application/json"}},
                           R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c2"}})")
                .status,
            201);
  server_.SetFaults({{FaultRule{.resources = {"secrets"}, .status = 500}}, 1});  // keeps the injector active
  testing::HttpClient client3(server_.port(), std::chrono::seconds(5));
  auto resumed = client3.Get("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1");
  EXPECT_EQ(resumed.status, 200);
  EXPECT_NE(resumed.body.find(R"("code":410)"), std::string::npos) << resumed.body;
}

TEST_F(ApiFaultsTest, PauseAndResumeKeepThePortAndTheData) {
  std::uint16_t port = server_.port();
  server_.Pause();
  EXPECT_TRUE(server_.paused());
  testing::HttpClient refused(port, std::chrono::seconds(2));
  EXPECT_EQ(refused.Get("/api/v1/namespaces/default/configmaps/c1").status, 0);

  ASSERT_TRUE(server_.Resume().ok());
  EXPECT_FALSE(server_.paused());
  EXPECT_EQ(server_.port(), port);
  testing::HttpClient client(port);
  auto again = client.Get("/api/v1/namespaces/default/configmaps/c1");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body).at("data").at("a").as_string(), "b");

  ASSERT_TRUE(server_.Restart().ok());
  testing::HttpClient after_restart(port);
  EXPECT_EQ(after_restart.Get("/api/v1/namespaces/default/configmaps/c1").status, 200);
}

TEST_F(ApiFaultsTest, ClientCertificatesNeedTls) {
  auto issued = server_.IssueClientCertificate("alice", {"ml"});
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().code, common::ErrorCode::kUnavailable);
}

TEST(ApiServerCertificateTest, IssuesClientCertificatesAndKubeconfigs) {
  ApiServer server({.tls = true});
  ASSERT_TRUE(server.Start().ok());
  auto issued = server.IssueClientCertificate("alice", {"ml-team", "viewers"});
  ASSERT_TRUE(issued) << issued.error().message;
  auto subject = VerifyClientCertificate(server.ca_pem(), issued->cert_pem);
  ASSERT_TRUE(subject) << subject.error().message;
  EXPECT_EQ(subject->common_name, "alice");
  EXPECT_EQ(subject->organizations, (std::vector<std::string>{"ml-team", "viewers"}));
  std::string kubeconfig = server.KubeconfigForClientCertificate(*issued, "alice");
  EXPECT_NE(kubeconfig.find("client-certificate-data:"), std::string::npos);
  EXPECT_NE(kubeconfig.find("client-key-data:"), std::string::npos);
  EXPECT_EQ(kubeconfig.find("token:"), std::string::npos);
  EXPECT_NE(kubeconfig.find("name: alice"), std::string::npos);
}

}  // namespace
}  // namespace airunway::kubesim
