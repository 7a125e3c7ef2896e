#include "kubesim/table.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include "common/time.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using std::chrono::system_clock;

system_clock::time_point Now() { return *common::ParseRfc3339("2026-01-01T12:00:00Z"); }

std::vector<std::string> ColumnNames(const json::array& defs) {
  std::vector<std::string> out;
  for (const auto& d : defs) out.emplace_back(d.at("name").as_string());
  return out;
}

TEST(TableTest, HumanDurationMatchesKubectlAges) {
  EXPECT_EQ(HumanDuration(-5s), "<invalid>");
  EXPECT_EQ(HumanDuration(-1s), "0s");
  EXPECT_EQ(HumanDuration(45s), "45s");
  EXPECT_EQ(HumanDuration(119s), "119s");
  EXPECT_EQ(HumanDuration(5min), "5m");
  EXPECT_EQ(HumanDuration(5min + 30s), "5m30s");
  EXPECT_EQ(HumanDuration(42min), "42m");
  EXPECT_EQ(HumanDuration(3h + 5min), "3h5m");
  EXPECT_EQ(HumanDuration(20h), "20h");
  EXPECT_EQ(HumanDuration(3 * 24h + 4h), "3d4h");
  EXPECT_EQ(HumanDuration(400 * 24h), "400d");
  EXPECT_EQ(HumanDuration(3 * 365 * 24h + 10 * 24h), "3y10d");
  EXPECT_EQ(HumanDuration(10 * 365 * 24h), "10y");
  EXPECT_EQ(AgeSince("", Now()), "<unknown>");
  EXPECT_EQ(AgeSince("2026-01-01T11:55:00Z", Now()), "5m");
}

TEST(TableTest, KubectlAcceptNegotiatesTableV1) {
  auto f = NegotiateTable(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->api_version, "meta.k8s.io/v1");
  EXPECT_EQ(f->content_type, "application/json;as=Table;v=v1;g=meta.k8s.io");
  EXPECT_FALSE(NegotiateTable("application/json").has_value());
  EXPECT_FALSE(NegotiateTable("").has_value());
  EXPECT_EQ(NegotiateTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io")->api_version, "meta.k8s.io/v1beta1");
  EXPECT_TRUE(IsOk(ParseIncludeObject("")));
  EXPECT_EQ(std::get<0>(ParseIncludeObject("Object")), IncludeObject::kObject);
  EXPECT_EQ(std::get<ApiStatus>(ParseIncludeObject("All")).code, 400);
}

json::object RunningPod() {
  return json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-0", "namespace": "default", "resourceVersion": "7",
                 "creationTimestamp": "2026-01-01T11:55:00Z", "labels": {"app": "web"}},
    "spec": {"nodeName": "gpu-node-1", "containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]},
    "status": {"phase": "Running", "podIP": "10.244.0.5",
      "conditions": [{"type": "Ready", "status": "True"}],
      "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 2, "state": {"running": {}},
         "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-01-01T11:58:00Z"}}},
        {"name": "b", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}})")
      .as_object();
}

TEST(TableTest, PodListTable) {
  Registry registry;
  auto pods = registry.Find("", "v1", "pods");
  json::object pending = json::parse(R"({"metadata": {"name": "web-1", "creationTimestamp": "2026-01-01T11:59:30Z"},
      "spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Pending"}})").as_object();
  TableOptions options;
  options.now = Now();
  auto table = ListToTable(*pods, json::array{RunningPod(), pending}, TableListMeta{"99", "", std::nullopt}, options);
  EXPECT_EQ(table.at("kind"), "Table");
  EXPECT_EQ(table.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_EQ(table.at("metadata").at("resourceVersion"), "99");
  EXPECT_EQ(ColumnNames(table.at("columnDefinitions").as_array()),
            (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                      "Nominated Node", "Readiness Gates"}));
  const json::array& defs = table.at("columnDefinitions").as_array();
  EXPECT_EQ(defs[0].at("format"), "name");
  EXPECT_EQ(defs[4].at("priority"), 0);
  EXPECT_EQ(defs[5].at("priority"), 1);
  const json::array& rows = table.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("cells"), (json::array{"web-0", "1/2", "CrashLoopBackOff", "2 (2m ago)", "5m",
                                              "10.244.0.5", "gpu-node-1", "<none>", "<none>"}));
  EXPECT_EQ(rows[1].at("cells"), (json::array{"web-1", "0/1", "Pending", "0", "30s", "<none>", "<none>",
                                              "<none>", "<none>"}));
  // Default includeObject=Metadata.
  const json::object& object = rows[0].at("object").as_object();
  EXPECT_EQ(object.at("kind"), "PartialObjectMetadata");
  EXPECT_EQ(object.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_EQ(object.at("metadata").at("labels").at("app"), "web");
  EXPECT_FALSE(object.contains("spec"));
}

