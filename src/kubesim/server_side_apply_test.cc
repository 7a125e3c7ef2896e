#include "kubesim/server_side_apply.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include "common/time.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using std::chrono::system_clock;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

system_clock::time_point At(std::string_view rfc3339) { return *common::ParseRfc3339(rfc3339); }

json::object Yaml(std::string_view text) {
  auto r = ParseApplyBody(text);
  if (!IsOk(r)) {
    ADD_FAILURE() << std::get<1>(r).message;
    return {};
  }
  return std::get<0>(r);
}

const char* kDeploymentYaml = R"(
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: nginx
        image: nginx:1
        ports:
        - containerPort: 80
)";

ApplyOptions Kubectl(std::string_view now = "2026-01-01T00:00:00Z", bool force = false) {
  ApplyOptions o;
  o.field_manager = "kubectl";
  o.api_version = "apps/v1";
  o.force = force;
  o.now = At(now);
  return o;
}

ApplyResult MustApply(const json::object* live, const json::object& config, const ApplyOptions& options) {
  auto r = ServerSideApply(live, config, MergeKeys::ForKind("Deployment"), options);
  if (!IsOk(r)) {
    ADD_FAILURE() << std::get<1>(r).message;
    return {};
  }
  return std::get<0>(r);
}

ApiStatus MustFail(const json::object* live, const json::object& config, const ApplyOptions& options) {
  auto r = ServerSideApply(live, config, MergeKeys::ForKind("Deployment"), options);
  if (IsOk(r)) {
    ADD_FAILURE() << "apply unexpectedly succeeded";
    return {};
  }
  return std::get<1>(r);
}

const json::array& ManagedFields(const json::object& o) { return o.at("metadata").at("managedFields").as_array(); }

// A Deployment as `kubectl create` would have left it, with an Update entry.
json::object CreatedBy(std::string_view manager, const json::object& object) {
  RecordUpdateOptions u;
  u.manager = std::string(manager);
  u.api_version = "apps/v1";
  u.now = At("2025-12-31T00:00:00Z");
  return RecordUpdate(nullptr, object, MergeKeys::ForKind("Deployment"), u);
}

// ---- YAML and request checks ----

TEST(YamlToJsonTest, ResolvesScalarsLikeTheGoLibrary) {
  auto r = YamlToJson(R"(
plain: hello
quoted: "yes"
flag: yes
off: off
count: 3
negative: -7
mode: 0644
hex: 0x1F
ratio: 1.5
nothing: ~
empty:
block: |
  line1
list: [a, 1, true]
nested: {k: v}
)");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(std::get<0>(r), json::parse(R"({"plain":"hello","quoted":"yes","flag":true,"off":false,"count":3,
      "negative":-7,"mode":420,"hex":31,"ratio":1.5,"nothing":null,"empty":null,"block":"line1\n",
      "list":["a",1,true],"nested":{"k":"v"}})"));
}

TEST(YamlToJsonTest, MalformedYamlIsBadRequest) {
  auto r = YamlToJson("a: [1, 2\nb: c\n");
  ASSERT_FALSE(IsOk(r));
  EXPECT_EQ(std::get<1>(r).code, 400);
  EXPECT_TRUE(std::get<1>(r).message.starts_with("error encoding patch: yaml: line ")) << std::get<1>(r).message;
}

TEST(ParseApplyBodyTest, AcceptsJsonAndYamlObjectsOnly) {
  EXPECT_EQ(Yaml(R"({"apiVersion":"v1","kind":"ConfigMap"})"), Obj(R"({"apiVersion":"v1","kind":"ConfigMap"})"));
  EXPECT_EQ(Yaml("apiVersion: v1\nkind: ConfigMap\n"), Obj(R"({"apiVersion":"v1","kind":"ConfigMap"})"));
  auto r = ParseApplyBody("- a\n- b\n");
  ASSERT_FALSE(IsOk(r));
  EXPECT_EQ(std::get<1>(r).code, 400);
  EXPECT_EQ(std::get<1>(r).message,
            "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}");
}

TEST(CheckPatchOptionsTest, ApplyNeedsAFieldManager) {
  auto s = CheckPatchOptions(PatchType::kApply, "", false);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->code, 422);
  EXPECT_EQ(s->reason, "Invalid");
  EXPECT_EQ(s->message,
            R"(PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch)");
  ASSERT_EQ(s->causes.size(), 1u);
  EXPECT_EQ(s->causes[0].field, "fieldManager");
  EXPECT_FALSE(CheckPatchOptions(PatchType::kApply, "kubectl", true).has_value());
  EXPECT_FALSE(CheckPatchOptions(PatchType::kMerge, "", false).has_value());
}

