#include "services/deployments/validation.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <regex>
#include <set>

#include "services/cluster/cluster_service.h"

namespace airunway::services::deployments {

namespace json = boost::json;

namespace {

constexpr std::string_view kNamePattern = "^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$";
constexpr std::string_view kLabelPattern = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";
constexpr std::string_view kQuantityPattern = "^[+-]?(\\d+\\.?\\d*|\\d*\\.?\\d+)([eE][+-]?\\d+|[KMGTPE]i?|[numkMGTPE])?$";

const std::regex& NameRegex() {
  static const std::regex re{std::string(kNamePattern)};
  return re;
}
const std::regex& LabelRegex() {
  static const std::regex re{std::string(kLabelPattern)};
  return re;
}
const std::regex& QuantityRegex() {
  static const std::regex re{std::string(kQuantityPattern)};
  return re;
}

std::string ReceivedType(const json::value* value) {
  if (value == nullptr) return "undefined";
  switch (value->kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "unknown";
}

json::array With(const json::array& path, json::value step) {
  json::array out = path;
  out.push_back(std::move(step));
  return out;
}

json::object InvalidType(std::string_view expected, const json::value* received, const json::array& path) {
  return json::object{{"expected", expected},
                      {"code", "invalid_type"},
                      {"path", path},
                      {"message", fmt::format("Invalid input: expected {}, received {}", expected,
                                              ReceivedType(received))}};
}

json::object TooSmall(std::string_view origin, double minimum, bool inclusive, const json::array& path,
                      std::string message) {
  json::object issue{{"origin", origin}, {"code", "too_small"}};
  issue["minimum"] = minimum == std::floor(minimum) ? json::value(static_cast<std::int64_t>(minimum)) : json::value(minimum);
  issue["inclusive"] = inclusive;
  issue["path"] = path;
  issue["message"] = std::move(message);
  return issue;
}

json::object TooBig(std::string_view origin, std::int64_t maximum, const json::array& path, std::string message) {
  return json::object{{"origin", origin},  {"code", "too_big"},         {"maximum", maximum},
                      {"inclusive", true}, {"path", path},              {"message", std::move(message)}};
}

json::object RegexIssue(std::string_view pattern, const json::array& path, std::string message) {
  return json::object{{"origin", "string"},
                      {"code", "invalid_format"},
                      {"format", "regex"},
                      {"pattern", fmt::format("/{}/", pattern)},
                      {"path", path},
                      {"message", std::move(message)}};
}

json::object Custom(const json::array& path, std::string message) {
  return json::object{{"code", "custom"}, {"message", std::move(message)}, {"path", path}};
}

// Checks a string against min/max length and a pattern, running every check (as zod does).
void CheckString(std::string_view value, const json::array& path, std::size_t max, std::string_view empty_message,
                 std::string_view long_message, const std::regex& re, std::string_view pattern,
                 std::string_view pattern_message, Issues& issues) {
  if (value.empty()) issues.push_back(TooSmall("string", 1, true, path, std::string(empty_message)));
  if (value.size() > max) {
    issues.push_back(TooBig("string", static_cast<std::int64_t>(max), path, std::string(long_message)));
  }
  if (!std::regex_match(value.begin(), value.end(), re)) {
    issues.push_back(RegexIssue(pattern, path, std::string(pattern_message)));
  }
}

// A schema walker over one object: each accessor validates one field and copies it into `out`.
class Fields {
 public:
  Fields(const json::object& in, json::array path, Issues& issues, json::object& out)
      : in_(in), path_(std::move(path)), issues_(issues), out_(out) {}

  const json::value* Find(std::string_view key) const {
    const auto* value = in_.if_contains(key);
    return value;  // JSON null is a value of the wrong type, not "absent"
  }
  json::array Path(std::string_view key) const { return With(path_, json::value(key)); }

  // Returns the string when present and a string.
  std::optional<std::string> String(std::string_view key, bool required) {
    const auto* value = Find(key);
    if (value == nullptr) {
      if (required) issues_.push_back(InvalidType("string", nullptr, Path(key)));
      return std::nullopt;
    }
    if (!value->is_string()) {
      issues_.push_back(InvalidType("string", value, Path(key)));
      return std::nullopt;
    }
    out_[key] = *value;
    return std::string(value->as_string());
  }

  void Enum(std::string_view key, std::initializer_list<std::string_view> values, bool required,
            std::optional<std::string_view> fallback = std::nullopt) {
    const auto* value = Find(key);
    if (value == nullptr) {
      if (fallback) {
        out_[key] = *fallback;
      } else if (required) {
        issues_.push_back(EnumIssue(key, values));
      }
      return;
    }
    if (value->is_string()) {
      for (auto allowed : values) {
        if (value->as_string() == allowed) {
          out_[key] = *value;
          return;
        }
      }
    }
    issues_.push_back(EnumIssue(key, values));
  }

  // An integer >= min (or > min when !inclusive).
  void Int(std::string_view key, std::int64_t min, bool inclusive, std::optional<std::int64_t> fallback = std::nullopt,
           bool required = false) {
    const auto* value = Find(key);
    if (value == nullptr) {
      if (fallback) out_[key] = *fallback;
      else if (required) issues_.push_back(InvalidType("number", nullptr, Path(key)));
      return;
    }
    if (auto parsed = IntValue(*value, Path(key), min, inclusive)) out_[key] = *parsed;
  }

  void Bool(std::string_view key, std::optional<bool> fallback = std::nullopt) {
    const auto* value = Find(key);
    if (value == nullptr) {
      if (fallback) out_[key] = *fallback;
      return;
    }
    if (!value->is_bool()) {
      issues_.push_back(InvalidType("boolean", value, Path(key)));
      return;
    }
    out_[key] = *value;
  }

  // Any JSON object (record of any values).
  void AnyObject(std::string_view key) {
    const auto* value = Find(key);
    if (value == nullptr) return;
    if (!value->is_object()) {
      issues_.push_back(InvalidType("record", value, Path(key)));
      return;
    }
    out_[key] = *value;
  }

  void StringArray(std::string_view key) {
    const auto* value = Find(key);
    if (value == nullptr) return;
    if (!value->is_array()) {
      issues_.push_back(InvalidType("array", value, Path(key)));
      return;
    }
    bool ok = true;
    std::size_t index = 0;
    for (const auto& item : value->as_array()) {
      if (!item.is_string()) {
        issues_.push_back(InvalidType("string", &item, With(Path(key), json::value(index))));
        ok = false;
      }
      ++index;
    }
    if (ok) out_[key] = *value;
  }

  void StringMap(std::string_view key) {
    const auto* value = Find(key);
    if (value == nullptr) return;
    if (!value->is_object()) {
      issues_.push_back(InvalidType("record", value, Path(key)));
      return;
    }
    bool ok = true;
    for (const auto& [name, item] : value->as_object()) {
      if (!item.is_string()) {
        issues_.push_back(InvalidType("string", &item, With(Path(key), json::value(name))));
        ok = false;
      }
    }
    if (ok) out_[key] = *value;
  }

  // A nested object; returns its fields walker target or nullptr when absent/invalid.
  const json::object* Object(std::string_view key) {
    const auto* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) {
      issues_.push_back(InvalidType("object", value, Path(key)));
      return nullptr;
    }
    return &value->as_object();
  }

  std::optional<std::int64_t> IntValue(const json::value& value, const json::array& path, std::int64_t min,
                                       bool inclusive) {
    std::int64_t number = 0;
    if (value.is_int64()) {
      number = value.as_int64();
    } else if (value.is_uint64()) {
      number = value.as_uint64() > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX
                                                                         : static_cast<std::int64_t>(value.as_uint64());
    } else if (value.is_double()) {
      double d = value.as_double();
      if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9007199254740991.0) {
        issues_.push_back(json::object{{"expected", "int"},
                                       {"format", "safeint"},
                                       {"code", "invalid_type"},
                                       {"path", path},
                                       {"message", "Invalid input: expected int, received number"}});
        return std::nullopt;
      }
      number = static_cast<std::int64_t>(d);
    } else {
      issues_.push_back(InvalidType("number", &value, path));
      return std::nullopt;
    }
    if (inclusive ? number < min : number <= min) {
      issues_.push_back(TooSmall("number", static_cast<double>(min), inclusive, path,
                                 fmt::format("Too small: expected number to be {}{}", inclusive ? ">=" : ">", min)));
      return std::nullopt;
    }
    return number;
  }

