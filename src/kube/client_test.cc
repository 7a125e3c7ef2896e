#include "kube/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kube/errors.h"
#include "kube/kubesim_fixture.h"
#include "kube/test_servers.h"

namespace airunway::kube {
namespace {

using common::ErrorCode;
using namespace testing;  // the kubesim fixture and its helpers
using namespace std::chrono_literals;

class ClientTest : public KubesimTest {};

TEST_F(ClientTest, CreateGetAndTypedErrors) {
  auto created = client_->Create(kConfigMaps, "default", ConfigMap("settings"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(Str(*created, {"metadata", "name"}), "settings");
  EXPECT_FALSE(Str(*created, {"metadata", "resourceVersion"}).empty());

  auto got = client_->Get(kConfigMaps, "default", "settings");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(Str(*got, {"data", "key"}), "value");

  auto duplicate = client_->Create(kConfigMaps, "default", ConfigMap("settings"));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(duplicate.error().message, "configmaps \"settings\" already exists");

  auto missing = client_->Get(kConfigMaps, "default", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().reason, "NotFound");
  EXPECT_EQ(missing.error().message, "configmaps \"nope\" not found");

  auto invalid = client_->Create(kConfigMaps, "default", ConfigMap("Not_A_Name"));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalid);
  EXPECT_NE(invalid.error().message.find("metadata.name"), std::string::npos) << invalid.error().message;

  auto unknown = client_->List({"nvidia.com", "v1", "clusterpolicies", false}, "");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(ClientTest, ListWithSelectorsAndPages) {
  for (int i = 0; i < 5; ++i) {
    boost::json::object labels{{"app", i % 2 == 0 ? "web" : "db"}};
    ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("cm-" + std::to_string(i), labels)));
  }
  auto web = client_->List(kConfigMaps, "default", {.label_selector = "app=web"});
  ASSERT_TRUE(web) << web.error().message;
  EXPECT_EQ(web->items.size(), 3u);
  EXPECT_FALSE(web->resource_version.empty());

  auto existence = client_->List(kConfigMaps, "default", {.label_selector = "app,app!=web"});
  ASSERT_TRUE(existence);
  EXPECT_EQ(existence->items.size(), 2u);

  auto by_name = client_->List(kConfigMaps, "default", {.field_selector = "metadata.name=cm-3"});
  ASSERT_TRUE(by_name);
  ASSERT_EQ(by_name->items.size(), 1u);
  EXPECT_EQ(Str(by_name->items[0], {"metadata", "name"}), "cm-3");

  std::vector<std::string> names;
  ListOptions page{.label_selector = "app", .limit = 2};
  int pages = 0;
  do {
    auto list = client_->List(kConfigMaps, "default", page);
    ASSERT_TRUE(list) << list.error().message;
    for (const auto& item : list->items) names.push_back(Str(item, {"metadata", "name"}));
    page.continue_token = list->continue_token;
    ++pages;
  } while (!page.continue_token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"cm-0", "cm-1", "cm-2", "cm-3", "cm-4"}));

