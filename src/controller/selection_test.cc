// Selection, validation and capability tests: every case of the reference checklist §6 that
// does not need a cluster (items 1-24, 69-73, 77-79, 80-81, 85, 87, 95-101) plus the
// selection table of §2.6.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "controller/selection.h"
#include "controller/validation.h"

namespace airunway::controller {
namespace {
namespace json = boost::json;

EngineCapability Engine(std::string name, std::vector<std::string> modes, bool gpu, bool cpu) {
  return EngineCapability{std::move(name), std::move(modes), gpu, cpu, std::nullopt};
}

ProviderConfig Config(std::string name, std::vector<EngineCapability> engines, std::vector<SelectionRule> rules = {},
                      bool ready = true) {
  ProviderConfig c;
  c.name = std::move(name);
  c.has_capabilities = true;
  c.engines = std::move(engines);
  c.selection_rules = std::move(rules);
  c.ready = ready;
  return c;
}

// The reference's shipped providers (§3.2, §2.6).
ProviderConfig Kaito() {
  return Config("kaito", {Engine("vllm", {"aggregated"}, true, false), Engine("llamacpp", {"aggregated"}, true, true)},
                {{"!has(spec.resources.gpu) || spec.resources.gpu.count == 0", 100},
                 {"spec.engine.type == 'llamacpp'", 100}});
}
ProviderConfig Dynamo() {
  return Config("dynamo",
                {Engine("vllm", {"aggregated", "disaggregated"}, true, false),
                 Engine("sglang", {"aggregated", "disaggregated"}, true, false),
                 Engine("trtllm", {"aggregated"}, true, false)},
                {{"spec.engine.type == 'trtllm'", 100},
                 {"spec.engine.type == 'sglang'", 100},
                 {"has(spec.serving) && spec.serving.mode == 'disaggregated'", 90},
                 {"has(spec.resources.gpu) && spec.resources.gpu.count > 0 && spec.engine.type == 'vllm'", 50}});
}
ProviderConfig KubeRay() {
  return Config("kuberay", {Engine("vllm", {"aggregated", "disaggregated"}, true, false)},
                {{"has(spec.resources.gpu) && spec.resources.gpu.count > 1 && spec.engine.type == 'vllm'", 80}});
}
ProviderConfig Llmd() { return Config("llmd", {Engine("vllm", {"aggregated", "disaggregated"}, true, false)}); }
ProviderConfig Vllm() { return Config("vllm", {Engine("vllm", {"aggregated"}, true, false)}); }
std::vector<ProviderConfig> All() { return {Dynamo(), Kaito(), KubeRay(), Llmd(), Vllm()}; }

ModelDeployment Md(std::string_view spec_json, std::string_view status_json = "{}") {
  json::object object{{"apiVersion", "airunway.ai/v1alpha1"},
                      {"kind", "ModelDeployment"},
                      {"metadata", {{"name", "m"}, {"namespace", "default"}, {"uid", "u1"}, {"generation", 1}}},
                      {"spec", json::parse(spec_json)},
                      {"status", json::parse(status_json)}};
  auto md = ParseModelDeployment(object);
  EXPECT_TRUE(md);
  return *md;
}

std::string Winner(const ModelDeployment& md, const std::vector<ProviderConfig>& configs) {
  RuleCache cache;
  auto engine = SelectEngine(md, configs);
  if (!engine) return "engine error: " + engine.error().message;
  auto provider = SelectProvider(md, engine->name, configs, cache);
  if (!provider) return "provider error: " + provider.error().message;
  return engine->name + "/" + provider->name;
}

// ---- checklist 1-4: capability queries -------------------------------------------------------

TEST(ProviderConfigTest, CapabilityQueries) {
  ProviderConfig kaito = Kaito();
  EXPECT_TRUE(kaito.HasEngine("llamacpp"));
  EXPECT_FALSE(kaito.HasEngine("sglang"));
  EXPECT_EQ(kaito.GetEngineCapability("llamacpp")->name, "llamacpp");
  EXPECT_EQ(kaito.GetEngineCapability("trtllm"), nullptr);
  EXPECT_TRUE(kaito.SupportsServingMode("vllm", "aggregated"));
  EXPECT_FALSE(kaito.SupportsServingMode("vllm", "disaggregated"));
  EXPECT_TRUE(kaito.SupportsCpu("llamacpp"));
  EXPECT_FALSE(kaito.SupportsCpu("vllm"));
  EXPECT_TRUE(kaito.SupportsGpu("vllm"));
  EXPECT_FALSE(kaito.SupportsGpu("sglang"));
  EXPECT_EQ(*kaito.EngineNames(), (std::vector<std::string>{"vllm", "llamacpp"}));

  ProviderConfig empty = Config("e", {});
  EXPECT_FALSE(empty.HasEngine("vllm"));
  EXPECT_TRUE(empty.EngineNames()->empty());
  ProviderConfig none;
  EXPECT_FALSE(none.HasEngine("vllm"));
  EXPECT_EQ(none.GetEngineCapability("vllm"), nullptr);
  EXPECT_FALSE(none.SupportsGpu("vllm"));
  EXPECT_FALSE(none.EngineNames().has_value());
}

TEST(ProviderConfigTest, ParsesTheObject) {
  auto object = json::parse(R"({"metadata":{"name":"vllm"},
    "spec":{"capabilities":{"engines":[{"name":"vllm","servingModes":["aggregated"],"gpuSupport":true}]},
            "selectionRules":[{"condition":"true","priority":5}]},
    "status":{"ready":true,"version":"vllm-provider:dev"}})").as_object();
  ProviderConfig c = ParseProviderConfig(object);
  EXPECT_EQ(c.name, "vllm");
  EXPECT_TRUE(c.ready);
  ASSERT_EQ(c.engines.size(), 1u);
  EXPECT_TRUE(c.SupportsGpu("vllm"));
  ASSERT_EQ(c.selection_rules.size(), 1u);
  EXPECT_EQ(c.selection_rules[0].priority, 5);
}

// ---- checklist 5-8: args vs extraArgs ----------------------------------------------------------

TEST(EngineArgsTest, Conflicts) {
  EXPECT_TRUE(ConflictingEngineArgs({{"max-model-len", "4096"}}, {"--dtype=half"}).empty());
  EXPECT_TRUE(ConflictingEngineArgs({}, {}).empty());
  EXPECT_EQ(ConflictingEngineArgs({{"max-model-len", "4096"}}, {"--max-model-len=8192"}),
            std::vector<std::string>{"max-model-len"});
  EXPECT_EQ(ConflictingEngineArgs({{"max-model-len", "4096"}}, {"--max-model-len", "8192"}),
            std::vector<std::string>{"max-model-len"});
  EXPECT_TRUE(ConflictingEngineArgs({}, {"--only-extra"}).empty());
  EXPECT_TRUE(ConflictingEngineArgs({{"only-args", ""}}, {}).empty());
  EXPECT_TRUE(ConflictingEngineArgs({{"max-model-len", "1"}}, {"max-model-len", "-max-model-len", "---x"}).empty());
  EXPECT_EQ(ExtraArgKey("--port=9000"), "port");
  EXPECT_EQ(ExtraArgKey("-p"), "");
}

// ---- checklist 9-20: validateSpec -------------------------------------------------------------

TEST(ValidateSpecTest, DynamoWithGpuAndDisaggregated) {
  auto agg = Md(R"({"model":{"id":"m"},"provider":{"name":"dynamo"},"resources":{"gpu":{"count":1}}})");
  EXPECT_TRUE(ValidateSpec(agg, "vllm", All()));
  auto disagg = Md(R"({"model":{"id":"m"},"provider":{"name":"dynamo"},"serving":{"mode":"disaggregated"},
    "scaling":{"prefill":{"gpu":{"count":1}},"decode":{"gpu":{"count":1}}}})");
  EXPECT_TRUE(ValidateSpec(disagg, "vllm", All()));
}

