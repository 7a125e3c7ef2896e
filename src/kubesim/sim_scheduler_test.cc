#include "kubesim/sim_scheduler.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "kubesim/sim_scenario.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

ObjectPtr Ptr(json::object o) { return std::make_shared<const json::object>(std::move(o)); }

NodePool GpuPool(std::string name, int count, bool tainted) {
  NodePool p;
  p.name = std::move(name);
  p.name_prefix = p.name + "-";
  p.count = count;
  p.cpu = "96";
  p.memory = "1800Gi";
  p.gpu = GpuSpec{"NVIDIA-A100-SXM4-80GB", 8, 81920, "ampere"};
  if (tainted) p.taints.push_back({"nvidia.com/gpu", "present", "NoSchedule"});
  return p;
}

std::vector<ObjectPtr> Nodes(const std::vector<NodePool>& pools) {
  std::vector<ObjectPtr> out;
  int global = 0;
  for (const NodePool& p : pools) {
    for (int i = 0; i < p.count; ++i) out.push_back(Ptr(MakeNode(p, i, global++)));
  }
  return out;
}

json::object Pod(const std::string& name, const std::string& extra_spec, const std::string& requests) {
  std::string text = R"({"metadata":{"name":")" + name + R"(","namespace":"default","uid":")" + name +
                     R"("},"spec":{)" + extra_spec + (extra_spec.empty() ? "" : ",") +
                     R"("containers":[{"name":"c","image":"x","resources":{"requests":)" + requests + "}}]}}";
  return json::parse(text).as_object();
}

TEST(SimSchedulerTest, ReportsWhyNoNodeFitsInTheRealFormat) {
  auto nodes = Nodes({GpuPool("a100", 2, false), GpuPool("h100", 1, true)});
  ScheduleDecision d = SchedulePod(Pod("big", "", R"({"nvidia.com/gpu":"16"})"), nodes, {});
  EXPECT_EQ(d.node, "");
  EXPECT_EQ(d.message,
            "0/3 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 2 Insufficient "
            "nvidia.com/gpu.");
  EXPECT_EQ(SchedulePod(Pod("x", "", "{}"), {}, {}).message, "0/0 nodes are available:");
}

TEST(SimSchedulerTest, TaintedNodeNeedsAToleration) {
  auto nodes = Nodes({GpuPool("h100", 1, true)});
  EXPECT_EQ(SchedulePod(Pod("p", "", R"({"nvidia.com/gpu":"1"})"), nodes, {}).node, "");
  ScheduleDecision d = SchedulePod(
      Pod("p", R"("tolerations":[{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}])",
          R"({"nvidia.com/gpu":"1"})"),
      nodes, {});
  EXPECT_EQ(d.node, "h100-000000");
  d = SchedulePod(Pod("p", R"("tolerations":[{"key":"nvidia.com/gpu","value":"other"}])", "{}"), nodes, {});
  EXPECT_EQ(d.node, "");
}

TEST(SimSchedulerTest, CountsWhatIsAlreadyBoundAndSpreads) {
  auto nodes = Nodes({GpuPool("a100", 2, false)});
  json::object bound = Pod("bound", R"("nodeName":"a100-000000")", R"({"nvidia.com/gpu":"6"})");
  ScheduleDecision d = SchedulePod(Pod("p", "", R"({"nvidia.com/gpu":"4"})"), nodes, {Ptr(bound)});
  EXPECT_EQ(d.node, "a100-000001");
  json::object bound2 = Pod("bound2", R"("nodeName":"a100-000001")", R"({"nvidia.com/gpu":"6"})");
  d = SchedulePod(Pod("p", "", R"({"nvidia.com/gpu":"4"})"), nodes, {Ptr(bound), Ptr(bound2)});
  EXPECT_EQ(d.message, "0/2 nodes are available: 2 Insufficient nvidia.com/gpu.");
  // Terminal pods no longer hold their resources.
  json::object done = bound2;
  done["status"] = json::object{{"phase", "Succeeded"}};
  EXPECT_EQ(SchedulePod(Pod("p", "", R"({"nvidia.com/gpu":"4"})"), nodes, {Ptr(bound), Ptr(done)}).node,
            "a100-000001");
}

TEST(SimSchedulerTest, ParsesQuantitiesAndListsSeveralShortfalls) {
  NodePool small;
  small.name = "cpu";
  small.name_prefix = "cpu-";
  small.cpu = "2";
  small.memory = "4Gi";
  auto nodes = Nodes({small});
  EXPECT_EQ(SchedulePod(Pod("p", "", R"({"cpu":"1500m","memory":"3Gi"})"), nodes, {}).node, "cpu-000000");
  EXPECT_EQ(SchedulePod(Pod("p", "", R"({"cpu":"2500m","memory":"5Gi"})"), nodes, {}).message,
            "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.");
}

TEST(SimSchedulerTest, HonoursNodeSelectorAffinityAndReadiness) {
  NodePool notready = GpuPool("down", 1, false);
  notready.ready = false;
  auto nodes = Nodes({GpuPool("a100", 1, false), notready});
  EXPECT_EQ(SchedulePod(Pod("p", R"("nodeSelector":{"kubernetes.azure.com/agentpool":"down"})", "{}"), nodes, {}).message,
            "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated "
            "taint {node.kubernetes.io/not-ready: }.");
  const std::string affinity =
      R"("affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[)"
      R"({"matchExpressions":[{"key":"nvidia.com/gpu.product","operator":"In","values":["NVIDIA-A100-SXM4-80GB"]}]}]}}})";
  EXPECT_EQ(SchedulePod(Pod("p", affinity, "{}"), nodes, {}).node, "a100-000000");
  const std::string no_match =
      R"("affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[)"
      R"({"matchExpressions":[{"key":"nvidia.com/gpu.product","operator":"In","values":["NVIDIA-H100"]}]}]}}})";
  EXPECT_EQ(SchedulePod(Pod("p", no_match, "{}"), nodes, {}).node, "");
}

TEST(SimSchedulerTest, PodRequestsUseLimitsWhenRequestsAreMissing) {
  json::object pod = json::parse(R"({"spec":{"containers":[
      {"name":"a","resources":{"limits":{"nvidia.com/gpu":"2"},"requests":{"cpu":"500m"}}},
      {"name":"b","resources":{"requests":{"cpu":"1"}}}],
    "initContainers":[{"name":"i","resources":{"requests":{"cpu":"4"}}}]}})").as_object();
  auto r = PodRequests(pod);
  EXPECT_EQ(r["nvidia.com/gpu"].milli, 2000);
  EXPECT_EQ(r["cpu"].milli, 4000);
}

}  // namespace
}  // namespace airunway::kubesim