  auto bad = client_->List(kConfigMaps, "default", {.label_selector = "app in (web"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
}

TEST_F(ClientTest, UpdateConflictsOnAStaleResourceVersion) {
  auto created = client_->Create(kConfigMaps, "default", ConfigMap("cm"));
  ASSERT_TRUE(created);
  auto first = *created;
  first["data"].as_object()["key"] = "v2";
  auto updated = client_->Update(kConfigMaps, "default", first);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(Str(*updated, {"data", "key"}), "v2");

  auto stale = *created;  // still carries the first resourceVersion
  stale["data"].as_object()["key"] = "v3";
  auto conflict = client_->Update(kConfigMaps, "default", stale);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_NE(conflict.error().message.find("the object has been modified"), std::string::npos)
      << conflict.error().message;
}

TEST_F(ClientTest, UpdateStatusChangesOnlyStatus) {
  auto pod = client_->Create(kPods, "default", Pod("web-0"));
  ASSERT_TRUE(pod) << pod.error().message;
  auto with_status = *pod;
  with_status["status"] = Json(R"({"phase":"Running"})");
  with_status["metadata"].as_object()["labels"] = Json(R"({"ignored":"yes"})");
  auto updated = client_->UpdateStatus(kPods, "default", with_status);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(Str(*updated, {"status", "phase"}), "Running");
  EXPECT_EQ(common::FindPath(*updated, {"metadata", "labels", "ignored"}), nullptr);
}

TEST_F(ClientTest, PatchFlavours) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("cm")));
  auto merged = client_->Patch(kConfigMaps, "default", "cm", PatchType::kMerge, R"({"data":{"merged":"1"}})");
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(Str(*merged, {"data", "merged"}), "1");
  EXPECT_EQ(Str(*merged, {"data", "key"}), "value");

  auto json = client_->Patch(kConfigMaps, "default", "cm", PatchType::kJson,
                             R"([{"op":"remove","path":"/data/key"},{"op":"add","path":"/data/json","value":"2"}])");
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_EQ(Str(*json, {"data", "json"}), "2");
  EXPECT_EQ(common::FindPath(*json, {"data", "key"}), nullptr);

  auto strategic = client_->Patch(kConfigMaps, "default", "cm", PatchType::kStrategicMerge,
                                  R"({"metadata":{"labels":{"tier":"backend"}}})");
  ASSERT_TRUE(strategic) << strategic.error().message;
  EXPECT_EQ(Str(*strategic, {"metadata", "labels", "tier"}), "backend");

  auto failed = client_->Patch(kConfigMaps, "default", "cm", PatchType::kJson, R"([{"op":"test","path":"/data/json","value":"x"}])");
  ASSERT_FALSE(failed);
  EXPECT_TRUE(failed.error().code == ErrorCode::kInvalid || failed.error().code == ErrorCode::kConflict)
      << failed.error().message;

  auto missing = client_->Patch(kConfigMaps, "default", "nope", PatchType::kMerge, "{}");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ClientTest, ServerSideApplyWithFieldManager) {
  const std::string manifest = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied","namespace":"default"},"data":{"a":"1"}})";
  auto applied = client_->Patch(kConfigMaps, "default", "applied", PatchType::kApply, manifest,
                                {.field_manager = "airunway"});
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(Str(*applied, {"data", "a"}), "1");
  const auto* managers = common::FindPath(*applied, {"metadata", "managedFields"});
  ASSERT_NE(managers, nullptr);
  EXPECT_EQ(Str(managers->as_array()[0].as_object(), {"manager"}), "airunway");

  // Another manager changing the same field conflicts unless it forces.
  const std::string other = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied","namespace":"default"},"data":{"a":"2"}})";
  auto conflict = client_->Patch(kConfigMaps, "default", "applied", PatchType::kApply, other, {.field_manager = "other"});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  auto forced = client_->Patch(kConfigMaps, "default", "applied", PatchType::kApply, other,
                               {.field_manager = "other", .force = true});
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_EQ(Str(*forced, {"data", "a"}), "2");

  auto no_manager = client_->Patch(kConfigMaps, "default", "applied", PatchType::kApply, manifest);
  ASSERT_FALSE(no_manager);
  EXPECT_TRUE(no_manager.error().code == ErrorCode::kInvalid || no_manager.error().code == ErrorCode::kBadRequest)
      << no_manager.error().message;
  EXPECT_NE(no_manager.error().message.find("fieldManager"), std::string::npos) << no_manager.error().message;
}