  Issues& issues() { return issues_; }
  json::object& out() { return out_; }

 private:
  json::object EnumIssue(std::string_view key, std::initializer_list<std::string_view> values) {
    json::array list;
    std::string text;
    for (auto v : values) {
      list.emplace_back(v);
      text += (text.empty() ? "" : "|") + fmt::format("\"{}\"", v);
    }
    return json::object{{"code", "invalid_value"},
                        {"values", std::move(list)},
                        {"path", Path(key)},
                        {"message", "Invalid option: expected one of " + text}};
  }

  const json::object& in_;
  json::array path_;
  Issues& issues_;
  json::object& out_;
};

json::object ValidateVolume(const json::value& value, const json::array& path, Issues& issues) {
  json::object out;
  if (!value.is_object()) {
    issues.push_back(InvalidType("object", &value, path));
    return out;
  }
  Fields f(value.as_object(), path, issues, out);
  if (auto name = f.String("name", true)) {
    CheckString(*name, f.Path("name"), 63, "Volume name is required", "Volume name must be 63 characters or less",
                LabelRegex(), kLabelPattern,
                "Volume name must be a valid DNS label (lowercase alphanumeric with hyphens)", issues);
  }
  f.Enum("purpose", {"modelCache", "compilationCache", "custom"}, false, "custom");
  f.String("mountPath", false);
  f.Bool("readOnly", false);
  if (auto size = f.String("size", false)) {
    if (!IsKubernetesQuantity(*size)) {
      issues.push_back(RegexIssue(kQuantityPattern, f.Path("size"),
                                  "Size must be a valid Kubernetes quantity (e.g. 100Gi, 500Mi, 1Ti)"));
    }
  }
  f.String("claimName", false);
  f.String("storageClassName", false);
  f.Enum("accessMode", {"ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"}, false);
  return out;
}

std::string_view Str(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->as_string()) : std::string_view();
}
bool Has(const json::object& object, std::string_view key) { return object.contains(key); }

