#include "kubesim/registry.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using std::chrono::system_clock;

system_clock::time_point Now() { return system_clock::from_time_t(1767225600); }  // 2026-01-01

json::value WorkspaceCrd() {
  return json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "workspaces.kaito.sh"},
    "spec": {
      "group": "kaito.sh",
      "names": {"plural": "workspaces", "singular": "workspace", "kind": "Workspace",
                "listKind": "WorkspaceList", "shortNames": ["wss"], "categories": ["kaito"]},
      "scope": "Namespaced",
      "versions": [
        {"name": "v1alpha1", "served": true, "storage": false,
         "schema": {"openAPIV3Schema": {"type": "object"}}},
        {"name": "v1beta1", "served": true, "storage": true,
         "schema": {"openAPIV3Schema": {"type": "object",
            "properties": {"spec": {"type": "object", "properties": {"replicas": {"type": "integer"}}}}}},
         "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas",
                                                  "statusReplicasPath": ".status.replicas"}},
         "additionalPrinterColumns": [
           {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"}]},
        {"name": "v1old", "served": false, "storage": false}
      ]
    }
  })");
}

TEST(RegistryTest, BuiltinsCarryRealDiscoveryAttributes) {
  Registry registry;
  auto pods = registry.Find("", "v1", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->kind, "Pod");
  EXPECT_EQ(pods->list_kind, "PodList");
  EXPECT_TRUE(pods->namespaced);
  EXPECT_EQ(pods->short_names, std::vector<std::string>{"po"});
  EXPECT_EQ(pods->categories, std::vector<std::string>{"all"});
  EXPECT_TRUE(pods->HasVerb("deletecollection"));
  ASSERT_NE(pods->FindSubresource("log"), nullptr);
  EXPECT_EQ(pods->FindSubresource("log")->verbs, std::vector<std::string>{"get"});
  EXPECT_EQ(pods->FindSubresource("exec")->response_kind.kind, "PodExecOptions");
  EXPECT_EQ(pods->FindSubresource("eviction")->response_kind.group, "policy");
  EXPECT_EQ(pods->FindSubresource("status")->response_kind, (GroupVersionKind{"", "v1", "Pod"}));
  EXPECT_FALSE(pods->storage_version_hash.empty());

  auto deploy = registry.FindByKind("apps", "v1", "Deployment");
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ(deploy->resource, "deployments");
  EXPECT_EQ(deploy->short_names, std::vector<std::string>{"deploy"});
  EXPECT_EQ(deploy->FindSubresource("scale")->response_kind,
            (GroupVersionKind{"autoscaling", "v1", "Scale"}));

  auto ns = registry.Find("", "v1", "namespaces");
  EXPECT_FALSE(ns->namespaced);
  EXPECT_FALSE(ns->HasVerb("deletecollection"));

  auto reviews = registry.Find("authentication.k8s.io", "v1", "tokenreviews");
  ASSERT_NE(reviews, nullptr);
  EXPECT_EQ(reviews->verbs, std::vector<std::string>{"create"});
  EXPECT_TRUE(reviews->storage_version_hash.empty());

  auto crds = registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  EXPECT_EQ(crds->short_names, (std::vector<std::string>{"crd", "crds"}));
  EXPECT_EQ(registry.Find("", "v1", "services")->categories, std::vector<std::string>{"all"});
  EXPECT_EQ(registry.Find("batch", "v1", "jobs")->categories, std::vector<std::string>{"all"});
  EXPECT_TRUE(registry.Find("", "v1", "configmaps")->categories.empty());
  EXPECT_EQ(registry.Find("events.k8s.io", "v1", "events")->short_names,
            std::vector<std::string>{"ev"});
  EXPECT_EQ(registry.Find("", "v1", "nosuch"), nullptr);
}

TEST(RegistryTest, StorageVersionHashIsStableAndKindSpecific) {
  EXPECT_EQ(StorageVersionHash("", "v1", "Pod"), StorageVersionHash("", "v1", "Pod"));
  EXPECT_NE(StorageVersionHash("", "v1", "Pod"), StorageVersionHash("", "v1", "Service"));
  EXPECT_EQ(StorageVersionHash("", "v1", "Pod").size(), 12u);  // base64 of 8 bytes
}