TEST_F(ClientTest, DeleteWithPreconditionsAndPropagation) {
  auto created = client_->Create(kConfigMaps, "default", ConfigMap("cm"));
  ASSERT_TRUE(created);
  auto wrong = client_->Delete(kConfigMaps, "default", "cm", {.precondition_uid = "not-the-uid"});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kConflict);
  EXPECT_NE(wrong.error().message.find("Precondition failed"), std::string::npos) << wrong.error().message;

  auto deleted = client_->Delete(kConfigMaps, "default", "cm",
                                 {.propagation = PropagationPolicy::kForeground,
                                  .precondition_uid = Str(*created, {"metadata", "uid"}),
                                  .precondition_resource_version = Str(*created, {"metadata", "resourceVersion"})});
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_FALSE(client_->Get(kConfigMaps, "default", "cm") && true);

  auto again = client_->Delete(kConfigMaps, "default", "cm");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("cm2")));
  auto orphan = client_->Delete(kConfigMaps, "default", "cm2", {.propagation = PropagationPolicy::kOrphan});
  ASSERT_TRUE(orphan) << orphan.error().message;
}

TEST_F(ClientTest, PodLogsTailTimestampsAndFollow) {
  ASSERT_TRUE(client_->Create(kPods, "default", Pod("web-0")));
  sim_.logs().Append("default", "web-0", "main", "one\ntwo\nthree\n");

  auto all = client_->Logs("default", "web-0", {.container = "main"});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(*all, "one\ntwo\nthree\n");
  auto tail = client_->Logs("default", "web-0", {.container = "main", .tail_lines = 1});
  ASSERT_TRUE(tail);
  EXPECT_EQ(*tail, "three\n");
  auto stamped = client_->Logs("default", "web-0", {.container = "main", .tail_lines = 1, .timestamps = true});
  ASSERT_TRUE(stamped);
  EXPECT_TRUE(stamped->starts_with("20")) << *stamped;
  EXPECT_TRUE(stamped->ends_with("Z three\n")) << *stamped;

  std::mutex mutex;
  std::string streamed;
  std::stop_source stop;
  std::thread follower([&] {
    auto status = client_->StreamLogs("default", "web-0", {.container = "main", .tail_lines = 1},
                                      [&](std::string_view data) {
                                        std::lock_guard lock(mutex);
                                        streamed.append(data);
                                        return true;
                                      },
                                      stop.get_token());
    EXPECT_TRUE(status) << status.error().message;
  });
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mutex);
    return streamed == "three\n";
  }));
  sim_.logs().Append("default", "web-0", "main", "four\n");
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard lock(mutex);
    return streamed == "three\nfour\n";
  }));
  stop.request_stop();  // interrupts the open stream at once
  follower.join();

  auto missing = client_->Logs("default", "nope", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(ClientTest, DiscoveryFindsCrdsWhenTheyAppear) {
  auto pods = client_->Discover("", "v1", "pods");
  ASSERT_TRUE(pods) << pods.error().message;
  ASSERT_TRUE(pods->has_value());
  EXPECT_EQ((*pods)->kind, "Pod");
  EXPECT_TRUE((*pods)->ref.namespaced);
  EXPECT_EQ(client_->IsServed("", "v1", "nodes").value_or(false), true);
  EXPECT_EQ(client_->IsServed("apps", "v1", "deployments").value_or(false), true);
  EXPECT_EQ(client_->IsServed("", "v1", "widgets").value_or(true), false);
  EXPECT_EQ(client_->IsServed("example.com", "v1", "widgets").value_or(true), false);

  auto crd = Json(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
    "metadata":{"name":"widgets.example.com"},
    "spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
      "versions":[{"name":"v1","served":true,"storage":true,
        "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})");
  ASSERT_TRUE(client_->Create(kCustomResourceDefinitions, "", crd));
  EXPECT_TRUE(WaitFor([&] { return client_->IsServed("example.com", "v1", "widgets").value_or(false); }));
  const ResourceRef widgets{"example.com", "v1", "widgets", true};
  auto widget = client_->Create(widgets, "default", Json(R"({"apiVersion":"example.com/v1","kind":"Widget",
    "metadata":{"name":"w1"},"spec":{"size":3}})"));
  ASSERT_TRUE(widget) << widget.error().message;
}

TEST_F(ClientTest, BadTokenIsUnauthorizedWithoutEchoingIt) {
  Client bad(testing::MustConfig(sim_.KubeconfigForToken("definitely-not-registered-token")), Options());
  auto result = bad.Get(kNamespaces, "", "default");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(result.error().message.find("definitely-not-registered-token"), std::string::npos);
}

TEST_F(ClientTest, RestrictedUserIsForbidden) {
  ASSERT_TRUE(sim_.authenticator().AddToken("alice-token", {.username = "alice"}));
  auto policy = kubesim::ParseAuthorizationPolicy(R"(
rules:
- users: [alice]
  verbs: [get, list]
  apiGroups: [""]
  resources: [pods]
  namespaces: [default]
)");
  ASSERT_TRUE(policy) << policy.error().message;
  sim_.authorizer().SetPolicy(*policy);
  Client alice(testing::MustConfig(sim_.KubeconfigForToken("alice-token")), Options());
  auto pods = alice.List(kPods, "default");
  ASSERT_TRUE(pods) << pods.error().message;
  auto nodes = alice.List(kNodes, "");
  ASSERT_FALSE(nodes);
  EXPECT_EQ(nodes.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(nodes.error().message,
            "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");
}

TEST_F(ClientTest, TlsServerNameAndVerification) {
  Config by_name = config_;
  by_name.tls.server_name = "localhost";  // in kubesim's certificate; the URL says 127.0.0.1
  EXPECT_TRUE(Client(by_name, Options()).Get(kNamespaces, "", "default"));

  Config wrong_name = config_;
  wrong_name.tls.server_name = "wrong.example";
  auto mismatch = Client(wrong_name, Options()).Get(kNamespaces, "", "default");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().reason, "TLSError");

  Config untrusted = config_;
  untrusted.tls.ca_pem.clear();  // the system store does not know kubesim's CA
  auto refused = Client(untrusted, Options()).Get(kNamespaces, "", "default");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().reason, "TLSError");

  untrusted.tls.insecure_skip_verify = true;
  EXPECT_TRUE(Client(untrusted, Options()).Get(kNamespaces, "", "default"));
}

TEST_F(ClientTest, ProxyUrlTunnelsThroughConnect) {
  testing::ConnectProxy proxy(sim_.port());
  Config via_proxy = config_;
  via_proxy.proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  Client client(via_proxy, Options());
  auto result = client.Get(kNamespaces, "", "default");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_GE(proxy.connects(), 1);
}

TEST_F(ClientTest, ServiceProxyPassesThroughAnswersAndStreams) {
  sim_.SetServiceProxy([](const kubesim::ProxyRequest& request) {
    if (request.path == "v1/models") return http::Response::Json(200, boost::json::object{{"service", request.service}});
    return http::Response::Text(418, "teapot");
  });
  auto models = client_->ProxyService("default", "vllm", "8000", {.path = "/v1/models"});
  ASSERT_TRUE(models) << models.error().message;
  EXPECT_EQ(models->status, 200);
  EXPECT_EQ(models->body, R"({"service":"vllm:8000"})");
  auto teapot = client_->ProxyService("default", "vllm", "8000", {.path = "/other"});
  ASSERT_TRUE(teapot) << teapot.error().message;  // the service's own answer, not an API error
  EXPECT_EQ(teapot->status, 418);

  std::string streamed;
  auto status = client_->StreamProxyService("default", "vllm", "8000", {.path = "/v1/models"},
                                            [&](std::string_view data) {
                                              streamed.append(data);
                                              return true;
                                            });
  EXPECT_TRUE(status);
  EXPECT_EQ(streamed, R"({"service":"vllm:8000"})");
}

TEST_F(ClientTest, ManyThreadsShareOneClient) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("shared")));
  ClientOptions options = Options();
  options.max_connections = 3;
  Client client(config_, options);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (client.Get(kConfigMaps, "default", "shared")) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 200);
}