TEST(ValidateSpecTest, MockerMode) {
  const char* annotated = R"({"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment",
    "metadata":{"name":"m","annotations":{"airunway.ai/dynamo-test-backend":"mocker"}},"spec":%s})";
  auto with = [&](std::string spec) {
    std::string text = annotated;
    text.replace(text.find("%s"), 2, spec);
    return *ParseModelDeployment(json::parse(text).as_object());
  };
  EXPECT_TRUE(ValidateSpec(with(R"({"model":{"id":"m"},"provider":{"name":"dynamo"}})"), "vllm", All()));
  EXPECT_TRUE(ValidateSpec(with(R"({"model":{"id":"m"},"provider":{"name":"dynamo"},
    "serving":{"mode":"disaggregated"},"scaling":{"prefill":{},"decode":{}}})"), "vllm", All()));
  EXPECT_FALSE(ValidateSpec(with(R"({"model":{"id":"m"},"provider":{"name":"dynamo"}})"), "sglang", All()));
}

TEST(ValidateSpecTest, CpuDisaggregatedOnDynamoWithoutMockerFails) {
  auto md = Md(R"({"model":{"id":"m"},"provider":{"name":"dynamo"},"serving":{"mode":"disaggregated"},
    "scaling":{"prefill":{},"decode":{}}})");
  auto status = ValidateSpec(md, "vllm", All());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "disaggregated mode requires scaling.prefill.gpu.count > 0");
}

