#include "services/deployments/providers.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace airunway::services::deployments {
namespace {

namespace json = boost::json;

json::object Provider(std::string_view name, json::object annotations, json::object spec = {}) {
  return json::object{{"apiVersion", "airunway.ai/v1alpha1"},
                      {"kind", "InferenceProviderConfig"},
                      {"metadata", {{"name", name}, {"annotations", std::move(annotations)}}},
                      {"spec", std::move(spec)}};
}

TEST(ProvidersTest, AnnotationsWinOverSpec) {
  auto config = Provider(
      "kaito",
      {{"airunway.ai/description", "Kubernetes AI Toolchain Operator"},
       {"airunway.ai/capabilities", R"({"engines":["vllm",{"name":"llamacpp","servingModes":["aggregated"],"cpuSupport":true}]})"}},
      {{"capabilities", {{"engines", json::array{"sglang"}}}}});
  auto provider = ReadProvider(config);
  EXPECT_EQ(provider.info.at("name"), "KAITO");
  EXPECT_EQ(provider.info.at("description"), "Kubernetes AI Toolchain Operator");
  EXPECT_EQ(json::serialize(provider.capabilities.at("engines")), R"(["vllm","llamacpp"])");
  EXPECT_EQ(json::serialize(provider.capabilities.at("modes")), R"(["aggregated"])");
  EXPECT_EQ(provider.capabilities.at("features").at("cpu"), true);
  EXPECT_TRUE(provider.requires_crd);
}

TEST(ProvidersTest, WarningsAndRequiresCrd) {
  auto bad = ReadProvider(Provider("custom", {{"airunway.ai/health", "{nope"}}));
  std::string warnings = json::serialize(bad.info.at("warnings"));
  EXPECT_NE(warnings.find("Invalid JSON in airunway.ai/health"), std::string::npos);
  EXPECT_NE(warnings.find("Missing airunway.ai/capabilities"), std::string::npos);
  EXPECT_EQ(bad.info.at("name"), "Custom");
  EXPECT_FALSE(ReadProvider(Provider("llmd", {})).requires_crd);
  EXPECT_FALSE(ReadProvider(Provider("x", {{"airunway.ai/display-name", "vLLM"}})).requires_crd);
  EXPECT_TRUE(ReadProvider(Provider("llmd-provider", {})).requires_crd);
  EXPECT_FALSE(ReadProvider(Provider("kaito", {{"airunway.ai/capabilities",
                                                R"({"engines":[{"name":"vllm","requiresCRD":false}]})"}}))
                   .requires_crd);
}

TEST(ProvidersTest, DetailsCarryCrdConfigAndInstallation) {
  auto details = ProviderDetails(Provider(
      "kaito", {{"airunway.ai/installation",
                 R"({"helmRepos":[{"name":"kaito","url":"https://x"}],"helmCharts":[{"name":"w","chart":"kaito/w","namespace":"kaito-workspace"}],
                     "steps":[{"title":"Install","description":"d"}]})"}}));
  EXPECT_EQ(json::serialize(details.at("crdConfig")),
            R"({"apiGroup":"airunway.ai","apiVersion":"v1alpha1","plural":"inferenceproviderconfigs","kind":"InferenceProviderConfig"})");
  EXPECT_EQ(details.at("helmCharts").as_array().size(), 1u);
  EXPECT_EQ(details.at("installationSteps").as_array().size(), 1u);
  EXPECT_EQ(details.at("installable"), true);
}

TEST(ProvidersTest, CapabilityChecks) {
  auto provider = ReadProvider(Provider(
      "p", {{"airunway.ai/capabilities",
             R"({"engines":["vllm",{"name":"trtllm","servingModes":["aggregated"]}],"modes":["aggregated"],
                 "modelSources":["vllm"],"routerModes":["kv"]})"}}));
  auto check = [&](std::string_view body) {
    return UnsupportedBy(provider, json::parse(body).as_object()).value_or("");
  };
  EXPECT_NE(check(R"({"engine":"sglang"})").find(R"(does not support engine "sglang")"), std::string::npos);
  EXPECT_NE(check(R"({"engine":"vllm","mode":"disaggregated","modelSource":"vllm"})").find(R"(does not support mode "disaggregated")"),
            std::string::npos);
  EXPECT_NE(check(R"({"engine":"trtllm","mode":"disaggregated"})").find(R"(does not support mode for engine trtllm "disaggregated")"),
            std::string::npos);
  EXPECT_NE(check(R"({"engine":"vllm","mode":"aggregated"})").find(R"(does not support model source "huggingface")"),
            std::string::npos);
  EXPECT_EQ(check(R"({"engine":"vllm","mode":"aggregated","modelSource":"vllm","routerMode":"default"})"), "");
  EXPECT_NE(check(R"({"engine":"vllm","modelSource":"vllm","routerMode":"default","providerOverrides":{"routerMode":"unsupported"}})")
                .find(R"(does not support router mode "unsupported")"), std::string::npos);
}

TEST(ProvidersTest, Selectors) {
  json::object labels{{"app", "x"}, {"tier", "web"}};
  EXPECT_TRUE(SelectorMatches("app=x,tier==web", labels));
  EXPECT_FALSE(SelectorMatches("app=y", labels));
  EXPECT_TRUE(SelectorMatches("app,!missing", labels));
  EXPECT_FALSE(SelectorMatches("tier!=web", labels));
}

TEST(ProvidersTest, ShimHealth) {
  auto config = json::parse(R"({"status":{"ready":false,"lastHeartbeat":"2020-01-01T00:00:00Z"}})").as_object();
  auto stale = CheckShimHealth(config, std::chrono::minutes(3));
  EXPECT_TRUE(stale.stale);
  EXPECT_EQ(stale.reason, "ShimStale");
  auto ready = CheckShimHealth(json::parse(R"({"status":{"ready":true}})").as_object(), std::chrono::minutes(3));
  EXPECT_TRUE(ready.healthy);
  EXPECT_EQ(ready.message, "Provider is installed and running");
}

}  // namespace
}  // namespace airunway::services::deployments