// ---- retries, Retry-After and deadlines, with kubesim's fault injection ------------------------
// Attempts are counted by the credential provider the client asks once per request sent.

class RetryTest : public KubesimTest {
 protected:
  // A client that backs off briefly, so the tests measure the server's answers, not the
  // backoff; Retry-After must come from the server.
  std::shared_ptr<Client> RetryingClient(int max_attempts = 5, std::chrono::milliseconds timeout = 10s) {
    ClientOptions options = Options();
    options.timeout = timeout;
    options.max_attempts = max_attempts;
    options.retry_backoff = {.initial = 5ms, .max = 20ms};
    Config config = config_;
    counting_ = std::make_shared<CountingCredentials>(config_.credentials);
    config.credentials = counting_;
    return std::make_shared<Client>(config, options);
  }
  // How many requests the RetryingClient sent while `action` ran.
  int AttemptsDuring(const std::function<void()>& action) const {
    const int before = counting_->gets();
    action();
    return counting_->gets() - before;
  }
  // Faults on configmaps only, so discovery and other resources answer normally.
  void Inject(std::vector<kubesim::FaultRule> rules, std::uint64_t seed = 1) {
    for (auto& rule : rules) rule.resources = {"configmaps"};
    sim_.SetFaults({.rules = std::move(rules), .seed = seed});
  }