TEST(ValidateSpecTest, LlamacppOnKaito) {
  EXPECT_TRUE(ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"kaito"}})"), "llamacpp", All()));
  auto status = ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"kaito"},"serving":{"mode":"disaggregated"},
    "scaling":{"prefill":{"gpu":{"count":1}},"decode":{"gpu":{"count":1}}}})"), "llamacpp", All());
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "provider kaito does not support disaggregated mode for engine llamacpp");
}

TEST(ValidateSpecTest, UnsupportedModeAndEngine) {
  auto trt = ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"dynamo"},"serving":{"mode":"disaggregated"},
    "scaling":{"prefill":{"gpu":{"count":1}},"decode":{"gpu":{"count":1}}}})"), "trtllm", All());
  ASSERT_FALSE(trt);
  EXPECT_EQ(trt.error().message, "provider dynamo does not support disaggregated mode for engine trtllm");
  auto engine = ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"kaito"},"resources":{"gpu":{"count":1}}})"),
                             "sglang", All());
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().message, "provider kaito does not support engine sglang");
}

TEST(ValidateSpecTest, ModelIdAndEngineRequired) {
  auto no_id = ValidateSpec(Md(R"({"model":{}})"), "vllm", All());
  ASSERT_FALSE(no_id);
  EXPECT_EQ(no_id.error().message, "model.id is required when source is huggingface");
  EXPECT_TRUE(ValidateSpec(Md(R"({"model":{"source":"custom"},"resources":{"gpu":{"count":1}}})"), "vllm", All()));
  auto no_engine = ValidateSpec(Md(R"({"model":{"id":"m"}})"), "", All());
  ASSERT_FALSE(no_engine);
  EXPECT_EQ(no_engine.error().message, "engine.type must be specified or auto-selected from provider capabilities");
}

TEST(ValidateSpecTest, GpuRequired) {
  auto named = ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"dynamo"}})"), "vllm", All());
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().message, "vllm engine on provider dynamo requires GPU (set resources.gpu.count > 0)");
  // Item 20: a pinned provider without CPU support fails even though kaito supports CPU llamacpp.
  auto pinned = ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"dynamo"}})"), "llamacpp",
                             {Dynamo(), Kaito(), Config("dynamo2", {Engine("llamacpp", {"aggregated"}, true, false)})});
  ASSERT_FALSE(pinned);
  EXPECT_EQ(pinned.error().message, "provider dynamo does not support engine llamacpp");
  auto pinned_cpu = ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"gpuonly"}})"), "llamacpp",
                                 {Kaito(), Config("gpuonly", {Engine("llamacpp", {"aggregated"}, true, false)})});
  ASSERT_FALSE(pinned_cpu);
  EXPECT_EQ(pinned_cpu.error().message, "llamacpp engine on provider gpuonly requires GPU (set resources.gpu.count > 0)");
  auto unnamed = ValidateSpec(Md(R"({"model":{"id":"m"}})"), "vllm", {Dynamo(), KubeRay()});
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error().message, "vllm engine requires GPU (set resources.gpu.count > 0)");
}

TEST(ValidateSpecTest, DisaggregatedShape) {
  auto missing = ValidateSpec(Md(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"}})"), "vllm", All());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "disaggregated mode requires scaling.prefill and scaling.decode");
  auto both = ValidateSpec(Md(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"},"resources":{"gpu":{"count":1}},
    "scaling":{"prefill":{"gpu":{"count":1}},"decode":{"gpu":{"count":1}}}})"), "vllm", All());
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().message, "cannot specify both resources.gpu and scaling.prefill/decode in disaggregated mode");
}

