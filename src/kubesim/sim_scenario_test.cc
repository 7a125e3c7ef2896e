#include "kubesim/sim_scenario.h"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "kubesim/sim_objects.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using simjson::Str;

const json::object& Labels(const json::object& node) { return *simjson::Labels(node); }

TEST(SimScenarioTest, DemoHasGpuPoolsWithOperatorLabelsAndATaintedPool) {
  auto scenario = LoadScenario("demo");
  ASSERT_TRUE(scenario) << scenario.error().message;
  EXPECT_EQ(scenario->name, "demo");
  std::vector<json::object> nodes = scenario->Nodes();
  ASSERT_EQ(nodes.size(), 5u);

  const json::object& a100 = nodes[0];
  EXPECT_EQ(Str(Labels(a100), "nvidia.com/gpu.product"), "NVIDIA-A100-SXM4-80GB");
  EXPECT_EQ(Str(Labels(a100), "nvidia.com/gpu.count"), "8");
  EXPECT_EQ(Str(Labels(a100), "nvidia.com/gpu.memory"), "81920");
  EXPECT_EQ(Str(Labels(a100), "node.kubernetes.io/instance-type"), "Standard_ND96amsr_A100_v4");
  EXPECT_EQ(Str(Labels(a100), "topology.kubernetes.io/region"), "eastus");
  EXPECT_EQ(Str(Labels(a100), "kubernetes.azure.com/agentpool"), "gpua100");
  const json::object* status = simjson::Obj(a100, "status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(Str(*simjson::Obj(*status, "capacity"), "nvidia.com/gpu"), "8");
  EXPECT_EQ(Str(*simjson::Obj(*status, "allocatable"), "nvidia.com/gpu"), "8");
  const json::object* ready = simjson::Condition(a100, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(Str(*ready, "status"), "True");

  const json::object& h100 = nodes[2];
  EXPECT_EQ(Str(Labels(h100), "nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3");
  const json::array* taints = simjson::Arr(*simjson::Obj(h100, "spec"), "taints");
  ASSERT_NE(taints, nullptr);
  ASSERT_EQ(taints->size(), 1u);
  EXPECT_EQ(json::serialize((*taints)[0]), R"({"key":"nvidia.com/gpu","effect":"NoSchedule","value":"present"})");

  const json::object& cpu = nodes[4];
  EXPECT_FALSE(Labels(cpu).contains("nvidia.com/gpu.product"));
  EXPECT_FALSE(simjson::Obj(*simjson::Obj(cpu, "status"), "capacity")->contains("nvidia.com/gpu"));

  ASSERT_EQ(scenario->objects.size(), 1u);
  EXPECT_EQ(simjson::Name(scenario->objects[0]), "cluster-autoscaler-status");
  EXPECT_NE(scenario->FindFault(FaultType::kImagePullError, "default", "p", "vllm/vllm-openai:does-not-exist"), nullptr);
  EXPECT_EQ(scenario->FindFault(FaultType::kImagePullError, "default", "p", "vllm/vllm-openai:v0.8.5"), nullptr);
}

TEST(SimScenarioTest, BuiltinsParseAndLargeHasFiveThousandNodes) {
  for (const std::string& name : BuiltinScenarioNames()) {
    auto s = LoadScenario(name);
    EXPECT_TRUE(s) << name << ": " << (s ? "" : s.error().message);
  }
  auto large = LoadScenario("large");
  ASSERT_TRUE(large);
  int total = 0;
  for (const NodePool& p : large->node_pools) total += p.count;
  EXPECT_EQ(total, 5000);
  int pods = 0;
  for (const PodSet& set : large->pod_sets) pods += set.count;
  EXPECT_EQ(pods, 50000);
}

TEST(SimScenarioTest, ParsesPodSetsUsersAuthorizationAndApiFaults) {
  auto s = ParseScenario(R"(
nodePools: [{name: cpu, count: 2}]
podSets:
  - {name: web, namespace: shop, count: 3, nodePool: cpu, cpu: 250m}
  - {name: queued, count: 1, running: false}
users:
  - {name: alice, token: alice-token, groups: [ml-team, viewers], uid: "1001"}
authorization:
  rules:
    - {users: [alice], verbs: [get, list], apiGroups: [""], resources: [pods]}
apiFaults: {seed: 3, rules: [{verbs: [list], status: 429}]}
)");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->pod_sets.size(), 2u);
  EXPECT_EQ(s->pod_sets[0].ns, "shop");
  EXPECT_EQ(s->pod_sets[0].cpu, "250m");
  EXPECT_TRUE(s->pod_sets[0].running);
  EXPECT_FALSE(s->pod_sets[1].running);
  ASSERT_EQ(s->users.size(), 1u);
  EXPECT_EQ(s->users[0].token, "alice-token");
  EXPECT_EQ(s->users[0].groups, (std::vector<std::string>{"ml-team", "viewers"}));
  ASSERT_TRUE(s->authorization);
  EXPECT_FALSE(s->authorization->allow_all);
  ASSERT_EQ(s->authorization->rules.size(), 1u);
  EXPECT_EQ(s->api_faults.seed, 3u);
  ASSERT_EQ(s->api_faults.rules.size(), 1u);
  EXPECT_EQ(s->api_faults.rules[0].status, 429);

  auto no_token = ParseScenario("users: [{name: bob}]");
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().message, "scenario: users[0].token: required");
  auto bad_pool = ParseScenario("podSets: [{name: x, count: 1, nodePool: gpu}]");
  ASSERT_FALSE(bad_pool);
  EXPECT_EQ(bad_pool.error().message, "scenario: podSets[0].nodePool: no node pool named \"gpu\"");
  auto bad_policy = ParseScenario("authorization: {rules: [{users: [a], verbs: [get], resources: [pods], namespace: x}]}");
  ASSERT_FALSE(bad_policy);
  EXPECT_NE(bad_policy.error().message.find("scenario: authorization: "), std::string::npos) << bad_policy.error().message;
}

TEST(SimScenarioTest, ParsesTimingFaultsAndReportsBadKeys) {
  auto s = ParseScenario(R"(
name: t
timing: {pull: 250ms, ready: 2s, backoffBase: 5, logInterval: 0}
nodePools:
  - {name: p, count: 3, cpu: "4", memory: 16Gi, ready: false, resources: {example.com/fpga: "2"}}
faults:
  - {type: Crash, pod: "crash-*", exitCode: 137}
  - {type: NeverReady, image: "*:slow"}
)");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->timing.pull.count(), 250);
  EXPECT_EQ(s->timing.ready.count(), 2000);
  EXPECT_EQ(s->timing.backoff_base.count(), 5);
  EXPECT_EQ(s->timing.log_interval.count(), 0);
  ASSERT_EQ(s->faults.size(), 2u);
  EXPECT_EQ(s->faults[0].exit_code, 137);
  EXPECT_NE(s->FindFault(FaultType::kCrash, "ns", "crash-abc", "busybox"), nullptr);
  EXPECT_EQ(s->FindFault(FaultType::kCrash, "ns", "web-abc", "busybox"), nullptr);
  auto nodes = s->Nodes();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(Str(*simjson::Obj(*simjson::Obj(nodes[0], "status"), "capacity"), "example.com/fpga"), "2");
  EXPECT_EQ(Str(*simjson::Condition(nodes[0], "Ready"), "status"), "False");

  auto bad = ParseScenario("nodePools:\n  - {name: p, count: many}\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "scenario: nodePools[0].count: expected an integer");
  auto bad_fault = ParseScenario("faults: [{type: Explode}]\n");
  ASSERT_FALSE(bad_fault);
  EXPECT_EQ(bad_fault.error().message, "scenario: faults[0].type: must be ImagePullError, Crash or NeverReady");
  EXPECT_FALSE(ParseScenario("timing: {pull: soon}\n"));
  EXPECT_FALSE(ParseScenario("a: [\n"));
}

TEST(SimScenarioTest, UnknownTopLevelKeyIsRefusedByName) {
  auto parsed = ParseScenario("name: typo\nnodepools:\n- name: gpu\n");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("unknown top-level key \"nodepools\""), std::string::npos)
      << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("nodePools"), std::string::npos);
}

TEST(SimScenarioTest, LoadsFromAFileAndNamesUnknownScenarios) {
  std::string path = ::testing::TempDir() + "/sim_scenario_test.yaml";
  {
    std::ofstream out(path);
    out << "name: from-file\nnodePools: [{name: x, count: 2}]\n";
  }
  auto s = LoadScenario(path);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name, "from-file");
  EXPECT_EQ(s->Nodes().size(), 2u);
  std::remove(path.c_str());

  auto missing = LoadScenario("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "scenario \"nope\" is neither a built-in scenario (empty, demo, large) nor a readable file");
}

TEST(SimScenarioTest, YamlToJsonKeepsQuotedStringsAndTypesPlainScalars) {
  auto v = ScenarioYamlToJson("a: \"2\"\nb: 2\nc: true\nd: ~\ne: 1Gi\nf: 1.5\n");
  ASSERT_TRUE(v);
  EXPECT_EQ(json::serialize(*v), R"({"a":"2","b":2,"c":true,"d":null,"e":"1Gi","f":1.5E0})");
}

}  // namespace
}  // namespace airunway::kubesim
