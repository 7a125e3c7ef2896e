// Direct vLLM: translation of every spec field, argument rendering, compatibility and status
// mapping (reference checklist 186-200, adapted to the CPU extension).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json.h"
#include "controller/providers/vllm/vllm_provider.h"
#include "controller/validation.h"

namespace airunway::controller::providers::vllm {
namespace {
namespace json = boost::json;

ModelDeployment Md(std::string_view spec_json, bool defaults = true) {
  json::object spec = json::parse(spec_json).as_object();
  if (defaults) spec = ApplySpecDefaults(spec, "llama");
  json::object object{{"apiVersion", "airunway.ai/v1alpha1"},
                      {"kind", "ModelDeployment"},
                      {"metadata", {{"name", "llama"}, {"namespace", "ml"}, {"uid", "uid-1"}, {"generation", 1}}},
                      {"spec", spec}};
  return *ParseModelDeployment(object);
}

std::vector<std::string> Args(std::string_view spec, std::string_view engine = "vllm") {
  auto args = BuildArgs(Md(spec), engine);
  EXPECT_TRUE(args) << (args ? "" : args.error().message);
  return args ? *args : std::vector<std::string>{};
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

const json::value& At(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::value* v = common::FindPath(o, path);
  static const json::value kNull;
  EXPECT_NE(v, nullptr);
  return v != nullptr ? *v : kNull;
}

TEST(VllmArgsTest, DerivedFlags) {
  EXPECT_EQ(Joined(Args(R"({"model":{"id":"meta/llama","servedName":"llama"},"engine":{"type":"vllm","contextLength":4096,
    "trustRemoteCode":true,"enforceEager":true,"enablePrefixCaching":true},"resources":{"gpu":{"count":2}}})")),
            "--host 0.0.0.0 --port 8000 --model meta/llama --served-model-name llama --max-model-len 4096 "
            "--trust-remote-code --enforce-eager --enable-prefix-caching --tensor-parallel-size 2");
  // Without the flags set: no eager, no prefix caching, no --no-enable-prefix-caching, no TP for one GPU.
  EXPECT_EQ(Joined(Args(R"({"model":{"id":"m"},"engine":{"type":"vllm","enablePrefixCaching":false}})")),
            "--host 0.0.0.0 --port 8000 --model m");
}

TEST(VllmArgsTest, SortedArgsThenExtraArgs) {
  EXPECT_EQ(Joined(Args(R"({"model":{"id":"m"},"engine":{"type":"vllm","enablePrefixCaching":false,
    "args":{"max-num-seqs":"8","dtype":"half","disable-log-requests":""},"extraArgs":["--seed=1","positional"]}})")),
            "--host 0.0.0.0 --port 8000 --model m --disable-log-requests --dtype half --max-num-seqs 8 --seed=1 "
            "positional");
}

TEST(VllmArgsTest, ExplicitArgsSuppressDerivedDuplicates) {
  EXPECT_EQ(Joined(Args(R"({"model":{"id":"m","servedName":"s"},"engine":{"type":"vllm","contextLength":10,
    "enablePrefixCaching":false,"args":{"model":"other","tensor-parallel-size":"1"},
    "extraArgs":["--max-model-len=20","--served-model-name","x"]},"resources":{"gpu":{"count":4}}})")),
            "--host 0.0.0.0 --port 8000 --model other --tensor-parallel-size 1 --max-model-len=20 "
            "--served-model-name x");
}

TEST(VllmArgsTest, Rejections) {
  for (const char* spec : {R"({"model":{"id":"m"},"engine":{"args":{"port":"9000"}}})",
                           R"({"model":{"id":"m"},"engine":{"extraArgs":["--port=9000"]}})",
                           R"({"model":{"id":"m"},"engine":{"extraArgs":["--host","1.2.3.4"]}})"}) {
    auto args = BuildArgs(Md(spec), "vllm");
    ASSERT_FALSE(args) << spec;
    EXPECT_NE(args.error().message.find("is reserved"), std::string::npos);
  }
  auto conflict = BuildArgs(Md(R"({"model":{"id":"m"},"engine":{"args":{"dtype":"half"},"extraArgs":["--dtype=x"]}})"), "vllm");
  ASSERT_FALSE(conflict);
  EXPECT_NE(conflict.error().message.find("--dtype"), std::string::npos);
  auto bad_key = BuildArgs(Md(R"({"model":{"id":"m"},"engine":{"args":{"--bad":"1"}}})"), "vllm");
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find("invalid engine arg key"), std::string::npos);
}