TEST(ValidateSpecTest, NamedChecksSkippedWhenProviderUnknownOrNoConfigs) {
  EXPECT_TRUE(ValidateSpec(Md(R"({"model":{"id":"m"}})"), "vllm", {}));
  EXPECT_TRUE(ValidateSpec(Md(R"({"model":{"id":"m"}})"), "llamacpp", {}));
  EXPECT_TRUE(ValidateSpec(Md(R"({"model":{"id":"m"},"provider":{"name":"absent"}})"), "vllm", All()));
  EXPECT_TRUE(ValidateSpec(Md(R"({"model":{"id":"m"}})"), "vllm", {Kaito(), Config("cpu", {Engine("vllm", {"aggregated"}, false, true)})}));
}

// ---- checklist 69-73: CheckProviderCompatibility ---------------------------------------------------

TEST(CompatibilityTest, Table) {
  std::vector<ProviderConfig> none;
  EXPECT_FALSE(CheckProviderCompatibility("", nullptr, &none, "vllm", "aggregated", 0));
  std::vector<ProviderConfig> gpu_only{Dynamo()};
  auto gpu = CheckProviderCompatibility("", nullptr, &gpu_only, "vllm", "aggregated", 0);
  ASSERT_TRUE(gpu);
  EXPECT_EQ(gpu->kind, CompatibilityErrorKind::kGpuRequired);
  std::vector<ProviderConfig> with_cpu{Dynamo(), Config("x", {Engine("vllm", {"aggregated"}, false, true)}, {}, false)};
  EXPECT_FALSE(CheckProviderCompatibility("", nullptr, &with_cpu, "vllm", "aggregated", 0));
  EXPECT_FALSE(CheckProviderCompatibility("dynamo", nullptr, &gpu_only, "vllm", "aggregated", 0));
  ProviderConfig kaito = Kaito();
  EXPECT_EQ(CheckProviderCompatibility("kaito", &kaito, nullptr, "sglang", "aggregated", 1)->kind,
            CompatibilityErrorKind::kEngineUnsupported);
  EXPECT_EQ(CheckProviderCompatibility("kaito", &kaito, nullptr, "vllm", "disaggregated", 1)->kind,
            CompatibilityErrorKind::kServingModeUnsupported);
  EXPECT_EQ(CheckProviderCompatibility("kaito", &kaito, nullptr, "vllm", "aggregated", 0)->kind,
            CompatibilityErrorKind::kGpuRequired);
  EXPECT_FALSE(CheckProviderCompatibility("kaito", &kaito, nullptr, "llamacpp", "aggregated", 0));
  EXPECT_FALSE(CheckProviderCompatibility("kaito", &kaito, nullptr, "vllm", "aggregated", 2));
  ProviderConfig dynamo = Dynamo();
  EXPECT_FALSE(CheckProviderCompatibility("dynamo", &dynamo, nullptr, "vllm", "disaggregated", 0));
}

// ---- checklist 21-24 and the §2.6 table: selection ---------------------------------------------------

TEST(SelectionTest, ReferenceTable) {
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"}})"), All()), "llamacpp/kaito");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"engine":{"type":"vllm"},"resources":{"gpu":{"count":1}}})"), All()),
            "vllm/dynamo");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})"), All()), "vllm/dynamo");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":2}}})"), All()), "vllm/kuberay");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"},
    "scaling":{"prefill":{"gpu":{"count":1}},"decode":{"gpu":{"count":1}}}})"), All()), "vllm/dynamo");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"engine":{"type":"sglang"},"resources":{"gpu":{"count":1}}})"), All()),
            "sglang/dynamo");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"engine":{"type":"trtllm"},"resources":{"gpu":{"count":1}}})"), All()),
            "trtllm/dynamo");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})"), {Kaito(), KubeRay(), Llmd(), Vllm()}),
            "vllm/kaito");
  EXPECT_EQ(Winner(Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})"), {Vllm(), Llmd()}), "vllm/llmd");
}

