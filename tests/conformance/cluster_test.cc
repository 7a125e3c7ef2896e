// End-to-end tests of the simulated cluster (kubesim part 2) with the real kubectl: workload
// controllers, scheduler, kubelet, logs, the service proxy, API faults and the large scenario.
// The Simulator runs in-process so that a test can add a node or change faults at run time;
// the scenario uses millisecond delays so that the whole file stays fast.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <variant>

#include "kubesim/simulator.h"
#include "tests/conformance/kubectl_runner.h"

namespace airunway::conformance {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// One A100 node (8 GPUs) and one CPU node; a crash fault for pods named crasher*; a user who
// may only read pods; an API fault on config maps in namespace "flaky" — all from the file.
constexpr const char* kScenario = R"(
name: e2e
description: Conformance tests of the simulated cluster.
timing: {schedule: 0, pull: 20ms, create: 10ms, start: 10ms, ready: 400ms, backoffBase: 100ms,
         backoffMax: 400ms, crashAfter: 50ms, run: 1s, logInterval: 0}
nodePools:
  - name: gpua100
    count: 1
    cpu: "96"
    memory: 1800Gi
    gpu: {product: NVIDIA-A100-SXM4-80GB, count: 8, memory: 81920, family: ampere}
  - {name: system, count: 1, cpu: "8", memory: 32Gi}
faults:
  - {type: Crash, pod: "crasher*", exitCode: 137}
users:
  - {name: dave, token: dave-token, groups: [viewers]}
authorization:
  rules:
    - {users: [dave], verbs: [get, list, watch], apiGroups: [""], resources: [pods]}
    - {groups: [system:authenticated], verbs: [get], nonResourceURLs: [/api, /api/*, /apis, /apis/*, /version, /openapi/*]}
apiFaults:
  - {verbs: [list], resources: [configmaps], namespaces: [flaky], status: 500, message: "etcdserver: request timed out"}
)";

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KubectlAvailable()) {
      GTEST_SKIP() << "kubectl is not installed at " << kKubectlPath;
    }
    sim_ = std::make_unique<kubesim::Simulator>(kubesim::SimulatorOptions{
        .api = {.tls = true}, .scenario = files_.Write("scenario.yaml", kScenario)});
    auto started = sim_->Start();
    ASSERT_TRUE(started) << started.error().message;
    kubectl_ = std::make_unique<Kubectl>(files_.Write("kubeconfig", sim_->api().KubeconfigYaml()),
                                         files_.path() + "/cache");
  }
  void TearDown() override {
    if (sim_) sim_->Stop();
  }

  // kubectl get ... -o jsonpath=...
  std::string JsonPath(const std::vector<std::string>& what, const std::string& path) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), what.begin(), what.end());
    args.push_back("-o");
    args.push_back("jsonpath=" + path);
    auto result = kubectl_->Run(args);
    return result.exit_code == 0 ? result.out : "<" + result.Describe() + ">";
  }

  bool WaitForJsonPath(const std::vector<std::string>& what, const std::string& path, const std::string& want,
                       std::chrono::milliseconds timeout = 15s) {
    return WaitFor([&] { return JsonPath(what, path) == want; }, timeout);
  }

  KubectlResult Apply(const std::string& name, const std::string& manifest) {
    return kubectl_->Run({"apply", "-f", files_.Write(name, manifest)});
  }

  TempDir files_;
  std::unique_ptr<kubesim::Simulator> sim_;
  std::unique_ptr<Kubectl> kubectl_;
};

TEST_F(ClusterTest, DeploymentScalesFromZeroToThreeRunningReadyPods) {
  auto created = kubectl_->Run({"create", "deployment", "web", "--image=registry.example/web:1", "--replicas=0"});
  ASSERT_EQ(created.exit_code, 0) << created.Describe();
  auto scaled = kubectl_->Run({"scale", "deployment/web", "--replicas=3"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.Describe();
  EXPECT_EQ(scaled.out, "deployment.apps/web scaled\n");

  auto rollout = kubectl_->Run({"rollout", "status", "deployment/web", "--timeout=20s"}, 25s);
  ASSERT_EQ(rollout.exit_code, 0) << rollout.Describe();
  EXPECT_THAT(rollout.out, HasSubstr("deployment \"web\" successfully rolled out"));

  EXPECT_EQ(JsonPath({"deployment", "web"}, "{.status.readyReplicas}/{.status.availableReplicas}"), "3/3");
  EXPECT_EQ(JsonPath({"pods", "-l", "app=web"}, "{range .items[*]}{.status.phase} {.status.containerStatuses[0].ready}\n{end}"),
            "Running true\nRunning true\nRunning true\n");
  auto table = kubectl_->Run({"get", "pods", "-l", "app=web", "--no-headers"});
  ASSERT_EQ(table.exit_code, 0) << table.Describe();
  auto lines = Lines(table.out);
  ASSERT_EQ(lines.size(), 3u) << table.out;
  for (const auto& line : lines) {
    auto words = Words(line);
    ASSERT_GE(words.size(), 3u);
    EXPECT_EQ(words[1], "1/1") << line;
    EXPECT_EQ(words[2], "Running") << line;
  }
}

TEST_F(ClusterTest, GpuPodThatCannotFitWaitsForANewNode) {
  const std::string pod = R"(apiVersion: v1
kind: Pod
metadata: {name: NAME}
spec:
  containers:
    - name: main
      image: registry.example/trainer:1
      resources: {limits: {nvidia.com/gpu: "8"}}
)";
  auto first = Apply("a.yaml", std::regex_replace(pod, std::regex("NAME"), "trainer-a"));
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  ASSERT_TRUE(WaitForJsonPath({"pod", "trainer-a"}, "{.status.phase}", "Running"));

  auto second = Apply("b.yaml", std::regex_replace(pod, std::regex("NAME"), "trainer-b"));
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  const std::vector<std::string> events = {"events", "--field-selector",
                                           "reason=FailedScheduling,involvedObject.name=trainer-b"};
  ASSERT_TRUE(WaitFor([&] { return !JsonPath(events, "{.items[*].message}").empty(); }, 15s));
  EXPECT_EQ(JsonPath(events, "{.items[0].message}"), "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.");
  EXPECT_EQ(JsonPath({"pod", "trainer-b"}, "{.status.phase}"), "Pending");
  EXPECT_EQ(JsonPath({"pod", "trainer-b"}, "{.status.conditions[?(@.type==\"PodScheduled\")].reason}"),
            "Unschedulable");
  auto described = kubectl_->Run({"describe", "pod", "trainer-b"});
  EXPECT_THAT(described.out, HasSubstr("FailedScheduling"));

  // A second GPU node: the pending pod is scheduled onto it and starts.
  auto pool = sim_->cluster()->scenario()->node_pools.at(0);
  auto added = sim_->cluster()->AddNode(pool, 1);
  ASSERT_TRUE(std::holds_alternative<kubesim::ObjectPtr>(added));
  ASSERT_TRUE(WaitForJsonPath({"pod", "trainer-b"}, "{.status.phase}", "Running"));
  EXPECT_EQ(JsonPath({"pod", "trainer-b"}, "{.spec.nodeName}"),
            JsonPath({"nodes", "-l", "kubernetes.azure.com/agentpool=gpua100"}, "{.items[1].metadata.name}"));
}

TEST_F(ClusterTest, CrashLoopingPodShowsRestartsAndBackOff) {
  auto run = kubectl_->Run({"run", "crasher", "--image=registry.example/flaky:1"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  ASSERT_TRUE(WaitFor(
      [&] {
        std::string count = JsonPath({"pod", "crasher"}, "{.status.containerStatuses[0].restartCount}");
        return count.size() == 1 && count[0] >= '2' && count[0] <= '9';
      },
      15s));
  // The table shows the back-off at some point between restarts.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto table = kubectl_->Run({"get", "pod", "crasher", "--no-headers"});
        auto words = Words(table.out);
        return words.size() >= 4 && words[2] == "CrashLoopBackOff";
      },
      15s));
  EXPECT_EQ(JsonPath({"pod", "crasher"}, "{.status.containerStatuses[0].lastState.terminated.exitCode}"), "137");
  auto events = kubectl_->Run({"get", "events", "--field-selector", "involvedObject.name=crasher,reason=BackOff",
                               "-o", "jsonpath={.items[0].message}"});
  EXPECT_THAT(events.out, HasSubstr("Back-off restarting failed container crasher in pod crasher_default"));
}

TEST_F(ClusterTest, LogsFollowShowsVllmStartingUp) {
  auto run = kubectl_->Run({"run", "vllm", "--image=vllm/vllm-openai:v0.8.5", "--", "--model",
                            "Qwen/Qwen2.5-0.5B-Instruct"});
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  // Logs exist once the container has started; readiness follows 400 ms later.
  ASSERT_TRUE(WaitForJsonPath({"pod", "vllm"}, "{.status.phase}", "Running"));
  auto follower = kubectl_->Start({"logs", "-f", "vllm"});
  ASSERT_TRUE(follower->started());
  ASSERT_TRUE(follower->WaitForOutput("Starting to load model Qwen/Qwen2.5-0.5B-Instruct", 15s))
      << follower->Stdout() << follower->Stderr();
  auto out = follower->WaitForOutput("Application startup complete.", 15s);
  ASSERT_TRUE(out) << follower->Stdout() << follower->Stderr();
  EXPECT_THAT(*out, HasSubstr("GPU KV cache size"));
  EXPECT_THAT(*out, HasSubstr("Starting vLLM API server on http://0.0.0.0:8000"));
  EXPECT_FALSE(follower->Wait(0ms)) << "kubectl logs -f ended early: " << follower->Stderr();
  auto deleted = kubectl_->Run({"delete", "pod", "vllm", "--wait=false"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.Describe();
  EXPECT_TRUE(follower->Wait(15s));
}

TEST_F(ClusterTest, ServiceProxyServesVllmMetricsAndChatCompletions) {
  auto created = kubectl_->Run({"create", "deployment", "llm", "--image=vllm/vllm-openai:v0.8.5", "--port=8000",
                                "--", "vllm", "serve", "Qwen/Qwen2.5-0.5B-Instruct"});
  ASSERT_EQ(created.exit_code, 0) << created.Describe();
  auto exposed = kubectl_->Run({"expose", "deployment", "llm", "--port=8000"});
  ASSERT_EQ(exposed.exit_code, 0) << exposed.Describe();
  ASSERT_TRUE(WaitFor([&] { return !JsonPath({"endpoints", "llm"}, "{.subsets[0].addresses[0].ip}").empty(); }, 15s));

  const std::string base = "/api/v1/namespaces/default/services/llm:8000/proxy";
  auto metrics = kubectl_->Run({"get", "--raw", base + "/metrics"});
  ASSERT_EQ(metrics.exit_code, 0) << metrics.Describe();
  EXPECT_THAT(metrics.out, HasSubstr("vllm:num_requests_running"));
  EXPECT_THAT(metrics.out, HasSubstr("vllm:gpu_cache_usage_perc"));

  std::string body = files_.Write(
      "chat.json",
      R"({"model":"Qwen/Qwen2.5-0.5B-Instruct","messages":[{"role":"user","content":"Say hello"}],"max_tokens":16})");
  auto chat = kubectl_->Run({"create", "--raw", base + "/v1/chat/completions", "-f", body});
  ASSERT_EQ(chat.exit_code, 0) << chat.Describe();
  auto completion = boost::json::parse(chat.out).as_object();
  EXPECT_EQ(completion.at("object").as_string(), "chat.completion");
  EXPECT_EQ(completion.at("model").as_string(), "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(completion.at("choices").as_array().at(0).at("message").at("role").as_string(), "assistant");
}

TEST_F(ClusterTest, FaultInjectionReturnsTheConfiguredErrors) {
  // From the scenario file: a 500 on listing config maps in "flaky".
  auto flaky = kubectl_->Run({"get", "configmaps", "-n", "flaky"});
  EXPECT_EQ(flaky.exit_code, 1) << flaky.Describe();
  EXPECT_THAT(flaky.err, HasSubstr("Error from server (InternalError): etcdserver: request timed out"));
  EXPECT_EQ(kubectl_->Run({"get", "configmaps", "-n", "default"}).exit_code, 0);

  // At run time: a 503 on listing pods.
  kubesim::FaultRules rules = sim_->api().faults();
  rules.rules.push_back({.verbs = {"list"}, .resources = {"pods"}, .status = 503,
                         .message = "the simulated control plane is overloaded"});
  sim_->api().SetFaults(rules);
  auto pods = kubectl_->Run({"get", "pods"});
  EXPECT_EQ(pods.exit_code, 1) << pods.Describe();
  EXPECT_THAT(pods.err,
              HasSubstr("Error from server (ServiceUnavailable): the simulated control plane is overloaded"));
  sim_->api().SetFaults({});
  EXPECT_EQ(kubectl_->Run({"get", "pods"}).exit_code, 0);

  // An outage: the whole server goes away and comes back on the same port with its data.
  ASSERT_EQ(kubectl_->Run({"create", "configmap", "survivor", "--from-literal=a=b"}).exit_code, 0);
  sim_->api().Pause();
  auto down = kubectl_->Run({"get", "configmap", "survivor"}, 20s);
  EXPECT_NE(down.exit_code, 0) << down.Describe();
  EXPECT_THAT(down.err, HasSubstr("was refused"));
  ASSERT_TRUE(sim_->api().Resume());
  EXPECT_EQ(JsonPath({"configmap", "survivor"}, "{.data.a}"), "b");
}

TEST_F(ClusterTest, ScenarioUsersAndAuthorizationRules) {
  Kubectl dave(files_.Write("dave.kubeconfig", sim_->api().KubeconfigForToken("dave-token")),
               files_.path() + "/dave-cache");
  auto pods = dave.Run({"get", "pods"});
  EXPECT_EQ(pods.exit_code, 0) << pods.Describe();
  auto nodes = dave.Run({"get", "nodes"});
  EXPECT_EQ(nodes.exit_code, 1) << nodes.Describe();
  EXPECT_THAT(nodes.err, HasSubstr("nodes is forbidden: User \"dave\" cannot list resource \"nodes\" in API group "
                                   "\"\" at the cluster scope"));
}

TEST(LargeScenarioTest, LoadsFiveThousandNodesAndFiftyThousandPodsInUnder30Seconds) {
  if (!KubectlAvailable()) GTEST_SKIP() << "kubectl is not installed at " << kKubectlPath;
  TempDir files;
  auto start = std::chrono::steady_clock::now();
  kubesim::Simulator sim({.api = {.tls = true}, .scenario = "large"});
  auto started = sim.Start();
  ASSERT_TRUE(started) << started.error().message;
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[   INFO   ] large scenario (5,000 nodes, 50,000 pods) loaded in %.2f s\n", elapsed);
  EXPECT_LT(elapsed, 30.0);

  Kubectl kubectl(files.Write("kubeconfig", sim.api().KubeconfigYaml()), files.path() + "/cache");
  auto count = [&](const std::string& path) -> std::int64_t {
    auto result = kubectl.Run({"get", "--raw", path}, 30s);
    if (result.exit_code != 0) return -1;
    auto list = boost::json::parse(result.out).as_object();
    const auto& meta = list.at("metadata").as_object();
    std::int64_t remaining = meta.contains("remainingItemCount") ? meta.at("remainingItemCount").as_int64() : 0;
    return static_cast<std::int64_t>(list.at("items").as_array().size()) + remaining;
  };
  EXPECT_EQ(count("/api/v1/nodes?limit=1"), 5000);
  EXPECT_EQ(count("/api/v1/pods?limit=1"), 50000);
  auto running = kubectl.Run({"get", "pods", "-n", "scale", "--field-selector", "status.phase!=Running",
                              "--no-headers"}, 30s);
  EXPECT_EQ(running.exit_code, 0) << running.Describe();
  EXPECT_THAT(running.err, HasSubstr("No resources found in scale namespace."));
  sim.Stop();
}

}  // namespace
}  // namespace airunway::conformance
