#include "bench_objects.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace airunway::bench {

boost::json::object RealisticPod(int i, std::string_view ns) {
  namespace json = boost::json;
  json::object container{
      {"name", "vllm"},
      {"image", "vllm/vllm-openai:v0.8.0"},
      {"args", json::array{"--model", "Qwen/Qwen3-0.6B", "--port", "8000"}},
      {"ports", json::array{json::object{{"containerPort", 8000}, {"name", "http"}}}},
      {"resources",
       {{"limits", {{"nvidia.com/gpu", "1"}, {"memory", "16Gi"}}}, {"requests", {{"cpu", "2"}, {"memory", "16Gi"}}}}}};
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", fmt::format("pod-{}", i)},
        {"namespace", ns},
        {"labels", {{"app", fmt::format("model-{}", i % 50)}, {"airunway.ai/deployment", fmt::format("d{}", i % 50)}}}}},
      {"spec", {{"nodeName", fmt::format("gpu-node-{}", i % 10)}, {"containers", json::array{std::move(container)}}}},
      {"status", {{"phase", "Running"}, {"podIP", fmt::format("10.244.{}.{}", i % 10, i % 250)}}}};
}

boost::json::object CpuModelDeployment(std::string_view name, std::string_view ns) {
  return boost::json::object{{"apiVersion", "airunway.ai/v1alpha1"},
                             {"kind", "ModelDeployment"},
                             {"metadata", {{"name", name}, {"namespace", ns}}},
                             {"spec",
                              {{"model", {{"id", "Qwen/Qwen2.5-0.5B-Instruct"}}},
                               {"engine", {{"type", "vllm"}}},
                               {"resources", {{"cpu", "1"}}}}}};
}

}  // namespace airunway::bench