TEST(SelectionTest, ReasonsAndErrors) {
  RuleCache cache;
  auto md = Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})");
  auto engine = SelectEngine(md, All());
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->reason, "auto-selected from provider dynamo capabilities");
  auto provider = SelectProvider(md, "vllm", All(), cache);
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider->reason, "matched capabilities: engine=vllm, gpu=true, mode=aggregated");
  EXPECT_EQ(SelectEngine(Md(R"({"model":{"id":"m"},"engine":{"type":"sglang"}})"), All())->reason,
            "explicit engine selection");
  EXPECT_EQ(SelectEngine(Md(R"({"model":{"id":"m"}})"), {}).error().message,
            "no providers registered (InferenceProviderConfig resources not found)");
  auto none = SelectEngine(Md(R"({"model":{"id":"m"}})"), {Vllm()});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().message,
            "no engines available from registered providers (hasGPU=false, servingMode=aggregated, "
            "advertised=map[vllm:[vllm]])");
  EXPECT_EQ(SelectProvider(md, "vllm", {}, cache).error().message,
            "no providers registered (InferenceProviderConfig resources not found)");
  EXPECT_EQ(SelectProvider(md, "vllm", {Config("x", {}, {}, false)}, cache).error().message,
            "no healthy providers available");
  EXPECT_EQ(SelectProvider(md, "sglang", {Vllm()}, cache).error().message,
            "no compatible provider found for this configuration");
}

TEST(SelectionTest, StickyEngineFromStatus) {
  auto md = Md(R"({"model":{"id":"m"}})", R"({"engine":{"type":"sglang","selectedReason":"earlier"}})");
  auto engine = SelectEngine(md, All());
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->name, "sglang");
  EXPECT_EQ(engine->reason, "earlier");
}

TEST(SelectionTest, UnreadyProvidersAreIgnored) {
  auto md = Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})");
  ProviderConfig dynamo = Dynamo();
  dynamo.ready = false;
  EXPECT_EQ(Winner(md, {dynamo, Vllm()}), "vllm/vllm");
}

TEST(SelectionTest, RuleSeesTheResolvedEngine) {  // item 21
  ProviderConfig a = Config("a", {Engine("vllm", {"aggregated"}, true, false)});
  ProviderConfig z = Config("z", {Engine("vllm", {"aggregated"}, true, false)}, {{"spec.engine.type == 'vllm'", 10}});
  auto md = Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})", R"({"engine":{"type":"vllm"}})");
  RuleCache cache;
  auto provider = SelectProvider(md, "vllm", {a, z}, cache);
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider->name, "z");
  EXPECT_TRUE(md.spec.engine.type.empty());  // item 22: the spec is not changed
  EXPECT_FALSE(md.raw_spec.contains("engine"));
}

TEST(SelectionTest, ExplicitEngineFiltersHigherPriorityProviders) {  // item 23
  auto md = Md(R"({"model":{"id":"m"},"engine":{"type":"vllm"},"resources":{"gpu":{"count":1}}})");
  ProviderConfig sglang_only = Config("a", {Engine("sglang", {"aggregated"}, true, false)}, {{"true", 1000}});
  EXPECT_EQ(Winner(md, {sglang_only, Vllm()}), "vllm/vllm");
}

TEST(SelectionTest, ValidateUsesTheResolvedEngine) {  // item 24
  auto md = Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})");
  EXPECT_FALSE(ValidateSpec(md, "", All()));
  EXPECT_TRUE(ValidateSpec(md, "vllm", All()));
  EXPECT_TRUE(md.spec.engine.type.empty());
}

TEST(SelectionTest, BrokenRulesAreSkippedAndReported) {
  ProviderConfig broken = Config("a", {Engine("vllm", {"aggregated"}, true, false)},
                                 {{"spec.engine.type ==", 100}, {"spec.missing.field == 1", 100}, {"'x'", 100}});
  ProviderConfig b = Config("b", {Engine("vllm", {"aggregated"}, true, false)}, {{"true", 1}});
  RuleCache cache;
  std::vector<RuleProblem> problems;
  auto md = Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})");
  auto provider = SelectProvider(md, "vllm", {broken, b}, cache, &problems);
  ASSERT_TRUE(provider);
  EXPECT_EQ(provider->name, "b");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].provider, "a");
  EXPECT_EQ(problems[0].rule_index, 0u);
  EXPECT_NE(problems[0].message.find("Syntax error"), std::string::npos);
  EXPECT_EQ(CheckRules(broken, cache).size(), 1u);
}

