#include "controller/runtime/manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "kube/kubesim_fixture.h"

namespace airunway::controller::runtime {
namespace {

using namespace std::chrono_literals;
using kube::testing::ConfigMap;
using kube::testing::Json;
using kube::testing::WaitFor;

// A reconciler whose answer per call is scripted; records every call.
class ScriptedReconciler : public Reconciler {
 public:
  using Script = std::function<common::Result<Outcome>(const std::string& key, int call)>;
  explicit ScriptedReconciler(Script script = {}) : script_(std::move(script)) {}

  common::Result<Outcome> Reconcile(const std::string& key) override {
    int call;
    {
      std::lock_guard lock(mutex_);
      call = ++calls_[key];
    }
    return script_ ? script_(key, call) : Outcome::Done();
  }
  int Calls(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(key);
    return it == calls_.end() ? 0 : it->second;
  }

 private:
  Script script_;
  mutable std::mutex mutex_;
  std::map<std::string, int> calls_;
};

class ManagerTest : public kube::testing::KubesimTest {
 protected:
  void Create(const boost::json::object& object) {
    auto created = client_->Create(kube::kConfigMaps, "default", object);
    ASSERT_TRUE(created) << created.error().message;
  }
  double Sample(const std::string& series) {
    const auto text = registry_.Expose();
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 1));
  }

  Registry registry_;
};

// Runs a manager on a thread for the length of a test.
struct Running {
  explicit Running(Manager& target) : manager(target) {
    thread = std::jthread([this](std::stop_token stop) {
      auto status = this->manager.Run(stop);
      std::lock_guard lock(mutex);
      result = status ? std::string("ok") : status.error().reason;
      done = true;
    });
  }
  bool Done() {
    std::lock_guard lock(mutex);
    return done;
  }
  std::string Result() {
    std::lock_guard lock(mutex);
    return result;
  }
  Manager& manager;
  std::mutex mutex;
  bool done = false;
  std::string result;
  std::jthread thread;
};

TEST(ControllerOwnerKeyTest, FindsTheControllingOwnerOfTheGivenKind) {
  auto owned = Json(R"({"metadata":{"name":"d","namespace":"ns","ownerReferences":[
      {"apiVersion":"v1","kind":"ConfigMap","name":"not-controller","uid":"1"},
      {"apiVersion":"other.io/v1","kind":"ModelDeployment","name":"wrong-group","uid":"2","controller":true},
      {"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment","name":"llama","uid":"3","controller":true}]}})");
  EXPECT_EQ(ControllerOwnerKey(owned, "ModelDeployment", "airunway.ai"), "ns/llama");
  EXPECT_EQ(ControllerOwnerKey(owned, "ModelDeployment"), "ns/wrong-group");
  EXPECT_EQ(ControllerOwnerKey(owned, "ConfigMap"), std::nullopt);  // not the controller
  EXPECT_EQ(ControllerOwnerKey(Json(R"({"metadata":{"name":"x"}})"), "ModelDeployment"), std::nullopt);
}

TEST_F(ManagerTest, OwnerHandlersEnqueueTheOwnersKey) {
  Manager manager(client_, {.name = "t"});
  auto handlers = manager.EnqueueOwnerHandlers("ModelDeployment", "airunway.ai");
  auto owned = std::make_shared<const boost::json::object>(Json(R"({"metadata":{"name":"d","namespace":"ns",
      "ownerReferences":[{"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment","name":"llama","controller":true}]}})"));
  handlers.on_add(owned);
  handlers.on_delete(owned);
  EXPECT_EQ(manager.queue().Len(), 1u);
  EXPECT_EQ(manager.queue().GetFor(1s), "ns/llama");
}

TEST_F(ManagerTest, WaitsForCachesThenReconcilesEveryObjectAndEveryChange) {
  Create(ConfigMap("before"));
  Manager manager(client_, {.name = "cm", .workers = 2, .metrics = &registry_});
  auto informer = manager.AddInformer({.resource = kube::kConfigMaps, .namespace_name = "default"});
  informer->AddHandlers(manager.EnqueueHandlers());
  auto reconciler = std::make_shared<ScriptedReconciler>();
  manager.SetReconciler(reconciler);
  EXPECT_FALSE(manager.Ready());
  EXPECT_FALSE(manager.ReadyzCheck());

  Running running(manager);
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/before") == 1; }));
  EXPECT_TRUE(manager.Ready());
  EXPECT_TRUE(manager.IsLeader());
  Create(ConfigMap("after"));
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/after") == 1; }));
  ASSERT_TRUE(client_->Delete(kube::kConfigMaps, "default", "after"));
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/after") == 2; }));

  EXPECT_EQ(Sample("controller_runtime_reconcile_total{controller=\"cm\",result=\"success\"}"), 3);
  EXPECT_EQ(Sample("controller_runtime_reconcile_time_seconds_count{controller=\"cm\"}"), 3);
  EXPECT_EQ(Sample("controller_runtime_max_concurrent_reconciles{controller=\"cm\"}"), 2);

  manager.Stop();
  ASSERT_TRUE(WaitFor([&] { return running.Done(); }));
  EXPECT_EQ(running.Result(), "ok");
  EXPECT_FALSE(manager.Ready());
}