  std::shared_ptr<CountingCredentials> counting_;
};

TEST_F(RetryTest, GetIsRetriedThroughInjectedErrorRatesUntilItSucceeds) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("cm")));
  Inject({{.verbs = {"get"}, .status = 503, .error_rate = 0.4},
          {.verbs = {"get"}, .status = 500, .every = 3}},
         /*seed=*/7);
  auto client = RetryingClient(/*max_attempts=*/10);
  int ok = 0;
  const int requests = AttemptsDuring([&] {
    for (int i = 0; i < 20; ++i) {
      auto got = client->Get(kConfigMaps, "default", "cm");
      EXPECT_TRUE(got) << got.error().message;
      if (got && Str(*got, {"data", "key"}) == "value") ++ok;
    }
  });
  EXPECT_EQ(ok, 20);
  EXPECT_GT(requests, 20);  // some answers were injected failures, and each was retried
}

TEST_F(RetryTest, GetGivesUpAfterMaxAttemptsWithTheServersError) {
  Inject({{.verbs = {"get"}, .status = 503, .message = "etcdserver: request timed out"}});
  auto client = RetryingClient(/*max_attempts=*/3);
  common::Result<boost::json::object> got = boost::json::object{};
  EXPECT_EQ(AttemptsDuring([&] { got = client->Get(kConfigMaps, "default", "cm"); }), 3);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("etcdserver: request timed out"), std::string::npos) << got.error().message;
}

TEST_F(RetryTest, RetryAfterIsHonoured) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("cm")));
  Inject({{.verbs = {"get"}, .status = 429, .every = 2, .retry_after_seconds = 1}});
  auto client = RetryingClient();
  ASSERT_TRUE(client->Get(kConfigMaps, "default", "cm"));  // the 1st matching request passes
  const auto start = std::chrono::steady_clock::now();
  common::Result<boost::json::object> got = boost::json::object{};
  const int requests = AttemptsDuring([&] { got = client->Get(kConfigMaps, "default", "cm"); });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(requests, 2);  // the 429, then the retry
  EXPECT_GE(elapsed, 1s);   // the backoff alone would have waited 20ms at most
}

