#include "kube/informer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "kube/errors.h"
#include "kube/kubesim_fixture.h"

namespace airunway::kube {
namespace {

using common::ErrorCode;
using namespace testing;  // the kubesim fixture and its helpers
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

// Text storage keeps the JSON text and parses it on every read: the same answers, indexes and
// revisions as compact storage, managedFields left out, and a fresh snapshot per read.
TEST_F(InformerTest, TextStorageAnswersLikeCompactStorage) {
  for (int i = 0; i < 4; ++i) {
    auto pod = Pod("p" + std::to_string(i), i < 2 ? "node-a" : "node-b");
    pod["metadata"].as_object()["labels"] = Json(i % 2 == 0 ? R"({"app":"web"})" : R"({"app":"db"})");
    ASSERT_TRUE(client_->Create(kPods, "default", pod));
  }
  auto options = Fast(kPods, "");
  options.storage = ObjectStorage::kJsonText;
  Informer informer(client_, options);
  Counter counter;
  informer.AddHandlers(counter.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  EXPECT_EQ(counter.Total(counter.adds), 4);
  EXPECT_EQ(informer.List()->size(), 4u);
  EXPECT_EQ(informer.ByIndex(IndexKind::kNodeName, "node-a")->size(), 2u);
  EXPECT_EQ(informer.ByIndex(IndexKind::kLabel, "app=web")->size(), 2u);
  auto p0 = informer.Get("default", "p0");
  ASSERT_TRUE(p0);
  EXPECT_EQ(Str(**p0, {"spec", "nodeName"}), "node-a");
  EXPECT_EQ(common::FindPath(**p0, {"metadata", "managedFields"}), nullptr);
  const auto revision = informer.Revision("default");
  EXPECT_GT(revision, 0u);

  ASSERT_TRUE(client_->Patch(kPods, "default", "p0", PatchType::kMerge, R"({"metadata":{"labels":{"app":"db"}}})"));
  ASSERT_TRUE(WaitFor([&] { return informer.ByIndex(IndexKind::kLabel, "app=web")->size() == 1u; }));
  EXPECT_EQ(informer.ByIndex(IndexKind::kLabel, "app=db")->size(), 3u);
  EXPECT_EQ(counter.Get(counter.updates, "p0"), 1);
  EXPECT_GT(informer.Revision("default"), revision);
  EXPECT_EQ(informer.Revision("elsewhere"), 0u);
  EXPECT_EQ(Str(**p0, {"metadata", "labels", "app"}), "web");  // the earlier snapshot is unchanged

  ASSERT_TRUE(client_->Delete(kPods, "default", "p3"));
  ASSERT_TRUE(WaitFor([&] { return counter.Get(counter.deletes, "p3") == 1; }));
  EXPECT_EQ(informer.ByIndex(IndexKind::kNodeName, "node-b")->size(), 1u);
  EXPECT_FALSE(informer.Get("default", "p3"));
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

// Convergence: after outages, expired and dropped watches, the cache ends up equal to the
// server's state and every delete is reported exactly once.
class InformerConvergenceTest : public InformerTest {
 protected:
  void SetUp() override {
    InformerTest::SetUp();
    for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(client_->Create(kConfigMaps, "default", ConfigMap(name)));
  }
  void StartInformer(ObjectStorage storage = ObjectStorage::kCompactObject) {
    auto options = Fast(kConfigMaps);
    options.storage = storage;
    informer_ = std::make_unique<Informer>(client_, options);
    informer_->AddHandlers(counter_.Handlers());
    informer_->Start();
    ASSERT_TRUE(informer_->WaitForSync(10s));
  }
  // Deletes a, changes b, creates d and patches c `patches` times, through `write` (a
  // method, path, body and content type, answered by the live or the paused server).
  using Write = std::function<int(const std::string&, const std::string&, const std::string&, const std::string&)>;
  void ChangeTheCluster(const Write& write, int patches) {
    const std::string base = "/api/v1/namespaces/default/configmaps";
    const std::string merge = "application/merge-patch+json";
    EXPECT_EQ(write("DELETE", base + "/a", "", ""), 200);
    EXPECT_EQ(write("PATCH", base + "/b", R"({"data":{"key":"changed"}})", merge), 200);
    EXPECT_EQ(write("POST", base, boost::json::serialize(ConfigMap("d")), "application/json"), 201);
    for (int i = 0; i < patches; ++i) {
      EXPECT_EQ(write("PATCH", base + "/c", R"({"data":{"n":")" + std::to_string(i) + R"("}})", merge), 200);
    }
  }
  Write Direct() {
    return [this](const std::string& method, const std::string& path, const std::string& body,
                  const std::string& type) { return ServeDirect(method, path, body, type).status; };
  }
  Write OverHttp() {
    return [this](const std::string& method, const std::string& path, const std::string& body,
                  const std::string& type) -> int {
      auto response = client_->Do({.method = method, .path = path, .body = body, .content_type = type});
      return response ? static_cast<int>(response->status) : common::HttpStatusOf(response.error().code);
    };
  }
  // Waits until the cache holds b (changed), c (last patch `last_patch`) and d, then checks
  // what the handlers heard. Handlers run after the cache is updated, one at a time on the
  // informer's thread, so a later delete (of d) that has been reported is a barrier: every
  // call for the earlier changes has been made by then.
  void ExpectConverged(int last_patch) {
    ASSERT_TRUE(WaitFor([&] {
      auto b = informer_->Get("default", "b");
      auto c = informer_->Get("default", "c");
      return CachedNames(*informer_) == std::set<std::string>{"b", "c", "d"} && b &&
             Str(**b, {"data", "key"}) == "changed" && c && Str(**c, {"data", "n"}) == std::to_string(last_patch);
    })) << "cached: " << ::testing::PrintToString(CachedNames(*informer_));
    ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "d"));
    ASSERT_TRUE(WaitFor([&] { return counter_.Get(counter_.deletes, "d") == 1; }));
    EXPECT_EQ(counter_.Get(counter_.deletes, "a"), 1);
    EXPECT_EQ(counter_.Total(counter_.deletes), 2);  // a, then d: none lost, none repeated
    EXPECT_EQ(counter_.Get(counter_.adds, "d"), 1);
    EXPECT_EQ(counter_.Total(counter_.adds), 4);  // a, b, c from the first list, then d
    EXPECT_GE(counter_.Get(counter_.updates, "b"), 1);
    EXPECT_EQ(CachedNames(*informer_), (std::set<std::string>{"b", "c"}));
  }
  // Runs the informer with `rule` on configmap watches: once the fault has struck (counted by
  // `struck`) twice, changes the cluster, and after two more strikes checks convergence — so
  // changes land on open watches, between a fault and the recovery, and during recoveries.
  void ChangeUnderWatchFault(kubesim::FaultRule rule, std::uint64_t InformerStats::*struck) {
    rule.resources = {"configmaps"};
    sim_.SetFaults({.rules = {std::move(rule)}});
    StartInformer();
    ASSERT_TRUE(WaitFor([&] { return informer_->stats().*struck >= 2; }));
    const auto before = informer_->stats().*struck;
    ChangeTheCluster(OverHttp(), 5);
    ASSERT_TRUE(WaitFor([&] { return informer_->stats().*struck >= before + 2; }));
    ExpectConverged(4);
  }
  void TearDown() override {
    if (informer_) informer_->Stop();
    InformerTest::TearDown();
  }

  std::unique_ptr<Informer> informer_;
  Counter counter_;
};

TEST_F(InformerConvergenceTest, ShortOutageResumesTheWatch) {
  StartInformer();
  sim_.Pause();
  ChangeTheCluster(Direct(), 3);
  // The informer keeps serving its last state while the server is away.
  EXPECT_TRUE(informer_->HasSynced());
  EXPECT_TRUE(informer_->Get("default", "a"));
  auto resumed = sim_.Resume();
  ASSERT_TRUE(resumed) << resumed.error().message;
  ExpectConverged(2);
  EXPECT_EQ(informer_->stats().lists, 1u);  // kubesim replayed what was missed: no re-list
  EXPECT_EQ(informer_->stats().gone, 0u);
}

TEST_F(InformerConvergenceTest, LongOutageRelistsAfterGone) {
  StartInformer();
  sim_.Pause();
  ChangeTheCluster(Direct(), 80);  // more writes than kubesim keeps history for
  auto resumed = sim_.Resume();
  ASSERT_TRUE(resumed) << resumed.error().message;
  ExpectConverged(79);
  EXPECT_GE(informer_->stats().gone, 1u);
  EXPECT_GE(informer_->stats().lists, 2u);
}

// The same with text storage: the re-list compares stored texts, the handlers get parsed objects.
TEST_F(InformerConvergenceTest, TextStorageRelistsAfterGone) {
  StartInformer(ObjectStorage::kJsonText);
  sim_.Pause();
  ChangeTheCluster(Direct(), 80);
  auto resumed = sim_.Resume();
  ASSERT_TRUE(resumed) << resumed.error().message;
  ExpectConverged(79);
  EXPECT_GE(informer_->stats().lists, 2u);
}

TEST_F(InformerConvergenceTest, ExpiredWatchesRelistWithoutLosingOrRepeatingDeletes) {
  ChangeUnderWatchFault({.expire_watch_after = 100ms}, &InformerStats::gone);
  EXPECT_GE(informer_->stats().lists, 3u);
}

TEST_F(InformerConvergenceTest, DroppedWatchesResumeWithoutRelisting) {
  ChangeUnderWatchFault({.drop_watch_after = 50ms}, &InformerStats::watches);
  EXPECT_EQ(informer_->stats().lists, 1u);
  EXPECT_EQ(informer_->stats().gone, 0u);
}

TEST_F(InformerTest, TenThousandObjectsConvergeAfterAnOutage) {
  for (int i = 0; i < 10'000; ++i) {
    auto created = sim_.CreateObject(ConfigMap("cm-" + std::to_string(i)));
    ASSERT_TRUE(kubesim::IsOk(created));
  }
  Informer informer(client_, Fast(kConfigMaps));
  Counter counter;
  informer.AddHandlers(counter.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(30s));
  EXPECT_EQ(informer.List()->size(), 10'000u);
  EXPECT_EQ(counter.Total(counter.adds), 10'000);  // every key delivered before HasSynced
  EXPECT_EQ(informer.stats().lists, 1u);

  // While the server is away, every tenth object goes and every tenth other one changes:
  // far more than kubesim's history, so the informer must re-list 9,000 objects and report
  // the difference.
  sim_.Pause();
  for (int i = 0; i < 10'000; i += 10) {
    const std::string path = "/api/v1/namespaces/default/configmaps/cm-" + std::to_string(i);
    ASSERT_EQ(ServeDirect("DELETE", path).status, 200);
    ASSERT_EQ(ServeDirect("PATCH", "/api/v1/namespaces/default/configmaps/cm-" + std::to_string(i + 1),
                          R"({"data":{"key":"changed"}})", "application/merge-patch+json")
                  .status,
              200);
  }
  ASSERT_TRUE(sim_.Resume());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto changed = informer.Get("default", "cm-9991");
        return informer.List()->size() == 9'000u && changed && Str(**changed, {"data", "key"}) == "changed";
      },
      30s));
  // A later delete, once reported, is the barrier for the handler calls of the re-list.
  ASSERT_TRUE(client_->Delete(kConfigMaps, "default", "cm-9999"));
  ASSERT_TRUE(WaitFor([&] { return counter.Get(counter.deletes, "cm-9999") == 1; }));
  EXPECT_EQ(counter.Total(counter.deletes), 1'001);
  EXPECT_EQ(counter.Get(counter.deletes, "cm-0"), 1);
  EXPECT_EQ(counter.Get(counter.deletes, "cm-1"), 0);
  EXPECT_EQ(counter.Get(counter.updates, "cm-1"), 1);
  EXPECT_EQ(counter.Total(counter.adds), 10'000);  // nothing new appeared
  EXPECT_GE(informer.stats().gone, 1u);
}

}  // namespace
}  // namespace airunway::kube
