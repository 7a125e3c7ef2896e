#include "kube/informer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "kube/errors.h"
#include "kube/kubesim_fixture.h"
#include "kube/test_servers.h"

namespace airunway::kube {
namespace {

using common::ErrorCode;
using testing::ConfigMap;
using testing::Json;
using testing::KubesimTest;
using testing::Pod;
using testing::Str;
using testing::WaitFor;
using namespace std::chrono_literals;

// Counts handler calls per name, as a controller's queue would see them.
struct Counter {
  std::mutex mutex;
  std::map<std::string, int> adds, updates, deletes;

  InformerHandlers Handlers() {
    return {.on_add = [this](const ObjectPtr& o) { Bump(adds, o); },
            .on_update = [this](const ObjectPtr&, const ObjectPtr& o) { Bump(updates, o); },
            .on_delete = [this](const ObjectPtr& o) { Bump(deletes, o); }};
  }
  void Bump(std::map<std::string, int>& which, const ObjectPtr& object) {
    std::lock_guard lock(mutex);
    ++which[Str(*object, {"metadata", "name"})];
  }
  int Get(std::map<std::string, int>& which, const std::string& name) {
    std::lock_guard lock(mutex);
    auto it = which.find(name);
    return it == which.end() ? 0 : it->second;
  }
  int Total(std::map<std::string, int>& which) {
    std::lock_guard lock(mutex);
    int total = 0;
    for (const auto& [name, count] : which) total += count;
    return total;
  }
};

InformerOptions Fast(ResourceRef resource, std::string ns = "default") {
  InformerOptions options;
  options.resource = std::move(resource);
  options.namespace_name = std::move(ns);
  options.backoff = {.initial = 10ms, .max = 100ms};
  return options;
}

class InformerTest : public KubesimTest {
 protected:
  InformerTest() : KubesimTest(SimOptions()) {}
  static kubesim::ApiServerOptions SimOptions() {
    kubesim::ApiServerOptions options;
    options.store.history_limit = 50;
    return options;
  }
  void Apply(const std::string& name, const std::string& value) {
    auto body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
                R"(","namespace":"default"},"data":{"v":")" + value + R"("}})";
    auto applied = client_->Patch(kConfigMaps, "default", name, PatchType::kApply, body, {.field_manager = "test"});
    ASSERT_TRUE(applied) << applied.error().message;
  }
  std::set<std::string> CachedNames(const Informer& informer) {
    std::set<std::string> names;
    auto all = informer.List();
    if (!all) return names;
    for (const auto& object : *all) names.insert(Str(*object, {"metadata", "name"}));
    return names;
  }
};

TEST_F(InformerTest, NotSyncedUntilTheFirstList) {
  Informer informer(client_, Fast(kConfigMaps));
  auto early = informer.Get("default", "x");
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(early.error().reason, "CacheNotSynced");
  EXPECT_EQ(common::HttpStatusOf(early.error().code), 503);
  EXPECT_FALSE(informer.HasSynced());
  EXPECT_FALSE(informer.List());
}

TEST_F(InformerTest, ListsThenFollowsChangesWithHandlers) {
  Apply("a", "1");
  Apply("b", "1");
  Informer informer(client_, Fast(kConfigMaps));
  Counter counter;
  informer.AddHandlers(counter.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  EXPECT_TRUE(informer.HasSynced());
  EXPECT_EQ(counter.Total(counter.adds), 2);

  auto a = informer.Get("default", "a");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(Str(**a, {"data", "v"}), "1");
  EXPECT_EQ(common::FindPath(**a, {"metadata", "managedFields"}), nullptr);  // stripped on ingest

  Apply("c", "1");
  Apply("a", "2");
  ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "b"));
  ASSERT_TRUE(WaitFor([&] { return counter.Get(counter.deletes, "b") == 1; }));
  EXPECT_EQ(counter.Get(counter.adds, "c"), 1);
  EXPECT_EQ(counter.Get(counter.updates, "a"), 1);
  EXPECT_EQ(CachedNames(informer), (std::set<std::string>{"a", "c"}));
  auto updated = informer.Get("default", "a");
  ASSERT_TRUE(updated);
  EXPECT_EQ(Str(**updated, {"data", "v"}), "2");
  EXPECT_EQ(common::FindPath(**updated, {"metadata", "managedFields"}), nullptr);
  EXPECT_EQ(Str(**a, {"data", "v"}), "1");  // a snapshot handed out earlier never changes

  auto missing = informer.Get("default", "b");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(informer.last_resource_version().empty());
}

