#include "kubesim/sim_cluster.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <set>

#include <condition_variable>
#include <functional>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using namespace simjson;

// Wakes on every store change and re-checks a condition until a deadline.
class StoreWaiter {
 public:
  explicit StoreWaiter(Store& store) : store_(store) {
    id_ = store_.AddListener([this](const ChangeEvent&) {
      std::lock_guard lock(mu_);
      ++changes_;
      cv_.notify_all();
    });
  }
  ~StoreWaiter() { store_.RemoveListener(id_); }

  bool Wait(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::uint64_t seen;
      {
        std::lock_guard lock(mu_);
        seen = changes_;
      }
      if (condition()) return true;
      std::unique_lock lock(mu_);
      // Log lines are not store changes: re-check at least every 20 ms as well.
      cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)),
                     [&] { return changes_ != seen; });
      if (std::chrono::steady_clock::now() >= deadline) {
        lock.unlock();
        return condition();
      }
    }
  }

 private:
  Store& store_;
  ListenerId id_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t changes_ = 0;
};

Scenario TestScenario() {
  Scenario s;
  s.name = "test";
  s.timing = SimTiming::Fast();
  NodePool a100;
  a100.name = "gpua100";
  a100.name_prefix = "a100-";
  a100.count = 2;
  a100.cpu = "96";
  a100.memory = "1800Gi";
  a100.gpu = GpuSpec{"NVIDIA-A100-SXM4-80GB", 8, 81920, "ampere"};
  NodePool h100 = a100;
  h100.name = "gpuh100";
  h100.name_prefix = "h100-";
  h100.count = 1;
  h100.taints.push_back({"nvidia.com/gpu", "present", "NoSchedule"});
  s.node_pools = {a100, h100};
  return s;
}

class SimClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    res_ = SimResources::Builtin();
    cluster_ = std::make_unique<SimulatedCluster>(store_, logs_, TestScenario());
    ASSERT_TRUE(cluster_->Start());
  }
  void TearDown() override { cluster_->Stop(); }

  ObjectPtr Create(const StoreResource& r, const std::string& text) {
    auto created = store_.Create(r, "default", json::parse(text).as_object());
    EXPECT_TRUE(IsOk(created)) << (IsOk(created) ? "" : std::get<ApiStatus>(created).message);
    return IsOk(created) ? std::get<ObjectPtr>(created) : nullptr;
  }
  ObjectPtr Get(const StoreResource& r, const std::string& name) {
    auto got = store_.Get(r, "default", name);
    return IsOk(got) ? std::get<ObjectPtr>(got) : nullptr;
  }
  std::vector<ObjectPtr> List(const StoreResource& r, const std::string& selector = "") {
    ListOptions o;
    o.label_selector = selector;
    auto listed = store_.List(r, "default", o);
    return IsOk(listed) ? std::get<ListResult>(listed).items : std::vector<ObjectPtr>{};
  }
  std::int64_t StatusInt(const ObjectPtr& o, std::string_view key) {
    const json::object* status = o ? Obj(*o, "status") : nullptr;
    return status ? Int(*status, key, 0) : -1;
  }
  std::vector<std::string> EventReasons(const std::string& involved_name) {
    std::vector<std::string> out;
    for (const ObjectPtr& e : List(res_.events)) {
      if (Str(*Obj(*e, "involvedObject"), "name") == involved_name) out.push_back(Str(*e, "reason"));
    }
    return out;
  }
  const json::object* FirstContainerStatus(const ObjectPtr& pod) {
    const json::object* status = pod ? Obj(*pod, "status") : nullptr;
    const json::array* cs = status ? Arr(*status, "containerStatuses") : nullptr;
    return cs && !cs->empty() ? &(*cs)[0].get_object() : nullptr;
  }

  Store store_;
  LogBuffers logs_;
  SimResources res_;
  std::unique_ptr<SimulatedCluster> cluster_;
  StoreWaiter waiter_{store_};
};

const char* kDeployment = R"({"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"web","namespace":"default"},
  "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
    "template":{"metadata":{"labels":{"app":"web"}},
      "spec":{"containers":[{"name":"vllm","image":"vllm/vllm-openai:v0.8.5",
        "args":["--model","Qwen/Qwen2.5-0.5B-Instruct"],"ports":[{"name":"http","containerPort":8000}]}]}}}})";