TEST_F(ManagerTest, ErrorsAreRetriedWithBackoffAndSuccessForgetsTheFailures) {
  Create(ConfigMap("flaky"));
  Manager manager(client_, {.name = "cm", .metrics = &registry_});
  manager.AddInformer({.resource = kube::kConfigMaps})->AddHandlers(manager.EnqueueHandlers());
  auto reconciler = std::make_shared<ScriptedReconciler>([](const std::string&, int call) -> common::Result<Outcome> {
    if (call <= 2) return common::MakeError(common::ErrorCode::kUnavailable, "try again");
    return Outcome::Done();
  });
  manager.SetReconciler(reconciler);
  Running running(manager);
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/flaky") == 3; }));
  ASSERT_TRUE(WaitFor([&] {
    return Sample("controller_runtime_reconcile_total{controller=\"cm\",result=\"success\"}") == 1;
  }));
  EXPECT_EQ(Sample("controller_runtime_reconcile_total{controller=\"cm\",result=\"error\"}"), 2);
  EXPECT_EQ(Sample("controller_runtime_reconcile_errors_total{controller=\"cm\"}"), 2);
  EXPECT_EQ(Sample("workqueue_retries_total{name=\"cm\",controller=\"cm\"}"), 2);
  EXPECT_EQ(manager.queue().NumRequeues("default/flaky"), 0);
}

TEST_F(ManagerTest, AThrowingReconcileIsCaughtAndRequeued) {
  Create(ConfigMap("thrower"));
  Manager manager(client_, {.name = "cm", .metrics = &registry_});
  manager.AddInformer({.resource = kube::kConfigMaps})->AddHandlers(manager.EnqueueHandlers());
  auto reconciler = std::make_shared<ScriptedReconciler>([](const std::string&, int call) -> common::Result<Outcome> {
    if (call == 1) throw std::runtime_error("boom");
    return Outcome::Done();
  });
  manager.SetReconciler(reconciler);
  Running running(manager);
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/thrower") == 2; }));
  ASSERT_TRUE(WaitFor([&] { return Sample("controller_runtime_reconcile_panics_total{controller=\"cm\"}") == 1; }));
}

TEST_F(ManagerTest, RequeueAfterComesBackAndTerminalErrorsDoNot) {
  Create(ConfigMap("later"));
  Create(ConfigMap("hopeless"));
  Manager manager(client_, {.name = "cm", .metrics = &registry_});
  manager.AddInformer({.resource = kube::kConfigMaps})->AddHandlers(manager.EnqueueHandlers());
  auto reconciler = std::make_shared<ScriptedReconciler>([](const std::string& key, int call) -> common::Result<Outcome> {
    if (key == "default/hopeless") return Outcome::Terminal("spec is invalid");
    if (call == 1) return Outcome::RequeueAfter(30ms);
    return Outcome::Done();
  });
  manager.SetReconciler(reconciler);
  Running running(manager);
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/later") == 2; }));
  ASSERT_TRUE(WaitFor([&] { return reconciler->Calls("default/hopeless") == 1; }));
  ASSERT_TRUE(WaitFor([&] { return manager.queue().ProcessingLen() == 0; }));
  EXPECT_EQ(manager.queue().WaitingLen(), 0u);  // the terminal key was not scheduled again
  EXPECT_EQ(manager.queue().Len(), 0u);
  EXPECT_EQ(Sample("controller_runtime_reconcile_total{controller=\"cm\",result=\"requeue_after\"}"), 1);
  EXPECT_EQ(Sample("controller_runtime_reconcile_total{controller=\"cm\",result=\"error\"}"), 1);
}