TEST(CheckPatchOptionsTest, ForceIsOnlyForApply) {
  auto s = CheckPatchOptions(PatchType::kMerge, "", true);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->message, R"(PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch)");
}

TEST(ManagerFromRequestTest, PrefersTheParameterThenTheUserAgentPrefix) {
  EXPECT_EQ(ManagerFromRequest("kubectl-edit", "kubectl/v1.30.0 (linux/amd64)"), "kubectl-edit");
  EXPECT_EQ(ManagerFromRequest("", "kubectl/v1.30.0 (linux/amd64) kubernetes/abc"), "kubectl");
  EXPECT_EQ(ManagerFromRequest("", "airunway"), "airunway");
}

// ---- apply ----

TEST(ServerSideApplyTest, CreateRecordsAnApplyEntry) {
  ApplyResult r = MustApply(nullptr, Yaml(kDeploymentYaml), Kubectl());
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.object.at("spec").at("replicas"), 2);
  const auto& mf = ManagedFields(r.object);
  ASSERT_EQ(mf.size(), 1u);
  EXPECT_EQ(mf[0], json::parse(R"({"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1",
      "time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{
        "f:metadata":{"f:labels":{"f:app":{}}},
        "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
          "k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},
            "f:ports":{"k:{\"containerPort\":80}":{".":{},"f:containerPort":{}}}}}}}}}})"));
}

TEST(ServerSideApplyTest, ApplyingTheSameConfigTwiceIsANoOp) {
  ApplyResult first = MustApply(nullptr, Yaml(kDeploymentYaml), Kubectl());
  ApplyResult second = MustApply(&first.object, Yaml(kDeploymentYaml), Kubectl("2026-01-02T00:00:00Z"));
  EXPECT_FALSE(second.created);
  EXPECT_FALSE(second.changed);
  EXPECT_EQ(second.object, first.object);
}

TEST(ServerSideApplyTest, ChangedFieldUpdatesAndRemovedFieldIsDeleted) {
  ApplyResult first = MustApply(nullptr, Yaml(kDeploymentYaml), Kubectl());
  json::object config = Yaml(kDeploymentYaml);
  config["spec"].as_object()["replicas"] = 5;
  config["metadata"].as_object().erase("labels");
  ApplyResult second = MustApply(&first.object, config, Kubectl("2026-01-02T00:00:00Z"));
  EXPECT_TRUE(second.changed);
  EXPECT_EQ(second.object.at("spec").at("replicas"), 5);
  EXPECT_FALSE(second.object.at("metadata").as_object().contains("labels"));
  EXPECT_EQ(ManagedFields(second.object)[0].at("time"), "2026-01-02T00:00:00Z");
  EXPECT_FALSE(ManagedFields(second.object)[0].at("fieldsV1").as_object().contains("f:metadata"));
}

TEST(ServerSideApplyTest, ContainersMergeByNameAndDroppedContainerGoes) {
  ApplyResult first = MustApply(nullptr, Yaml(kDeploymentYaml), Kubectl());
  json::object config = Yaml(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: sidecar
        image: side:1
)");
  ApplyResult second = MustApply(&first.object, config, Kubectl());
  const auto& containers = second.object.at("spec").at("template").at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].at("name"), "sidecar");
}

TEST(ServerSideApplyTest, ConflictWithAnUpdateManagerIs409) {
  json::object live = CreatedBy("kubectl-client-side-apply", Yaml(kDeploymentYaml));
  json::object config = Yaml(kDeploymentYaml);
  config["spec"].as_object()["replicas"] = 3;
  ApiStatus s = MustFail(&live, config, Kubectl());
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(s.reason, "Conflict");
  EXPECT_EQ(s.message,
            R"(Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas)");
  ASSERT_EQ(s.causes.size(), 1u);
  EXPECT_EQ(s.causes[0].type, "FieldManagerConflict");
  EXPECT_EQ(s.causes[0].message, R"(conflict with "kubectl-client-side-apply" using apps/v1)");
  EXPECT_EQ(s.causes[0].field, ".spec.replicas");
  // The JSON a client sees.
  EXPECT_EQ(s.ToJson().at("details").at("causes").as_array()[0].at("reason"), "FieldManagerConflict");
}

