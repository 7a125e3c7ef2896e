// /api/settings, /api/providers*, /api/settings/providers*, /api/runtimes/status.
#include <thread>
#include <vector>

#include "tests/integration/api_fixture.h"

namespace airunway::api::testing {
namespace {

using SettingsApiTest = ApiTest;

json::object KaitoProvider() {
  return json::object{
      {"apiVersion", "airunway.ai/v1alpha1"},
      {"kind", "InferenceProviderConfig"},
      {"metadata",
       {{"name", "kaito"},
        {"annotations",
         {{"airunway.ai/description", "Kubernetes AI Toolchain Operator"},
          {"airunway.ai/default-namespace", "kaito-workspace"},
          {"airunway.ai/capabilities",
           R"({"engines":["vllm","llamacpp"],"modes":["aggregated"],"modelSources":["huggingface","premade","vllm"]})"},
          {"airunway.ai/installation",
           R"({"helmCharts":[{"name":"kaito-workspace","chart":"kaito/workspace","namespace":"kaito-workspace"}],
               "steps":[{"title":"Install KAITO","description":"helm install"}]})"}}}}},
      {"spec", {{"capabilities", {{"engines", json::array{{{"name", "sglang"}}}}}}}}};
}

TEST_F(SettingsApiTest, DefaultsBeforeAnyWrite) {
  auto body = Parse(Get("/api/settings").body);
  EXPECT_EQ(json::serialize(body), R"({"config":{"defaultNamespace":"airunway-system"},"providers":[],"auth":{"enabled":false}})");
}

// Reference bug (upstream-api.md §11 item 1): the first PUT /api/settings failed because the
// 404 for the missing ConfigMap (and namespace) was never recognised.
TEST_F(SettingsApiTest, Bug1FirstPutCreatesNamespaceAndConfigMap) {
  auto put = Send("PUT", "/api/settings", R"({"defaultNamespace":"team-a","ignored":1})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::serialize(Parse(put.body)),
            R"({"message":"Settings updated successfully","config":{"defaultNamespace":"team-a"}})");
  auto cm = api_.cluster->client().Get(kube::kConfigMaps, "airunway-system", "airunway-config");
  ASSERT_TRUE(cm) << cm.error().message;
  EXPECT_EQ(json::value(cm->at("data").at("config.json")), "{\n  \"defaultNamespace\": \"team-a\"\n}");
  EXPECT_EQ(cm->at("metadata").at("labels").at("app.kubernetes.io/managed-by"), "airunway");
  // Read-your-writes: GET is served from the cache, which has caught up.
  EXPECT_EQ(Parse(Get("/api/settings").body).at("config").at("defaultNamespace"), "team-a");
}

TEST_F(SettingsApiTest, InvalidBodiesAre400) {
  auto wrong_type = Send("PUT", "/api/settings", R"({"defaultNamespace":5})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.body.find("ZodError"), std::string::npos);
  auto bad_namespace = Send("PUT", "/api/settings", R"({"defaultNamespace":"Not_A_Namespace"})");
  EXPECT_EQ(bad_namespace.status, 400);
  EXPECT_NE(bad_namespace.body.find("Namespace must be lowercase"), std::string::npos);
  EXPECT_EQ(Send("PUT", "/api/settings", "{oops").status, 400);
}

TEST_F(SettingsApiTest, TwentyConcurrentHttpWritersAllSucceed) {
  std::vector<std::thread> writers;
  std::vector<int> statuses(20);
  for (int i = 0; i < 20; ++i) {
    writers.emplace_back([&, i] {
      statuses[static_cast<std::size_t>(i)] =
          Send("PUT", "/api/settings", R"({"defaultNamespace":"ns-)" + std::to_string(i) + R"("})").status;
    });
  }
  for (auto& w : writers) w.join();
  for (int status : statuses) EXPECT_EQ(status, 200);
}

// No lost update: 20 writers each add their own key through read-modify-write; all 20 keys
// survive (a writer that lost a race re-reads and re-applies on the 409).
TEST_F(SettingsApiTest, TwentyConcurrentWritersLoseNoUpdate) {
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 20; ++i) {
    writers.emplace_back([&, i] {
      auto written = api_.cluster->UpdateAppConfig([i](json::object& config) { config["writer" + std::to_string(i)] = i; });
      if (!written) failures++;
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);
  auto cm = api_.cluster->client().Get(kube::kConfigMaps, "airunway-system", "airunway-config");
  ASSERT_TRUE(cm);
  auto stored = Parse(std::string(cm->at("data").at("config.json").as_string()));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(stored.contains("writer" + std::to_string(i))) << i;
  EXPECT_EQ(stored.at("defaultNamespace"), "airunway-system");
}

TEST_F(SettingsApiTest, ProvidersFromInferenceProviderConfigs) {
  Seed(KaitoProvider());
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->ProviderConfig("kaito").has_value(); }));
  auto list = Parse(Get("/api/providers").body);
  ASSERT_EQ(list.at("providers").as_array().size(), 1u);
  auto kaito = list.at("providers").as_array()[0].as_object();
  EXPECT_EQ(kaito.at("id"), "kaito");
  EXPECT_EQ(kaito.at("name"), "KAITO");
  EXPECT_EQ(kaito.at("description"), "Kubernetes AI Toolchain Operator");
  EXPECT_EQ(json::serialize(kaito.at("capabilities").at("engines")), R"(["vllm","llamacpp"])");
  EXPECT_EQ(Get("/api/settings/providers").body, Get("/api/providers").body);
  EXPECT_EQ(Parse(Get("/api/settings").body).at("providers").as_array()[0].at("id"), "kaito");

  auto details = Parse(Get("/api/providers/kaito").body);
  EXPECT_EQ(details.at("crdConfig").at("plural"), "inferenceproviderconfigs");
  EXPECT_EQ(details.at("helmCharts").as_array().size(), 1u);
  EXPECT_EQ(details.at("installationSteps").as_array().size(), 1u);
  EXPECT_EQ(Get("/api/settings/providers/kaito").body, Get("/api/providers/kaito").body);
}

// Reference bug (upstream-api.md §11 item 1 / upstream-runtime.md §1 item 3): an unknown
// provider id answered 500 instead of 404.
TEST_F(SettingsApiTest, Bug1UnknownProviderIs404) {
  auto response = Get("/api/providers/nope");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(Parse(response.body).at("error").at("message"), "Provider not found: nope");
  EXPECT_EQ(Get("/api/settings/providers/nope").status, 404);
}

TEST_F(SettingsApiTest, RuntimesStatusFromCaches) {
  Seed(KaitoProvider());
  ASSERT_TRUE(WaitFor([&] { return api_.cluster->ProviderConfig("kaito").has_value(); }));
  auto body = Parse(Get("/api/runtimes/status").body);
  ASSERT_EQ(body.at("runtimes").as_array().size(), 1u);
  auto kaito = body.at("runtimes").as_array()[0].as_object();
  EXPECT_EQ(kaito.at("id"), "kaito");
  EXPECT_EQ(kaito.at("installed"), false);
  EXPECT_EQ(kaito.at("crdFound"), false);
  EXPECT_EQ(kaito.at("message"), "KAITO workspace CRD not found");
  EXPECT_EQ(Get("/api/installation/runtimes/status").body, Get("/api/runtimes/status").body);
}

}  // namespace
}  // namespace airunway::api::testing
