#include "services/deployments/manifest.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/deployments/validation.h"

namespace airunway::services::deployments {
namespace {

namespace json = boost::json;

json::object Config(std::string_view text) {
  Issues issues;
  auto config = ValidateDeploymentConfig(json::parse(text), issues);
  EXPECT_TRUE(issues.empty()) << issues.size();
  return config;
}

TEST(ManifestTest, AggregatedVllm) {
  auto m = BuildManifest(Config(R"({"name":"demo","modelId":"Qwen/Qwen3-0.6B","engine":"vllm","resources":{"gpu":1},
                                    "engineArgs":{"tp":8,"util":0.95,"eager":true,"drop":null,"s":"x"},
                                    "env":{"B":"2","A":"1"}})"),
                         "default");
  EXPECT_EQ(json::serialize(m.at("metadata")),
            R"({"name":"demo","namespace":"default","labels":{"app.kubernetes.io/name":"airunway",)"
            R"("app.kubernetes.io/instance":"demo","app.kubernetes.io/managed-by":"airunway"}})");
  EXPECT_EQ(json::serialize(m.at("spec")),
            R"({"model":{"id":"Qwen/Qwen3-0.6B","source":"huggingface"},"engine":{"type":"vllm","trustRemoteCode":false,)"
            R"("enablePrefixCaching":true,"enforceEager":false,"args":{"tp":"8","util":"0.95","eager":"true","s":"x"}},)"
            R"("serving":{"mode":"aggregated"},"env":[{"name":"B","value":"2"},{"name":"A","value":"1"}],)"
            R"("scaling":{"replicas":1},"resources":{"gpu":{"count":1,"type":"nvidia.com/gpu"}}})");
}

TEST(ManifestTest, KaitoGgufDirectAndPremade) {
  auto gguf = Config(R"({"name":"g","modelId":"Qwen/Qwen3-0.6B-GGUF","engine":"llamacpp","provider":"kaito",
                         "modelSource":"huggingface","ggufRunMode":"direct","ggufFile":"q/Qwen3 0.6B.gguf"})");
  ResolveKaitoImage(gguf);
  auto m = BuildManifest(gguf, "ns");
  EXPECT_EQ(m.at("spec").at("engine").at("type"), "llamacpp");
  EXPECT_EQ(m.at("spec").at("engine").at("args").at("ggufUrl"),
            "https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/q/Qwen3%200.6B.gguf");
  EXPECT_EQ(m.at("spec").at("image").as_string(), kLlamaCppRunner);
  EXPECT_EQ(m.at("spec").at("provider").at("name"), "kaito");

  auto premade = Config(R"({"name":"p","modelId":"llama","engine":"llamacpp","provider":"kaito","modelSource":"premade",
                            "premadeModel":"llama3.2:3b","computeType":"cpu","resources":{"gpu":1}})");
  ResolveKaitoImage(premade);
  auto pm = BuildManifest(premade, "ns");
  EXPECT_EQ(pm.at("spec").at("image"), "ghcr.io/kaito-project/aikit/llama3.2:3b");
  EXPECT_EQ(json::serialize(pm.at("spec").at("resources")), R"({"gpu":{"count":0,"type":"nvidia.com/gpu"}})");
}

TEST(ManifestTest, RecipeProvenanceVllmProviderAndGateway) {
  auto config = Config(R"({"name":"r","modelId":"m","engine":"vllm","provider":"vllm","imageRef":"vllm/vllm:1",
    "engineExtraArgs":["--x"],"gatewayEnabled":false,
    "recipeProvenance":{"source":" recipes ","id":"a","strategy":"s","hardware":"h","variant":"v","precision":"fp8",
                        "revision":"r1","features":["f1"]}})");
  auto m = BuildManifest(config, "ns");
  EXPECT_EQ(json::serialize(m.at("metadata").at("annotations")),
            R"({"airunway.ai/generated-by":"vllm-recipe-resolver","airunway.ai/recipe.source":"recipes",)"
            R"("airunway.ai/recipe.id":"a","airunway.ai/recipe.strategy":"s","airunway.ai/recipe.hardware":"h",)"
            R"("airunway.ai/recipe.variant":"v","airunway.ai/recipe.precision":"fp8","airunway.ai/recipe.revision":"r1",)"
            R"("airunway.ai/recipe.features":"[\"f1\"]"})");
  EXPECT_EQ(m.at("spec").at("engine").at("image"), "vllm/vllm:1");
  EXPECT_FALSE(m.at("spec").as_object().contains("image"));
  EXPECT_EQ(json::serialize(m.at("spec").at("engine").at("extraArgs")), R"(["--x"])");
  EXPECT_EQ(json::serialize(m.at("spec").at("gateway")), R"({"enabled":false})");

  auto blank = Config(R"({"name":"r","modelId":"m","engine":"vllm","recipeProvenance":{"source":"  "}})");
  EXPECT_FALSE(BuildManifest(blank, "ns").at("metadata").as_object().contains("annotations"));
}

TEST(ManifestTest, DisaggregatedAndRouterMode) {
  auto m = BuildManifest(Config(R"({"name":"d","modelId":"m","engine":"sglang","mode":"disaggregated","provider":"dynamo",
                                    "routerMode":"kv","prefillGpus":2,"decodeReplicas":3,"decodeGpus":1})"),
                         "ns");
  EXPECT_EQ(json::serialize(m.at("spec").at("scaling")),
            R"({"prefill":{"replicas":1,"gpu":{"count":2,"type":"nvidia.com/gpu"}},)"
            R"("decode":{"replicas":3,"gpu":{"count":1,"type":"nvidia.com/gpu"}}})");
  EXPECT_EQ(json::serialize(m.at("spec").at("provider")), R"({"name":"dynamo","overrides":{"routerMode":"kv"}})");
  EXPECT_FALSE(m.at("spec").as_object().contains("resources"));
}

TEST(ManifestTest, PreviewStorageDefaults) {
  auto config = Config(R"({"name":"test-deploy","modelId":"m","engine":"vllm","storage":{"volumes":[
      {"name":"cache","purpose":"modelCache","size":"10Gi"},
      {"name":"compile","purpose":"compilationCache","size":"1Gi","accessMode":"ReadWriteOnce","mountPath":"/cc"}]}})");
  ApplyStorageDefaults(config);
  auto volumes = BuildManifest(config, "ns").at("spec").at("model").at("storage").at("volumes").as_array();
  EXPECT_EQ(volumes[0].at("claimName"), "test-deploy-cache");
  EXPECT_EQ(volumes[0].at("accessMode"), "ReadWriteMany");
  EXPECT_EQ(volumes[0].at("mountPath"), "/model-cache");
  EXPECT_EQ(volumes[1].at("mountPath"), "/cc");
  EXPECT_EQ(volumes[1].at("accessMode"), "ReadWriteOnce");
}

}  // namespace
}  // namespace airunway::services::deployments