TEST(ServerSideApplyTest, SameValueIsSharedOwnershipNotAConflict) {
  json::object live = CreatedBy("kubectl-client-side-apply", Yaml(kDeploymentYaml));
  ApplyResult r = MustApply(&live, Yaml(kDeploymentYaml), Kubectl());
  EXPECT_EQ(r.object.at("spec").at("replicas"), 2);
  ASSERT_EQ(ManagedFields(r.object).size(), 2u);
  EXPECT_EQ(ManagedFields(r.object)[0].at("operation"), "Apply");
  EXPECT_EQ(ManagedFields(r.object)[1].at("manager"), "kubectl-client-side-apply");
}

TEST(ServerSideApplyTest, ForceTakesOwnership) {
  json::object live = CreatedBy("kubectl-client-side-apply", Yaml(kDeploymentYaml));
  json::object config = Yaml(kDeploymentYaml);
  config["spec"].as_object()["replicas"] = 3;
  ApplyResult r = MustApply(&live, config, Kubectl("2026-01-01T00:00:00Z", /*force=*/true));
  EXPECT_EQ(r.object.at("spec").at("replicas"), 3);
  const auto& other = ManagedFields(r.object)[1];
  EXPECT_EQ(other.at("manager"), "kubectl-client-side-apply");
  EXPECT_FALSE(other.at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));
  EXPECT_TRUE(ManagedFields(r.object)[0].at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));
}

TEST(ServerSideApplyTest, SeveralConflictsAreListedByManager) {
  json::object live = CreatedBy("kubectl-edit", Yaml(kDeploymentYaml));
  json::object config = Yaml(kDeploymentYaml);
  config["spec"].as_object()["replicas"] = 3;
  config["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array()[0].as_object()["image"] =
      "nginx:2";
  ApiStatus s = MustFail(&live, config, Kubectl());
  EXPECT_EQ(s.message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl-edit\" using apps/v1:\n"
            "- .spec.replicas\n"
            "- .spec.template.spec.containers[name=\"nginx\"].image");
  ASSERT_EQ(s.causes.size(), 2u);
  EXPECT_EQ(s.causes[1].field, ".spec.template.spec.containers[name=\"nginx\"].image");
}

TEST(ServerSideApplyTest, ConflictWithAnotherApplierNamesItWithoutVersion) {
  ApplyResult first = MustApply(nullptr, Yaml(kDeploymentYaml), Kubectl());
  json::object config = Yaml(kDeploymentYaml);
  config["spec"].as_object()["replicas"] = 9;
  ApplyOptions other = Kubectl();
  other.field_manager = "helm";
  ApiStatus s = MustFail(&first.object, config, other);
  EXPECT_EQ(s.message, R"(Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas)");
}

TEST(ServerSideApplyTest, FieldAlsoOwnedByAnotherManagerSurvivesItsRemoval) {
  ApplyResult first = MustApply(nullptr, Yaml(kDeploymentYaml), Kubectl());
  ApplyOptions helm = Kubectl();
  helm.field_manager = "helm";
  json::object helm_config = Obj(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web",
                                    "labels":{"app":"web"}}})");
  ApplyResult second = MustApply(&first.object, helm_config, helm);
  json::object config = Yaml(kDeploymentYaml);
  config["metadata"].as_object().erase("labels");
  ApplyResult third = MustApply(&second.object, config, Kubectl());
  EXPECT_EQ(third.object.at("metadata").at("labels"), json::parse(R"({"app":"web"})"));
}

TEST(ServerSideApplyTest, ObjectsWithoutManagedFieldsConflictWithBeforeFirstApply) {
  json::object live = Yaml(kDeploymentYaml);
  json::object config = Yaml(kDeploymentYaml);
  config["spec"].as_object()["replicas"] = 4;
  ApiStatus s = MustFail(&live, config, Kubectl());
  EXPECT_EQ(s.message, R"(Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas)");
}

TEST(ServerSideApplyTest, StatusIsIgnoredOnTheMainResource) {
  json::object config = Yaml(kDeploymentYaml);
  config["status"] = json::parse(R"({"replicas":7})");
  ApplyResult r = MustApply(nullptr, config, Kubectl());
  EXPECT_FALSE(r.object.contains("status"));
}

TEST(ServerSideApplyTest, BodyVersionMustMatchAndManagedFieldsMustBeNil) {
  json::object config = Yaml(kDeploymentYaml);
  config["apiVersion"] = "apps/v1beta1";
  ApiStatus s = MustFail(nullptr, config, Kubectl());
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message,
            "Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1");
  json::object with_mf = Yaml(kDeploymentYaml);
  with_mf["metadata"].as_object()["managedFields"] = json::array();
  EXPECT_EQ(MustFail(nullptr, with_mf, Kubectl()).message, "metadata.managedFields must be nil");
}