TEST_F(InformerTest, IndexesAndPagedLists) {
  for (int i = 0; i < 5; ++i) {
    auto pod = Pod("p" + std::to_string(i), i < 2 ? "node-a" : "node-b");
    pod["metadata"].as_object()["labels"] = Json(i % 2 == 0 ? R"({"app":"web"})" : R"({"app":"db"})");
    if (i == 4) {
      pod["metadata"].as_object()["ownerReferences"] =
          boost::json::parse(R"([{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"owner-uid-1"}])");
    }
    ASSERT_TRUE(client_->Create(kPods, "default", pod));
  }
  auto options = Fast(kPods, "");
  options.page_size = 2;
  Informer informer(client_, options);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  EXPECT_EQ(informer.stats().lists, 1u);
  EXPECT_EQ(informer.List()->size(), 5u);
  EXPECT_EQ(informer.List("default")->size(), 5u);
  EXPECT_EQ(informer.List("other")->size(), 0u);
  EXPECT_EQ(informer.ByIndex(IndexKind::kNodeName, "node-a")->size(), 2u);
  EXPECT_EQ(informer.ByIndex(IndexKind::kLabel, "app=web")->size(), 3u);
  auto owned = informer.ByIndex(IndexKind::kOwnerUid, "owner-uid-1");
  ASSERT_EQ(owned->size(), 1u);
  EXPECT_EQ(Str(*owned->front(), {"metadata", "name"}), "p4");

  // Index entries follow updates.
  ASSERT_TRUE(client_->Patch(kPods, "default", "p0", PatchType::kMerge, R"({"metadata":{"labels":{"app":"db"}}})"));
  EXPECT_TRUE(WaitFor([&] { return informer.ByIndex(IndexKind::kLabel, "app=web")->size() == 2u; }));
  EXPECT_EQ(informer.ByIndex(IndexKind::kLabel, "app=db")->size(), 3u);
}

TEST_F(InformerTest, HandlersMayReadTheCache) {
  Informer informer(client_, Fast(kConfigMaps));
  std::atomic<int> seen{0};
  informer.AddHandlers({.on_add = [&](const ObjectPtr& object) {
    if (informer.Get("default", Str(*object, {"metadata", "name"}))) ++seen;
  }});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("x")));
  EXPECT_TRUE(WaitFor([&] { return seen.load() == 1; }));
}

TEST_F(InformerTest, PeriodicResyncReportsEveryObject) {
  ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("x")));
  auto options = Fast(kConfigMaps);
  options.resync_period = 20ms;
  Informer informer(client_, options);
  Counter counter;
  informer.AddHandlers(counter.Handlers());
  informer.Start();
  EXPECT_TRUE(WaitFor([&] { return counter.Get(counter.updates, "x") >= 2; }));
}

// Outage tests: the informer reaches kubesim through a relay that can be cut.
class InformerOutageTest : public InformerTest {
 protected:
  std::shared_ptr<Client> ThroughRelay(testing::TcpRelay& relay) {
    Config config = config_;
    config.server = "https://127.0.0.1:" + std::to_string(relay.port());
    return std::make_shared<Client>(config, Options());
  }

  // Cuts the relay, changes the cluster with `writes` extra writes, restores the relay, and
  // checks the cache converges with each delete reported exactly once.
  void Outage(int writes) {
    for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap(name)));
    testing::TcpRelay relay(sim_.port());
    Informer informer(ThroughRelay(relay), Fast(kConfigMaps));
    Counter counter;
    informer.AddHandlers(counter.Handlers());
    informer.Start();
    ASSERT_TRUE(informer.WaitForSync(10s));
    const auto watches_before = informer.stats().watches;

    relay.SetDown(true);
    ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "a"));
    ASSERT_TRUE(client_->Patch(kConfigMaps, "default", "b", PatchType::kMerge, R"({"data":{"key":"changed"}})"));
    ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap("d")));
    for (int i = 0; i < writes; ++i) {
      ASSERT_TRUE(client_->Patch(kConfigMaps, "default", "c", PatchType::kMerge,
                                 R"({"data":{"n":")" + std::to_string(i) + R"("}})"));
    }
    // The informer keeps serving its last state while the server is unreachable.
    EXPECT_TRUE(informer.HasSynced());
    EXPECT_TRUE(informer.Get("default", "a"));
    relay.SetDown(false);

    ASSERT_TRUE(WaitFor([&] {
      auto b = informer.Get("default", "b");
      return CachedNames(informer) == std::set<std::string>{"b", "c", "d"} && b && Str(**b, {"data", "key"}) == "changed";
    }));
    EXPECT_EQ(counter.Get(counter.deletes, "a"), 1);
    EXPECT_EQ(counter.Total(counter.deletes), 1);
    EXPECT_EQ(counter.Get(counter.adds, "d"), 1);
    EXPECT_GT(informer.stats().watches, watches_before);

    // Later changes still arrive, and the delete of "a" is never reported again.
    ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "d"));
    ASSERT_TRUE(WaitFor([&] { return counter.Get(counter.deletes, "d") == 1; }));
    EXPECT_EQ(counter.Get(counter.deletes, "a"), 1);
    last_stats_ = informer.stats();
  }
  InformerStats last_stats_;
};

TEST_F(InformerOutageTest, ShortOutageResumesTheWatch) {
  Outage(0);
  EXPECT_EQ(last_stats_.lists, 1u);  // the server replayed what was missed: no re-list
  EXPECT_EQ(last_stats_.gone, 0u);
}

TEST_F(InformerOutageTest, LongOutageRelistsAfterGone) {
  Outage(80);  // more writes than kubesim keeps history for
  EXPECT_GE(last_stats_.gone, 1u);
  EXPECT_GE(last_stats_.lists, 2u);
}

TEST_F(InformerTest, TenThousandObjects) {
  for (int i = 0; i < 10'000; ++i) {
    auto created = sim_.CreateObject(ConfigMap("cm-" + std::to_string(i)));
    ASSERT_TRUE(kubesim::IsOk(created));
  }
  Informer informer(client_, Fast(kConfigMaps));
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(60s));
  EXPECT_EQ(informer.List()->size(), 10'000u);
  EXPECT_EQ(informer.stats().lists, 1u);
}

}  // namespace
}  // namespace airunway::kube
