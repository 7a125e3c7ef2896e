#include "kube/watch.h"

#include <gtest/gtest.h>

#include <mutex>

#include "kube/errors.h"
#include "kube/kubesim_fixture.h"

namespace airunway::kube {
namespace {

using common::ErrorCode;
using testing::ConfigMap;
using testing::KubesimTest;
using testing::Str;
using testing::WaitFor;
using namespace std::chrono_literals;

// Collects what a Watch delivers.
struct Recorder {
  std::mutex mutex;
  std::vector<std::pair<WatchEventType, std::string>> events;  // type, name
  std::optional<common::Status> closed;

  WatchEventCallback OnEvent() {
    return [this](const WatchEvent& event) {
      std::lock_guard lock(mutex);
      events.emplace_back(event.type, Str(*event.object, {"metadata", "name"}));
    };
  }
  std::function<void(common::Status)> OnClosed() {
    return [this](common::Status status) {
      std::lock_guard lock(mutex);
      closed = std::move(status);
    };
  }
  std::size_t Count(WatchEventType type) {
    std::lock_guard lock(mutex);
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](auto& e) { return e.first == type; }));
  }
  bool Closed() {
    std::lock_guard lock(mutex);
    return closed.has_value();
  }
};

class WatchTest : public KubesimTest {
 protected:
  WatchTest() : KubesimTest(SimOptions()) {}
  static kubesim::ApiServerOptions SimOptions() {
    kubesim::ApiServerOptions options;
    options.store.history_limit = 20;  // small, so that old versions expire quickly
    return options;
  }
};

TEST_F(WatchTest, DeliversChangesAfterTheListVersion) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("before")));
  auto list = client_->List(kConfigMaps, "default");
  ASSERT_TRUE(list);
  Recorder recorder;
  Watch watch(client_, kConfigMaps, "default", {.resource_version = list->resource_version}, recorder.OnEvent(),
              recorder.OnClosed());
  auto created = client_->Create(kConfigMaps, "default", ConfigMap("after"));
  ASSERT_TRUE(created);
  ASSERT_TRUE(client_->Patch(kConfigMaps, "default", "after", PatchType::kMerge, R"({"data":{"x":"y"}})"));
  ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "after"));
  ASSERT_TRUE(WaitFor([&] { return recorder.Count(WatchEventType::kDeleted) == 1; }));
  watch.Stop();
  std::lock_guard lock(recorder.mutex);
  ASSERT_EQ(recorder.events.size(), 3u);  // "before" predates the list: not replayed
  EXPECT_EQ(recorder.events[0], std::make_pair(WatchEventType::kAdded, std::string("after")));
  EXPECT_EQ(recorder.events[1], std::make_pair(WatchEventType::kModified, std::string("after")));
  EXPECT_EQ(recorder.events[2], std::make_pair(WatchEventType::kDeleted, std::string("after")));
  ASSERT_TRUE(recorder.closed.has_value());
  EXPECT_TRUE(*recorder.closed);  // stopped, not failed
}

TEST_F(WatchTest, WithoutAVersionStartsWithTheCurrentObjects) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("a", {{"app", "web"}})));
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("b", {{"app", "db"}})));
  Recorder recorder;
  Watch watch(client_, kConfigMaps, "default", {.label_selector = "app=web"}, recorder.OnEvent(), recorder.OnClosed());
  ASSERT_TRUE(WaitFor([&] { return recorder.Count(WatchEventType::kAdded) == 1; }));
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("c", {{"app", "web"}})));
  ASSERT_TRUE(WaitFor([&] { return recorder.Count(WatchEventType::kAdded) == 2; }));
  watch.Stop();
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.events[0].second, "a");
  EXPECT_EQ(recorder.events[1].second, "c");
}

TEST_F(WatchTest, AnExpiredVersionEndsWithGone) {
  auto list = client_->List(kConfigMaps, "default");
  ASSERT_TRUE(list);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("cm-" + std::to_string(i))));
  Recorder recorder;
  Watch watch(client_, kConfigMaps, "default", {.resource_version = list->resource_version}, recorder.OnEvent(),
              recorder.OnClosed());
  ASSERT_TRUE(WaitFor([&] { return recorder.Closed(); }));
  std::lock_guard lock(recorder.mutex);
  ASSERT_FALSE(*recorder.closed);
  EXPECT_EQ(recorder.closed->error().code, ErrorCode::kGone);
  EXPECT_TRUE(IsGone(recorder.closed->error()));
  EXPECT_TRUE(recorder.events.empty());
}

TEST_F(WatchTest, ServerTimeoutEndsTheStreamCleanly) {
  Recorder recorder;
  Watch watch(client_, kConfigMaps, "default", {.timeout_seconds = 1}, recorder.OnEvent(), recorder.OnClosed());
  ASSERT_TRUE(WaitFor([&] { return recorder.Closed(); }, 5s));
  std::lock_guard lock(recorder.mutex);
  EXPECT_TRUE(*recorder.closed);
}

TEST_F(WatchTest, StopInterruptsAnIdleStreamPromptly) {
  Recorder recorder;
  auto watch = std::make_unique<Watch>(client_, kConfigMaps, "default", WatchOptions{}, recorder.OnEvent(),
                                       recorder.OnClosed());
  const auto start = std::chrono::steady_clock::now();
  watch->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_TRUE(recorder.Closed());
}

TEST_F(WatchTest, ForbiddenWatchFailsAtOnce) {
  ASSERT_TRUE(sim_.authenticator().AddToken("bob-token", {.username = "bob"}));
  auto policy = kubesim::ParseAuthorizationPolicy("rules:\n- users: [bob]\n  verbs: [list]\n  apiGroups: [\"\"]\n  resources: [configmaps]\n");
  ASSERT_TRUE(policy) << policy.error().message;
  sim_.authorizer().SetPolicy(*policy);
  auto bob = std::make_shared<Client>(testing::MustConfig(sim_.KubeconfigForToken("bob-token")), Options());
  auto status = WatchStream(*bob, kConfigMaps, "default", {}, [](const WatchEvent&) {}, {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kForbidden);
}

}  // namespace
}  // namespace airunway::kube