TEST_F(RetryTest, CreateAndUnconditionalPatchAreNeverRetried) {
  Inject({{.verbs = {"create"}, .status = 503}});
  auto client = RetryingClient();
  common::Result<boost::json::object> created = boost::json::object{};
  EXPECT_EQ(AttemptsDuring([&] { created = client->Create(kConfigMaps, "default", ConfigMap("x")); }), 1);
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  sim_.SetFaults({});
  EXPECT_EQ(client->Get(kConfigMaps, "default", "x").error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(client->Create(kConfigMaps, "default", ConfigMap("x")));
  Inject({{.verbs = {"patch"}, .status = 500}});
  common::Result<boost::json::object> patched = boost::json::object{};
  EXPECT_EQ(AttemptsDuring([&] {
              patched = client->Patch(kConfigMaps, "default", "x", PatchType::kMerge, R"({"data":{"a":"b"}})");
            }),
            1);
  ASSERT_FALSE(patched);
  EXPECT_EQ(patched.error().code, ErrorCode::kInternal);
}

TEST_F(RetryTest, PatchWithAResourceVersionPreconditionIsRetried) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("x")));
  Inject({{.verbs = {"patch"}, .status = 503, .every = 2}});
  auto client = RetryingClient();
  auto first = client->Patch(kConfigMaps, "default", "x", PatchType::kMerge, R"({"data":{"first":"1"}})");
  ASSERT_TRUE(first) << first.error().message;  // the 1st matching request passes
  // The 2nd matching request fails with 503; the precondition makes it safe to resend.
  const std::string patch =
      R"({"metadata":{"resourceVersion":")" + Str(*first, {"metadata", "resourceVersion"}) + R"("},"data":{"a":"b"}})";
  common::Result<boost::json::object> patched = boost::json::object{};
  EXPECT_EQ(AttemptsDuring([&] { patched = client->Patch(kConfigMaps, "default", "x", PatchType::kMerge, patch); }),
            2);
  ASSERT_TRUE(patched) << patched.error().message;
  EXPECT_EQ(Str(*patched, {"data", "a"}), "b");
}

TEST_F(RetryTest, ClientErrorsAreNotRetried) {
  auto client = RetryingClient();
  EXPECT_EQ(RequestsDuring([&] { EXPECT_FALSE(client->Get(kConfigMaps, "default", "missing")); }), 1u);
  Inject({{.verbs = {"get"}, .status = 409}});
  common::Result<boost::json::object> got = boost::json::object{};
  EXPECT_EQ(AttemptsDuring([&] { got = client->Get(kConfigMaps, "default", "missing"); }), 1);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kConflict);
}

TEST_F(RetryTest, DeadlineCutsAnInjectedLatency) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("slow")));
  Inject({{.verbs = {"get"}, .latency = 1s}});
  auto client = RetryingClient(5, /*timeout=*/200ms);
  const auto start = std::chrono::steady_clock::now();
  auto got = client->Get(kConfigMaps, "default", "slow");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout);
  EXPECT_GE(elapsed, 150ms);  // curl's clock starts a little after ours
  EXPECT_LT(elapsed, 900ms);
  // A per-call deadline longer than the latency waits it out.
  auto patient = client->Get(kConfigMaps, "default", "slow", 5s);
  ASSERT_TRUE(patient) << patient.error().message;
  EXPECT_EQ(Str(*patient, {"data", "key"}), "value");
}

TEST_F(RetryTest, PausedServerIsUnavailableUntilItResumes) {
  auto client = RetryingClient(/*max_attempts=*/3);
  ASSERT_TRUE(client->Get(kNamespaces, "", "default"));  // leaves a keep-alive connection in the pool
  sim_.Pause();
  auto refused = client->Get(kNamespaces, "", "default");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("cannot reach the Kubernetes API server at " + sim_.url()),
            std::string::npos)
      << refused.error().message;
  auto resumed = sim_.Resume();
  ASSERT_TRUE(resumed) << resumed.error().message;
  auto again = client->Get(kNamespaces, "", "default");
  EXPECT_TRUE(again) << again.error().message;
}

TEST(ResourceRefTest, Paths) {
  EXPECT_EQ(kPods.Path("default", "web-0", "log"), "/api/v1/namespaces/default/pods/web-0/log");
  EXPECT_EQ(kPods.Path(""), "/api/v1/pods");
  EXPECT_EQ(kNodes.Path("ignored", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(kDeployments.Path("kube-system"), "/apis/apps/v1/namespaces/kube-system/deployments");
  EXPECT_EQ(kDeployments.ApiVersion(), "apps/v1");
}

}  // namespace
}  // namespace airunway::kube
