#include "services/deployments/status.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace airunway::services::deployments {
namespace {

namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

json::object Pod(std::string_view phase, std::string_view node, std::string_view waiting = {}, bool ready = false) {
  json::object pod = Obj(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"sidecar"},{"name":"vllm"}]},"status":{}})");
  pod["status"].as_object()["phase"] = phase;
  if (!node.empty()) pod["spec"].as_object()["nodeName"] = node;
  json::object cs{{"name", "vllm"}, {"ready", ready}, {"restartCount", 2}};
  if (!waiting.empty()) cs["state"] = json::object{{"waiting", {{"reason", waiting}, {"message", "why"}}}};
  pod["status"].as_object()["containerStatuses"] = json::array{cs};
  return pod;
}

TEST(StatusTest, PodStatus) {
  auto status = PodStatusOf(Pod("Pending", "n1", "ImagePullBackOff"));
  EXPECT_EQ(json::serialize(status),
            R"({"name":"p","phase":"Pending","ready":false,"restarts":2,"node":"n1","containers":["sidecar","vllm"],)"
            R"("reason":"ImagePullBackOff","message":"why"})");
  auto empty = PodStatusOf(Obj(R"({"metadata":{"name":"q"},"status":{"phase":"Running","containerStatuses":[]}})"));
  EXPECT_EQ(empty.at("ready"), false);
}

TEST(StatusTest, PhaseRules) {
  auto md = Obj(R"({"metadata":{"name":"d","namespace":"ns","creationTimestamp":"2026-01-02T03:04:05Z"},
                    "spec":{"model":{"id":"m"},"engine":{"type":"vllm"},"scaling":{"replicas":1}},
                    "status":{"phase":"Failed","endpoint":{"service":"d-svc","port":8000}}})");
  auto phase = [&](const json::object& pod) { return DeploymentStatusOf(md, {PodStatusOf(pod)}).at("phase"); };
  EXPECT_EQ(phase(Pod("Pending", "n1", "ContainerCreating")), "Deploying");
  EXPECT_EQ(phase(Pod("Pending", "n1", "ImagePullBackOff")), "Failed");
  EXPECT_EQ(phase(Pod("Pending", "")), "Pending");
  EXPECT_EQ(phase(Pod("Running", "n1", {}, true)), "Running");
  auto status = DeploymentStatusOf(md, {});
  EXPECT_EQ(status.at("createdAt"), "2026-01-02T03:04:05.000Z");
  EXPECT_EQ(status.at("frontendService"), "d-svc:8000");
  EXPECT_EQ(status.at("provider"), "unknown");
  EXPECT_EQ(json::serialize(status.at("replicas")), R"({"desired":1,"ready":0,"available":0})");
}

TEST(StatusTest, ReplicasFromReadyCondition) {
  auto md = Obj(R"({"metadata":{"name":"d","namespace":"ns"},"spec":{"model":{"id":"m"},"scaling":{"replicas":1}},
                    "status":{"engine":{"type":"sglang"},"conditions":[{"type":"Ready","status":"True"}]}})");
  auto status = DeploymentStatusOf(md, {});
  EXPECT_EQ(json::serialize(status.at("replicas")), R"({"desired":1,"ready":1,"available":1})");
  EXPECT_EQ(status.at("engine"), "sglang");
  EXPECT_EQ(status.at("frontendService"), "d");
}

TEST(StatusTest, PendingReasons) {
  auto event = [](std::string_view type, std::string_view reason, std::string_view message) {
    return std::make_shared<const json::object>(json::object{{"type", type}, {"reason", reason}, {"message", message}});
  };
  auto reasons = PendingReasons({event("Warning", "FailedScheduling", "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."),
                                 event("Normal", "Scheduled", "x"),
                                 event("Warning", "FailedScheduling", "0/3 nodes: 3 node(s) had untolerated taint, insufficient cpu"),
                                 event("Warning", "BackOff", "Back-off restarting failed container")});
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_EQ(json::serialize(reasons[0]),
            R"({"reason":"FailedScheduling","message":"0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",)"
            R"("isResourceConstraint":true,"resourceType":"gpu","canAutoscalerHelp":true})");
  EXPECT_EQ(reasons[1].at("resourceType"), "cpu");
  EXPECT_EQ(reasons[1].at("canAutoscalerHelp"), false);
  EXPECT_EQ(json::serialize(reasons[2]),
            R"({"reason":"BackOff","message":"Back-off restarting failed container","isResourceConstraint":false,"canAutoscalerHelp":false})");
}

TEST(StatusTest, LogContainerAndAnsi) {
  EXPECT_EQ(DefaultLogContainer(Pod("Running", "n")), "vllm");
  EXPECT_EQ(StripAnsi("\x1b[32mINFO\x1b[0m ok"), "INFO ok");
  std::string carry;
  std::string out = StripAnsi("a\x1b[3", &carry);
  out += StripAnsi("1mb", &carry);
  EXPECT_EQ(out, "ab");
}

}  // namespace
}  // namespace airunway::services::deployments