TEST(RegistryTest, VersionPriorityMatchesKubernetes) {
  std::vector<std::string> v = {"v1alpha1", "foo", "v1beta1", "v2", "v1", "v1beta2", "v10", "bar", "v2alpha1"};
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return VersionHigherPriority(a, b); });
  EXPECT_EQ(v, (std::vector<std::string>{"v10", "v2", "v1", "v1beta2", "v1beta1", "v2alpha1",
                                         "v1alpha1", "bar", "foo"}));
}

TEST(RegistryTest, AddCrdServesEachServedVersionAndReportsEstablished) {
  Registry registry;
  auto before = registry.Generation();
  auto result = registry.AddCrd(WorkspaceCrd(), Now());
  ASSERT_TRUE(IsOk(result)) << std::get<ApiStatus>(result).message;
  const CrdAdmission& admission = std::get<0>(result);
  EXPECT_TRUE(admission.established);
  EXPECT_EQ(admission.types.size(), 2u);  // v1old is not served
  EXPECT_GT(registry.Generation(), before);

  auto ws = registry.Find("kaito.sh", "v1beta1", "workspaces");
  ASSERT_NE(ws, nullptr);
  EXPECT_TRUE(ws->is_crd);
  EXPECT_TRUE(ws->storage);
  EXPECT_EQ(ws->crd_name, "workspaces.kaito.sh");
  EXPECT_EQ(ws->short_names, std::vector<std::string>{"wss"});
  ASSERT_TRUE(ws->scale.has_value());
  EXPECT_EQ(ws->scale->spec_replicas_path, ".spec.replicas");
  EXPECT_NE(ws->FindSubresource("status"), nullptr);
  EXPECT_EQ(ws->FindSubresource("scale")->response_kind.kind, "Scale");
  ASSERT_EQ(ws->printer_columns.size(), 1u);
  EXPECT_EQ(ws->printer_columns[0].name, "Ready");
  EXPECT_TRUE(ws->schema.is_object());

  auto alpha = registry.FindByKind("kaito.sh", "v1alpha1", "Workspace");
  ASSERT_NE(alpha, nullptr);
  EXPECT_FALSE(alpha->storage);
  // A version without columns gets the Age column the API server defaults to.
  ASSERT_EQ(alpha->printer_columns.size(), 1u);
  EXPECT_EQ(alpha->printer_columns[0].name, "Age");
  EXPECT_EQ(alpha->storage_version_hash, ws->storage_version_hash);
  EXPECT_EQ(registry.Find("kaito.sh", "v1old", "workspaces"), nullptr);

  // Preferred (highest priority) version first.
  const ApiGroupInfo* group = registry.Snapshot()->FindGroup("kaito.sh");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->versions, (std::vector<std::string>{"v1beta1", "v1alpha1"}));

  const json::object& status = admission.status;
  const json::array& conditions = status.at("conditions").as_array();
  ASSERT_EQ(conditions.size(), 2u);
  EXPECT_EQ(conditions[0].at("type"), "NamesAccepted");
  EXPECT_EQ(conditions[0].at("status"), "True");
  EXPECT_EQ(conditions[0].at("reason"), "NoConflicts");
  EXPECT_EQ(conditions[1].at("type"), "Established");
  EXPECT_EQ(conditions[1].at("status"), "True");
  EXPECT_EQ(conditions[1].at("lastTransitionTime"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(status.at("acceptedNames").at("kind"), "Workspace");
  EXPECT_EQ(status.at("acceptedNames").at("listKind"), "WorkspaceList");
  EXPECT_EQ(status.at("storedVersions"), json::array{"v1beta1"});
}

TEST(RegistryTest, UpdatingACrdKeepsTransitionTimesAndStoredVersions) {
  Registry registry;
  json::value crd = WorkspaceCrd();
  auto first = registry.AddCrd(crd, Now());
  ASSERT_TRUE(IsOk(first));
  crd.as_object()["status"] = std::get<0>(first).status;
  // Move storage to v1alpha1.
  auto& versions = crd.at("spec").at("versions").as_array();
  versions[0].as_object()["storage"] = true;
  versions[1].as_object()["storage"] = false;
  auto second = registry.AddCrd(crd, Now() + std::chrono::hours(1));
  ASSERT_TRUE(IsOk(second));
  const json::object& status = std::get<0>(second).status;
  EXPECT_EQ(status.at("conditions").as_array()[1].at("lastTransitionTime"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(status.at("storedVersions"), (json::array{"v1beta1", "v1alpha1"}));
  EXPECT_TRUE(registry.Find("kaito.sh", "v1alpha1", "workspaces")->storage);
  // Replaced, not duplicated.
  EXPECT_EQ(registry.Snapshot()->ForGroupVersion("kaito.sh", "v1alpha1").size(), 1u);
}

TEST(RegistryTest, RemoveCrdStopsServingIt) {
  Registry registry;
  ASSERT_TRUE(IsOk(registry.AddCrd(WorkspaceCrd(), Now())));
  auto gen = registry.Generation();
  EXPECT_TRUE(registry.RemoveCrd("workspaces.kaito.sh"));
  EXPECT_GT(registry.Generation(), gen);
  EXPECT_EQ(registry.Find("kaito.sh", "v1beta1", "workspaces"), nullptr);
  EXPECT_EQ(registry.Snapshot()->FindGroup("kaito.sh"), nullptr);
  EXPECT_FALSE(registry.RemoveCrd("workspaces.kaito.sh"));
  EXPECT_NE(registry.Find("", "v1", "pods"), nullptr);
}

TEST(RegistryTest, InvalidCrdIsRejectedWithFieldCauses) {
  Registry registry;
  auto crd = json::parse(R"({"metadata": {"name": "things.example.com"},
      "spec": {"group": "example.com", "names": {"kind": "Thing"}, "scope": "Regional",
               "versions": [{"name": "v1", "served": true, "storage": false}]}})");
  auto result = registry.AddCrd(crd, Now());
  ASSERT_FALSE(IsOk(result));
  const ApiStatus& status = std::get<ApiStatus>(result);
  EXPECT_EQ(status.code, 422);
  EXPECT_EQ(status.reason, "Invalid");
  EXPECT_NE(status.message.find("CustomResourceDefinition.apiextensions.k8s.io \"things.example.com\" is invalid"),
            std::string::npos);
  EXPECT_NE(status.message.find("spec.names.plural: Required value"), std::string::npos);
  EXPECT_NE(status.message.find("spec.scope: Unsupported value: \"Regional\""), std::string::npos);
  EXPECT_NE(status.message.find("must have exactly one version marked as storage version"),
            std::string::npos);
}

TEST(RegistryTest, MismatchedNameIsInvalid) {
  Registry registry;
  json::value crd = WorkspaceCrd();
  crd.at("metadata").as_object()["name"] = "wrong.kaito.sh";
  auto result = registry.AddCrd(crd, Now());
  ASSERT_FALSE(IsOk(result));
  EXPECT_NE(std::get<ApiStatus>(result).message.find(
                "metadata.name: Invalid value: \"wrong.kaito.sh\": must be spec.names.plural+\".\"+spec.group"),
            std::string::npos);
}

TEST(RegistryTest, ConflictingNamesAreNotAccepted) {
  Registry registry;
  ASSERT_TRUE(IsOk(registry.AddCrd(WorkspaceCrd(), Now())));
  json::value other = WorkspaceCrd();
  other.at("metadata").as_object()["name"] = "others.kaito.sh";
  auto& names = other.at("spec").at("names").as_object();
  names["plural"] = "others";
  names["singular"] = "other";
  names.erase("shortNames");
  auto result = registry.AddCrd(other, Now());
  ASSERT_TRUE(IsOk(result));
  const CrdAdmission& admission = std::get<0>(result);
  EXPECT_FALSE(admission.established);
  EXPECT_TRUE(admission.types.empty());
  const json::array& conditions = admission.status.at("conditions").as_array();
  EXPECT_EQ(conditions[0].at("status"), "False");
  EXPECT_EQ(conditions[0].at("reason"), "KindConflict");
  EXPECT_EQ(conditions[1].at("reason"), "NotAccepted");
  EXPECT_EQ(registry.Find("kaito.sh", "v1beta1", "others"), nullptr);
}

TEST(RegistryTest, ConcurrentReadersSeeConsistentSnapshots) {
  Registry registry;
  std::atomic<bool> stop{false};
  std::atomic<int> inconsistencies{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto snap = registry.Snapshot();
        // Both versions of the CRD come and go together.
        bool a = snap->Find("kaito.sh", "v1alpha1", "workspaces") != nullptr;
        bool b = snap->Find("kaito.sh", "v1beta1", "workspaces") != nullptr;
        if (a != b) ++inconsistencies;
        if (snap->Find("", "v1", "pods") == nullptr) ++inconsistencies;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(IsOk(registry.AddCrd(WorkspaceCrd(), Now())));
    ASSERT_TRUE(registry.RemoveCrd("workspaces.kaito.sh"));
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(inconsistencies.load(), 0);
}

}  // namespace
}  // namespace airunway::kubesim