TEST_F(SimClusterTest, DeploymentGetsAReplicaSetAndRunningReadyPods) {
  Create(res_.deployments, kDeployment);
  ASSERT_TRUE(waiter_.Wait([&] {
    ObjectPtr d = Get(res_.deployments, "web");
    return StatusInt(d, "readyReplicas") == 2 && StatusInt(d, "availableReplicas") == 2 &&
           StatusInt(d, "updatedReplicas") == 2 && StatusInt(d, "replicas") == 2;
  }));
  ObjectPtr d = Get(res_.deployments, "web");
  EXPECT_EQ(StatusInt(d, "observedGeneration"), 1);
  EXPECT_EQ(Str(*Condition(*d, "Available"), "status"), "True");
  EXPECT_EQ(Str(*Condition(*d, "Available"), "reason"), "MinimumReplicasAvailable");
  ASSERT_TRUE(waiter_.Wait([&] {
    const json::object* p = Condition(*Get(res_.deployments, "web"), "Progressing");
    return p && Str(*p, "reason") == "NewReplicaSetAvailable";
  }));

  auto sets = List(res_.replicasets);
  ASSERT_EQ(sets.size(), 1u);
  const std::string hash = Str(*Labels(*sets[0]), "pod-template-hash");
  EXPECT_EQ(Name(*sets[0]), "web-" + hash);
  EXPECT_EQ(ControllerUid(*sets[0], "Deployment"), Uid(*d));

  auto pods = List(res_.pods, "app=web");
  ASSERT_EQ(pods.size(), 2u);
  for (const ObjectPtr& pod : pods) {
    EXPECT_EQ(ControllerUid(*pod, "ReplicaSet"), Uid(*sets[0]));
    EXPECT_EQ(Str(*Labels(*pod), "pod-template-hash"), hash);
    EXPECT_EQ(PodPhase(*pod), "Running");
    EXPECT_TRUE(PodReady(*pod));
    EXPECT_FALSE(Str(*Obj(*pod, "status"), "podIP").empty());
    EXPECT_EQ(Str(*Obj(*pod, "spec"), "nodeName").rfind("a100-", 0), 0u);  // never the tainted node
    const json::object* cs = FirstContainerStatus(pod);
    ASSERT_NE(cs, nullptr);
    EXPECT_TRUE(cs->at("ready").as_bool());
    EXPECT_TRUE(cs->at("started").as_bool());
    EXPECT_EQ(cs->at("restartCount").as_int64(), 0);
    EXPECT_TRUE(cs->at("state").as_object().contains("running"));
    auto reasons = EventReasons(Name(*pod));
    for (const char* r : {"Scheduled", "Pulling", "Pulled", "Created", "Started"}) {
      EXPECT_NE(std::find(reasons.begin(), reasons.end(), r), reasons.end()) << r;
    }
    auto log = logs_.Read("default", Name(*pod), "vllm", {});
    ASSERT_TRUE(log.has_value());
    EXPECT_NE(log->find("Qwen/Qwen2.5-0.5B-Instruct"), std::string::npos);
    EXPECT_NE(log->find("Application startup complete."), std::string::npos);
  }
  auto rs_events = EventReasons(Name(*sets[0]));
  EXPECT_EQ(std::count(rs_events.begin(), rs_events.end(), "SuccessfulCreate"), 2);
  auto deployment_events = EventReasons("web");
  EXPECT_NE(std::find(deployment_events.begin(), deployment_events.end(), "ScalingReplicaSet"),
            deployment_events.end());

  // Scale to zero: the pods go, and their logs with them.
  const std::string gone = Name(*pods[0]);
  store_.Mutate(res_.deployments, "default", "web", [](const json::object& cur) -> ApiResult<json::object> {
    json::object next = cur;
    next["spec"].as_object()["replicas"] = 0;
    return next;
  });
  ASSERT_TRUE(waiter_.Wait([&] {
    ObjectPtr dep = Get(res_.deployments, "web");
    return List(res_.pods, "app=web").empty() && !Obj(*dep, "status")->contains("replicas") &&
           StatusInt(dep, "observedGeneration") == 2;
  }));
  ASSERT_TRUE(waiter_.Wait([&] { return !logs_.Read("default", gone, "vllm", {}).has_value(); }));
}

