#include "services/huggingface/compatibility.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <regex>
#include <unordered_set>

#include "common/json.h"
#include "services/catalog/catalog.h"
#include "services/catalog/gpu_fit.h"

namespace airunway::huggingface {

namespace {

using ArchSet = std::unordered_set<std::string_view>;

const ArchSet& VllmArchitectures() {
  static const ArchSet kSet = {
      "LlamaForCausalLM", "Llama4ForCausalLM", "Llama4ForConditionalGeneration", "MistralForCausalLM",
      "MistralLarge3ForCausalLM", "Mistral3ForConditionalGeneration", "Ministral3ForCausalLM",
      "MixtralForCausalLM", "QWenLMHeadModel", "Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM",
      "Qwen3MoeForCausalLM", "Qwen3NextForCausalLM", "Qwen2_5_VLForConditionalGeneration",
      "Qwen3VLForConditionalGeneration", "Qwen3VLMoeForConditionalGeneration", "Qwen3_5ForConditionalGeneration",
      "Qwen3_5MoeForConditionalGeneration", "GemmaForCausalLM", "Gemma2ForCausalLM", "Gemma3ForCausalLM",
      "Gemma3ForConditionalGeneration", "Gemma3nForCausalLM", "Gemma3nForConditionalGeneration", "PhiForCausalLM",
      "Phi3ForCausalLM", "PhiMoEForCausalLM", "Phi4MMForCausalLM", "GPT2LMHeadModel", "GPTNeoForCausalLM",
      "GPTNeoXForCausalLM", "GPTJForCausalLM", "GPTBigCodeForCausalLM", "GptOssForCausalLM", "DeepseekForCausalLM",
      "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", "DeepseekVLV2ForCausalLM",
      "ChatGLMModel", "ChatGLMForConditionalGeneration", "Glm4ForCausalLM", "Glm4MoeForCausalLM",
      "Glm4MoeLiteForCausalLM", "GlmMoeDsaForCausalLM", "GLM4VForCausalLM", "KimiK25ForConditionalGeneration",
      "KimiLinearForCausalLM", "KimiVLForConditionalGeneration", "MoonshotKimiaForCausalLM", "FalconForCausalLM",
      "FalconMambaForCausalLM", "FalconH1ForCausalLM", "NemotronForCausalLM", "NemotronHForCausalLM",
      "CohereForCausalLM", "Cohere2ForCausalLM", "Cohere2VisionForConditionalGeneration", "InternLMForCausalLM",
      "InternLM2ForCausalLM", "InternLM3ForCausalLM", "InternVLChatModel", "MiniCPMForCausalLM",
      "MiniCPM3ForCausalLM", "OlmoForCausalLM", "Olmo2ForCausalLM", "Olmo3ForCausalLM", "OlmoeForCausalLM",
      "GraniteForCausalLM", "GraniteMoeForCausalLM", "GraniteMoeHybridForCausalLM", "GraniteMoeSharedForCausalLM",
      "StableLmForCausalLM", "Starcoder2ForCausalLM", "OPTForCausalLM", "BloomForCausalLM", "MPTForCausalLM",
      "MptForCausalLM", "BaichuanForCausalLM", "BaiChuanForCausalLM", "DbrxForCausalLM", "DeciLMForCausalLM",
      "ExaoneForCausalLM", "Exaone4ForCausalLM", "ExaoneMoEForCausalLM", "ArcticForCausalLM", "JambaForCausalLM",
      "LagunaForCausalLM", "PersimmonForCausalLM", "SolarForCausalLM", "TeleChat2ForCausalLM", "TeleFLMForCausalLM",
      "XverseForCausalLM", "Zamba2ForCausalLM", "Grok1ForCausalLM", "Grok1ModelForCausalLM", "OrionForCausalLM",
      "MambaForCausalLM", "Mamba2ForCausalLM", "BailingMoeForCausalLM", "BailingMoeV2ForCausalLM",
      "HunYuanMoEV1ForCausalLM", "HunYuanDenseV1ForCausalLM", "MiniMaxForCausalLM", "MiniMaxM2ForCausalLM",
      "SarvamMoEForCausalLM", "SarvamMLAForCausalLM", "Lfm2ForCausalLM", "Lfm2MoeForCausalLM", "AfmoeForCausalLM",
      "ArceeForCausalLM", "LongcatFlashForCausalLM", "MiMoForCausalLM", "MiMoV2FlashForCausalLM",
      "Step3p5ForCausalLM", "Dots1ForCausalLM", "BambaForCausalLM", "Ernie4_5ForCausalLM", "Ernie4_5_MoeForCausalLM",
      "Plamo2ForCausalLM", "Plamo3ForCausalLM", "SeedOssForCausalLM"};
  return kSet;
}

const ArchSet& SglangArchitectures() {
  static const ArchSet kSet = {
      "LlamaForCausalLM", "Llama4ForCausalLM", "MistralForCausalLM", "MistralLarge3ForCausalLM",
      "Mistral3ForConditionalGeneration", "Ministral3ForCausalLM", "MixtralForCausalLM", "QWenLMHeadModel",
      "Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM", "Qwen3MoeForCausalLM",
      "Qwen3VLForConditionalGeneration", "Qwen3_5ForConditionalGeneration", "Qwen3_5MoeForConditionalGeneration",
      "GemmaForCausalLM", "Gemma2ForCausalLM", "Gemma3ForCausalLM", "Gemma3ForConditionalGeneration",
      "Gemma3nForCausalLM", "PhiForCausalLM", "Phi3ForCausalLM", "PhiMoEForCausalLM", "Phi4MMForCausalLM",
      "GPT2LMHeadModel", "GPTNeoXForCausalLM", "GPTBigCodeForCausalLM", "GPTJForCausalLM", "GptOssForCausalLM",
      "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM", "ChatGLMModel", "Glm4ForCausalLM",
      "Glm4MoeForCausalLM", "Glm4MoeLiteForCausalLM", "GlmMoeDsaForCausalLM", "KimiK25ForConditionalGeneration",
      "KimiLinearForCausalLM", "FalconH1ForCausalLM", "NemotronHForCausalLM", "CohereForCausalLM",
      "Cohere2ForCausalLM", "InternLM2ForCausalLM", "InternLM3ForCausalLM", "MiniCPMForCausalLM",
      "MiniCPM3ForCausalLM", "OlmoForCausalLM", "Olmo2ForCausalLM", "OlmoeForCausalLM", "GraniteForCausalLM",
      "GraniteMoeForCausalLM", "GraniteMoeHybridForCausalLM", "StableLmForCausalLM", "Starcoder2ForCausalLM",
      "OPTForCausalLM", "BaichuanForCausalLM", "DbrxForCausalLM", "ExaoneForCausalLM", "Exaone4ForCausalLM",
      "ExaoneMoEForCausalLM", "SolarForCausalLM", "PersimmonForCausalLM", "XverseForCausalLM", "OrionForCausalLM",
      "TeleFLMForCausalLM", "Grok1ForCausalLM", "Grok1ModelForCausalLM", "BailingMoeForCausalLM",
      "BailingMoeV2ForCausalLM", "HunYuanMoEV1ForCausalLM", "HunYuanDenseV1ForCausalLM", "SarvamMoEForCausalLM",
      "SarvamMLAForCausalLM", "Lfm2ForCausalLM", "AfmoeForCausalLM", "ArceeForCausalLM", "LongcatFlashForCausalLM",
      "MiMoForCausalLM", "MiMoV2FlashForCausalLM", "Step3p5ForCausalLM"};
  return kSet;
}

const ArchSet& TrtllmArchitectures() {
  static const ArchSet kSet = {
      "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM", "Qwen2ForCausalLM", "Qwen2MoeForCausalLM",
      "Qwen3ForCausalLM", "Qwen3MoeForCausalLM", "QWenLMHeadModel", "QWenForCausalLM", "GPT2LMHeadModel",
      "GPTBigCodeForCausalLM", "GPTNeoXForCausalLM", "GPTJForCausalLM", "NemotronForCausalLM", "FalconForCausalLM",
      "PhiForCausalLM", "Phi3ForCausalLM", "PhiMoEForCausalLM", "Phi4MMForCausalLM", "GemmaForCausalLM",
      "RecurrentGemmaForCausalLM", "BloomForCausalLM", "MPTForCausalLM", "MptForCausalLM", "OPTForCausalLM",
      "BaichuanForCausalLM", "BaiChuanForCausalLM", "ChatGLMModel", "ChatGLMForCausalLM",
      "ChatGLMForConditionalGeneration", "CohereForCausalLM", "DbrxForCausalLM", "DeciLMForCausalLM",
      "DeepseekForCausalLM", "DeepseekV2ForCausalLM", "ExaoneForCausalLM", "InternLMForCausalLM",
      "InternLM2ForCausalLM", "GraniteForCausalLM", "GraniteMoeForCausalLM", "ArcticForCausalLM",
      "Grok1ModelForCausalLM", "MambaForCausalLM", "Starcoder2ForCausalLM", "JAISLMHeadModel"};
  return kSet;
}

const ArchSet& LlamacppArchitectures() {
  static const ArchSet kSet = {
      "LlamaForCausalLM", "Llama4ForCausalLM", "MistralForCausalLM", "Mistral3ForConditionalGeneration",
      "MixtralForCausalLM", "Qwen2ForCausalLM", "Qwen2MoeForCausalLM", "Qwen3ForCausalLM", "Qwen3MoeForCausalLM",
      "QWenLMHeadModel", "GPT2LMHeadModel", "GPTNeoForCausalLM", "GPTNeoXForCausalLM", "GptOssForCausalLM",
      "PhiForCausalLM", "Phi3ForCausalLM", "PhiMoEForCausalLM", "GemmaForCausalLM", "Gemma2ForCausalLM",
      "Gemma3ForCausalLM", "Gemma3nForCausalLM", "FalconForCausalLM", "FalconH1ForCausalLM", "StableLmForCausalLM",
      "Starcoder2ForCausalLM", "BloomForCausalLM", "MPTForCausalLM", "MptForCausalLM", "InternLMForCausalLM",
      "InternLM2ForCausalLM", "DeepseekForCausalLM", "DeepseekV2ForCausalLM", "ChatGLMModel", "Glm4ForCausalLM",
      "Glm4MoeForCausalLM", "OlmoForCausalLM", "Olmo2ForCausalLM", "OlmoeForCausalLM", "MiniCPMForCausalLM",
      "MiniCPM3ForCausalLM", "BaichuanForCausalLM", "CohereForCausalLM", "Cohere2ForCausalLM", "DbrxForCausalLM",
      "GraniteForCausalLM", "GraniteMoeForCausalLM", "ExaoneForCausalLM", "Exaone4ForCausalLM", "JambaForCausalLM",
      "MambaForCausalLM", "Mamba2ForCausalLM", "ArcticForCausalLM", "ArceeForCausalLM", "NemotronForCausalLM",
      "NemotronHForCausalLM", "KimiLinearForCausalLM", "BailingMoeForCausalLM", "Ernie4_5ForCausalLM",
      "Ernie4_5_MoeForCausalLM", "HunYuanMoEV1ForCausalLM", "HunYuanDenseV1ForCausalLM", "AfmoeForCausalLM",
      "MiniMaxM2ForCausalLM", "Lfm2ForCausalLM", "Lfm2MoeForCausalLM", "Dots1ForCausalLM", "Step3p5ForCausalLM",
      "SeedOssForCausalLM", "Plamo2ForCausalLM", "Plamo3ForCausalLM", "MiMoV2FlashForCausalLM"};
  return kSet;
}

// Id patterns tried in order; the first that matches names the architecture. Word
// boundaries keep "gemma" from matching inside "codegemma2b"-style ids only where intended.
struct IdPattern {
  std::regex pattern;
  const char* architecture;
};

const std::vector<IdPattern>& IdPatterns() {
  static const std::vector<IdPattern> kPatterns = [] {
    const std::pair<const char*, const char*> table[] = {
        {R"(llama[-_]?4)", "Llama4ForCausalLM"},
        {R"(llama[-_]?3)", "LlamaForCausalLM"},
        {R"(llama[-_]?2)", "LlamaForCausalLM"},
        {R"(llama)", "LlamaForCausalLM"},
        {R"(\bmixtral)", "MixtralForCausalLM"},
        {R"(\bministral)", "Ministral3ForCausalLM"},
        {R"(\bmistral[-_]?large)", "MistralLarge3ForCausalLM"},
        {R"(\bmistral)", "MistralForCausalLM"},
        {R"(\bqwen[-_.]?3[-_.]?5)", "Qwen3_5ForConditionalGeneration"},
        {R"(\bqwen[-_]?3.*moe)", "Qwen3MoeForCausalLM"},
        {R"(\bqwen[-_]?3)", "Qwen3ForCausalLM"},
        {R"(\bqwen[-_]?2.*moe)", "Qwen2MoeForCausalLM"},
        {R"(\bqwen)", "Qwen2ForCausalLM"},
        {R"(\bgemma[-_]?3n)", "Gemma3nForCausalLM"},
        {R"(\bgemma[-_]?3)", "Gemma3ForCausalLM"},
        {R"(\bgemma[-_]?2(-|$)|\bgemma2\b)", "Gemma2ForCausalLM"},
        {R"(\bgemma\b)", "GemmaForCausalLM"},
        {R"(\bphi[-_]?4)", "Phi4MMForCausalLM"},
        {R"(\bphi[-_]?3)", "Phi3ForCausalLM"},
        {R"(\bphi)", "PhiForCausalLM"},
        {R"(\bkimi[-_]?k2)", "KimiK25ForConditionalGeneration"},
        {R"(\bkimi)", "KimiLinearForCausalLM"},
        {R"(\bfalcon[-_]?h)", "FalconH1ForCausalLM"},
        {R"(\bfalcon)", "FalconForCausalLM"},
        {R"(\bdeepseek[-_]?v3)", "DeepseekV3ForCausalLM"},
        {R"(\bdeepseek)", "DeepseekV2ForCausalLM"},
        {R"(\bglm[-_]?4)", "Glm4ForCausalLM"},
        {R"(\bchatglm)", "ChatGLMModel"},
        {R"(\bnemotron)", "NemotronForCausalLM"},
        {R"(\bgranite)", "GraniteForCausalLM"},
        {R"(\bolmo[-_]?2)", "Olmo2ForCausalLM"},
        {R"(\bolmo)", "OlmoForCausalLM"},
        {R"(\binternlm[-_]?3)", "InternLM3ForCausalLM"},
        {R"(\binternlm)", "InternLM2ForCausalLM"},
        {R"(\bcohere[-_]?2)", "Cohere2ForCausalLM"},
        {R"(\bcohere\b|command[-_]?r)", "CohereForCausalLM"},
        {R"(\bgrok)", "Grok1ForCausalLM"},
        {R"(\bjamba)", "JambaForCausalLM"},
        {R"(\bminicpm)", "MiniCPMForCausalLM"},
        {R"(\bexaone)", "ExaoneForCausalLM"},
        {R"(\bstarcoder)", "Starcoder2ForCausalLM"},
        {R"(\bgpt[-_]?oss)", "GptOssForCausalLM"},
    };
    std::vector<IdPattern> patterns;
    for (const auto& [text, architecture] : table) {
      patterns.push_back({std::regex(text, std::regex::ECMAScript | std::regex::icase), architecture});
    }
    return patterns;
  }();
  return kPatterns;
}

// A number that starts the id or follows a separator, then the unit letter (optionally after
// spaces): "8B", "0.5B", "360M", "70billion".
std::optional<double> SizeFromId(std::string_view id, const std::regex& re, double multiplier) {
  std::cmatch match;
  if (!std::regex_search(id.data(), id.data() + id.size(), match, re)) return std::nullopt;
  std::string number = match[2].str();
  double value = 0;
  auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || !(value > 0) || value >= 10000) return std::nullopt;
  return value * multiplier;
}

// Whole numbers go on the wire as integers ("8030261248", not "8.030261248E9").
boost::json::value NumberValue(double number) {
  if (std::floor(number) == number && std::fabs(number) < 9.0e15) return static_cast<std::int64_t>(number);
  return number;
}

std::vector<std::string> StringsOf(const boost::json::value* value) {
  std::vector<std::string> out;
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : value->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

double NumberOr(const boost::json::object& object, std::string_view key, double fallback) {
  const auto* value = common::Find(object, key);
  if (value == nullptr || !value->is_number()) return fallback;
  return value->to_number<double>();
}

bool IsGguf(std::string_view id, std::string_view library) {
  if (library == "gguf") return true;
  std::string lower(id);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("gguf") != std::string::npos;
}

}  // namespace

std::string_view EngineName(Engine engine) {
  switch (engine) {
    case Engine::kVllm: return "vllm";
    case Engine::kSglang: return "sglang";
    case Engine::kTrtllm: return "trtllm";
    case Engine::kLlamacpp: return "llamacpp";
  }
  return "vllm";
}

bool EngineSupports(Engine engine, std::string_view architecture) {
  switch (engine) {
    case Engine::kVllm: return VllmArchitectures().count(architecture) > 0;
    case Engine::kSglang: return SglangArchitectures().count(architecture) > 0;
    case Engine::kTrtllm: return TrtllmArchitectures().count(architecture) > 0;
    case Engine::kLlamacpp: return LlamacppArchitectures().count(architecture) > 0;
  }
  return false;
}

std::vector<std::string> InferArchitectures(std::string_view model_id) {
  for (const auto& pattern : IdPatterns()) {
    if (std::regex_search(model_id.begin(), model_id.end(), pattern.pattern)) return {pattern.architecture};
  }
  return {};
}

std::optional<double> ParameterCountFromId(std::string_view model_id) {
  static const std::regex kBillions(R"((^|[-_./])(\d+(\.\d+)?)\s*[Bb])");
  static const std::regex kMillions(R"((^|[-_./])(\d+(\.\d+)?)\s*[Mm])");
  if (auto billions = SizeFromId(model_id, kBillions, 1e9)) return billions;
  return SizeFromId(model_id, kMillions, 1e6);
}

std::optional<double> ParameterCount(const boost::json::object& hub_model) {
  if (const auto* safetensors = common::GetObject(hub_model, "safetensors")) {
    if (double total = NumberOr(*safetensors, "total", 0); total > 0) return total;
    if (const auto* per_dtype = common::GetObject(*safetensors, "parameters")) {
      double sum = 0;
      for (const auto& entry : *per_dtype) {
        if (entry.value().is_number()) sum += entry.value().to_number<double>();
      }
      if (sum > 0) return sum;
    }
  }
  auto id = common::GetString(hub_model, "id");
  if (!id) return std::nullopt;
  return ParameterCountFromId(*id);
}

bool IsGated(const boost::json::object& hub_model) {
  const auto* gated = common::Find(hub_model, "gated");
  if (gated == nullptr) return false;
  if (gated->is_bool()) return gated->get_bool();
  if (gated->is_string()) return gated->get_string() == "auto" || gated->get_string() == "manual";
  return false;
}

boost::json::object ToSearchResult(const boost::json::object& hub_model) {
  std::string id(common::GetString(hub_model, "id").value_or(""));
  std::string pipeline(common::GetString(hub_model, "pipeline_tag").value_or(""));
  std::string library(common::GetString(hub_model, "library_name").value_or(""));

  std::vector<std::string> architectures;
  if (const auto* config = common::GetObject(hub_model, "config")) {
    architectures = StringsOf(common::Find(*config, "architectures"));
  }
  if (architectures.empty()) architectures = InferArchitectures(id);

  bool gguf = IsGguf(id, library);
  std::vector<std::string> engines;
  if (gguf) {
    engines.emplace_back("llamacpp");
  } else {
    for (Engine engine : {Engine::kVllm, Engine::kSglang, Engine::kTrtllm}) {
      bool supported = std::any_of(architectures.begin(), architectures.end(),
                                   [&](const std::string& arch) { return EngineSupports(engine, arch); });
      if (supported) engines.emplace_back(EngineName(engine));
    }
  }

  static const std::unordered_set<std::string_view> kTags = {"text-generation", "text2text-generation",
                                                             "conversational", "image-text-to-text"};
  static const std::unordered_set<std::string_view> kLibraries = {"transformers", "vllm", "gguf", ""};
  bool has_engines = !engines.empty();
  bool compatible = (kTags.count(pipeline) > 0 && has_engines && kLibraries.count(library) > 0) ||
                    (!architectures.empty() && has_engines) || (gguf && has_engines);

  boost::json::object result;
  result["id"] = id;
  auto slash = id.find('/');
  result["author"] = slash == std::string::npos ? std::string("unknown") : id.substr(0, slash);
  result["name"] = slash == std::string::npos ? id : id.substr(slash + 1);
  result["downloads"] = NumberValue(NumberOr(hub_model, "downloads", 0));
  result["likes"] = NumberValue(NumberOr(hub_model, "likes", 0));
  result["pipelineTag"] = pipeline;
  result["libraryName"] = library;
  boost::json::array archs;
  for (const auto& arch : architectures) archs.emplace_back(arch);
  result["architectures"] = std::move(archs);
  result["gated"] = IsGated(hub_model);
  if (auto count = ParameterCount(hub_model)) {
    result["parameterCount"] = NumberValue(*count);
    int gb = catalog::EstimateGpuMemoryGb(*count);
    result["estimatedGpuMemory"] = catalog::FormatGpuMemory(gb);
    result["estimatedGpuMemoryGb"] = gb;
  }
  boost::json::array engine_list;
  for (const auto& engine : engines) engine_list.emplace_back(engine);
  result["supportedEngines"] = std::move(engine_list);
  result["compatible"] = compatible;
  if (!compatible) {
    std::string reason;
    if (pipeline.empty()) {
      reason = "Model has no pipeline tag";
    } else if (kTags.count(pipeline) == 0) {
      reason = "Pipeline tag \"" + pipeline + "\" is not supported for inference";
    } else if (!library.empty() && library != "transformers" && library != "vllm") {
      reason = "Library \"" + library + "\" is not supported";
    } else if (architectures.empty()) {
      reason = "Model architecture is unknown";
    } else {
      reason = "Architecture \"" + architectures.front() + "\" is not supported by any engine";
    }
    result["incompatibilityReason"] = reason;
  }
  return result;
}

bool IsValidRepoId(std::string_view id) { return catalog::IsValidModelId(id); }

}  // namespace airunway::huggingface
