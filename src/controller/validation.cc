#include "controller/validation.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "common/json.h"

namespace airunway::controller {
namespace json = boost::json;

namespace {

constexpr std::string_view kSecurityKeys[] = {
    "securityContext", "serviceAccountName", "serviceAccount", "hostNetwork", "hostPID",
    "hostIPC",         "automountServiceAccountToken", "nodeName", "priorityClassName", "runtimeClassName"};
constexpr std::string_view kLimitKeys[] = {"replicas", "resources"};
constexpr std::string_view kSystemPaths[] = {"/dev", "/proc", "/sys", "/etc", "/var/run"};
constexpr std::string_view kAccessModes[] = {"ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"};

constexpr std::int32_t kMaxGpus = 64;
constexpr std::int32_t kMaxReplicas = 32;
constexpr long double kMaxCpu = 512;
constexpr long double kMaxMemory = 4.0L * 1024 * 1024 * 1024 * 1024;  // 4Ti

template <std::size_t N>
bool OneOf(std::string_view value, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

json::object& Child(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

void DefaultGpuType(json::object& parent) {
  if (json::object* gpu = parent.if_contains("gpu") ? parent["gpu"].if_object() : nullptr) {
    auto type = common::GetString(*gpu, "type");
    if (!type || type->empty()) (*gpu)["type"] = "nvidia.com/gpu";
  }
}

void WalkOverrides(const json::value& value, const std::string& path, std::vector<FieldError>& errors) {
  if (value.is_array()) {
    const auto& array = value.get_array();
    for (std::size_t i = 0; i < array.size(); ++i) WalkOverrides(array[i], fmt::format("{}[{}]", path, i), errors);
    return;
  }
  if (!value.is_object()) return;
  for (const auto& [key, child] : value.get_object()) {
    std::string child_path = fmt::format("{}.{}", path, std::string_view(key));
    if (OneOf(key, kSecurityKeys)) {
      errors.push_back({child_path, "Forbidden: not allowed for security reasons; remove it from provider.overrides"});
      continue;  // nothing below a forbidden key is reported again
    }
    if (OneOf(key, kLimitKeys)) {
      errors.push_back({child_path,
                        fmt::format("Forbidden: can bypass admission resource limits; set spec.{} instead of "
                                    "overriding it",
                                    key == "replicas" ? "scaling.replicas" : "resources")});
      continue;
    }
    WalkOverrides(child, child_path, errors);
  }
}

void CheckQuantity(std::vector<FieldError>& errors, const std::string& field, const std::string& text,
                   long double ceiling, std::string_view ceiling_text) {
  if (text.empty()) return;
  auto value = ParseQuantity(text);
  if (!value) {
    errors.push_back({field, fmt::format("invalid resource quantity \"{}\"; use a Kubernetes quantity such as 16Gi",
                                         text)});
  } else if (*value > ceiling) {
    errors.push_back({field, fmt::format("{} exceeds the maximum of {}; request less", text, ceiling_text)});
  }
}

void ValidateStorage(const ModelDeployment& md, std::vector<FieldError>& errors) {
  std::set<std::string> names, mounts, claims;
  int model_caches = 0;
  int compilation_caches = 0;
  bool managed_writable_model_cache = false;
  for (std::size_t i = 0; i < md.spec.volumes.size(); ++i) {
    const StorageVolume& v = md.spec.volumes[i];
    const std::string field = fmt::format("spec.model.storage.volumes[{}]", i);
    const bool managed = !v.size.empty();
    const std::string purpose = v.purpose.empty() ? "custom" : v.purpose;
    std::string mount = v.mount_path;
    if (mount.empty() && purpose == "modelCache") mount = "/model-cache";
    if (mount.empty() && purpose == "compilationCache") mount = "/compilation-cache";
    const std::string derived_claim = md.name + "-" + v.name;
    std::string claim = v.claim_name.empty() && managed ? derived_claim : v.claim_name;
    if (!managed && v.claim_name.empty()) {
      errors.push_back({field + ".claimName", "Required value: set claimName (an existing PVC) or size (a new PVC)"});
    }
    if (managed && v.read_only) {
      errors.push_back({field + ".readOnly", "a volume created from size cannot be readOnly; remove readOnly"});
    }
    if (managed && !v.claim_name.empty() && v.claim_name != derived_claim) {
      errors.push_back({field + ".claimName",
                        fmt::format("claimName must not be set when size is set (it would be \"{}\")", derived_claim)});
    }
    if (managed && derived_claim.size() > 253) {
      errors.push_back({field + ".name", "the derived claim name is longer than 253 characters; use a shorter name"});
    }
    if (!v.access_mode.empty() && !OneOf(v.access_mode, kAccessModes)) {
      errors.push_back({field + ".accessMode",
                        fmt::format("Unsupported value: \"{}\": supported values: \"ReadWriteOnce\", "
                                    "\"ReadWriteMany\", \"ReadOnlyMany\", \"ReadWriteOncePod\"",
                                    v.access_mode)});
    } else if (!v.access_mode.empty() && !managed) {
      errors.push_back({field + ".accessMode", "accessMode is only used with size; remove it or set size"});
    }
    if (v.storage_class_name && !managed) {
      errors.push_back({field + ".storageClassName", "storageClassName is only used with size; remove it or set size"});
    }
    if (!names.insert(v.name).second) errors.push_back({field + ".name", "Duplicate value: volume names must be unique"});
    if (!mount.empty() && !mounts.insert(mount).second) {
      errors.push_back({field + ".mountPath", "Duplicate value: two volumes are mounted at the same path"});
    }
    if (!claim.empty() && !claims.insert(claim).second) {
      errors.push_back({field + ".claimName", "Duplicate value: two volumes use the same claim"});
    }
    if (purpose == "custom" && mount.empty()) {
      errors.push_back({field + ".mountPath", "Required value: a custom volume needs an absolute mountPath"});
    } else if (!mount.empty() && mount[0] != '/') {
      errors.push_back({field + ".mountPath", "mountPath must be absolute (start with /)"});
    } else {
      for (std::string_view system : kSystemPaths) {
        if (mount == system || (mount.size() > system.size() && mount.compare(0, system.size(), system) == 0 &&
                                mount[system.size()] == '/')) {
          errors.push_back({field + ".mountPath", fmt::format("mountPath must not be {} or under it", system)});
        }
      }
    }
    if (purpose == "modelCache" && ++model_caches == 2) {
      errors.push_back({field + ".purpose", "at most one modelCache volume is allowed"});
    }
    if (purpose == "compilationCache" && ++compilation_caches == 2) {
      errors.push_back({field + ".purpose", "at most one compilationCache volume is allowed"});
    }
    if (purpose == "modelCache" && managed && !v.read_only) managed_writable_model_cache = true;
  }
  if (managed_writable_model_cache && (md.name + "-model-download").size() > 253) {
    errors.push_back({"metadata.name", "the model download Job name would exceed 253 characters; use a shorter name"});
  }
}

}  // namespace

json::object ApplySpecDefaults(json::object spec, std::string_view md_name) {
  json::object& model = Child(spec, "model");
  if (auto source = common::GetString(model, "source"); !source || source->empty()) model["source"] = "huggingface";
  json::object& serving = Child(spec, "serving");
  if (auto mode = common::GetString(serving, "mode"); !mode || mode->empty()) serving["mode"] = kModeAggregated;
  const bool aggregated = serving["mode"] == json::value(kModeAggregated);
  if (aggregated && !spec.contains("scaling")) spec["scaling"] = json::object{{"replicas", 1}};
  const std::string engine_type = [&] {
    const json::value* t = common::FindPath(spec, {"engine", "type"});
    return t != nullptr && t->is_string() ? std::string(t->get_string()) : std::string();
  }();
  const bool legacy_image = [&] {
    auto image = common::GetString(spec, "image");
    return image && !image->empty();
  }();
  if (aggregated && !spec.contains("resources") && !engine_type.empty() && engine_type != "llamacpp" &&
      !legacy_image) {
    spec["resources"] = json::object{{"gpu", json::object{{"count", 1}, {"type", "nvidia.com/gpu"}}}};
  }
  if (json::object* resources = spec.if_contains("resources") ? spec["resources"].if_object() : nullptr) {
    DefaultGpuType(*resources);
  }
  if (json::object* scaling = spec.if_contains("scaling") ? spec["scaling"].if_object() : nullptr) {
    for (std::string_view part : {"prefill", "decode"}) {
      if (json::object* component = scaling->if_contains(part) ? (*scaling)[part].if_object() : nullptr) {
        DefaultGpuType(*component);
      }
    }
  }
  json::value* volumes = common::FindPath(spec, {"model", "storage", "volumes"}) != nullptr
                             ? &spec["model"].get_object()["storage"].get_object()["volumes"]
                             : nullptr;
  if (volumes != nullptr && volumes->is_array()) {
    for (auto& item : volumes->get_array()) {
      if (!item.is_object()) continue;
      json::object& v = item.get_object();
      auto purpose = common::GetString(v, "purpose");
      if (!purpose || purpose->empty()) v["purpose"] = "custom";
      std::string p(common::GetString(v, "purpose").value_or(""));
      if (auto mount = common::GetString(v, "mountPath"); !mount || mount->empty()) {
        if (p == "modelCache") v["mountPath"] = "/model-cache";
        if (p == "compilationCache") v["mountPath"] = "/compilation-cache";
      }
      if (v.contains("size")) {
        if (auto claim = common::GetString(v, "claimName"); !claim || claim->empty()) {
          v["claimName"] = fmt::format("{}-{}", md_name, common::GetString(v, "name").value_or(""));
        }
        if (auto mode = common::GetString(v, "accessMode"); !mode || mode->empty()) v["accessMode"] = "ReadWriteMany";
      }
    }
  }
  return spec;
}

std::string JoinFieldErrors(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.field + ": " + e.message;
  }
  return out;
}

std::string ExtraArgKey(std::string_view token) {
  if (token.size() < 3 || token.substr(0, 2) != "--" || token[2] == '-') return {};
  std::string_view key = token.substr(2);
  if (auto eq = key.find('='); eq != std::string_view::npos) key = key.substr(0, eq);
  return std::string(key);
}

std::vector<std::string> ConflictingEngineArgs(const std::map<std::string, std::string>& args,
                                               const std::vector<std::string>& extra_args) {
  std::vector<std::string> conflicts;
  for (const auto& token : extra_args) {
    std::string key = ExtraArgKey(token);
    if (!key.empty() && args.count(key) > 0 &&
        std::find(conflicts.begin(), conflicts.end(), key) == conflicts.end()) {
      conflicts.push_back(key);
    }
  }
  return conflicts;
}

std::vector<FieldError> ValidateOverrides(const json::value& overrides) {
  std::vector<FieldError> errors;
  if (!overrides.is_object()) {
    errors.push_back({"spec.provider.overrides",
                      fmt::format("Invalid value: <redacted {} bytes>: must be a JSON object",
                                  json::serialize(overrides).size())});
    return errors;
  }
  WalkOverrides(overrides, "spec.provider.overrides", errors);
  return errors;
}

std::optional<long double> ParseQuantity(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::size_t i = 0;
  int sign = 1;
  if (text[i] == '+' || text[i] == '-') {
    sign = text[i] == '-' ? -1 : 1;
    ++i;
  }
  std::size_t start = i;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.')) ++i;
  std::string number(text.substr(start, i - start));
  if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1) return std::nullopt;
  long double value = std::strtold(number.c_str(), nullptr);
  std::string_view suffix = text.substr(i);
  static const std::pair<std::string_view, long double> kSuffixes[] = {
      {"", 1},          {"n", 1e-9L},     {"u", 1e-6L},       {"m", 1e-3L},          {"k", 1e3L},
      {"M", 1e6L},      {"G", 1e9L},      {"T", 1e12L},       {"P", 1e15L},          {"E", 1e18L},
      {"Ki", 1024.0L},  {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
      {"Pi", 1125899906842624.0L}, {"Ei", 1152921504606846976.0L}};
  for (const auto& [name, factor] : kSuffixes) {
    if (suffix == name) return sign * value * factor;
  }
  if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string exponent(suffix.substr(1));
    if (exponent.empty()) return std::nullopt;
    std::size_t j = (exponent[0] == '+' || exponent[0] == '-') ? 1 : 0;
    if (j >= exponent.size() ||
        !std::all_of(exponent.begin() + static_cast<std::ptrdiff_t>(j), exponent.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
      return std::nullopt;
    }
    return sign * value * std::pow(10.0L, std::stold(exponent));
  }
  return std::nullopt;
}

bool HasImageConflict(const ModelDeploymentSpec& spec) {
  return !spec.image.empty() && !spec.engine.image.empty() && spec.image != spec.engine.image;
}

std::string ImageConflictMessage(const ModelDeploymentSpec& spec) {
  return fmt::format("spec.image (\"{}\") and spec.engine.image (\"{}\") disagree; set only spec.engine.image "
                     "(spec.image is the legacy field)",
                     spec.image, spec.engine.image);
}

bool IsMockerMode(const ModelDeployment& md) {
  auto found = md.annotations.find(std::string(kAnnotationDynamoTestBackend));
  return found != md.annotations.end() && found->second == "mocker" && md.spec.provider_name == "dynamo";
}

std::vector<FieldError> ValidateWebhookRules(const ModelDeployment& md) {
  std::vector<FieldError> errors;
  const ModelDeploymentSpec& spec = md.spec;
  if (md.name.find('.') != std::string::npos) {
    errors.push_back({"metadata.name", "must not contain '.'; use a name such as \"llama-3-8b\""});
  }
  if (HasImageConflict(spec)) errors.push_back({"spec.engine.image", ImageConflictMessage(spec)});
  for (const auto& key : ConflictingEngineArgs(spec.engine.args, spec.engine.extra_args)) {
    errors.push_back({"spec.engine.extraArgs",
                      fmt::format("flag --{} is set in both engine.args and engine.extraArgs; keep one", key)});
  }
  if (spec.IsHuggingFace() && spec.model_id.empty()) {
    errors.push_back({"spec.model.id", "Required value: set model.id to a HuggingFace repository such as "
                                       "\"Qwen/Qwen2.5-0.5B-Instruct\""});
  }
  if (spec.provider_overrides) {
    auto override_errors = ValidateOverrides(*spec.provider_overrides);
    errors.insert(errors.end(), override_errors.begin(), override_errors.end());
  }
  const bool mocker = IsMockerMode(md);
  if (mocker && !spec.engine.type.empty() && spec.engine.type != "vllm") {
    errors.push_back({"spec.engine.type", "mocker mode only supports the vllm engine"});
  }
  if (spec.ServingMode() == kModeDisaggregated) {
    if (spec.GpuCount() > 0) {
      errors.push_back({"spec.resources.gpu", "must not be set in disaggregated mode; set "
                                              "scaling.prefill.gpu and scaling.decode.gpu instead"});
    }
    if (!spec.has_scaling) {
      errors.push_back({"spec.scaling", "Required value: disaggregated mode needs scaling.prefill and scaling.decode"});
    } else {
      for (const auto& [name, component] : {std::pair{"prefill", &spec.prefill}, std::pair{"decode", &spec.decode}}) {
        if (!*component) {
          errors.push_back({fmt::format("spec.scaling.{}", name),
                            fmt::format("Required value: disaggregated mode needs scaling.{}", name)});
        } else if (!mocker && (!(*component)->gpu || (*component)->gpu->count <= 0)) {
          errors.push_back({fmt::format("spec.scaling.{}.gpu.count", name),
                            fmt::format("must be greater than 0 in disaggregated mode")});
        }
      }
    }
  }
  ValidateStorage(md, errors);
  if (spec.GpuCount() > kMaxGpus) {
    errors.push_back({"spec.resources.gpu.count", fmt::format("{} exceeds the maximum of {}", spec.GpuCount(), kMaxGpus)});
  }
  CheckQuantity(errors, "spec.resources.cpu", spec.cpu, kMaxCpu, "512");
  CheckQuantity(errors, "spec.resources.memory", spec.memory, kMaxMemory, "4Ti");
  if (spec.has_scaling && spec.replicas > kMaxReplicas) {
    errors.push_back({"spec.scaling.replicas", fmt::format("{} exceeds the maximum of {}", spec.replicas, kMaxReplicas)});
  }
  for (const auto& [name, component] : {std::pair{"prefill", &spec.prefill}, std::pair{"decode", &spec.decode}}) {
    if (!*component) continue;
    const ComponentSpec& c = **component;
    if (c.replicas > kMaxReplicas) {
      errors.push_back({fmt::format("spec.scaling.{}.replicas", name),
                        fmt::format("{} exceeds the maximum of {}", c.replicas, kMaxReplicas)});
    }
    if (c.gpu && c.gpu->count > kMaxGpus) {
      errors.push_back({fmt::format("spec.scaling.{}.gpu.count", name),
                        fmt::format("{} exceeds the maximum of {}", c.gpu->count, kMaxGpus)});
    }
    CheckQuantity(errors, fmt::format("spec.scaling.{}.memory", name), c.memory, kMaxMemory, "4Ti");
  }
  return errors;
}

std::optional<CompatibilityError> CheckProviderCompatibility(std::string_view provider_name,
                                                             const ProviderConfig* named_config,
                                                             const std::vector<ProviderConfig>* all_configs,
                                                             std::string_view engine, std::string_view mode,
                                                             std::int32_t gpu_count) {
  const bool check_cpu = mode == kModeAggregated && gpu_count == 0 && !engine.empty();
  if (!provider_name.empty()) {
    if (named_config == nullptr || !named_config->has_capabilities || engine.empty()) return std::nullopt;
    const EngineCapability* cap = named_config->GetEngineCapability(engine);
    if (cap == nullptr) {
      return CompatibilityError{CompatibilityErrorKind::kEngineUnsupported, "engine.type",
                                fmt::format("provider {} does not support engine {}", provider_name, engine)};
    }
    if (!named_config->SupportsServingMode(engine, mode)) {
      return CompatibilityError{
          CompatibilityErrorKind::kServingModeUnsupported, "serving.mode",
          fmt::format("provider {} does not support {} mode for engine {}", provider_name, mode, engine)};
    }
    if (check_cpu && !cap->cpu_support) {
      return CompatibilityError{
          CompatibilityErrorKind::kGpuRequired, "resources.gpu.count",
          fmt::format("{} engine on provider {} requires GPU (set resources.gpu.count > 0)", engine, provider_name)};
    }
    return std::nullopt;
  }
  if (all_configs == nullptr || all_configs->empty() || !check_cpu) return std::nullopt;
  for (const auto& config : *all_configs) {
    if (config.SupportsCpu(engine)) return std::nullopt;
  }
  return CompatibilityError{CompatibilityErrorKind::kGpuRequired, "resources.gpu.count",
                            fmt::format("{} engine requires GPU (set resources.gpu.count > 0)", engine)};
}

common::Status ValidateSpec(const ModelDeployment& md, std::string_view engine,
                            const std::vector<ProviderConfig>& configs) {
  auto fail = [](std::string message) { return common::MakeError(common::ErrorCode::kInvalid, std::move(message)); };
  const ModelDeploymentSpec& spec = md.spec;
  if (HasImageConflict(spec)) return fail(ImageConflictMessage(spec));
  if (spec.IsHuggingFace() && spec.model_id.empty()) return fail("model.id is required when source is huggingface");
  if (engine.empty()) return fail("engine.type must be specified or auto-selected from provider capabilities");
  const bool mocker = IsMockerMode(md);
  if (mocker && engine != "vllm") {
    return fail(fmt::format("mocker mode only supports the vllm engine, got {}", engine));
  }
  const std::string mode = spec.ServingMode();
  if (!mocker) {
    const ProviderConfig* named = nullptr;
    for (const auto& c : configs) {
      if (!spec.provider_name.empty() && c.name == spec.provider_name) named = &c;
    }
    if (auto error = CheckProviderCompatibility(spec.provider_name, named, &configs, engine, mode, spec.GpuCount())) {
      return fail(error->message);
    }
  }
  if (mode == kModeDisaggregated) {
    if (spec.GpuCount() > 0) {
      return fail("cannot specify both resources.gpu and scaling.prefill/decode in disaggregated mode");
    }
    if (!spec.prefill || !spec.decode) return fail("disaggregated mode requires scaling.prefill and scaling.decode");
    if (!mocker && (!spec.prefill->gpu || spec.prefill->gpu->count == 0)) {
      return fail("disaggregated mode requires scaling.prefill.gpu.count > 0");
    }
    if (!mocker && (!spec.decode->gpu || spec.decode->gpu->count == 0)) {
      return fail("disaggregated mode requires scaling.decode.gpu.count > 0");
    }
  }
  return {};
}

// ---- identity fields ---------------------------------------------------------------------------

namespace {

constexpr std::string_view kIdentityModelId = "model.id";
constexpr std::string_view kIdentityModelSource = "model.source";
constexpr std::string_view kIdentityServingMode = "serving.mode";
constexpr std::string_view kIdentityManagedVolumes = "storage.managedVolumes";

json::object ManagedVolumeToJson(const StorageVolume& v) {
  json::object o{{"name", v.name},         {"claimName", v.claim_name}, {"mountPath", v.mount_path},
                 {"purpose", v.purpose},   {"readOnly", v.read_only},   {"accessMode", v.access_mode},
                 {"size", v.size}};
  if (v.storage_class_name) o["storageClassName"] = *v.storage_class_name;
  return o;
}

StorageVolume ManagedVolumeFromJson(const json::object& o) {
  auto str = [&](std::string_view key) { return std::string(common::GetString(o, key).value_or("")); };
  StorageVolume v;
  v.name = str("name");
  v.claim_name = str("claimName");
  v.mount_path = str("mountPath");
  v.purpose = str("purpose");
  const json::value* read_only = o.if_contains("readOnly");
  v.read_only = read_only != nullptr && read_only->is_bool() && read_only->get_bool();
  v.access_mode = str("accessMode");
  v.size = str("size");
  if (auto sc = common::GetString(o, "storageClassName")) v.storage_class_name = std::string(*sc);
  return v;
}

std::string ModelSource(const ModelDeploymentSpec& spec) {
  return spec.model_source.empty() ? std::string("huggingface") : spec.model_source;
}

FieldError Immutable(std::string field, std::string_view before, std::string_view after) {
  std::string message = fmt::format(
      "field is immutable: it was \"{}\" when the ModelDeployment was accepted and is now \"{}\"; set it back to "
      "\"{}\" or delete and recreate the ModelDeployment",
      before, after, before);
  return {std::move(field), std::move(message)};
}

}  // namespace

json::object IdentityOf(const ModelDeploymentSpec& spec) {
  json::array volumes;
  for (const auto& v : spec.volumes) {
    if (!v.size.empty()) volumes.push_back(ManagedVolumeToJson(v));
  }
  return json::object{{kIdentityModelId, spec.model_id},
                      {kIdentityModelSource, ModelSource(spec)},
                      {kIdentityServingMode, spec.ServingMode()},
                      {kIdentityManagedVolumes, std::move(volumes)}};
}

std::optional<json::object> RecordedIdentity(const ModelDeployment& md) {
  auto found = md.annotations.find(std::string(kAnnotationIdentity));
  if (found == md.annotations.end()) return std::nullopt;
  auto parsed = common::ParseJson(found->second);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  return parsed->get_object();
}

std::vector<std::string> ManagedVolumeDifferences(const StorageVolume& before, const StorageVolume& after) {
  std::vector<std::string> out;
  if (before.name != after.name) out.emplace_back("name");
  if (before.claim_name != after.claim_name) out.emplace_back("claimName");
  if (before.mount_path != after.mount_path) out.emplace_back("mountPath");
  if (before.purpose != after.purpose) out.emplace_back("purpose");
  if (before.read_only != after.read_only) out.emplace_back("readOnly");
  if (before.access_mode != after.access_mode) out.emplace_back("accessMode");
  if (before.storage_class_name != after.storage_class_name) out.emplace_back("storageClassName");
  auto size_before = ParseQuantity(before.size);
  auto size_after = ParseQuantity(after.size);
  const bool same_size = size_before && size_after ? *size_before == *size_after : before.size == after.size;
  if (!same_size) out.emplace_back("size");
  return out;
}

std::vector<FieldError> CheckIdentity(const ModelDeploymentSpec& spec, const json::object& recorded) {
  std::vector<FieldError> errors;
  auto compare = [&](std::string_view key, std::string field, const std::string& now) {
    auto before = common::GetString(recorded, key);
    if (before && *before != now) errors.push_back(Immutable(std::move(field), *before, now));
  };
  compare(kIdentityModelId, "spec.model.id", spec.model_id);
  compare(kIdentityModelSource, "spec.model.source", ModelSource(spec));
  compare(kIdentityServingMode, "spec.serving.mode", spec.ServingMode());

  const json::array* volumes = common::GetArray(recorded, kIdentityManagedVolumes);
  if (volumes == nullptr) return errors;
  for (const auto& item : *volumes) {
    if (!item.is_object()) continue;
    StorageVolume before = ManagedVolumeFromJson(item.get_object());
    auto now = std::find_if(spec.volumes.begin(), spec.volumes.end(),
                            [&](const StorageVolume& v) { return v.name == before.name; });
    if (now == spec.volumes.end()) {
      errors.push_back({"spec.model.storage.volumes",
                        fmt::format("Forbidden: managed volume \"{}\" (created from size {}) cannot be removed; put it "
                                    "back or delete and recreate the ModelDeployment",
                                    before.name, before.size)});
      continue;
    }
    auto changed = ManagedVolumeDifferences(before, *now);
    if (changed.empty()) continue;
    const auto index = static_cast<std::size_t>(now - spec.volumes.begin());
    errors.push_back({fmt::format("spec.model.storage.volumes[{}]", index),
                      fmt::format("managed volume \"{}\" is immutable: {} changed; set it back to {} or delete and "
                                  "recreate the ModelDeployment",
                                  before.name, fmt::join(changed, ", "), json::serialize(ManagedVolumeToJson(before)))});
  }
  return errors;
}

}  // namespace airunway::controller
