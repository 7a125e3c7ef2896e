#include "kubesim/openapi.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

json::value CrdJson() {
  return json::parse(R"({"metadata": {"name": "workspaces.kaito.sh"},
    "spec": {"group": "kaito.sh", "scope": "Namespaced",
             "names": {"plural": "workspaces", "kind": "Workspace"},
             "versions": [{"name": "v1beta1", "served": true, "storage": true,
                           "schema": {"openAPIV3Schema": {"type": "object", "description": "A KAITO workspace.",
                              "properties": {"spec": {"type": "object", "properties": {"model": {"type": "string"}}}}}},
                           "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}}]}})");
}

json::value Body(const ApiResult<Document>& r) {
  EXPECT_TRUE(IsOk(r)) << std::get<ApiStatus>(r).message;
  return json::parse(std::get<0>(r).body);
}

// What kubectl's query param verifier decides (see openapi.h): the first PATCH operation whose
// single x-kubernetes-group-version-kind equals the GVK must list "fieldValidation" among its
// own parameters. Returns "supported", "unsupported" or "no-op" (no PATCH for the GVK).
std::string KubectlFieldValidationSupport(const json::value& doc, const GroupVersionKind& gvk) {
  for (const auto& path : doc.at("paths").as_object()) {
    const json::object& item = path.value().as_object();
    if (!item.contains("patch")) continue;
    const json::object& op = item.at("patch").as_object();
    if (!op.contains("x-kubernetes-group-version-kind")) continue;
    const json::value& g = op.at("x-kubernetes-group-version-kind");
    if (!g.is_object() || g.at("group") != gvk.group.c_str() || g.at("version") != gvk.version.c_str() ||
        g.at("kind") != gvk.kind.c_str()) {
      continue;
    }
    if (op.contains("parameters")) {
      for (const auto& p : op.at("parameters").as_array()) {
        if (p.at("name") == "fieldValidation") return "supported";
      }
    }
    return "unsupported";
  }
  return "no-op";
}

const json::object* SchemaWithGvk(const json::value& doc, const GroupVersionKind& gvk) {
  for (const auto& s : doc.at("components").at("schemas").as_object()) {
    const json::object& schema = s.value().as_object();
    if (!schema.contains("x-kubernetes-group-version-kind")) continue;
    for (const auto& g : schema.at("x-kubernetes-group-version-kind").as_array()) {
      if (g.at("group") == gvk.group.c_str() && g.at("version") == gvk.version.c_str() &&
          g.at("kind") == gvk.kind.c_str()) {
        return &schema;
      }
    }
  }
  return nullptr;
}

TEST(OpenApiTest, IndexListsEveryGroupVersionWithAHash) {
  Registry registry;
  OpenApiService service(registry);
  auto index = Body(service.Get("/openapi/v3", "application/json"));
  const json::object& paths = index.at("paths").as_object();
  for (auto gv : {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/rbac.authorization.k8s.io/v1",
                  "apis/apiextensions.k8s.io/v1", "apis/coordination.k8s.io/v1", "apis/events.k8s.io/v1"}) {
    ASSERT_TRUE(paths.contains(gv)) << gv;
    std::string url(paths.at(gv).at("serverRelativeURL").as_string());
    EXPECT_EQ(url.rfind(std::string("/openapi/v3/") + gv + "?hash=", 0), 0u) << url;
    EXPECT_EQ(url.size() - url.find("hash=") - 5, 128u);  // SHA-512, hex
  }
  auto url = service.ServerRelativeUrl("apis/apps/v1");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(*url, std::string(paths.at("apis/apps/v1").at("serverRelativeURL").as_string()));
}

TEST(OpenApiTest, BuiltinKindsSupportServerSideFieldValidation) {
  Registry registry;
  OpenApiService service(registry);
  auto core = service.Get("/openapi/v3/api/v1?hash=whatever", "application/json");
  ASSERT_TRUE(IsOk(core));
  EXPECT_FALSE(std::get<0>(core).etag.empty());
  auto doc = Body(core);
  EXPECT_EQ(doc.at("openapi"), "3.0.0");
  for (auto kind : {"Pod", "Service", "ConfigMap", "Secret", "Namespace", "Node", "ServiceAccount",
                    "Event", "Endpoints", "PersistentVolumeClaim"}) {
    GroupVersionKind gvk{"", "v1", kind};
    EXPECT_EQ(KubectlFieldValidationSupport(doc, gvk), "supported") << kind;
    EXPECT_NE(SchemaWithGvk(doc, gvk), nullptr) << kind;
  }
  auto apps = Body(service.Get("/openapi/v3/apis/apps/v1", "application/json"));
  EXPECT_EQ(KubectlFieldValidationSupport(apps, {"apps", "v1", "Deployment"}), "supported");
  // Scale subresources name autoscaling/v1 Scale and must list the parameter as well.
  EXPECT_EQ(KubectlFieldValidationSupport(apps, {"autoscaling", "v1", "Scale"}), "supported");
  EXPECT_NE(SchemaWithGvk(apps, {"autoscaling", "v1", "Scale"}), nullptr);
  const json::object* deploy = SchemaWithGvk(apps, {"apps", "v1", "Deployment"});
  ASSERT_NE(deploy, nullptr);
  EXPECT_TRUE(deploy->at("properties").as_object().contains("spec"));
  EXPECT_NE(SchemaWithGvk(apps, {"apps", "v1", "DeploymentList"}), nullptr);

  auto rbac = Body(service.Get("/openapi/v3/apis/rbac.authorization.k8s.io/v1", "application/json"));
  EXPECT_EQ(KubectlFieldValidationSupport(rbac, {"rbac.authorization.k8s.io", "v1", "ClusterRole"}), "supported");
  // Create-only kinds have no PATCH: kubectl falls back to (skipped) client-side validation.
  auto authn = Body(service.Get("/openapi/v3/apis/authentication.k8s.io/v1", "application/json"));
  EXPECT_EQ(KubectlFieldValidationSupport(authn, {"authentication.k8s.io", "v1", "TokenReview"}), "no-op");
}

TEST(OpenApiTest, EveryPatchOperationWithAGvkListsFieldValidationAndNoStrategicMerge) {
  Registry registry;
  OpenApiService service(registry);
  auto index = Body(service.Get("/openapi/v3", ""));
  for (const auto& gv : index.at("paths").as_object()) {
    auto doc = Body(service.Get("/openapi/v3/" + std::string(gv.key()), "application/json"));
    for (const auto& path : doc.at("paths").as_object()) {
      const json::object& item = path.value().as_object();
      if (!item.contains("patch")) continue;
      const json::object& op = item.at("patch").as_object();
      ASSERT_TRUE(op.at("x-kubernetes-group-version-kind").is_object()) << path.key();
      bool found = false;
      for (const auto& p : op.at("parameters").as_array()) found = found || p.at("name") == "fieldValidation";
      EXPECT_TRUE(found) << path.key();
      const json::object& content = op.at("requestBody").at("content").as_object();
      EXPECT_TRUE(content.contains("application/merge-patch+json"));
      EXPECT_FALSE(content.contains("application/strategic-merge-patch+json")) << path.key();
    }
  }
}

TEST(OpenApiTest, CrdGetsItsOwnDocumentWithItsSchema) {
  Registry registry;
  OpenApiService service(registry);
  auto before = Body(service.Get("/openapi/v3", "application/json"));
  std::string core_before(before.at("paths").at("api/v1").at("serverRelativeURL").as_string());
  EXPECT_FALSE(before.at("paths").as_object().contains("apis/kaito.sh/v1beta1"));

  ASSERT_TRUE(IsOk(registry.AddCrd(CrdJson(), std::chrono::system_clock::now())));
  auto after = Body(service.Get("/openapi/v3", "application/json"));
  ASSERT_TRUE(after.at("paths").as_object().contains("apis/kaito.sh/v1beta1"));
  // Unchanged group/versions keep their hash, so clients keep their caches.
  EXPECT_EQ(after.at("paths").at("api/v1").at("serverRelativeURL"), core_before.c_str());

  auto doc = Body(service.Get("/openapi/v3/apis/kaito.sh/v1beta1", "application/json"));
  GroupVersionKind gvk{"kaito.sh", "v1beta1", "Workspace"};
  EXPECT_EQ(KubectlFieldValidationSupport(doc, gvk), "supported");
  const json::object* schema = SchemaWithGvk(doc, gvk);
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->at("description"), "A KAITO workspace.");
  const json::object& props = schema->at("properties").as_object();
  EXPECT_EQ(props.at("spec").at("properties").at("model").at("type"), "string");
  EXPECT_TRUE(props.contains("apiVersion"));
  EXPECT_TRUE(props.contains("metadata"));
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("sh.kaito.v1beta1.Workspace"));
  EXPECT_TRUE(doc.at("paths").as_object().contains("/apis/kaito.sh/v1beta1/namespaces/{namespace}/workspaces/{name}/status"));
  EXPECT_TRUE(doc.at("paths").as_object().contains("/apis/kaito.sh/v1beta1/namespaces/{namespace}/workspaces"));

  registry.RemoveCrd("workspaces.kaito.sh");
  auto removed = Body(service.Get("/openapi/v3", "application/json"));
  EXPECT_FALSE(removed.at("paths").as_object().contains("apis/kaito.sh/v1beta1"));
  auto gone = service.Get("/openapi/v3/apis/kaito.sh/v1beta1", "application/json");
  ASSERT_FALSE(IsOk(gone));
  EXPECT_EQ(std::get<ApiStatus>(gone).code, 404);
}

TEST(OpenApiTest, SchemaNames) {
  EXPECT_EQ(OpenApiSchemaName(GroupVersionKind{"", "v1", "Pod"}), "io.k8s.api.core.v1.Pod");
  EXPECT_EQ(OpenApiSchemaName(GroupVersionKind{"apps", "v1", "Deployment"}), "io.k8s.api.apps.v1.Deployment");
  EXPECT_EQ(OpenApiSchemaName(GroupVersionKind{"rbac.authorization.k8s.io", "v1", "Role"}), "io.k8s.api.rbac.v1.Role");
  EXPECT_EQ(OpenApiSchemaName(GroupVersionKind{"nvidia.com", "v1alpha1", "DynamoGraphDeployment"}),
            "com.nvidia.v1alpha1.DynamoGraphDeployment");
}

TEST(OpenApiTest, OpenApiV2IsAnEmptySwaggerDocument) {
  Registry registry;
  OpenApiService service(registry, "v1.32.4");
  auto pb = service.Get("/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  ASSERT_TRUE(IsOk(pb));
  const std::string expected = std::string("\x0a\x03" "2.0" "\x12\x15\x0a\x0a" "Kubernetes" "\x12\x07" "v1.32.4" "\x42\x00", 30);
  EXPECT_EQ(std::get<0>(pb).body, expected);
  auto js = Body(service.Get("/openapi/v2", "application/json"));
  EXPECT_EQ(js.at("swagger"), "2.0");
  auto none = service.Get("/openapi/v3/api/v1", "application/com.github.proto-openapi.spec.v3@v1.0+protobuf");
  ASSERT_FALSE(IsOk(none));
  EXPECT_EQ(std::get<ApiStatus>(none).code, 406);
}

}  // namespace
}  // namespace airunway::kubesim