TEST(VllmArgsTest, LlamaCpp) {
  EXPECT_EQ(Joined(Args(R"({"model":{"id":"org/model-GGUF","servedName":"m"},"engine":{"type":"llamacpp","contextLength":2048}})",
                        "llamacpp")),
            "--host 0.0.0.0 --port 8000 --hf-repo org/model-GGUF --alias m --ctx-size 2048");
}

TEST(VllmCompatibilityTest, Rules) {
  VllmProvider p;
  EXPECT_TRUE(p.CheckCompatible(Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})"), "vllm"));
  EXPECT_TRUE(p.CheckCompatible(Md(R"({"model":{"id":"m"}})"), "vllm"));  // CPU vLLM: our extension
  EXPECT_TRUE(p.CheckCompatible(Md(R"({"model":{"id":"m"}})"), "llamacpp"));
  auto disagg = p.CheckCompatible(Md(R"({"model":{"id":"m"},"serving":{"mode":"disaggregated"}})"), "vllm");
  ASSERT_FALSE(disagg);
  EXPECT_EQ(disagg.error().message,
            "vLLM provider does not support disaggregated serving mode; use spec.serving.mode: aggregated");
  EXPECT_FALSE(p.CheckCompatible(Md(R"({"model":{"id":"m"}})"), "sglang"));
  EXPECT_FALSE(p.CheckCompatible(Md(R"({"model":{"id":"m"},"resources":{"gpu":{"count":1}}})"), "llamacpp"));
}

TEST(VllmTranslateTest, DeploymentAndService) {
  VllmProvider p;
  auto objects = p.Translate(Md(R"({"model":{"id":"meta/llama"},"engine":{"type":"vllm"},
    "scaling":{"replicas":3},"resources":{"gpu":{"count":2},"memory":"64Gi","cpu":"8"},
    "nodeSelector":{"pool":"gpu"},"tolerations":[{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}],
    "podTemplate":{"metadata":{"labels":{"team":"ml","app":"clobber"},"annotations":{"a":"b"}}},
    "env":[{"name":"X","value":"1"},{"name":"HF_TOKEN","value":"leak"},{"name":"Y","value":"v","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
    "secrets":{"huggingFaceToken":"hf-secret"},
    "model":{"id":"meta/llama","storage":{"volumes":[{"name":"cache","purpose":"modelCache","claimName":"pvc1","readOnly":true}]}}})"),
                             "vllm");
  ASSERT_TRUE(objects) << objects.error().message;
  ASSERT_EQ(objects->size(), 2u);
  const json::object& d = (*objects)[0];
  EXPECT_EQ(At(d, {"apiVersion"}), "apps/v1");
  EXPECT_EQ(At(d, {"kind"}), "Deployment");
  EXPECT_EQ(At(d, {"metadata", "name"}), "llama");
  EXPECT_EQ(At(d, {"metadata", "namespace"}), "ml");
  EXPECT_EQ(json::serialize(At(d, {"metadata", "ownerReferences"})),
            R"([{"apiVersion":"airunway.ai/v1alpha1","kind":"ModelDeployment","name":"llama","uid":"uid-1","controller":true,"blockOwnerDeletion":true}])");
  EXPECT_EQ(At(d, {"metadata", "labels", "airunway.ai/managed-by"}), "airunway");
  EXPECT_EQ(At(d, {"metadata", "labels", "airunway.ai/engine-type"}), "vllm");
  EXPECT_EQ(At(d, {"metadata", "labels", "airunway.ai/model-source"}), "huggingface");
  EXPECT_EQ(At(d, {"spec", "replicas"}), 3);
  EXPECT_EQ(json::serialize(At(d, {"spec", "selector", "matchLabels"})), R"({"airunway.ai/deployment":"llama","app":"llama"})");
  EXPECT_EQ(At(d, {"spec", "template", "metadata", "labels", "app"}), "llama");
  EXPECT_EQ(At(d, {"spec", "template", "metadata", "labels", "team"}), "ml");
  EXPECT_EQ(At(d, {"spec", "template", "metadata", "annotations", "a"}), "b");
  const json::object& pod = At(d, {"spec", "template", "spec"}).as_object();
  EXPECT_EQ(At(pod, {"nodeSelector", "pool"}), "gpu");
  EXPECT_EQ(At(pod, {"tolerations"}).as_array().size(), 1u);
  const json::object& c = pod.at("containers").as_array()[0].as_object();
  EXPECT_EQ(c.at("name"), "vllm");
  EXPECT_EQ(c.at("image").as_string(), kDefaultGpuImage);
  EXPECT_EQ(json::serialize(c.at("ports")), R"([{"name":"http","containerPort":8000,"protocol":"TCP"}])");
  EXPECT_EQ(At(c, {"resources", "limits", "nvidia.com/gpu"}), "2");
  EXPECT_EQ(At(c, {"resources", "limits", "memory"}), "64Gi");
  EXPECT_EQ(At(c, {"resources", "requests", "cpu"}), "8");
  EXPECT_EQ(json::serialize(c.at("env")),
            R"([{"name":"X","value":"1"},{"name":"Y","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},)"
            R"({"name":"HF_TOKEN","valueFrom":{"secretKeyRef":{"name":"hf-secret","key":"HF_TOKEN"}}}])");
  EXPECT_EQ(json::serialize(c.at("startupProbe")),
            R"({"httpGet":{"path":"/health","port":8000},"initialDelaySeconds":15,"periodSeconds":10,"failureThreshold":60})");
  EXPECT_EQ(At(c, {"livenessProbe", "failureThreshold"}), 3);
  EXPECT_EQ(At(c, {"readinessProbe", "periodSeconds"}), 5);
  EXPECT_EQ(json::serialize(pod.at("volumes")),
            R"([{"name":"shm","emptyDir":{"medium":"Memory","sizeLimit":"20Gi"}},{"name":"cache","persistentVolumeClaim":{"claimName":"pvc1"}}])");
  EXPECT_EQ(json::serialize(c.at("volumeMounts")),
            R"([{"name":"shm","mountPath":"/dev/shm"},{"name":"cache","mountPath":"/model-cache","readOnly":true}])");

  const json::object& s = (*objects)[1];
  EXPECT_EQ(At(s, {"kind"}), "Service");
  EXPECT_EQ(At(s, {"spec", "type"}), "ClusterIP");
  EXPECT_EQ(json::serialize(At(s, {"spec", "ports"})), R"([{"name":"http","port":8000,"targetPort":8000,"protocol":"TCP"}])");
  EXPECT_EQ(json::serialize(At(s, {"spec", "selector"})), R"({"airunway.ai/deployment":"llama","app":"llama"})");
}