TEST(SelectionTest, TiesGoToTheSmallestName) {
  auto md = Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})");
  ProviderConfig b = Config("b", {Engine("vllm", {"aggregated"}, true, false)}, {{"true", 5}});
  ProviderConfig a = Config("a", {Engine("vllm", {"aggregated"}, true, false)}, {{"true", 5}});
  EXPECT_EQ(Winner(md, {b, a}), "vllm/a");
}

TEST(SelectionInputTest, OmitEmptyView) {
  auto view = SelectionInput(json::parse(R"({"model":{"id":"m","servedName":""},"resources":{"gpu":{"count":0,
    "type":"nvidia.com/gpu"}},"engine":{"trustRemoteCode":false,"enablePrefixCaching":true,"extraArgs":[]}})").as_object(),
                             "vllm");
  EXPECT_EQ(json::serialize(view),
            R"({"model":{"id":"m"},"resources":{"gpu":{"type":"nvidia.com/gpu"}},"engine":{"enablePrefixCaching":true,"type":"vllm"}})");
  auto bare = SelectionInput(json::object{}, "");
  EXPECT_EQ(json::serialize(bare), R"({"engine":{}})");
}

// ---- webhook defaults (77-79) and rules (80-81, 85, 87, 95-101) -----------------------------------------

TEST(DefaultsTest, WebhookDefaults) {
  auto spec = ApplySpecDefaults(json::parse(R"({"model":{"id":"m","storage":{"volumes":[
      {"name":"cache","purpose":"modelCache"},{"name":"cc","purpose":"compilationCache"},
      {"name":"x","mountPath":"/x"},{"name":"made","purpose":"modelCache","size":"10Gi","mountPath":"/m2"}]}},
      "engine":{"type":"vllm"}})").as_object(), "md");
  EXPECT_EQ(json::serialize(spec.at("model").at("source")), R"("huggingface")");
  EXPECT_EQ(json::serialize(spec.at("serving")), R"({"mode":"aggregated"})");
  EXPECT_EQ(json::serialize(spec.at("scaling")), R"({"replicas":1})");
  EXPECT_EQ(json::serialize(spec.at("resources")), R"({"gpu":{"count":1,"type":"nvidia.com/gpu"}})");
  const auto& volumes = spec.at("model").at("storage").at("volumes").as_array();
  EXPECT_EQ(volumes[0].at("mountPath"), "/model-cache");
  EXPECT_EQ(volumes[1].at("mountPath"), "/compilation-cache");
  EXPECT_EQ(volumes[2].at("purpose"), "custom");
  EXPECT_EQ(volumes[2].at("mountPath"), "/x");
  EXPECT_FALSE(volumes[0].as_object().contains("accessMode"));
  EXPECT_EQ(volumes[3].at("claimName"), "md-made");
  EXPECT_EQ(volumes[3].at("accessMode"), "ReadWriteMany");

  auto legacy = ApplySpecDefaults(json::parse(R"({"model":{"id":"m"},"engine":{"type":"vllm"},"image":"x"})").as_object(), "md");
  EXPECT_FALSE(legacy.contains("resources"));
  auto llama = ApplySpecDefaults(json::parse(R"({"model":{"id":"m"},"engine":{"type":"llamacpp"}})").as_object(), "md");
  EXPECT_FALSE(llama.contains("resources"));
  auto no_engine = ApplySpecDefaults(json::parse(R"({"model":{"id":"m"}})").as_object(), "md");
  EXPECT_FALSE(no_engine.contains("resources"));
}

std::string Errors(std::string_view spec, std::string_view name = "m") {
  auto md = Md(spec);
  md.name = std::string(name);
  return JoinFieldErrors(ValidateWebhookRules(md));
}

TEST(WebhookRulesTest, NamesImagesArgsAndModel) {
  EXPECT_EQ(Errors(R"({"model":{"id":"m"}})"), "");
  EXPECT_NE(Errors(R"({"model":{"id":"m"}})", "a.b").find("metadata.name: must not contain '.'"), std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"image":"a","engine":{"image":"b"}})").find("spec.engine.image"),
            std::string::npos);
  EXPECT_EQ(Errors(R"({"model":{"id":"m"},"image":"a","engine":{"image":"a"}})"), "");
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"engine":{"args":{"dtype":"half"},"extraArgs":["--dtype","float"]}})")
                .find("spec.engine.extraArgs: flag --dtype"),
            std::string::npos);
  EXPECT_NE(Errors(R"({"model":{}})").find("spec.model.id: Required value"), std::string::npos);
}