TEST_F(ManagerTest, CacheThatNeverSyncsFailsRunWithTimeout) {
  Manager manager(client_, {.name = "cm", .cache_sync_timeout = 300ms});
  manager.AddInformer({.resource = {"nothing.example.com", "v1", "widgets", true}});
  manager.SetReconciler(std::make_shared<ScriptedReconciler>());
  auto status = manager.Run({});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, common::ErrorCode::kTimeout);
  EXPECT_NE(status.error().message.find("widgets did not sync"), std::string::npos) << status.error().message;
  EXPECT_FALSE(manager.Ready());
}

TEST_F(ManagerTest, RunWithoutReconcilerIsRefused) {
  Manager manager(client_, {.name = "cm"});
  auto status = manager.Run({});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, common::ErrorCode::kInvalid);
}

TEST_F(ManagerTest, OnlyTheLeaderReconcilesAndTheStandbyTakesOver) {
  Create(ConfigMap("work"));
  auto options = [&](const std::string& id) {
    return ManagerOptions{.name = "cm",
                          .leader_election = LeaderElectionOptions{.lease_name = "cm-lease",
                                                                   .identity = id,
                                                                   .lease_duration = 1000ms,
                                                                   .renew_deadline = 500ms,
                                                                   .retry_period = 50ms}};
  };
  Manager first(client_, options("first"));
  first.AddInformer({.resource = kube::kConfigMaps})->AddHandlers(first.EnqueueHandlers());
  auto first_reconciler = std::make_shared<ScriptedReconciler>();
  first.SetReconciler(first_reconciler);
  auto running_first = std::make_unique<Running>(first);
  ASSERT_TRUE(WaitFor([&] { return first_reconciler->Calls("default/work") == 1; }));
  EXPECT_TRUE(first.IsLeader());

  Manager second(client_, options("second"));
  second.AddInformer({.resource = kube::kConfigMaps})->AddHandlers(second.EnqueueHandlers());
  auto second_reconciler = std::make_shared<ScriptedReconciler>();
  second.SetReconciler(second_reconciler);
  Running running_second(second);
  ASSERT_TRUE(WaitFor([&] { return second.Ready() && second.elector()->leader_identity() == "first"; }));
  EXPECT_FALSE(second.IsLeader());  // a ready standby
  EXPECT_EQ(second_reconciler->Calls("default/work"), 0);

  first.Stop();
  ASSERT_TRUE(WaitFor([&] { return running_first->Done(); }));
  EXPECT_EQ(running_first->Result(), "ok");
  // The standby had the key queued while waiting; it reconciles as soon as it leads.
  ASSERT_TRUE(WaitFor([&] { return second_reconciler->Calls("default/work") == 1; }, 5s));
  EXPECT_TRUE(second.IsLeader());
}

TEST_F(ManagerTest, LosingTheLeaseStopsReconcilingAndRunReportsIt) {
  ASSERT_TRUE(sim_.authenticator().AddToken("mgr-token", {.username = "mgr"}));
  auto client = std::make_shared<kube::Client>(kube::testing::MustConfig(sim_.KubeconfigForToken("mgr-token")),
                                               Options());
  std::atomic<int> stopped{0};
  Manager manager(client, {.name = "cm",
                           .leader_election = LeaderElectionOptions{.lease_name = "cm-lease",
                                                                    .lease_duration = 1000ms,
                                                                    .renew_deadline = 500ms,
                                                                    .retry_period = 50ms},
                           .leader_callbacks = {.on_stopped_leading = [&] { stopped++; }}});
  manager.AddInformer({.resource = kube::kConfigMaps})->AddHandlers(manager.EnqueueHandlers());
  manager.SetReconciler(std::make_shared<ScriptedReconciler>());
  Running running(manager);
  ASSERT_TRUE(WaitFor([&] { return manager.IsLeader(); }));

  kubesim::AuthorizationPolicy no_updates;
  no_updates.allow_all = false;
  no_updates.rules.push_back({.users = {"mgr"}, .verbs = {"get", "list", "watch"}, .api_groups = {"*"},
                              .resources = {"*"}});
  sim_.authorizer().SetPolicy(no_updates);
  ASSERT_TRUE(WaitFor([&] { return running.Done(); }, 5s));
  EXPECT_EQ(running.Result(), kLeaderElectionLost);
  EXPECT_FALSE(manager.IsLeader());
  EXPECT_EQ(stopped.load(), 1);
  EXPECT_TRUE(manager.queue().ShuttingDown());
}

}  // namespace
}  // namespace airunway::controller::runtime