TEST(VllmTranslateTest, ImagesAndCpu) {
  VllmProvider p;
  auto cpu = p.Translate(Md(R"({"model":{"id":"m"},"resources":{"cpu":"4"}})"), "vllm");
  ASSERT_TRUE(cpu);
  const json::object& c = At((*cpu)[0], {"spec", "template", "spec"}).as_object().at("containers").as_array()[0].as_object();
  EXPECT_EQ(c.at("image").as_string(), kDefaultCpuImage);
  EXPECT_EQ(common::FindPath(c, {"resources", "limits"}), nullptr);
  EXPECT_EQ(json::serialize(c.at("env")), R"([{"name":"VLLM_CPU_KVCACHE_SPACE","value":"4"}])");
  EXPECT_EQ(ResolveImage(Md(R"({"model":{"id":"m"},"image":"legacy:1"})"), "vllm"), "legacy:1");
  EXPECT_EQ(ResolveImage(Md(R"({"model":{"id":"m"},"image":"legacy:1","engine":{"image":"new:2"}})", false), "vllm"), "new:2");
  EXPECT_EQ(ResolveImage(Md(R"({"model":{"id":"m"}})"), "llamacpp"), std::string(kDefaultLlamaCppImage));
  // One GPU: no /dev/shm volume; replicas default to 1.
  auto one = p.Translate(Md(R"({"model":{"id":"m"},"engine":{"type":"vllm"}})"), "vllm");
  ASSERT_TRUE(one);
  EXPECT_EQ(At((*one)[0], {"spec", "replicas"}), 1);
  EXPECT_EQ(common::FindPath((*one)[0], {"spec", "template", "spec", "volumes"}), nullptr);
}

TEST(VllmTranslateTest, Overrides) {
  VllmProvider p;
  auto merged = p.Translate(Md(R"({"model":{"id":"m"},"provider":{"overrides":{"spec":{"strategy":{"type":"Recreate"}}}}})"), "vllm");
  ASSERT_TRUE(merged);
  EXPECT_EQ(At((*merged)[0], {"spec", "strategy", "type"}), "Recreate");
  EXPECT_EQ(At((*merged)[0], {"spec", "replicas"}), 1);
  auto blocked = p.Translate(Md(R"({"model":{"id":"m"},"provider":{"overrides":{"metadata":{"name":"x"}}}})"), "vllm");
  ASSERT_FALSE(blocked);
  EXPECT_NE(blocked.error().message.find("overriding \"metadata\" is not allowed"), std::string::npos);
}