std::string EffectiveMountPath(const json::object& volume) {
  if (Has(volume, "mountPath")) return std::string(Str(volume, "mountPath"));
  auto purpose = Str(volume, "purpose");
  if (purpose == "modelCache") return "/model-cache";
  if (purpose == "compilationCache") return "/compilation-cache";
  return {};
}

// The 13 storage rules (reference order: rules 1–3 over all volumes, then per volume 4–6 and
// 8–13, then rule 7).
void CheckStorageRules(const json::array& volumes, std::string_view deployment, Issues& issues) {
  auto path = [](std::size_t i, std::string_view field) {
    json::array p{"storage", "volumes", i};
    if (!field.empty()) p.emplace_back(field);
    return p;
  };
  std::set<std::string> names, mounts, claims;
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    std::string name(Str(volumes[i].as_object(), "name"));
    if (!names.insert(name).second) issues.push_back(Custom(path(i, "name"), fmt::format("Duplicate volume name: \"{}\"", name)));
  }
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    std::string mount = EffectiveMountPath(volumes[i].as_object());
    if (mount.empty()) continue;
    if (!mounts.insert(mount).second) {
      issues.push_back(Custom(path(i, "mountPath"), fmt::format("Duplicate mount path: \"{}\"", mount)));
    }
  }
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    const auto& v = volumes[i].as_object();
    std::string claim;
    if (Has(v, "claimName") && !Str(v, "claimName").empty()) claim = std::string(Str(v, "claimName"));
    else if (Has(v, "size")) claim = fmt::format("{}-{}", deployment, Str(v, "name"));
    if (claim.empty()) continue;
    if (!claims.insert(claim).second) {
      issues.push_back(Custom(path(i, "claimName"), fmt::format("Duplicate claim name: \"{}\"", claim)));
    }
  }
  static constexpr std::array<std::string_view, 5> kSystemPaths = {"/dev", "/proc", "/sys", "/etc", "/var/run"};
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    const auto& v = volumes[i].as_object();
    bool has_mount = Has(v, "mountPath");
    std::string_view mount = Str(v, "mountPath");
    bool sized = Has(v, "size");
    std::string name(Str(v, "name"));
    std::string auto_claim = fmt::format("{}-{}", deployment, name);
    if (has_mount && !mount.starts_with('/')) {
      issues.push_back(Custom(path(i, "mountPath"), "Mount path must be an absolute path (start with /)"));
    }
    if (Str(v, "purpose") == "custom" && (!has_mount || mount.empty())) {
      issues.push_back(Custom(path(i, "mountPath"), "Mount path is required for custom purpose volumes"));
    }
    if (has_mount) {
      for (auto system : kSystemPaths) {
        if (mount == system || (mount.starts_with(system) && mount.size() > system.size() && mount[system.size()] == '/')) {
          issues.push_back(Custom(path(i, "mountPath"),
                                  fmt::format("Mount path \"{}\" conflicts with system path \"{}\"", mount, system)));
          break;
        }
      }
    }
    if (!sized && (!Has(v, "claimName") || Str(v, "claimName").empty())) {
      issues.push_back(Custom(path(i, "claimName"), "Claim name is required when size is not specified (existing PVC)"));
    }
    if (sized && v.contains("readOnly") && v.at("readOnly").is_bool() && v.at("readOnly").as_bool()) {
      issues.push_back(Custom(path(i, "readOnly"), "Read-only is not allowed for controller-created PVCs (size is set)"));
    }
    if (sized && Has(v, "claimName") && !Str(v, "claimName").empty() && Str(v, "claimName") != auto_claim) {
      issues.push_back(Custom(path(i, "claimName"),
                              fmt::format("When size is set, claim name must be empty or match \"{}\"", auto_claim)));
    }
    if (!sized && Has(v, "accessMode")) {
      issues.push_back(Custom(path(i, "accessMode"), "Access mode is only valid when size is specified (new PVC)"));
    }
    if (!sized && Has(v, "storageClassName")) {
      issues.push_back(
          Custom(path(i, "storageClassName"), "Storage class name is only valid when size is specified (new PVC)"));
    }
    if (sized && (!Has(v, "claimName") || Str(v, "claimName").empty()) && auto_claim.size() > 253) {
      issues.push_back(Custom(path(i, "name"),
                              fmt::format("Auto-generated claim name \"{}\" exceeds 253 character limit", auto_claim)));
    }
  }
  for (std::string_view purpose : {"modelCache", "compilationCache"}) {
    int count = 0;
    for (const auto& v : volumes) count += Str(v.as_object(), "purpose") == purpose ? 1 : 0;
    if (count > 1) {
      issues.push_back(Custom(json::array{"storage", "volumes"},
                              fmt::format("Only one volume with purpose \"{}\" is allowed", purpose)));
    }
  }
}

}  // namespace

