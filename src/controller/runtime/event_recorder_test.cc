#include "controller/runtime/event_recorder.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "kube/kubesim_fixture.h"

namespace airunway::controller::runtime {
namespace {

using namespace std::chrono_literals;
using kube::testing::ConfigMap;
using kube::testing::Str;
using kube::testing::WaitFor;

class EventRecorderTest : public kube::testing::KubesimTest {
 protected:
  boost::json::object Subject(const std::string& name) {
    auto created = client_->Create(kube::kConfigMaps, "default", ConfigMap(name));
    EXPECT_TRUE(created) << (created ? "" : created.error().message);
    return created ? *created : boost::json::object{};
  }
  std::vector<boost::json::object> Events() {
    auto list = client_->List(kube::kEvents, "default");
    EXPECT_TRUE(list) << (list ? "" : list.error().message);
    return list ? list->items : std::vector<boost::json::object>{};
  }
  static std::int64_t Count(const boost::json::object& event) {
    return common::GetInt(event, "count").value_or(-1);
  }
};

TEST_F(EventRecorderTest, WritesACoreV1EventAboutTheObject) {
  auto subject = Subject("md-a");
  EventRecorder recorder(client_, {.component = "airunway-controller", .host = "node-1"});
  recorder.Start();
  recorder.Record(subject, EventType::kNormal, "ProviderSelected", "selected provider vllm");
  ASSERT_TRUE(WaitFor([&] { return recorder.written() == 1; }));

  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  const auto& event = events[0];
  EXPECT_EQ(Str(event, {"involvedObject", "kind"}), "ConfigMap");
  EXPECT_EQ(Str(event, {"involvedObject", "apiVersion"}), "v1");
  EXPECT_EQ(Str(event, {"involvedObject", "name"}), "md-a");
  EXPECT_EQ(Str(event, {"involvedObject", "namespace"}), "default");
  EXPECT_EQ(Str(event, {"involvedObject", "uid"}), Str(subject, {"metadata", "uid"}));
  EXPECT_EQ(Str(event, {"reason"}), "ProviderSelected");
  EXPECT_EQ(Str(event, {"message"}), "selected provider vllm");
  EXPECT_EQ(Str(event, {"type"}), "Normal");
  EXPECT_EQ(Str(event, {"source", "component"}), "airunway-controller");
  EXPECT_EQ(Str(event, {"source", "host"}), "node-1");
  EXPECT_EQ(Str(event, {"reportingComponent"}), "airunway-controller");
  EXPECT_EQ(Count(event), 1);
  EXPECT_FALSE(Str(event, {"firstTimestamp"}).empty());
  EXPECT_EQ(Str(event, {"firstTimestamp"}), Str(event, {"lastTimestamp"}));
  EXPECT_EQ(Str(event, {"metadata", "name"}).rfind("md-a.", 0), 0u);
}

TEST_F(EventRecorderTest, RepeatsAreAggregatedIntoOneEventWithACount) {
  auto subject = Subject("md-b");
  EventRecorder recorder(client_);
  recorder.Start();
  for (int i = 0; i < 3; ++i) recorder.Record(subject, EventType::kWarning, "InvalidSpec", "gpu.count must be > 0");
  recorder.Record(subject, EventType::kWarning, "InvalidSpec", "engine is required");
  ASSERT_TRUE(WaitFor([&] { return recorder.written() == 4 && recorder.pending() == 0; }));

  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  std::map<std::string, std::int64_t> counts;
  for (const auto& e : events) {
    counts[Str(e, {"message"})] = Count(e);
    EXPECT_EQ(Str(e, {"type"}), "Warning");
  }
  EXPECT_EQ(counts["gpu.count must be > 0"], 3);
  EXPECT_EQ(counts["engine is required"], 1);
}

TEST_F(EventRecorderTest, ADeletedAggregateIsReplacedByANewEvent) {
  auto subject = Subject("md-c");
  EventRecorder recorder(client_);
  recorder.Start();
  recorder.Record(subject, EventType::kNormal, "Created", "created Deployment md-c");
  ASSERT_TRUE(WaitFor([&] { return recorder.written() == 1; }));
  auto first = Events();
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(client_->Delete(kube::kEvents, "default", Str(first[0], {"metadata", "name"})));

  recorder.Record(subject, EventType::kNormal, "Created", "created Deployment md-c");
  ASSERT_TRUE(WaitFor([&] { return recorder.written() == 2; }));
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Count(events[0]), 1);
  EXPECT_NE(Str(events[0], {"metadata", "name"}), Str(first[0], {"metadata", "name"}));
}

TEST_F(EventRecorderTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  auto subject = Subject("md-d");
  Registry registry;
  EventRecorder recorder(client_, {.queue_capacity = 2, .metrics = &registry});
  // Not started: nothing drains the queue.
  for (int i = 0; i < 5; ++i) recorder.Record(subject, EventType::kNormal, "Tick", "tick");
  EXPECT_EQ(recorder.dropped(), 3u);
  EXPECT_EQ(recorder.pending(), 2u);
  EXPECT_NE(registry.Expose().find("airunway_events_dropped_total 3\n"), std::string::npos);

  recorder.Start();
  ASSERT_TRUE(WaitFor([&] { return recorder.written() == 2; }));
  auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Count(events[0]), 2);
}

TEST_F(EventRecorderTest, StopWritesWhatIsQueuedThenDrops) {
  auto subject = Subject("md-e");
  EventRecorder recorder(client_);
  recorder.Record(subject, EventType::kNormal, "Queued", "before start");
  recorder.Start();
  recorder.Stop();
  EXPECT_EQ(recorder.written(), 1u);
  recorder.Record(subject, EventType::kNormal, "Late", "after stop");
  EXPECT_EQ(recorder.dropped(), 1u);
}

TEST_F(EventRecorderTest, WriteFailuresAreCountedNotRaised) {
  auto subject = Subject("md-f");
  kubesim::AuthorizationPolicy deny_all;
  deny_all.allow_all = false;
  ASSERT_TRUE(sim_.authenticator().AddToken("events-token", {.username = "nobody"}));
  auto client = std::make_shared<kube::Client>(kube::testing::MustConfig(sim_.KubeconfigForToken("events-token")),
                                               Options());
  sim_.authorizer().SetPolicy(deny_all);
  EventRecorder recorder(client);
  recorder.Start();
  recorder.Record(subject, EventType::kWarning, "Failed", "x");
  ASSERT_TRUE(WaitFor([&] { return recorder.failed() == 1; }));
  EXPECT_EQ(recorder.written(), 0u);
}

}  // namespace
}  // namespace airunway::controller::runtime