TEST_F(SimClusterTest, TemplateChangeRollsToANewReplicaSet) {
  Create(res_.deployments, kDeployment);
  ASSERT_TRUE(waiter_.Wait([&] { return StatusInt(Get(res_.deployments, "web"), "availableReplicas") == 2; }));
  const std::string old_rs = Name(*List(res_.replicasets)[0]);
  store_.Mutate(res_.deployments, "default", "web", [](const json::object& cur) -> ApiResult<json::object> {
    json::object next = cur;
    next["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array()[0].as_object()["image"] =
        "vllm/vllm-openai:v0.9.0";
    return next;
  });
  ASSERT_TRUE(waiter_.Wait([&] {
    ObjectPtr d = Get(res_.deployments, "web");
    const json::object* p = Condition(*d, "Progressing");
    return StatusInt(d, "observedGeneration") == 2 && StatusInt(d, "updatedReplicas") == 2 &&
           StatusInt(d, "availableReplicas") == 2 && StatusInt(d, "replicas") == 2 && p &&
           Str(*p, "reason") == "NewReplicaSetAvailable";
  }));
  auto sets = List(res_.replicasets);
  ASSERT_EQ(sets.size(), 2u);
  for (const ObjectPtr& rs : sets) {
    const bool is_old = Name(*rs) == old_rs;
    EXPECT_EQ(rs->at("spec").at("replicas").as_int64(), is_old ? 0 : 2) << Name(*rs);
    EXPECT_EQ(Str(*Obj(Meta(*rs), "annotations"), "deployment.kubernetes.io/revision"), is_old ? "1" : "2");
  }
  for (const ObjectPtr& pod : List(res_.pods, "app=web")) {
    EXPECT_EQ(pod->at("spec").at("containers").at(0).at("image").as_string(), "vllm/vllm-openai:v0.9.0");
  }
}

TEST_F(SimClusterTest, UnschedulableGpuPodGetsTheRealMessageAndRunsOnceANodeIsAdded) {
  Create(res_.pods, R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"big"},
    "spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"nvidia.com/gpu":"16"}}}]}})");
  const std::string expected =
      "0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 2 Insufficient "
      "nvidia.com/gpu.";
  ASSERT_TRUE(waiter_.Wait([&] {
    const json::object* c = Condition(*Get(res_.pods, "big"), "PodScheduled");
    return c && Str(*c, "status") == "False";
  }));
  ObjectPtr pod = Get(res_.pods, "big");
  const json::object* scheduled = Condition(*pod, "PodScheduled");
  EXPECT_EQ(Str(*scheduled, "reason"), "Unschedulable");
  EXPECT_EQ(Str(*scheduled, "message"), expected);
  EXPECT_EQ(PodPhase(*pod), "Pending");
  ASSERT_TRUE(waiter_.Wait([&] {
    for (const ObjectPtr& e : List(res_.events)) {
      if (Str(*e, "reason") == "FailedScheduling" && Str(*e, "message") == expected && Str(*e, "type") == "Warning" &&
          Str(*Obj(*e, "involvedObject"), "name") == "big" && Str(*Obj(*e, "source"), "component") == "default-scheduler") {
        return true;
      }
    }
    return false;
  }));

  NodePool huge;
  huge.name = "gpuhuge";
  huge.name_prefix = "huge-";
  huge.gpu = GpuSpec{"NVIDIA-H200", 16, 143771, "hopper"};
  ASSERT_TRUE(IsOk(cluster_->AddNode(huge, 0)));
  ASSERT_TRUE(waiter_.Wait([&] {
    ObjectPtr p = Get(res_.pods, "big");
    return PodPhase(*p) == "Running" && PodReady(*p);
  }));
  EXPECT_EQ(Str(*Obj(*Get(res_.pods, "big"), "spec"), "nodeName"), "huge-000000");
}

// The scheduler keeps each node's usage from store events: what it bound itself counts at
// once, and a deleted pod gives its GPUs back to the pod that was waiting for them.
TEST_F(SimClusterTest, SchedulerCountsBoundPodsAndReusesFreedRoom) {
  auto gpu_pod = [&](const std::string& name) {
    Create(res_.pods, R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"("},
      "spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"nvidia.com/gpu":"8"}}}]}})");
  };
  auto node_of = [&](const std::string& name) { return Str(*Obj(*Get(res_.pods, name), "spec"), "nodeName"); };
  gpu_pod("first");
  gpu_pod("second");
  ASSERT_TRUE(waiter_.Wait([&] { return !node_of("first").empty() && !node_of("second").empty(); }));
  EXPECT_NE(node_of("first"), node_of("second"));  // eight GPUs each: one node apiece

  gpu_pod("third");
  ASSERT_TRUE(waiter_.Wait([&] {
    const json::object* c = Condition(*Get(res_.pods, "third"), "PodScheduled");
    return c && Str(*c, "status") == "False";
  }));
  EXPECT_EQ(Str(*Condition(*Get(res_.pods, "third"), "PodScheduled"), "message"),
            "0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 2 Insufficient "
            "nvidia.com/gpu.");

  const std::string freed = node_of("first");
  ASSERT_TRUE(IsOk(store_.Delete(res_.pods, "default", "first")));
  ASSERT_TRUE(waiter_.Wait([&] { return node_of("third") == freed; }));
}