TEST(TableTest, IncludeObjectAndNoHeaders) {
  Registry registry;
  auto pods = registry.Find("", "v1", "pods");
  TableOptions options;
  options.now = Now();
  options.include_object = IncludeObject::kObject;
  auto full = ObjectToTable(*pods, RunningPod(), options);
  EXPECT_EQ(full.at("metadata").at("resourceVersion"), "7");
  EXPECT_EQ(full.at("rows").at(0).at("object").at("kind"), "Pod");
  EXPECT_TRUE(full.at("rows").at(0).at("object").as_object().contains("spec"));
  options.include_object = IncludeObject::kNone;
  options.no_headers = true;
  auto bare = ObjectToTable(*pods, RunningPod(), options);
  EXPECT_FALSE(bare.at("rows").at(0).as_object().contains("object"));
  EXPECT_TRUE(bare.at("columnDefinitions").is_null());
}

TEST(TableTest, PodStatusRules) {
  Registry registry;
  auto pods = registry.Find("", "v1", "pods");
  auto status_of = [&](std::string_view text) {
    return RowCells(*pods, json::parse(text).as_object(), Now()).at(2);
  };
  EXPECT_EQ(status_of(R"({"metadata": {"name": "p", "deletionTimestamp": "2026-01-01T11:00:00Z"},
                          "status": {"phase": "Running"}})"), "Terminating");
  EXPECT_EQ(status_of(R"({"metadata": {"name": "p"}, "spec": {"initContainers": [{"name": "i"}, {"name": "j"}]},
                          "status": {"phase": "Pending", "initContainerStatuses": [
                            {"name": "i", "state": {"terminated": {"exitCode": 0}}},
                            {"name": "j", "state": {"running": {}}}]}})"), "Init:1/2");
  EXPECT_EQ(status_of(R"({"metadata": {"name": "p"}, "status": {"phase": "Failed", "containerStatuses": [
                            {"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}})"), "Signal:9");
  EXPECT_EQ(status_of(R"({"metadata": {"name": "p"}, "status": {"phase": "Pending", "reason": "SchedulingGated"}})"),
            "SchedulingGated");
  EXPECT_EQ(status_of(R"({"metadata": {"name": "p"}, "status": {"phase": "Succeeded", "containerStatuses": [
                            {"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}})"),
            "Completed");
}

TEST(TableTest, BuiltinColumns) {
  Registry registry;
  auto names = [&](std::string_view group, std::string_view resource) {
    return ColumnNames(ColumnDefinitions(*registry.Find(group, "v1", resource)));
  };
  EXPECT_EQ(names("", "nodes"), (std::vector<std::string>{"Name", "Status", "Roles", "Age", "Version", "Internal-IP",
                                                        "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"}));
  EXPECT_EQ(names("", "namespaces"), (std::vector<std::string>{"Name", "Status", "Age"}));
  EXPECT_EQ(names("apps", "deployments"), (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available", "Age",
                                                                  "Containers", "Images", "Selector"}));
  EXPECT_EQ(names("", "services"), (std::vector<std::string>{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"}));
  EXPECT_EQ(names("", "configmaps"), (std::vector<std::string>{"Name", "Data", "Age"}));
  EXPECT_EQ(names("", "secrets"), (std::vector<std::string>{"Name", "Type", "Data", "Age"}));
  EXPECT_EQ(names("", "events")[0], "Last Seen");
  EXPECT_EQ(names("coordination.k8s.io", "leases"), (std::vector<std::string>{"Name", "Holder", "Age"}));
  EXPECT_EQ(names("rbac.authorization.k8s.io", "clusterroles"), (std::vector<std::string>{"Name", "Created At"}));
}

TEST(TableTest, BuiltinCells) {
  Registry registry;
  auto cells = [&](std::string_view group, std::string_view resource, std::string_view obj) {
    return RowCells(*registry.Find(group, "v1", resource), json::parse(obj).as_object(), Now());
  };
  EXPECT_EQ(cells("", "services", R"({"metadata": {"name": "web", "creationTimestamp": "2026-01-01T10:00:00Z"},
      "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "selector": {"app": "web"},
               "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}})"),
            (json::array{"web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "120m", "app=web"}));
  EXPECT_EQ(cells("", "services", R"({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer", "clusterIP": "10.0.0.1"}})").at(3),
            "<pending>");
  EXPECT_EQ(cells("apps", "deployments", R"({"metadata": {"name": "d", "creationTimestamp": "2026-01-01T11:00:00Z"},
      "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "d"}},
               "template": {"spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}},
      "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}})"),
            (json::array{"d", "2/3", 3, 2, "60m", "c", "nginx:1", "app=d"}));
  EXPECT_EQ(cells("", "nodes", R"({"metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
      "spec": {"unschedulable": true},
      "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.32.4"}}})")
                .at(1),
            "Ready,SchedulingDisabled");
  EXPECT_EQ(cells("", "configmaps", R"({"metadata": {"name": "c"}, "data": {"a": "1", "b": "2"}})").at(1), 2);
  EXPECT_EQ(cells("", "events", R"({"metadata": {"name": "e1"}, "type": "Warning", "reason": "FailedScheduling",
      "involvedObject": {"kind": "Pod", "name": "web-0"}, "message": "0/3 nodes are available",
      "lastTimestamp": "2026-01-01T11:59:00Z", "firstTimestamp": "2026-01-01T11:50:00Z", "count": 4})"),
            (json::array{"60s", "Warning", "FailedScheduling", "pod/web-0", "", "", "0/3 nodes are available", "10m", 4, "e1"}));
}

json::value CrdWithColumns() {
  return json::parse(R"({"metadata": {"name": "workspaces.kaito.sh"},
    "spec": {"group": "kaito.sh", "scope": "Namespaced",
             "names": {"plural": "workspaces", "kind": "Workspace"},
             "versions": [{"name": "v1beta1", "served": true, "storage": true,
               "additionalPrinterColumns": [
                 {"name": "Instance", "type": "string", "jsonPath": ".resource.instanceType"},
                 {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas", "priority": 1},
                 {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status",
                  "description": "Whether the workspace is ready"},
                 {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}})");
}

TEST(TableTest, CrdPrinterColumns) {
  Registry registry;
  ASSERT_TRUE(IsOk(registry.AddCrd(CrdWithColumns(), Now())));
  auto ws = registry.Find("kaito.sh", "v1beta1", "workspaces");
  auto defs = ColumnDefinitions(*ws);
  EXPECT_EQ(ColumnNames(defs), (std::vector<std::string>{"Name", "Instance", "Replicas", "Ready", "Age"}));
  EXPECT_EQ(defs[1].at("description"), "Custom resource definition column (in JSONPath format): .resource.instanceType");
  EXPECT_EQ(defs[2].at("type"), "integer");
  EXPECT_EQ(defs[2].at("priority"), 1);
  EXPECT_EQ(defs[3].at("description"), "Whether the workspace is ready");
  EXPECT_EQ(defs[4].at("type"), "date");

  auto obj = json::parse(R"({"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace",
      "metadata": {"name": "phi", "creationTimestamp": "2026-01-01T09:00:00Z"},
      "resource": {"instanceType": "Standard_NC24ads_A100_v4"}, "spec": {"replicas": 2},
      "status": {"conditions": [{"type": "Provisioned", "status": "True"}, {"type": "Ready", "status": "False"}]}})");
  EXPECT_EQ(RowCells(*ws, obj.as_object(), Now()), (json::array{"phi", "Standard_NC24ads_A100_v4", 2, "False", "3h"}));

  // Missing values are null cells (kubectl prints <none>).
  auto bare = json::parse(R"({"metadata": {"name": "empty", "creationTimestamp": "2026-01-01T11:00:00Z"}})");
  EXPECT_EQ(RowCells(*ws, bare.as_object(), Now()), (json::array{"empty", nullptr, nullptr, nullptr, "60m"}));
}

TEST(TableTest, CrdWithoutColumnsPrintsNameAndAge) {
  Registry registry;
  json::value crd = CrdWithColumns();
  crd.at("spec").at("versions").at(0).as_object().erase("additionalPrinterColumns");
  ASSERT_TRUE(IsOk(registry.AddCrd(crd, Now())));
  auto ws = registry.Find("kaito.sh", "v1beta1", "workspaces");
  EXPECT_EQ(ColumnNames(ColumnDefinitions(*ws)), (std::vector<std::string>{"Name", "Age"}));
  auto obj = json::parse(R"({"metadata": {"name": "x", "creationTimestamp": "2025-12-30T12:00:00Z"}})");
  EXPECT_EQ(RowCells(*ws, obj.as_object(), Now()), (json::array{"x", "2d"}));
}

TEST(TableTest, JsonPathSubset) {
  auto doc = json::parse(R"({"spec": {"replicas": 3, "list": [{"n": "a", "v": 1}, {"n": "b", "v": 2}]},
      "metadata": {"annotations": {"example.com/key.with.dots": "yes"}},
      "status": {"conditions": [{"type": "Ready", "status": "True"}], "ok": false}})");
  EXPECT_EQ(EvaluateJsonPath(doc, ".spec.replicas"), json::value(3));
  EXPECT_EQ(EvaluateJsonPath(doc, "{.spec.replicas}"), json::value(3));
  EXPECT_EQ(EvaluateJsonPath(doc, "$.spec.list[1].n"), json::value("b"));
  EXPECT_EQ(EvaluateJsonPath(doc, ".spec.list[-1].v"), json::value(2));
  EXPECT_EQ(EvaluateJsonPath(doc, ".spec.list[*].n"), json::value("a"));
  EXPECT_EQ(EvaluateJsonPath(doc, ".spec.list[?(@.v==2)].n"), json::value("b"));
  EXPECT_EQ(EvaluateJsonPath(doc, ".spec.list[?(@.n!='a')].v"), json::value(2));
  EXPECT_EQ(EvaluateJsonPath(doc, ".status.conditions[?(@.type==\"Ready\")].status"), json::value("True"));
  EXPECT_EQ(EvaluateJsonPath(doc, ".status.ok"), json::value(false));
  EXPECT_EQ(EvaluateJsonPath(doc, ".metadata.annotations.example\\.com/key\\.with\\.dots"), json::value("yes"));
  EXPECT_EQ(EvaluateJsonPath(doc, ".metadata.annotations['example.com/key.with.dots']"), json::value("yes"));
  EXPECT_FALSE(EvaluateJsonPath(doc, ".status.conditions[?(@.type==\"Gone\")].status").has_value());
  EXPECT_FALSE(EvaluateJsonPath(doc, ".spec.nothing").has_value());
  EXPECT_FALSE(EvaluateJsonPath(doc, ".spec.list[").has_value());
}

}  // namespace
}  // namespace airunway::kubesim
