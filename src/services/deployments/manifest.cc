#include "services/deployments/manifest.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <utility>

#include "common/json.h"

namespace airunway::services::deployments {

namespace json = boost::json;

namespace {

struct Premade {
  std::string_view id;
  std::string_view image;
};
constexpr std::array<Premade, 10> kPremade = {{
    {"llama3.2:1b", "ghcr.io/kaito-project/aikit/llama3.2:1b"},
    {"llama3.2:3b", "ghcr.io/kaito-project/aikit/llama3.2:3b"},
    {"llama3.1:8b", "ghcr.io/kaito-project/aikit/llama3.1:8b"},
    {"llama3.3:70b", "ghcr.io/kaito-project/aikit/llama3.3:70b"},
    {"mixtral:8x7b", "ghcr.io/kaito-project/aikit/mixtral:8x7b"},
    {"phi4:14b", "ghcr.io/kaito-project/aikit/phi4:14b"},
    {"gemma2:2b", "ghcr.io/kaito-project/aikit/gemma2:2b"},
    {"qwq:32b", "ghcr.io/kaito-project/aikit/qwq:32b"},
    {"codestral:22b", "ghcr.io/kaito-project/aikit/codestral:22b"},
    {"gpt-oss:20b", "ghcr.io/kaito-project/aikit/gpt-oss:20b"},
}};

constexpr std::string_view kGpuType = "nvidia.com/gpu";

std::string_view Str(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->as_string()) : std::string_view();
}
std::int64_t Int(const json::object& object, std::string_view key) {
  return common::GetInt(object, key).value_or(0);
}

std::string EncodeComponent(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' ||
        c == '(' || c == ')') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string EncodeSegments(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    out += EncodeComponent(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

// String(value) in JavaScript for engine args: strings as they are, numbers and booleans
// printed, anything else as JSON text; null is dropped (nullopt).
std::optional<std::string> ArgText(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null: return std::nullopt;
    case json::kind::string: return std::string(value.as_string());
    case json::kind::bool_: return value.as_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(value.as_int64());
    case json::kind::uint64: return std::to_string(value.as_uint64());
    case json::kind::double_: {
      std::array<char, 64> buffer{};
      auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value.as_double());
      if (ec != std::errc()) return json::serialize(value);
      return std::string(buffer.data(), end);
    }
    default: return json::serialize(value);
  }
}

json::object Gpu(std::int64_t count) { return json::object{{"count", count}, {"type", kGpuType}}; }

}  // namespace

std::optional<std::string> PremadeImage(std::string_view id) {
  for (const auto& premade : kPremade) {
    if (premade.id == id) return std::string(premade.image);
  }
  return std::nullopt;
}

std::string HuggingFaceResolveUrl(std::string_view model_id, std::string_view file) {
  return fmt::format("https://huggingface.co/{}/resolve/main/{}", EncodeSegments(model_id), EncodeSegments(file));
}

void ResolveKaitoImage(json::object& config) {
  if (Str(config, "provider") != "kaito") return;
  auto source = Str(config, "modelSource");
  if (source == "premade" && config.contains("premadeModel") && !config.contains("imageRef")) {
    if (auto image = PremadeImage(Str(config, "premadeModel"))) config["imageRef"] = *image;
  } else if (source == "huggingface" && Str(config, "ggufRunMode") == "direct") {
    if (Str(config, "imageRef").empty()) config["imageRef"] = kLlamaCppRunner;
    if (!Str(config, "ggufFile").empty()) {
      auto& args = config["engineArgs"];
      if (!args.is_object()) args = json::object{};
      args.as_object()["ggufUrl"] = HuggingFaceResolveUrl(Str(config, "modelId"), Str(config, "ggufFile"));
    }
  }
}

void ApplyStorageDefaults(json::object& config) {
  auto* storage = config.if_contains("storage");
  if (storage == nullptr || !storage->is_object()) return;
  auto* volumes = storage->as_object().if_contains("volumes");
  if (volumes == nullptr || !volumes->is_array()) return;
  std::string name(Str(config, "name"));
  for (auto& item : volumes->as_array()) {
    if (!item.is_object()) continue;
    auto& volume = item.as_object();
    if (!volume.contains("purpose")) volume["purpose"] = "custom";
    if (!volume.contains("mountPath")) {
      if (Str(volume, "purpose") == "modelCache") volume["mountPath"] = "/model-cache";
      if (Str(volume, "purpose") == "compilationCache") volume["mountPath"] = "/compilation-cache";
    }
    if (volume.contains("size")) {
      if (Str(volume, "claimName").empty()) volume["claimName"] = fmt::format("{}-{}", name, Str(volume, "name"));
      if (!volume.contains("accessMode")) volume["accessMode"] = "ReadWriteMany";
    }
  }
}