TEST_F(SimClusterTest, TaintedNodeAcceptsPodsThatTolerateIt) {
  // Both A100 nodes are full, so only the tainted H100 node has room.
  for (int i = 0; i < 2; ++i) {
    Create(res_.pods, R"({"metadata":{"name":"fill-)" + std::to_string(i) +
                          R"("},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"nvidia.com/gpu":"8"}}}]}})");
  }
  ASSERT_TRUE(waiter_.Wait([&] { return PodReady(*Get(res_.pods, "fill-0")) && PodReady(*Get(res_.pods, "fill-1")); }));
  Create(res_.pods, R"({"metadata":{"name":"tolerant"},"spec":{
    "tolerations":[{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}],
    "containers":[{"name":"c","image":"x","resources":{"limits":{"nvidia.com/gpu":"8"}}}]}})");
  ASSERT_TRUE(waiter_.Wait([&] { return PodReady(*Get(res_.pods, "tolerant")); }));
  EXPECT_EQ(Str(*Obj(*Get(res_.pods, "tolerant"), "spec"), "nodeName"), "h100-000000");
}

TEST_F(SimClusterTest, ImagePullFailureAlternatesErrImagePullAndImagePullBackOff) {
  Fault f;
  f.type = FaultType::kImagePullError;
  f.image = "*:does-not-exist";
  cluster_->AddFault(f);
  Create(res_.pods, R"({"metadata":{"name":"bad"},"spec":{"containers":[{"name":"c","image":"busybox:does-not-exist"}]}})");
  bool saw_err = false, saw_backoff = false;
  ASSERT_TRUE(waiter_.Wait([&] {
    const json::object* cs = FirstContainerStatus(Get(res_.pods, "bad"));
    if (!cs) return false;
    const json::object* waiting = Obj(*Obj(*cs, "state"), "waiting");
    if (waiting && Str(*waiting, "reason") == "ErrImagePull") saw_err = true;
    if (waiting && Str(*waiting, "reason") == "ImagePullBackOff") saw_backoff = true;
    return saw_err && saw_backoff;
  }));
  ObjectPtr pod = Get(res_.pods, "bad");
  EXPECT_EQ(PodPhase(*pod), "Pending");
  EXPECT_FALSE(PodReady(*pod));
  bool failed_event = false;
  for (const ObjectPtr& e : List(res_.events)) {
    if (Str(*e, "reason") == "Failed" && Str(*e, "message").rfind("Failed to pull image \"busybox:does-not-exist\": ", 0) == 0) {
      failed_event = true;
    }
  }
  EXPECT_TRUE(failed_event);
}

TEST_F(SimClusterTest, CrashingContainerLoopsWithRestartsAndBackOff) {
  Fault f;
  f.type = FaultType::kCrash;
  f.pod = "crash*";
  f.exit_code = 3;
  cluster_->AddFault(f);
  Create(res_.pods, R"({"metadata":{"name":"crash"},"spec":{"containers":[{"name":"c","image":"busybox"}]}})");
  ASSERT_TRUE(waiter_.Wait([&] {
    const json::object* cs = FirstContainerStatus(Get(res_.pods, "crash"));
    if (!cs || Int(*cs, "restartCount", 0) < 2) return false;
    const json::object* waiting = Obj(*Obj(*cs, "state"), "waiting");
    return waiting && Str(*waiting, "reason") == "CrashLoopBackOff";
  }));
  ObjectPtr pod = Get(res_.pods, "crash");
  EXPECT_EQ(PodPhase(*pod), "Running");
  EXPECT_FALSE(PodReady(*pod));
  const json::object* cs = FirstContainerStatus(pod);
  const json::object* last = ObjAt(*cs, {"lastState", "terminated"});
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(Int(*last, "exitCode", 0), 3);
  EXPECT_EQ(Str(*last, "reason"), "Error");
  EXPECT_NE(Str(*ObjAt(*cs, {"state", "waiting"}), "message").find("restarting failed container=c pod=crash_default("),
            std::string::npos);
  auto reasons = EventReasons("crash");
  EXPECT_NE(std::find(reasons.begin(), reasons.end(), "BackOff"), reasons.end());
}