TEST(WebhookRulesTest, Overrides) {
  auto check = [](std::string_view overrides) {
    return JoinFieldErrors(ValidateOverrides(json::parse(overrides)));
  };
  EXPECT_EQ(check(R"({"spec":{"template":{"metadata":{"labels":{"a":"b"}}}}})"), "");
  EXPECT_NE(check(R"({"securityContext":{}})").find("not allowed for security reasons"), std::string::npos);
  EXPECT_NE(check(R"({"spec":{"hostNetwork":true}})").find("spec.provider.overrides.spec.hostNetwork"), std::string::npos);
  EXPECT_NE(check(R"({"containers":[{"serviceAccountName":"x"}]})").find("containers[0].serviceAccountName"),
            std::string::npos);
  EXPECT_NE(check(R"({"a":[[{"securityContext":{}}]]})").find("a[0][0].securityContext"), std::string::npos);
  EXPECT_EQ(ValidateOverrides(json::parse(R"({"securityContext":{"hostPID":true}})")).size(), 1u);
  EXPECT_NE(check(R"({"spec":{"replicas":3}})").find("can bypass admission resource limits"), std::string::npos);
  EXPECT_NE(check(R"({"x":[{"resources":{}}]})").find("can bypass admission resource limits"), std::string::npos);
  for (const char* bad : {"[1]", "\"s\"", "3", "null"}) {
    EXPECT_NE(check(bad).find("must be a JSON object"), std::string::npos) << bad;
    EXPECT_NE(check(bad).find("<redacted"), std::string::npos) << bad;
  }
}

TEST(WebhookRulesTest, Ceilings) {
  EXPECT_EQ(Errors(R"({"model":{"id":"m"},"resources":{"cpu":"512","memory":"4Ti","gpu":{"count":64}},
    "scaling":{"replicas":32}})"), "");
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"resources":{"cpu":"513"}})").find("spec.resources.cpu"), std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"resources":{"memory":"4097Gi"}})").find("spec.resources.memory"),
            std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"resources":{"memory":"lots"}})").find("invalid resource quantity"),
            std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"resources":{"gpu":{"count":65}}})").find("spec.resources.gpu.count"),
            std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"scaling":{"replicas":33}})").find("spec.scaling.replicas"), std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"scaling":{"decode":{"memory":"5Ti"}}})").find("spec.scaling.decode.memory"),
            std::string::npos);
  EXPECT_EQ(*ParseQuantity("1Gi"), *ParseQuantity("1024Mi"));
  EXPECT_NEAR(static_cast<double>(*ParseQuantity("500m")), 0.5, 1e-12);
  EXPECT_EQ(*ParseQuantity("1e3"), 1000.0L);
  EXPECT_FALSE(ParseQuantity("1.2.3"));
  EXPECT_FALSE(ParseQuantity("Gi"));
}

TEST(WebhookRulesTest, Storage) {
  auto storage = [](std::string_view volumes) {
    return Errors(std::string(R"({"model":{"id":"m","storage":{"volumes":)") + std::string(volumes) + "}}}");
  };
  EXPECT_EQ(storage(R"([{"name":"a","purpose":"modelCache","claimName":"c"}])"), "");
  EXPECT_EQ(storage(R"([{"name":"a","purpose":"modelCache","claimName":"c"},{"name":"b","purpose":"compilationCache","claimName":"d"}])"), "");
  EXPECT_EQ(storage(R"([{"name":"a","claimName":"c","mountPath":"/data"}])"), "");
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","mountPath":"/a"},{"name":"a","claimName":"d","mountPath":"/b"}])")
                .find("volume names must be unique"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","mountPath":"/a"},{"name":"b","claimName":"d","mountPath":"/a"}])")
                .find("same path"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","mountPath":"/a"},{"name":"b","claimName":"c","mountPath":"/b"}])")
                .find("same claim"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","mountPath":"rel"}])").find("must be absolute"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c"}])").find("needs an absolute mountPath"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","purpose":"modelCache"},{"name":"b","claimName":"d","purpose":"modelCache","mountPath":"/x"}])")
                .find("at most one modelCache"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","mountPath":"/etc"}])").find("must not be /etc"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","mountPath":"/proc/x"}])").find("must not be /proc"), std::string::npos);
  EXPECT_EQ(storage(R"([{"name":"a","size":"1Gi","purpose":"modelCache"}])"), "");
  EXPECT_NE(storage(R"([{"name":"a","size":"1Gi","purpose":"modelCache","claimName":"other"}])")
                .find("claimName must not be set"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","purpose":"modelCache"}])").find("Required value"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","size":"1Gi","purpose":"modelCache","readOnly":true}])").find("cannot be readOnly"),
            std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","purpose":"modelCache","accessMode":"ReadWriteOnce"}])")
                .find("only used with size"), std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","size":"1Gi","purpose":"modelCache","accessMode":"Bogus"}])").find("Unsupported value"),
            std::string::npos);
  EXPECT_NE(storage(R"([{"name":"a","claimName":"c","purpose":"modelCache","storageClassName":""}])")
                .find("storageClassName is only used with size"), std::string::npos);
  EXPECT_EQ(storage(R"([{"name":"a","size":"1Gi","purpose":"modelCache","storageClassName":""}])"), "");
}