json::object BuildManifest(const json::object& config, std::string_view ns) {
  std::string name(Str(config, "name"));
  std::string provider(Str(config, "provider"));
  std::string source(Str(config, "modelSource"));
  bool cpu = Str(config, "computeType") == "cpu";

  json::object metadata{{"name", name},
                        {"namespace", ns},
                        {"labels",
                         {{"app.kubernetes.io/name", "airunway"},
                          {"app.kubernetes.io/instance", name},
                          {"app.kubernetes.io/managed-by", "airunway"}}}};
  if (const auto* provenance = common::GetObject(config, "recipeProvenance")) {
    json::object annotations;
    for (auto key : {"source", "id", "strategy", "hardware", "variant", "precision", "revision"}) {
      std::string value(Str(*provenance, key));
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
      std::size_t first = value.find_first_not_of(" \t\r\n");
      value = first == std::string::npos ? std::string() : value.substr(first);
      if (!value.empty()) annotations[fmt::format("airunway.ai/recipe.{}", key)] = value;
    }
    if (const auto* features = common::GetArray(*provenance, "features"); features != nullptr && !features->empty()) {
      annotations["airunway.ai/recipe.features"] = json::serialize(*features);
    }
    if (!annotations.empty()) {
      json::object ordered{{"airunway.ai/generated-by", "vllm-recipe-resolver"}};
      for (auto& [key, value] : annotations) ordered[key] = value;
      metadata["annotations"] = std::move(ordered);
    }
  }

  json::object spec;
  json::object model{{"id", Str(config, "modelId")}};
  if (config.contains("servedModelName")) model["servedName"] = Str(config, "servedModelName");
  model["source"] = "huggingface";
  if (const auto* storage = common::GetObject(config, "storage")) {
    if (const auto* volumes = common::GetArray(*storage, "volumes"); volumes != nullptr && !volumes->empty()) {
      model["storage"] = json::object{{"volumes", *volumes}};
    }
  }
  spec["model"] = std::move(model);

  std::string engine_type(Str(config, "engine"));
  if (provider == "kaito" && source == "vllm") engine_type = "vllm";
  else if (provider == "kaito" && (source == "huggingface" || source == "premade")) engine_type = "llamacpp";
  json::object engine{{"type", engine_type}};
  std::int64_t context = Int(config, "contextLength");
  if (context == 0) context = Int(config, "maxModelLen");
  if (context != 0) engine["contextLength"] = context;
  engine["trustRemoteCode"] = common::GetBool(config, "trustRemoteCode").value_or(false);
  engine["enablePrefixCaching"] = common::GetBool(config, "enablePrefixCaching").value_or(true);
  engine["enforceEager"] = common::GetBool(config, "enforceEager").value_or(false);
  if (const auto* args = common::GetObject(config, "engineArgs")) {
    json::object text_args;
    for (const auto& [key, value] : *args) {
      if (auto text = ArgText(value)) text_args[key] = *text;
    }
    if (!text_args.empty()) engine["args"] = std::move(text_args);
  }
  if (const auto* extra = common::GetArray(config, "engineExtraArgs")) engine["extraArgs"] = *extra;
  if (provider == "vllm" && config.contains("imageRef")) engine["image"] = Str(config, "imageRef");
  spec["engine"] = std::move(engine);

  std::string mode(Str(config, "mode"));
  if (mode.empty()) mode = "aggregated";
  spec["serving"] = json::object{{"mode", mode}};

  if (const auto* env = common::GetObject(config, "env"); env != nullptr && !env->empty()) {
    json::array list;
    for (const auto& [key, value] : *env) list.push_back(json::object{{"name", key}, {"value", value}});
    spec["env"] = std::move(list);
  }
  if (provider != "vllm" && config.contains("imageRef")) spec["image"] = Str(config, "imageRef");

  json::object overrides;
  if (const auto* given = common::GetObject(config, "providerOverrides")) overrides = *given;
  std::string router_mode(Str(config, "routerMode"));
  if (!router_mode.empty() && router_mode != "default") overrides["routerMode"] = router_mode;
  if (!provider.empty() || !overrides.empty()) {
    json::object p;
    if (!provider.empty()) p["name"] = provider;
    if (!overrides.empty()) p["overrides"] = std::move(overrides);
    spec["provider"] = std::move(p);
  }

  if (mode == "disaggregated") {
    auto part = [&](std::string_view replicas_key, std::string_view gpus_key) {
      std::int64_t replicas = Int(config, replicas_key);
      json::object out{{"replicas", replicas != 0 ? replicas : 1}};
      std::int64_t gpus = Int(config, gpus_key);
      if (!cpu && gpus != 0) out["gpu"] = Gpu(gpus);
      return out;
    };
    spec["scaling"] = json::object{{"prefill", part("prefillReplicas", "prefillGpus")},
                                   {"decode", part("decodeReplicas", "decodeGpus")}};
  } else {
    spec["scaling"] = json::object{{"replicas", common::GetInt(config, "replicas").value_or(1)}};
    const auto* resources = common::GetObject(config, "resources");
    std::int64_t gpus = resources != nullptr ? Int(*resources, "gpu") : 0;
    if (cpu || gpus != 0) {
      json::object r{{"gpu", Gpu(cpu ? 0 : gpus)}};
      if (resources != nullptr && resources->contains("memory")) r["memory"] = Str(*resources, "memory");
      spec["resources"] = std::move(r);
    }
  }
  if (!Str(config, "hfTokenSecret").empty()) {
    spec["secrets"] = json::object{{"huggingFaceToken", Str(config, "hfTokenSecret")}};
  }
  if (auto gateway = common::GetBool(config, "gatewayEnabled")) spec["gateway"] = json::object{{"enabled", *gateway}};

  return json::object{{"apiVersion", kApiVersion}, {"kind", kKind}, {"metadata", std::move(metadata)},
                      {"spec", std::move(spec)}};
}

json::object ResourcesDocument(const json::object& manifest) {
  std::string kind(Str(manifest, "kind"));
  if (kind.empty()) kind = kKind;
  std::string api_version(Str(manifest, "apiVersion"));
  if (api_version.empty()) api_version = kApiVersion;
  const auto* name = common::FindPath(manifest, {"metadata", "name"});
  return json::object{
      {"resources", json::array{json::object{{"kind", kind},
                                             {"apiVersion", api_version},
                                             {"name", name != nullptr ? *name : json::value("")},
                                             {"manifest", manifest}}}},
      {"primaryResource", {{"kind", kind}, {"apiVersion", api_version}}}};
}

}  // namespace airunway::services::deployments