json::object ValidationErrorBody(const Issues& issues) {
  json::array list;
  for (const auto& issue : issues) list.push_back(issue);
  return json::object{{"success", false},
                      {"error", {{"name", "ZodError"}, {"message", cluster::PrettyJson(list)}}}};
}

void CheckNamespace(std::string_view value, const json::array& path, Issues& issues) {
  CheckString(value, path, 63, "Namespace cannot be empty", "Namespace must be 63 characters or less", LabelRegex(),
              kLabelPattern,
              "Namespace must be lowercase alphanumeric with hyphens, starting and ending with alphanumeric", issues);
}

void CheckResourceName(std::string_view value, const json::array& path, Issues& issues) {
  CheckString(value, path, 253, "Name cannot be empty", "Name must be 253 characters or less", NameRegex(),
              kNamePattern,
              "Name must be lowercase alphanumeric with hyphens/dots, starting and ending with alphanumeric", issues);
}

bool IsKubernetesQuantity(std::string_view text) {
  return std::regex_match(text.begin(), text.end(), QuantityRegex());
}

std::optional<std::int64_t> ParseIntPrefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::size_t start = i;
  std::int64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (value > (INT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + (text[i] - '0');
    ++i;
  }
  if (i == start) return std::nullopt;
  return negative ? -value : value;
}

std::optional<std::int64_t> IntQuery(std::optional<std::string_view> raw, std::string_view name, std::int64_t min,
                                     std::optional<std::int64_t> max, Issues& issues) {
  if (!raw || raw->empty()) return std::nullopt;
  json::array path{name};
  auto value = ParseIntPrefix(*raw);
  if (!value) {
    issues.push_back(json::object{{"expected", "number"},
                                  {"code", "invalid_type"},
                                  {"received", "NaN"},
                                  {"path", path},
                                  {"message", "Invalid input: expected number, received NaN"}});
    return std::nullopt;
  }
  if (*value < min) {
    issues.push_back(TooSmall("number", static_cast<double>(min), true, path,
                              fmt::format("Too small: expected number to be >={}", min)));
    return std::nullopt;
  }
  if (max && *value > *max) {
    issues.push_back(TooBig("number", *max, path, fmt::format("Too big: expected number to be <={}", *max)));
    return std::nullopt;
  }
  return value;
}

