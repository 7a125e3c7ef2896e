#include "services/huggingface/compatibility.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace airunway::huggingface {
namespace {

boost::json::object Model(std::string_view json) { return boost::json::parse(json).as_object(); }

std::vector<std::string> Engines(const boost::json::object& result) {
  std::vector<std::string> engines;
  for (const auto& engine : result.at("supportedEngines").as_array()) engines.emplace_back(engine.as_string());
  return engines;
}

TEST(CompatibilityTest, InfersArchitecturesFromIdsInPatternOrder) {
  EXPECT_EQ(InferArchitectures("meta-llama/Llama-4-Scout"), std::vector<std::string>{"Llama4ForCausalLM"});
  EXPECT_EQ(InferArchitectures("meta-llama/Meta-Llama-3-70B"), std::vector<std::string>{"LlamaForCausalLM"});
  EXPECT_EQ(InferArchitectures("mistralai/Mixtral-8x7B"), std::vector<std::string>{"MixtralForCausalLM"});
  EXPECT_EQ(InferArchitectures("mistralai/Mistral-Large-2411"), std::vector<std::string>{"MistralLarge3ForCausalLM"});
  EXPECT_EQ(InferArchitectures("Qwen/Qwen3-30B-A3B-MoE"), std::vector<std::string>{"Qwen3MoeForCausalLM"});
  EXPECT_EQ(InferArchitectures("Qwen/Qwen3.5-9B"), std::vector<std::string>{"Qwen3_5ForConditionalGeneration"});
  EXPECT_EQ(InferArchitectures("Qwen/Qwen2.5-7B"), std::vector<std::string>{"Qwen2ForCausalLM"});
  EXPECT_EQ(InferArchitectures("google/gemma-2-9b"), std::vector<std::string>{"Gemma2ForCausalLM"});
  EXPECT_EQ(InferArchitectures("google/gemma-3n-E4B"), std::vector<std::string>{"Gemma3nForCausalLM"});
  EXPECT_EQ(InferArchitectures("openai/gpt-oss-20b"), std::vector<std::string>{"GptOssForCausalLM"});
  EXPECT_EQ(InferArchitectures("CohereForAI/c4ai-command-r-v01"), std::vector<std::string>{"CohereForCausalLM"});
  EXPECT_TRUE(InferArchitectures("someone/unknown-model").empty());
}

TEST(CompatibilityTest, ParameterCountsComeFromSafetensorsThenTheId) {
  EXPECT_EQ(ParameterCount(Model(R"({"id":"a/b-7B","safetensors":{"total":123}})")), 123.0);
  EXPECT_EQ(ParameterCount(Model(R"({"id":"a/b","safetensors":{"parameters":{"BF16":100,"F32":23}}})")), 123.0);
  EXPECT_EQ(ParameterCount(Model(R"({"id":"Qwen/Qwen3-8B"})")), 8e9);
  EXPECT_EQ(ParameterCount(Model(R"({"id":"Qwen/Qwen2.5-0.5B-Instruct"})")), 0.5e9);
  EXPECT_EQ(ParameterCount(Model(R"({"id":"HuggingFaceTB/SmolLM2-360M"})")), 360e6);
  EXPECT_EQ(ParameterCount(Model(R"({"id":"mistralai/Mixtral-8x7B"})")), std::nullopt);  // "x7B" has no separator
  EXPECT_EQ(ParameterCount(Model(R"({"id":"HuggingFaceTB/SmolLM2_360M"})")), 360e6);
  EXPECT_EQ(ParameterCount(Model(R"({"id":"a/model"})")), std::nullopt);
}

TEST(CompatibilityTest, GatedMeansTrueAutoOrManual) {
  EXPECT_TRUE(IsGated(Model(R"({"gated":true})")));
  EXPECT_TRUE(IsGated(Model(R"({"gated":"auto"})")));
  EXPECT_TRUE(IsGated(Model(R"({"gated":"manual"})")));
  EXPECT_FALSE(IsGated(Model(R"({"gated":false})")));
  EXPECT_FALSE(IsGated(Model(R"({})")));
}

TEST(CompatibilityTest, ATransformersModelGetsEnginesMemoryAndFields) {
  auto result = ToSearchResult(Model(R"({"id":"meta-llama/Llama-3.1-8B-Instruct","gated":"manual",
      "pipeline_tag":"text-generation","library_name":"transformers","downloads":5000000,"likes":4200,
      "config":{"architectures":["LlamaForCausalLM"]},"safetensors":{"total":8030261248}})"));
  EXPECT_EQ(result.at("author"), "meta-llama");
  EXPECT_EQ(result.at("name"), "Llama-3.1-8B-Instruct");
  EXPECT_EQ(result.at("downloads").as_int64(), 5000000);
  EXPECT_EQ(result.at("gated"), true);
  EXPECT_EQ(result.at("parameterCount").as_int64(), 8030261248);
  EXPECT_EQ(result.at("estimatedGpuMemory"), "18GB");
  EXPECT_EQ(result.at("estimatedGpuMemoryGb").as_int64(), 18);
  EXPECT_EQ(Engines(result), (std::vector<std::string>{"vllm", "sglang", "trtllm"}));
  EXPECT_EQ(result.at("compatible"), true);
  EXPECT_FALSE(result.contains("incompatibilityReason"));
}

TEST(CompatibilityTest, GgufModelsRunOnLlamacppOnly) {
  auto result = ToSearchResult(Model(R"({"id":"bartowski/Llama-3.2-3B-Instruct-GGUF","library_name":"gguf",
      "pipeline_tag":"text-generation"})"));
  EXPECT_EQ(Engines(result), std::vector<std::string>{"llamacpp"});
  EXPECT_EQ(result.at("architectures").as_array().at(0), "LlamaForCausalLM");
  EXPECT_EQ(result.at("parameterCount").as_int64(), 3000000000);
  EXPECT_EQ(result.at("compatible"), true);
}

TEST(CompatibilityTest, LagunaIsVllmOnly) {
  auto result = ToSearchResult(Model(R"({"id":"poolside/Laguna-XS","pipeline_tag":"text-generation",
      "library_name":"transformers","config":{"architectures":["LagunaForCausalLM"]},
      "safetensors":{"parameters":{"BF16":33000000000}}})"));
  EXPECT_EQ(Engines(result), std::vector<std::string>{"vllm"});
  EXPECT_EQ(result.at("parameterCount").as_int64(), 33000000000);
}

TEST(CompatibilityTest, IncompatibleModelsSayWhy) {
  auto no_tag = ToSearchResult(Model(R"({"id":"a/b","config":{"architectures":["BertModel"]}})"));
  EXPECT_EQ(no_tag.at("compatible"), false);
  EXPECT_EQ(no_tag.at("incompatibilityReason"), "Model has no pipeline tag");
  auto tag = ToSearchResult(Model(R"({"id":"a/b","pipeline_tag":"feature-extraction"})"));
  EXPECT_EQ(tag.at("incompatibilityReason"), "Pipeline tag \"feature-extraction\" is not supported for inference");
  auto library = ToSearchResult(Model(R"({"id":"a/b","pipeline_tag":"text-generation","library_name":"mlx"})"));
  EXPECT_EQ(library.at("incompatibilityReason"), "Library \"mlx\" is not supported");
  auto unknown = ToSearchResult(Model(R"({"id":"a/b","pipeline_tag":"text-generation"})"));
  EXPECT_EQ(unknown.at("incompatibilityReason"), "Model architecture is unknown");
  auto unsupported = ToSearchResult(Model(R"({"id":"a/b","pipeline_tag":"image-text-to-text",
      "config":{"architectures":["LlavaForConditionalGeneration"]}})"));
  EXPECT_EQ(unsupported.at("incompatibilityReason"),
            "Architecture \"LlavaForConditionalGeneration\" is not supported by any engine");
}

TEST(CompatibilityTest, RepoIdValidation) {
  for (const char* good : {"gpt2", "meta-llama/Meta-Llama-3-70B", "a_b.c-d/e.f_g-h"}) {
    EXPECT_TRUE(IsValidRepoId(good)) << good;
  }
  for (const char* bad : {"", ".", "..", "owner/", "/name", "a/b/c", "../etc", "a/..", "a b", "a?b", "a#b"}) {
    EXPECT_FALSE(IsValidRepoId(bad)) << bad;
  }
  EXPECT_FALSE(IsValidRepoId(std::string(97, 'a')));
  EXPECT_TRUE(IsValidRepoId(std::string(96, 'a')));
}

}  // namespace
}  // namespace airunway::huggingface