TEST(WebhookRulesTest, Disaggregated) {
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"}})").find("spec.scaling: Required value"),
            std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"},"scaling":{"prefill":{"gpu":{"count":1}}}})")
                .find("spec.scaling.decode: Required value"), std::string::npos);
  EXPECT_NE(Errors(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"},"resources":{"gpu":{"count":1}},
    "scaling":{"prefill":{"gpu":{"count":1}},"decode":{"gpu":{"count":1}}}})").find("spec.resources.gpu"),
            std::string::npos);
}

TEST(ConditionTest, TransitionTimeChangesOnlyWhenStatusFlips) {
  std::vector<Condition> conditions;
  EXPECT_TRUE(SetCondition(conditions, {"Ready", "False", "DeploymentInProgress", "waiting", 1, ""}, "t1"));
  EXPECT_EQ(conditions[0].last_transition_time, "t1");
  EXPECT_TRUE(SetCondition(conditions, {"Ready", "False", "DeploymentInProgress", "still waiting", 2, ""}, "t2"));
  EXPECT_EQ(conditions[0].last_transition_time, "t1");
  EXPECT_EQ(conditions[0].message, "still waiting");
  EXPECT_FALSE(SetCondition(conditions, {"Ready", "False", "DeploymentInProgress", "still waiting", 2, ""}, "t3"));
  EXPECT_TRUE(SetCondition(conditions, {"Ready", "True", "DeploymentReady", "All replicas are ready", 2, ""}, "t4"));
  EXPECT_EQ(conditions[0].last_transition_time, "t4");
  EXPECT_TRUE(SetCondition(conditions, {"Validated", "True", "ValidationPassed", "ok", 2, ""}, "t5"));
  EXPECT_EQ(conditions.size(), 2u);
}

TEST(MergePatchTest, OnlyChangedFields) {
  auto before = json::parse(R"({"phase":"Pending","provider":{"name":"vllm","resourceName":"x"},"other":1})").as_object();
  auto after = json::parse(R"({"phase":"Running","provider":{"name":"vllm"},"other":1,"endpoint":{"port":8000}})").as_object();
  EXPECT_EQ(json::serialize(MergePatchDiff(before, after)),
            R"({"phase":"Running","provider":{"resourceName":null},"endpoint":{"port":8000}})");
  EXPECT_TRUE(MergePatchDiff(before, before).empty());
}

TEST(StatusTest, RoundTripKeepsUnknownFields) {
  auto raw = json::parse(R"({"phase":"Running","gateway":{"endpoint":"1.2.3.4"},"provider":{"name":"vllm"},
    "conditions":[{"type":"Ready","status":"True","reason":"DeploymentReady","message":"m","lastTransitionTime":"t"}]})").as_object();
  auto typed = ParseModelDeploymentStatus(raw);
  EXPECT_EQ(typed.phase, "Running");
  ASSERT_NE(typed.FindCondition("Ready"), nullptr);
  json::object out = raw;
  typed.endpoint_service = "svc";
  typed.endpoint_port = 8000;
  WriteStatus(typed, out);
  EXPECT_EQ(json::serialize(MergePatchDiff(raw, out)), R"({"endpoint":{"service":"svc","port":8000}})");
}

}  // namespace
}  // namespace airunway::controller