TEST_F(SimClusterTest, EndpointsFollowReadiness) {
  Fault never;
  never.type = FaultType::kNeverReady;
  never.pod = "slow";
  cluster_->AddFault(never);
  Create(res_.services, R"({"metadata":{"name":"svc"},"spec":{"selector":{"app":"m"},
    "ports":[{"name":"http","port":80,"targetPort":"http"}]}})");
  Create(res_.pods, R"({"metadata":{"name":"fast","labels":{"app":"m"}},"spec":{"containers":[{"name":"c","image":"x",
    "ports":[{"name":"http","containerPort":8000}]}]}})");
  Create(res_.pods, R"({"metadata":{"name":"slow","labels":{"app":"m"}},"spec":{"containers":[{"name":"c","image":"x",
    "ports":[{"name":"http","containerPort":8000}]}]}})");
  auto count = [&](const char* key) -> std::size_t {
    ObjectPtr ep = Get(res_.endpoints, "svc");
    const json::array* subsets = ep ? Arr(*ep, "subsets") : nullptr;
    if (!subsets || subsets->empty()) return 0;
    const json::array* a = Arr(subsets->at(0).as_object(), key);
    return a ? a->size() : 0;
  };
  ASSERT_TRUE(waiter_.Wait([&] { return count("addresses") == 1 && count("notReadyAddresses") == 1; }));
  ObjectPtr ep = Get(res_.endpoints, "svc");
  const json::object& subset = ep->at("subsets").at(0).as_object();
  EXPECT_EQ(subset.at("addresses").at(0).at("targetRef").at("name").as_string(), "fast");
  EXPECT_EQ(subset.at("ports").at(0).at("port").as_int64(), 8000);
  EXPECT_EQ(subset.at("ports").at(0).at("name").as_string(), "http");
  ASSERT_TRUE(waiter_.Wait([&] {
    auto reasons = EventReasons("slow");
    return std::find(reasons.begin(), reasons.end(), "Unhealthy") != reasons.end();
  }));
  EXPECT_FALSE(PodReady(*Get(res_.pods, "slow")));

  store_.Delete(res_.pods, "default", "fast");
  ASSERT_TRUE(waiter_.Wait([&] { return count("addresses") == 0 && count("notReadyAddresses") == 1; }));
}

TEST_F(SimClusterTest, StatefulSetCreatesOrderedPodsAndJobRunsToCompletion) {
  Create(res_.statefulsets, R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},
    "spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
      "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})");
  Create(res_.jobs, R"({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},
    "spec":{"completions":2,"parallelism":1,"template":{"metadata":{"labels":{"app":"once"}},
      "spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}})");
  ASSERT_TRUE(waiter_.Wait([&] { return StatusInt(Get(res_.statefulsets, "db"), "readyReplicas") == 3; }));
  for (const char* name : {"db-0", "db-1", "db-2"}) {
    ObjectPtr pod = Get(res_.pods, name);
    ASSERT_NE(pod, nullptr) << name;
    EXPECT_EQ(Str(*Obj(*pod, "spec"), "hostname"), name);
  }
  ASSERT_TRUE(waiter_.Wait([&] {
    const json::object* c = Condition(*Get(res_.jobs, "once"), "Complete");
    return c && Str(*c, "status") == "True";
  }));
  EXPECT_EQ(StatusInt(Get(res_.jobs, "once"), "succeeded"), 2);
}

TEST_F(SimClusterTest, StatefulSetScalesDownFromTheHighestOrdinal) {
  Create(res_.statefulsets, R"({"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},
    "spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
      "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})");
  ASSERT_TRUE(waiter_.Wait([&] { return StatusInt(Get(res_.statefulsets, "db"), "readyReplicas") == 3; }));
  auto scaled = store_.Mutate(res_.statefulsets, "default", "db", [](const json::object& current) -> ApiResult<json::object> {
    json::object next = current;
    next["spec"].as_object()["replicas"] = 1;
    return next;
  });
  ASSERT_TRUE(IsOk(scaled));
  ASSERT_TRUE(waiter_.Wait([&] { return Get(res_.pods, "db-1") == nullptr && Get(res_.pods, "db-2") == nullptr; }));
  EXPECT_NE(Get(res_.pods, "db-0"), nullptr);
  ASSERT_TRUE(waiter_.Wait([&] { return StatusInt(Get(res_.statefulsets, "db"), "replicas") == 1; }));
  auto reasons = EventReasons("db");
  EXPECT_GE(std::count(reasons.begin(), reasons.end(), "SuccessfulDelete"), 2);
}