json::object Deployment(std::string_view status, int replicas = 1) {
  json::object d = json::parse(R"({"metadata":{"name":"llama","generation":1},"spec":{}})").as_object();
  d["spec"].as_object()["replicas"] = replicas;
  d["status"] = json::parse(status);
  return d;
}

json::object Pod(std::string_view status) {
  json::object p = json::parse(R"({"metadata":{"name":"llama-abc"}})").as_object();
  p["status"] = json::parse(status);
  return p;
}

TEST(VllmStatusTest, Mapping) {
  VllmProvider p;
  auto md = Md(R"({"model":{"id":"m"}})");
  auto absent = p.MapStatus(md, {});
  EXPECT_EQ(absent.phase, "Pending");
  EXPECT_EQ(absent.endpoint_service, "llama");
  EXPECT_EQ(*absent.endpoint_port, 8000);

  auto running = p.MapStatus(md, {Deployment(R"({"observedGeneration":1,"readyReplicas":2,"availableReplicas":2})", 2), {}});
  EXPECT_EQ(running.phase, "Running");
  EXPECT_EQ(running.reason, "DeploymentReady");
  EXPECT_EQ(*running.ready, 2);
  EXPECT_EQ(*running.desired, 2);

  auto partial = p.MapStatus(md, {Deployment(R"({"observedGeneration":1,"readyReplicas":1})", 2), {}});
  EXPECT_EQ(partial.phase, "Deploying");
  EXPECT_EQ(partial.message, "Deployment created, waiting for pods to be ready (1/2 ready)");

  auto stale = p.MapStatus(md, {Deployment(R"({"observedGeneration":0,"readyReplicas":1})"), {}});
  EXPECT_EQ(stale.phase, "Deploying");

  auto deadline = p.MapStatus(md, {Deployment(R"({"observedGeneration":1,"conditions":[{"type":"Progressing","status":"False",
    "reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"x\" has timed out progressing."}]})"), {}});
  EXPECT_EQ(deadline.phase, "Failed");
  EXPECT_EQ(deadline.message, "ReplicaSet \"x\" has timed out progressing.");

  auto pull = p.MapStatus(md, {Deployment(R"({"observedGeneration":1})"),
                               {Pod(R"({"containerStatuses":[{"name":"vllm","state":{"waiting":{"reason":"ImagePullBackOff",
                                 "message":"Back-off pulling image \"x:does-not-exist\""}}}]})")}});
  EXPECT_EQ(pull.phase, "Failed");
  EXPECT_EQ(pull.reason, "ImagePullBackOff");
  EXPECT_EQ(pull.message, "pod llama-abc: container vllm is in ImagePullBackOff: Back-off pulling image \"x:does-not-exist\"");

  auto crash = p.MapStatus(md, {Deployment(R"({"observedGeneration":1})"),
                                {Pod(R"({"containerStatuses":[{"name":"vllm","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})")}});
  EXPECT_EQ(crash.phase, "Failed");
  EXPECT_EQ(crash.reason, "CrashLoopBackOff");

  auto unschedulable = p.MapStatus(
      md, {Deployment(R"({"observedGeneration":1})"),
           {Pod(R"({"conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable",
             "message":"0/5 nodes are available: 5 Insufficient nvidia.com/gpu."}]})")}});
  EXPECT_EQ(unschedulable.phase, "Pending");
  EXPECT_EQ(unschedulable.reason, "Unschedulable");
  EXPECT_EQ(unschedulable.message, "pod llama-abc cannot be scheduled: 0/5 nodes are available: 5 Insufficient nvidia.com/gpu.");
}

TEST(VllmRegistrationTest, Capabilities) {
  VllmProvider p;
  auto r = p.Registration();
  ASSERT_EQ(r.engines.size(), 2u);
  EXPECT_EQ(r.engines[0].name, "vllm");
  EXPECT_TRUE(r.engines[0].gpu_support);
  EXPECT_TRUE(r.engines[0].cpu_support);
  EXPECT_EQ(r.upstream_crd_version, "apps/v1");
  EXPECT_EQ(p.Finalizer(), "airunway.ai/vllm-provider");
  EXPECT_NE(MakeProvider("vllm"), nullptr);
  EXPECT_EQ(MakeProvider("nope"), nullptr);
  EXPECT_EQ(BuiltinProviderNames(), std::vector<std::string>{"vllm"});
}

}  // namespace
}  // namespace airunway::controller::providers::vllm