json::object ValidateDeploymentConfig(const json::value& body, Issues& issues) {
  json::object out;
  if (!body.is_object()) {
    issues.push_back(InvalidType("object", &body, json::array{}));
    return out;
  }
  Fields f(body.as_object(), json::array{}, issues, out);
  if (auto name = f.String("name", true)) CheckResourceName(*name, f.Path("name"), issues);
  if (auto model = f.String("modelId", true); model && model->empty()) {
    issues.push_back(TooSmall("string", 1, true, f.Path("modelId"), "Model ID is required"));
  }
  f.Enum("engine", {"vllm", "sglang", "trtllm", "llamacpp"}, true);
  if (auto ns = f.String("namespace", false)) CheckNamespace(*ns, f.Path("namespace"), issues);
  f.Enum("mode", {"aggregated", "disaggregated"}, false, "aggregated");
  if (auto provider = f.String("provider", false)) CheckResourceName(*provider, f.Path("provider"), issues);
  f.String("servedModelName", false);
  f.Enum("routerMode", {"default", "kv", "round-robin"}, false, "default");
  f.Int("replicas", 0, true, 1);
  if (!f.String("hfTokenSecret", false)) {
    if (f.Find("hfTokenSecret") == nullptr) out["hfTokenSecret"] = "";
  }
  f.Int("contextLength", 0, false);
  f.Bool("enforceEager", false);
  f.Bool("enablePrefixCaching", true);
  f.Bool("trustRemoteCode", false);
  if (const auto* resources = f.Object("resources")) {
    json::object r;
    Fields rf(*resources, f.Path("resources"), issues, r);
    rf.Int("gpu", 0, true, std::nullopt, true);
    rf.String("memory", false);
    out["resources"] = std::move(r);
  }
  f.AnyObject("engineArgs");
  f.StringArray("engineExtraArgs");
  f.StringMap("env");
  f.AnyObject("providerOverrides");
  for (auto key : {"prefillReplicas", "decodeReplicas", "prefillGpus", "decodeGpus"}) f.Int(key, 0, true);
  f.Enum("modelSource", {"premade", "huggingface", "vllm"}, false);
  f.String("premadeModel", false);
  f.String("ggufFile", false);
  f.Enum("ggufRunMode", {"build", "direct"}, false);
  f.String("imageRef", false);
  f.Enum("computeType", {"cpu", "gpu"}, false);
  f.Int("maxModelLen", 0, false);
  f.Bool("gatewayEnabled");
  if (const auto* provenance = f.Object("recipeProvenance")) {
    json::object p;
    Fields pf(*provenance, f.Path("recipeProvenance"), issues, p);
    for (auto key : {"source", "id", "strategy", "hardware", "variant", "precision"}) pf.String(key, false);
    pf.StringArray("features");
    pf.String("revision", false);
    out["recipeProvenance"] = std::move(p);
  }
  if (const auto* storage = f.Object("storage")) {
    json::object s;
    json::array storage_path = f.Path("storage");
    if (const auto* volumes = storage->if_contains("volumes")) {
      json::array volumes_path = With(storage_path, json::value("volumes"));
      if (!volumes->is_array()) {
        issues.push_back(InvalidType("array", volumes, volumes_path));
      } else {
        if (volumes->as_array().size() > 8) {
          issues.push_back(TooBig("array", 8, volumes_path, "Maximum 8 storage volumes allowed"));
        }
        json::array list;
        std::size_t index = 0;
        for (const auto& volume : volumes->as_array()) {
          list.push_back(ValidateVolume(volume, With(volumes_path, json::value(index)), issues));
          ++index;
        }
        s["volumes"] = std::move(list);
      }
    }
    out["storage"] = std::move(s);
  }
  // Cross-field storage rules run only on an otherwise valid body (as the reference's schema).
  if (issues.empty()) {
    const auto* storage = out.if_contains("storage");
    const auto* volumes = storage != nullptr ? storage->as_object().if_contains("volumes") : nullptr;
    if (volumes != nullptr) CheckStorageRules(volumes->as_array(), Str(out, "name"), issues);
  }
  return out;
}

}  // namespace airunway::services::deployments
