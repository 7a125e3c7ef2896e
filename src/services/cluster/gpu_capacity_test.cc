#include "services/cluster/gpu_capacity.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>

namespace airunway::services::cluster {
namespace {

namespace json = boost::json;

kube::ObjectPtr Node(std::string name, json::value gpus, json::object labels = {}) {
  json::object node{{"metadata", {{"name", std::move(name)}, {"labels", std::move(labels)}}},
                    {"status", {{"allocatable", {{"cpu", "16"}}}}}};
  if (!gpus.is_null()) node["status"].as_object()["allocatable"].as_object()["nvidia.com/gpu"] = std::move(gpus);
  return std::make_shared<const json::object>(std::move(node));
}

kube::ObjectPtr Pod(std::string phase, json::object resources) {
  return std::make_shared<const json::object>(json::object{
      {"spec", {{"containers", json::array{json::object{{"name", "main"}, {"resources", std::move(resources)}}}}}},
      {"status", {{"phase", std::move(phase)}}}});
}

struct Pods {
  std::map<std::string, std::vector<kube::ObjectPtr>, std::less<>> by_node;
  PodsOnNode Fn() const {
    return [this](std::string_view node) {
      auto it = by_node.find(node);
      return it == by_node.end() ? std::vector<kube::ObjectPtr>{} : it->second;
    };
  }
};

TEST(GpuCapacityTest, CountsRunningAndPendingRequestsOnGpuNodes) {
  std::vector<kube::ObjectPtr> nodes{Node("cpu-1", nullptr), Node("gpu-a", "8"), Node("gpu-b", 4),
                                     Node("gpu-c", "0")};
  Pods pods;
  pods.by_node["gpu-a"] = {Pod("Running", {{"requests", {{"nvidia.com/gpu", "2"}}}}),
                           Pod("Pending", {{"limits", {{"nvidia.com/gpu", "1"}}}}),  // limit when no request
                           Pod("Succeeded", {{"requests", {{"nvidia.com/gpu", "4"}}}}),
                           Pod("Failed", {{"requests", {{"nvidia.com/gpu", "4"}}}})};
  pods.by_node["gpu-b"] = {Pod("Running", {{"requests", {{"nvidia.com/gpu", "4"}}}})};
  auto capacity = ComputeGpuCapacity(nodes, pods.Fn());
  auto out = GpuCapacityJson(capacity);
  EXPECT_EQ(json::serialize(out),
            R"({"totalGpus":12,"allocatedGpus":7,"availableGpus":5,"maxContiguousAvailable":5,"maxNodeGpuCapacity":8,)"
            R"("gpuNodeCount":2,"nodes":[{"nodeName":"gpu-a","totalGpus":8,"allocatedGpus":3,"availableGpus":5},)"
            R"({"nodeName":"gpu-b","totalGpus":4,"allocatedGpus":4,"availableGpus":0}]})");
}

TEST(GpuCapacityTest, OvercommittedNodeIsClampedButTheTotalIsNot) {
  Pods pods;
  pods.by_node["g"] = {Pod("Running", {{"requests", {{"nvidia.com/gpu", "3"}}}})};
  auto out = GpuCapacityJson(ComputeGpuCapacity({Node("g", "2")}, pods.Fn()));
  EXPECT_EQ(out.at("availableGpus"), -1);
  EXPECT_EQ(out.at("nodes").as_array()[0].at("availableGpus"), 0);
  EXPECT_EQ(out.at("maxContiguousAvailable"), 0);
}

TEST(GpuCapacityTest, MemoryFromTheMemoryLabelThenTheProductName) {
  EXPECT_EQ(NodeGpuMemoryGb(*Node("n", "1", {{"nvidia.com/gpu.memory", "81920"}})), 80);
  EXPECT_EQ(NodeGpuMemoryGb(*Node("n", "1", {{"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB"}})), 40);
  EXPECT_EQ(NodeGpuMemoryGb(*Node("n", "1", {{"nvidia.com/gpu.product", "NVIDIA-L40S"}})), 48);
  EXPECT_EQ(NodeGpuMemoryGb(*Node("n", "1", {{"nvidia.com/gpu.product", "Tesla-T4"}})), 16);
  EXPECT_EQ(NodeGpuMemoryGb(*Node("n", "1", {{"nvidia.com/gpu.product", "Mystery"}})), std::nullopt);
  EXPECT_EQ(NodeGpuMemoryGb(*Node("n", "1")), std::nullopt);
  // The first GPU node that tells gives the cluster's figure.
  auto capacity = ComputeGpuCapacity({Node("a", "1"), Node("b", "1", {{"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"}})},
                                     Pods{}.Fn());
  EXPECT_EQ(capacity.total_memory_gb, 80);
}

TEST(GpuCapacityTest, ModelFromProductThenInstanceTypeThenAccelerator) {
  EXPECT_EQ(NodeGpuModel(*Node("n", "1", {{"nvidia.com/gpu.product", "NVIDIA-L4"}})), "NVIDIA-L4");
  EXPECT_EQ(NodeGpuModel(*Node("n", "1", {{"node.kubernetes.io/instance-type", "p4d.24xlarge"}})), "A100-40GB");
  EXPECT_EQ(NodeGpuModel(*Node("n", "1", {{"beta.kubernetes.io/instance-type", "g6e.xlarge"}})), "L40S");
  // The reference named Azure A100 machines "A10" (it tested _a10 first); we do not.
  EXPECT_EQ(NodeGpuModel(*Node("n", "1", {{"node.kubernetes.io/instance-type", "Standard_NC24ads_A100_v4"}})),
            "A100-80GB");
  EXPECT_EQ(NodeGpuModel(*Node("n", "1", {{"node.kubernetes.io/instance-type", "Standard_NV36ads_A10_v5"}})), "A10");
  EXPECT_EQ(NodeGpuModel(*Node("n", "1", {{"accelerator", "nvidia-tesla-t4"}})), "nvidia-tesla-t4");
  EXPECT_EQ(NodeGpuModel(*Node("n", "1")), "");
}

TEST(GpuCapacityTest, DetailedGroupsGpuNodesByPool) {
  std::vector<kube::ObjectPtr> nodes{
      Node("a1", "8", {{"agentpool", "gpupool"}, {"nvidia.com/gpu.product", "NVIDIA-A100-SXM4-80GB"},
                       {"topology.kubernetes.io/region", "westeurope"}}),
      Node("c1", nullptr, {{"agentpool", "system"}}),
      Node("a2", "8", {{"agentpool", "gpupool"}, {"node.kubernetes.io/instance-type", "Standard_ND96asr_v4"}}),
      Node("g1", "1", {{"cloud.google.com/gke-nodepool", "l4-pool"}, {"node.kubernetes.io/instance-type", "g2-standard-8"}}),
      Node("x1", "2")};
  Pods pods;
  pods.by_node["a2"] = {Pod("Running", {{"requests", {{"nvidia.com/gpu", "6"}}}})};
  auto capacity = ComputeGpuCapacity(nodes, pods.Fn());
  auto out = DetailedGpuCapacityJson(capacity, nodes);
  EXPECT_EQ(json::serialize(out.at("nodePools")),
            R"([{"name":"gpupool","gpuCount":16,"nodeCount":2,"availableGpus":10,"gpuModel":"NVIDIA-A100-SXM4-80GB",)"
            R"("instanceType":"Standard_ND96asr_v4","region":"westeurope"},)"
            R"({"name":"l4-pool","gpuCount":1,"nodeCount":1,"availableGpus":1,"gpuModel":"L4","instanceType":"g2-standard-8"},)"
            R"({"name":"default","gpuCount":2,"nodeCount":1,"availableGpus":2}])");
  EXPECT_EQ(out.at("gpuNodeCount"), 4);
  EXPECT_EQ(out.at("totalMemoryGb"), 80);
}

TEST(GpuCapacityTest, FractionalOrMalformedCountsAreNotGpus) {
  EXPECT_EQ(NodeGpuCount(*Node("n", "1.5")), 0);
  EXPECT_EQ(NodeGpuCount(*Node("n", "abc")), 0);
  EXPECT_EQ(NodeGpuCount(*Node("n", -2)), 0);
  EXPECT_EQ(PodGpuRequest(*Pod("Running", {{"requests", {{"nvidia.com/gpu", "2"}}}, {"limits", {{"nvidia.com/gpu", "9"}}}})), 2);
}

TEST(GpuCapacityTest, EmptyAnswerHasEveryNumberZero) {
  EXPECT_EQ(json::serialize(EmptyGpuCapacityJson(false)),
            R"({"totalGpus":0,"allocatedGpus":0,"availableGpus":0,"maxContiguousAvailable":0,"maxNodeGpuCapacity":0,)"
            R"("gpuNodeCount":0,"nodes":[]})");
  EXPECT_TRUE(EmptyGpuCapacityJson(true).contains("nodePools"));
}

}  // namespace
}  // namespace airunway::services::cluster