TEST(ServerSideApplyTest, CustomResourceListsMergeBySchemaKeys) {
  auto schema = Obj(R"({"type":"object","properties":{"spec":{"type":"object","properties":{
      "models":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["id"],
                "items":{"type":"object","properties":{"id":{"type":"string"},"gpus":{"type":"integer"}}}}}}}})");
  const MergeKeys keys = MergeKeys::FromSchema(schema);
  ApplyOptions a;
  a.field_manager = "a";
  a.api_version = "example.com/v1";
  a.now = At("2026-01-01T00:00:00Z");
  ApplyOptions b = a;
  b.field_manager = "b";
  auto first = ServerSideApply(nullptr, Obj(R"({"apiVersion":"example.com/v1","kind":"Model","metadata":{"name":"m"},
      "spec":{"models":[{"id":"x","gpus":1}]}})"), keys, a);
  ASSERT_TRUE(IsOk(first));
  const json::object live = std::get<0>(first).object;
  auto second = ServerSideApply(&live, Obj(R"({"apiVersion":"example.com/v1","kind":"Model","metadata":{"name":"m"},
      "spec":{"models":[{"id":"y","gpus":2}]}})"), keys, b);
  ASSERT_TRUE(IsOk(second));
  EXPECT_EQ(std::get<0>(second).object.at("spec").at("models"),
            json::parse(R"([{"id":"x","gpus":1},{"id":"y","gpus":2}])"));
}

// ---- update recording ----

TEST(RecordUpdateTest, CreateAndUpdateTransferOwnership) {
  json::object created = CreatedBy("kubectl-create", Yaml(kDeploymentYaml));
  const auto& entry = ManagedFields(created)[0];
  EXPECT_EQ(entry.at("manager"), "kubectl-create");
  EXPECT_EQ(entry.at("operation"), "Update");
  EXPECT_EQ(entry.at("time"), "2025-12-31T00:00:00Z");
  EXPECT_EQ(entry.at("fieldsV1").at("f:metadata"), json::parse(R"({"f:labels":{".":{},"f:app":{}}})"));

  json::object edited = created;
  edited["spec"].as_object()["replicas"] = 4;
  RecordUpdateOptions u;
  u.manager = ManagerFromRequest("kubectl-edit", "kubectl/v1.30.0");
  u.api_version = "apps/v1";
  u.now = At("2026-01-05T00:00:00Z");
  json::object after = RecordUpdate(&created, edited, MergeKeys::ForKind("Deployment"), u);
  const auto& mf = ManagedFields(after);
  ASSERT_EQ(mf.size(), 2u);
  EXPECT_EQ(mf[0].at("manager"), "kubectl-create");
  EXPECT_FALSE(mf[0].at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));
  EXPECT_EQ(mf[1].at("manager"), "kubectl-edit");
  EXPECT_EQ(mf[1].at("fieldsV1"), json::parse(R"({"f:spec":{"f:replicas":{}}})"));
  EXPECT_EQ(mf[1].at("time"), "2026-01-05T00:00:00Z");

  // And a later apply that changes replicas now conflicts with the editor.
  json::object config = Yaml(kDeploymentYaml);
  EXPECT_EQ(MustFail(&after, config, Kubectl()).message,
            R"(Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas)");
}

TEST(RecordUpdateTest, UntrackedObjectsStayUntracked) {
  json::object old = Yaml(kDeploymentYaml);
  json::object updated = old;
  updated["spec"].as_object()["replicas"] = 4;
  RecordUpdateOptions u;
  u.manager = "controller";
  u.api_version = "apps/v1";
  json::object after = RecordUpdate(&old, updated, MergeKeys::ForKind("Deployment"), u);
  EXPECT_FALSE(after.at("metadata").as_object().contains("managedFields"));
}

TEST(RecordUpdateTest, NoOpUpdateKeepsTheTime) {
  json::object created = CreatedBy("kubectl-create", Yaml(kDeploymentYaml));
  RecordUpdateOptions u;
  u.manager = "kubectl-create";
  u.api_version = "apps/v1";
  u.now = At("2026-03-01T00:00:00Z");
  json::object after = RecordUpdate(&created, created, MergeKeys::ForKind("Deployment"), u);
  EXPECT_EQ(after, created);
}

}  // namespace
}  // namespace airunway::kubesim