TEST_F(SimClusterTest, DaemonSetFollowsNodesComingAndGoing) {
  Create(res_.daemonsets, R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent"},
    "spec":{"selector":{"matchLabels":{"app":"agent"}},
      "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})");
  auto nodes_with_agent = [&] {
    std::set<std::string> nodes;
    for (const ObjectPtr& pod : List(res_.pods, "app=agent")) {
      if (!BeingDeleted(*pod)) nodes.insert(Str(*Obj(*pod, "spec"), "nodeName"));
    }
    return nodes;
  };
  // The two A100 nodes; the H100 node's GPU taint is not tolerated.
  ASSERT_TRUE(waiter_.Wait([&] { return nodes_with_agent() == std::set<std::string>{"a100-000000", "a100-000001"}; }))
      << ::testing::PrintToString(nodes_with_agent());

  NodePool cpu;
  cpu.name = "cpu";
  cpu.name_prefix = "cpu-";
  ASSERT_TRUE(IsOk(cluster_->AddNode(cpu, 0)));
  ASSERT_TRUE(waiter_.Wait([&] { return nodes_with_agent().contains("cpu-000000"); }));

  ASSERT_TRUE(IsOk(store_.Delete(res_.nodes, "", "a100-000001")));
  ASSERT_TRUE(waiter_.Wait([&] {
    return nodes_with_agent() == std::set<std::string>{"a100-000000", "cpu-000000"};
  })) << ::testing::PrintToString(nodes_with_agent());
}

TEST_F(SimClusterTest, ControllersCanBeSwitchedOff) {
  ASSERT_TRUE(cluster_->SetControllerEnabled("scheduler", false));
  EXPECT_FALSE(cluster_->ControllerEnabled("scheduler"));
  EXPECT_FALSE(cluster_->SetControllerEnabled("nope", true));
  Create(res_.pods, R"({"metadata":{"name":"waits"},"spec":{"containers":[{"name":"c","image":"x"}]}})");
  ASSERT_TRUE(cluster_->SetControllerEnabled("scheduler", true));
  ASSERT_TRUE(waiter_.Wait([&] { return PodReady(*Get(res_.pods, "waits")); }));
}

TEST(SimClusterPodSetTest, SeededRunningPodsAreAdoptedAndPendingOnesScheduled) {
  Store store;
  LogBuffers logs;
  Scenario scenario = TestScenario();
  PodSet running;
  running.name = "batch";
  running.ns = "scale";
  running.count = 5;
  running.node_pool = "gpua100";
  PodSet pending = running;
  pending.name = "queued";
  pending.count = 1;
  pending.running = false;
  scenario.pod_sets = {running, pending};
  SimulatedCluster cluster(store, logs, scenario);
  StoreWaiter waiter(store);
  ASSERT_TRUE(cluster.Start());
  SimResources res = SimResources::Builtin();

  auto get = [&](const std::string& name) {
    auto got = store.Get(res.pods, "scale", name);
    return IsOk(got) ? std::get<ObjectPtr>(got) : nullptr;
  };
  ObjectPtr first = get("batch-00000");
  ASSERT_TRUE(first);
  EXPECT_EQ(Str(*Obj(*first, "spec"), "nodeName"), "a100-000000");
  EXPECT_EQ(Str(*Obj(*first, "status"), "phase"), "Running");
  EXPECT_EQ(Str(*Obj(*get("batch-00001"), "spec"), "nodeName"), "a100-000001");
  // The pending pod goes through the scheduler and kubelet as usual.
  EXPECT_TRUE(waiter.Wait([&] {
    ObjectPtr pod = get("queued-00000");
    const json::object* status = pod ? Obj(*pod, "status") : nullptr;
    return status && Str(*status, "phase") == "Running";
  }));
  // Adopted pods were not restarted: no status rewrite, no Pulling events.
  EXPECT_EQ(Str(*Obj(*get("batch-00000"), "metadata"), "resourceVersion"),
            Str(*Obj(*first, "metadata"), "resourceVersion"));
  auto events = store.List(res.events, "scale");
  ASSERT_TRUE(IsOk(events));
  for (const ObjectPtr& e : std::get<ListResult>(events).items) {
    EXPECT_EQ(Str(*Obj(*e, "involvedObject"), "name"), "queued-00000");
  }
  cluster.Stop();
}

}  // namespace
}  // namespace airunway::kubesim
