#include "services/deployments/providers.h"

#include <boost/json.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "common/json.h"
#include "common/time.h"

namespace airunway::services::deployments {

namespace json = boost::json;

namespace {

std::string Trim(std::string_view s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

json::array StringList(const json::value* value) {
  json::array out;
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : value->as_array()) {
    if (item.is_string()) out.push_back(item);
  }
  return out;
}

bool ListHas(const json::array& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](const json::value& v) { return v.is_string() && v.as_string() == value; });
}

std::string Join(const json::array& list) {
  std::string out;
  for (const auto& v : list) {
    if (!v.is_string()) continue;
    if (!out.empty()) out += ", ";
    out += v.as_string();
  }
  return out;
}

struct Reader {
  const json::object& config;
  const json::object* annotations = nullptr;
  json::array warnings;

  std::string Annotation(std::initializer_list<std::string_view> keys) const {
    if (annotations == nullptr) return {};
    for (auto key : keys) {
      std::string value = Trim(Str(*annotations, key));
      if (!value.empty()) return value;
    }
    return {};
  }

  std::optional<json::object> JsonAnnotation(std::string_view key) {
    std::string text = Annotation({key});
    if (text.empty()) return std::nullopt;
    auto parsed = common::ParseJson(text);
    if (!parsed) {
      warnings.emplace_back(fmt::format("Invalid JSON in {}: {}", key, parsed.error().message));
      return std::nullopt;
    }
    if (!parsed->is_object()) {
      warnings.emplace_back(fmt::format("{} must be a JSON object", key));
      return std::nullopt;
    }
    return parsed->as_object();
  }
};

json::object NormaliseCapabilities(const json::object& source) {
  json::array engines, engine_caps, engine_modes;
  std::set<std::string> names;
  bool gpu = false, cpu = false;
  if (const auto* list = source.if_contains("engines"); list != nullptr && list->is_array()) {
    for (const auto& entry : list->as_array()) {
      json::object cap;
      if (entry.is_string() && !entry.as_string().empty()) {
        cap["name"] = entry;
      } else if (entry.is_object() && !Str(entry.as_object(), "name").empty()) {
        const auto& e = entry.as_object();
        cap["name"] = Str(e, "name");
        cap["servingModes"] = StringList(e.if_contains("servingModes"));
        for (auto key : {"gpuSupport", "cpuSupport", "requiresCRD"}) {
          if (auto b = common::GetBool(e, key)) cap[key] = *b;
        }
        if (const auto* g = e.if_contains("gateway"); g != nullptr && g->is_object()) cap["gateway"] = *g;
        gpu = gpu || common::GetBool(e, "gpuSupport").value_or(false);
        cpu = cpu || common::GetBool(e, "cpuSupport").value_or(false);
        for (const auto& m : cap["servingModes"].as_array()) {
          if (!ListHas(engine_modes, m.as_string())) engine_modes.push_back(m);
        }
      } else {
        continue;
      }
      std::string name(cap["name"].as_string());
      if (names.insert(name).second) engines.emplace_back(name);
      engine_caps.push_back(std::move(cap));
    }
  }
  json::array modes = StringList(source.if_contains("modes"));
  if (modes.empty()) modes = StringList(source.if_contains("servingModes"));
  if (modes.empty()) modes = engine_modes;
  json::object features;
  if (const auto* f = source.if_contains("features"); f != nullptr && f->is_object()) {
    for (const auto& [key, value] : f->as_object()) {
      if (value.is_bool()) features[key] = value;
    }
  }
  if (gpu) features["gpu"] = true;
  if (cpu) features["cpu"] = true;
  json::object out{{"engines", std::move(engines)}};
  if (!engine_caps.empty()) out["engineCapabilities"] = std::move(engine_caps);
  out["modes"] = std::move(modes);
  out["modelSources"] = StringList(source.if_contains("modelSources"));
  out["routerModes"] = StringList(source.if_contains("routerModes"));
  out["features"] = std::move(features);
  return out;
}

std::optional<bool> AggregateRequiresCrd(const json::object& source) {
  const auto* list = source.if_contains("engines");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) return std::nullopt;
  bool all_false = true;
  for (const auto& entry : list->as_array()) {
    std::optional<bool> flag;
    if (entry.is_object()) flag = common::GetBool(entry.as_object(), "requiresCRD");
    if (flag && *flag) return true;
    if (!flag) all_false = false;
  }
  if (all_false) return false;
  return std::nullopt;
}

json::object ParseHealth(const json::object& raw, json::array& warnings) {
  json::object out;
  if (const auto* crds = raw.if_contains("crds")) {
    if (!crds->is_array()) {
      warnings.emplace_back("health.crds must be an array");
    } else {
      json::array list;
      for (const auto& c : crds->as_array()) {
        if (c.is_string() && !c.as_string().empty()) list.push_back(c);
        else if (c.is_object() && !Str(c.as_object(), "name").empty()) {
          json::object entry{{"name", Str(c.as_object(), "name")}};
          if (!Str(c.as_object(), "displayName").empty()) entry["displayName"] = Str(c.as_object(), "displayName");
          list.push_back(std::move(entry));
        }
      }
      out["crds"] = std::move(list);
    }
  }
  json::array probes;
  bool has_probes = false;
  if (const auto* pods = raw.if_contains("operatorPods")) {
    if (!pods->is_array()) {
      warnings.emplace_back("health.operatorPods must be an array");
    } else {
      has_probes = true;
      for (const auto& p : pods->as_array()) {
        if (!p.is_object()) continue;
        json::array selectors = StringList(p.as_object().if_contains("selectors"));
        if (selectors.empty()) {
          warnings.emplace_back("health.operatorPods entry without selectors was ignored");
          continue;
        }
        json::object probe;
        if (!Str(p.as_object(), "namespace").empty()) probe["namespace"] = Str(p.as_object(), "namespace");
        probe["selectors"] = std::move(selectors);
        probes.push_back(std::move(probe));
      }
    }
  }
  if (const auto* op = raw.if_contains("operator"); op != nullptr && op->is_object()) {
    const auto& o = op->as_object();
    json::object legacy;
    if (!Str(o, "namespace").empty()) legacy["namespace"] = Str(o, "namespace");
    legacy["podSelectors"] = StringList(o.if_contains("podSelectors"));
    legacy["fallbackPodSelectors"] = StringList(o.if_contains("fallbackPodSelectors"));
    legacy["crossNamespacePodSelectors"] = StringList(o.if_contains("crossNamespacePodSelectors"));
    if (!has_probes || probes.empty()) {
      json::array selectors = legacy["podSelectors"].as_array();
      for (const auto& s : legacy["fallbackPodSelectors"].as_array()) selectors.push_back(s);
      if (!selectors.empty()) {
        json::object probe;
        if (legacy.contains("namespace")) probe["namespace"] = legacy["namespace"];
        probe["selectors"] = std::move(selectors);
        probes.push_back(std::move(probe));
      }
      if (!legacy["crossNamespacePodSelectors"].as_array().empty()) {
        probes.push_back(json::object{{"selectors", legacy["crossNamespacePodSelectors"]}});
      }
    }
    out["operator"] = std::move(legacy);
  }
  if (!probes.empty()) out["operatorPods"] = std::move(probes);
  if (const auto* status = raw.if_contains("status"); status != nullptr && status->is_object()) {
    json::object s;
    if (!Str(status->as_object(), "readyPath").empty()) s["readyPath"] = Str(status->as_object(), "readyPath");
    s["conditions"] = StringList(status->as_object().if_contains("conditions"));
    out["status"] = std::move(s);
  }
  return out;
}

json::object ParseInstallation(const json::object& raw, json::array& warnings) {
  json::object out;
  if (!Str(raw, "description").empty()) out["description"] = Str(raw, "description");
  if (!Str(raw, "defaultNamespace").empty()) out["defaultNamespace"] = Str(raw, "defaultNamespace");
  json::array repos, charts, steps;
  if (const auto* list = raw.if_contains("helmRepos"); list != nullptr && list->is_array()) {
    for (const auto& r : list->as_array()) {
      if (r.is_object() && !Str(r.as_object(), "name").empty() && !Str(r.as_object(), "url").empty()) {
        repos.push_back(json::object{{"name", Str(r.as_object(), "name")}, {"url", Str(r.as_object(), "url")}});
      } else {
        warnings.emplace_back("installation.helmRepos entry needs name and url; ignored");
      }
    }
  }
  if (const auto* list = raw.if_contains("helmCharts"); list != nullptr && list->is_array()) {
    for (const auto& c : list->as_array()) {
      if (!c.is_object() || Str(c.as_object(), "name").empty() || Str(c.as_object(), "chart").empty() ||
          Str(c.as_object(), "namespace").empty()) {
        warnings.emplace_back("installation.helmCharts entry needs name, chart and namespace; ignored");
        continue;
      }
      const auto& o = c.as_object();
      json::object chart{{"name", Str(o, "name")}, {"chart", Str(o, "chart")}};
      if (!Str(o, "version").empty()) chart["version"] = Str(o, "version");
      chart["namespace"] = Str(o, "namespace");
      if (auto b = common::GetBool(o, "createNamespace")) chart["createNamespace"] = *b;
      if (const auto* v = o.if_contains("values"); v != nullptr && v->is_object()) chart["values"] = *v;
      if (auto b = common::GetBool(o, "skipCrds")) chart["skipCrds"] = *b;
      if (!Str(o, "fetchUrl").empty()) chart["fetchUrl"] = Str(o, "fetchUrl");
      if (o.contains("preCrdUrls")) chart["preCrdUrls"] = StringList(o.if_contains("preCrdUrls"));
      if (auto b = common::GetBool(o, "preInstallMissingCrds")) chart["preInstallMissingCrds"] = *b;
      charts.push_back(std::move(chart));
    }
  }
  if (const auto* list = raw.if_contains("steps"); list != nullptr && list->is_array()) {
    for (const auto& s : list->as_array()) {
      if (!s.is_object() || Str(s.as_object(), "title").empty() || Str(s.as_object(), "description").empty()) {
        warnings.emplace_back("installation.steps entry needs title and description; ignored");
        continue;
      }
      json::object step{{"title", Str(s.as_object(), "title")}};
      if (!Str(s.as_object(), "command").empty()) step["command"] = Str(s.as_object(), "command");
      step["description"] = Str(s.as_object(), "description");
      steps.push_back(std::move(step));
    }
  }
  out["helmRepos"] = std::move(repos);
  out["helmCharts"] = std::move(charts);
  out["steps"] = std::move(steps);
  return out;
}

std::string BuiltInName(std::string_view id) {
  std::string lower = Lower(id);
  if (lower == "kaito") return "KAITO";
  if (lower == "dynamo") return "Dynamo";
  if (lower == "kuberay") return "KubeRay";
  if (lower == "llmd") return "LLM-D";
  if (lower == "vllm") return "vLLM";
  return {};
}

bool PodReady(const json::object& pod) {
  const auto* phase = common::FindPath(pod, {"status", "phase"});
  if (phase == nullptr || !phase->is_string() || phase->as_string() != "Running") return false;
  const auto* statuses = common::FindPath(pod, {"status", "containerStatuses"});
  if (statuses == nullptr || !statuses->is_array() || statuses->as_array().empty()) return false;
  for (const auto& s : statuses->as_array()) {
    if (!s.is_object() || !common::GetBool(s.as_object(), "ready").value_or(false)) return false;
  }
  return true;
}

// The namespace of the first ready pod matching `selector` (in `ns`, or anywhere when empty).
std::optional<std::string> ReadyPod(const kube::Informer& pods, std::string_view ns, std::string_view selector) {
  auto list = pods.List(ns);
  if (!list) return std::nullopt;
  for (const auto& pod : *list) {
    const auto* labels = common::FindPath(*pod, {"metadata", "labels"});
    static const json::object kNone;
    if (!SelectorMatches(selector, labels != nullptr && labels->is_object() ? labels->as_object() : kNone)) continue;
    if (PodReady(*pod)) {
      const auto* pod_ns = common::FindPath(*pod, {"metadata", "namespace"});
      return pod_ns != nullptr && pod_ns->is_string() ? std::string(pod_ns->as_string()) : std::string();
    }
  }
  return std::nullopt;
}

bool StatusReady(const json::object& config, const std::optional<json::object>& health) {
  const auto* status = common::GetObject(config, "status");
  if (status == nullptr) return false;
  std::string path = "ready";
  const json::object* status_config = nullptr;
  if (health) status_config = common::GetObject(*health, "status");
  if (status_config != nullptr && !Str(*status_config, "readyPath").empty()) {
    path = std::string(Str(*status_config, "readyPath"));
    if (path.starts_with("status.")) path = path.substr(7);
  }
  const json::value* cursor = nullptr;
  const json::object* current = status;
  std::size_t start = 0;
  while (current != nullptr) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    cursor = current->if_contains(key);
    if (dot == std::string::npos || cursor == nullptr) break;
    current = cursor->is_object() ? &cursor->as_object() : nullptr;
    start = dot + 1;
  }
  if (cursor != nullptr && cursor->is_bool() && cursor->as_bool()) return true;
  if (status_config == nullptr) return false;
  const auto* wanted = common::GetArray(*status_config, "conditions");
  if (wanted == nullptr || wanted->empty()) return false;
  const auto* conditions = common::GetArray(*status, "conditions");
  for (const auto& type : *wanted) {
    bool found = false;
    if (conditions != nullptr) {
      for (const auto& c : *conditions) {
        if (!c.is_object() || !type.is_string() || Str(c.as_object(), "type") != type.as_string()) continue;
        const auto* s = c.as_object().if_contains("status");
        found = s != nullptr && ((s->is_string() && (s->as_string() == "True" || s->as_string() == "true")) ||
                                 (s->is_bool() && s->as_bool()));
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

ProviderMetadata ReadProvider(const json::object& config) {
  Reader reader{config};
  if (const auto* a = common::FindPath(config, {"metadata", "annotations"}); a != nullptr && a->is_object()) {
    reader.annotations = &a->as_object();
  }
  ProviderMetadata out;
  const auto* meta_name = common::FindPath(config, {"metadata", "name"});
  std::string id = meta_name != nullptr && meta_name->is_string() ? Trim(meta_name->as_string()) : std::string();
  if (id.empty()) id = "unknown";

  auto installation_raw = reader.JsonAnnotation("airunway.ai/installation");
  out.installation = ParseInstallation(installation_raw ? *installation_raw : json::object{}, reader.warnings);

  std::string annotated_name = reader.Annotation({"airunway.ai/provider-name", "airunway.io/provider-name"});
  std::string display_name = reader.Annotation({"airunway.ai/display-name", "airunway.io/display-name"});
  std::string name = annotated_name;
  if (name.empty()) name = BuiltInName(id);
  if (name.empty()) name = display_name;
  if (name.empty()) {
    name = id;
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  }
  std::string description = reader.Annotation({"airunway.ai/description"});
  if (description.empty()) description = Trim(Str(out.installation, "description"));
  if (description.empty()) description = "No description available";
  std::string default_namespace = reader.Annotation({"airunway.ai/default-namespace"});
  if (default_namespace.empty()) default_namespace = Trim(Str(out.installation, "defaultNamespace"));
  if (default_namespace.empty()) default_namespace = "default";

  json::object capabilities_source;
  bool have_capabilities = false;
  if (auto annotated = reader.JsonAnnotation("airunway.ai/capabilities")) {
    capabilities_source = std::move(*annotated);
    have_capabilities = true;
  } else if (const auto* spec = common::FindPath(config, {"spec", "capabilities"}); spec != nullptr && spec->is_object()) {
    capabilities_source = spec->as_object();
    have_capabilities = true;
  }
  if (have_capabilities) {
    out.capabilities = NormaliseCapabilities(capabilities_source);
  } else {
    reader.warnings.emplace_back("Missing airunway.ai/capabilities; provider is listed but not deployable");
    out.capabilities = json::object{{"engines", json::array{}}, {"modes", json::array{}}, {"modelSources", json::array{}},
                                    {"routerModes", json::array{}}, {"features", json::object{}}};
  }

  std::optional<bool> requires_crd = AggregateRequiresCrd(capabilities_source);
  if (!requires_crd) requires_crd = common::GetBool(capabilities_source, "requiresCRD");
  if (!requires_crd) {
    std::string lower = Lower(id);
    std::string labelled = !annotated_name.empty() ? annotated_name : display_name;
    requires_crd = !(lower == "llmd" || lower == "vllm" || labelled == "LLM-D" || labelled == "vLLM");
  }
  out.requires_crd = *requires_crd;

  std::optional<json::object> defaults;
  if (auto raw = reader.JsonAnnotation("airunway.ai/deployment-defaults")) {
    json::object d;
    if (!Str(*raw, "defaultEngine").empty()) d["defaultEngine"] = Str(*raw, "defaultEngine");
    if (!Str(*raw, "defaultMode").empty()) d["defaultMode"] = Str(*raw, "defaultMode");
    if (const auto* r = raw->if_contains("defaultResources"); r != nullptr && r->is_object()) d["defaultResources"] = *r;
    defaults = std::move(d);
  }
  if (auto raw = reader.JsonAnnotation("airunway.ai/health")) out.health = ParseHealth(*raw, reader.warnings);

  bool installable = !out.installation["helmCharts"].as_array().empty() ||
                     !out.installation["helmRepos"].as_array().empty() || !out.installation["steps"].as_array().empty();

  json::object info{{"id", id}, {"name", name}, {"description", description}, {"defaultNamespace", default_namespace}};
  std::string docs = reader.Annotation({"airunway.ai/documentation-url", "airunway.ai/documentation"});
  if (!docs.empty()) info["documentationUrl"] = docs;
  std::string icon = reader.Annotation({"airunway.ai/icon"});
  if (!icon.empty()) info["icon"] = icon;
  info["warnings"] = reader.warnings;
  info["installable"] = installable;
  info["requiresCRD"] = out.requires_crd;
  info["capabilities"] = out.capabilities;
  if (defaults) info["deploymentDefaults"] = std::move(*defaults);
  if (out.health) info["health"] = *out.health;
  out.info = std::move(info);
  return out;
}

json::object ProviderDetails(const json::object& config) {
  ProviderMetadata provider = ReadProvider(config);
  json::object out = provider.info;
  std::string api_version(Str(config, "apiVersion"));
  std::string group = "airunway.ai", version = "v1alpha1";
  if (auto slash = api_version.find('/'); slash != std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  std::string kind(Str(config, "kind"));
  out["crdConfig"] = json::object{{"apiGroup", group},
                                  {"apiVersion", version},
                                  {"plural", "inferenceproviderconfigs"},
                                  {"kind", kind.empty() ? "InferenceProviderConfig" : kind}};
  out["helmRepos"] = provider.installation["helmRepos"];
  out["helmCharts"] = provider.installation["helmCharts"];
  out["installationSteps"] = provider.installation["steps"];
  return out;
}

std::optional<std::string> UnsupportedBy(const ProviderMetadata& provider, const json::object& config) {
  const auto& caps = provider.capabilities;
  auto list = [&](std::string_view key) { return StringList(caps.if_contains(key)); };
  json::array engines = list("engines"), modes = list("modes"), sources = list("modelSources"),
              routers = list("routerModes");
  const auto* engine_caps = common::GetArray(caps, "engineCapabilities");
  if (engines.empty() && (engine_caps == nullptr || engine_caps->empty()) && modes.empty() && sources.empty() &&
      routers.empty()) {
    return std::nullopt;
  }
  std::string id(provider.info.at("id").as_string());
  auto fail = [&](const std::string& label, std::string_view value, const json::array& supported) {
    return fmt::format("Provider \"{}\" does not support {} \"{}\". Supported {} values: {}", id, label, value, label,
                       Join(supported));
  };
  std::string engine(Str(config, "engine"));
  if (!engine.empty() && !engines.empty() && !ListHas(engines, engine)) return fail("engine", engine, engines);
  std::string mode(Str(config, "mode"));
  if (!mode.empty()) {
    json::array engine_modes;
    bool declared = false;
    if (engine_caps != nullptr) {
      for (const auto& cap : *engine_caps) {
        if (!cap.is_object() || Str(cap.as_object(), "name") != engine) continue;
        const auto* serving = cap.as_object().if_contains("servingModes");
        if (serving != nullptr && serving->is_array() && !serving->as_array().empty()) {
          declared = true;
          for (const auto& m : serving->as_array()) {
            if (m.is_string() && !ListHas(engine_modes, m.as_string())) engine_modes.push_back(m);
          }
        }
      }
    }
    if (declared) {
      if (!ListHas(engine_modes, mode)) return fail("mode for engine " + engine, mode, engine_modes);
    } else if (!modes.empty() && !ListHas(modes, mode)) {
      return fail("mode", mode, modes);
    }
  }
  std::string source(Str(config, "modelSource"));
  if (source.empty()) source = "huggingface";
  if (!sources.empty() && !ListHas(sources, source)) return fail("model source", source, sources);
  std::string router(Str(config, "routerMode"));
  if (router.empty() || router == "default") {
    router.clear();
    if (const auto* overrides = common::GetObject(config, "providerOverrides")) router = Str(*overrides, "routerMode");
  }
  if (!router.empty() && router != "default" && !routers.empty() && !ListHas(routers, router)) {
    return fail("router mode", router, routers);
  }
  return std::nullopt;
}

bool SelectorMatches(std::string_view selector, const json::object& labels) {
  std::size_t start = 0;
  while (start <= selector.size()) {
    std::size_t comma = selector.find(',', start);
    std::string term = Trim(selector.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    start = comma == std::string_view::npos ? selector.size() + 1 : comma + 1;
    if (term.empty()) continue;
    auto value_of = [&](const std::string& key) -> std::optional<std::string> {
      const auto* v = labels.if_contains(key);
      if (v == nullptr || !v->is_string()) return std::nullopt;
      return std::string(v->as_string());
    };
    if (auto ne = term.find("!="); ne != std::string::npos) {
      auto v = value_of(Trim(term.substr(0, ne)));
      if (v && *v == Trim(term.substr(ne + 2))) return false;
    } else if (auto eq = term.find('='); eq != std::string::npos) {
      std::size_t skip = term.compare(eq, 2, "==") == 0 ? 2 : 1;
      auto v = value_of(Trim(term.substr(0, eq)));
      if (!v || *v != Trim(term.substr(eq + skip))) return false;
    } else if (term[0] == '!') {
      if (value_of(Trim(term.substr(1)))) return false;
    } else if (!value_of(term)) {
      return false;
    }
  }
  return true;
}

InstallationStatus CheckInstallation(const ProviderMetadata& provider, const json::object& config,
                                     const kube::Informer& crds, const kube::Informer& pods) {
  InstallationStatus out;
  out.requires_crd = provider.requires_crd;
  std::string name(provider.info.at("name").as_string());
  bool status_ready = StatusReady(config, provider.health);
  if (!provider.requires_crd) {
    out.installed = out.operator_running = status_ready;
    out.crd_found = true;
    out.message = status_ready ? "Runtime is ready to use." : "Provider is registered but not ready yet.";
    return out;
  }
  auto crd_exists = [&](std::string_view crd) { return crds.Get("", crd).has_value(); };
  const json::array* health_crds = provider.health ? common::GetArray(*provider.health, "crds") : nullptr;
  const json::array* probes = provider.health ? common::GetArray(*provider.health, "operatorPods") : nullptr;
  bool has_crds = health_crds != nullptr && !health_crds->empty();
  bool has_probes = probes != nullptr && !probes->empty();
  if (has_crds || has_probes) {
    std::vector<std::string> missing;
    std::string label = has_crds ? (health_crds->size() == 1 ? "" : "Required CRDs") : "Provider health checks";
    if (has_crds) {
      for (const auto& c : *health_crds) {
        std::string crd_name(c.is_string() ? std::string_view(c.as_string()) : Str(c.as_object(), "name"));
        std::string display = c.is_object() && !Str(c.as_object(), "displayName").empty()
                                  ? std::string(Str(c.as_object(), "displayName"))
                                  : crd_name;
        if (health_crds->size() == 1) label = display;
        if (!crd_exists(crd_name)) missing.push_back(display);
      }
    }
    out.crd_found = has_crds ? missing.empty() : status_ready;
    std::optional<std::string> ready_ns;
    std::vector<std::string> where;
    if (has_probes) {
      std::set<std::string> tried;
      for (const auto& p : *probes) {
        std::string ns(Str(p.as_object(), "namespace"));
        if (!ns.empty() && std::find(where.begin(), where.end(), ns) == where.end()) where.push_back(ns);
        for (const auto& s : p.as_object().at("selectors").as_array()) {
          std::string key = ns + "|" + std::string(s.as_string());
          if (ready_ns || !tried.insert(key).second) continue;
          ready_ns = ReadyPod(pods, ns, s.as_string());
        }
      }
      out.operator_running = ready_ns.has_value();
    } else {
      out.operator_running = has_crds ? (out.crd_found && status_ready) : status_ready;
    }
    if (has_crds && has_probes) out.installed = out.crd_found && out.operator_running;
    else if (has_crds) out.installed = out.crd_found && status_ready;
    else out.installed = out.operator_running;

    if (!missing.empty()) {
      out.message = missing.size() == 1 ? fmt::format("{} not found", missing[0])
                                        : fmt::format("Required CRDs not found: {}", fmt::join(missing, ", "));
    } else if (has_probes) {
      std::string where_text = where.empty() ? "matching configured labels" : fmt::format("{}", fmt::join(where, ", "));
      if (ready_ns) {
        std::string suffix = ready_ns->empty() ? "" : " in " + *ready_ns;
        out.message = has_crds ? fmt::format("{} found and {} operator pods are ready{}", label, name, suffix)
                               : fmt::format("{} operator pods are ready{}", name, suffix);
      } else {
        out.message = has_crds
                          ? fmt::format("{} found but no ready {} operator pods were detected in {}", label, name, where_text)
                          : fmt::format("No ready {} operator pods were detected in {}", name, where_text);
      }
    } else {
      out.message = status_ready ? fmt::format("{} found and {} is ready", label, name)
                                 : fmt::format("{} found but {} is not ready", label, name);
    }
    return out;
  }
  struct BuiltIn {
    std::string_view id, crd, display, ns, label;
    std::vector<std::string_view> in_namespace, cross;
  };
  static const std::vector<BuiltIn> kBuiltIns = {
      {"kaito", "workspaces.kaito.sh", "KAITO workspace CRD", "kaito-workspace", "KAITO",
       {"app.kubernetes.io/name=workspace,app.kubernetes.io/instance=kaito-workspace", "app.kubernetes.io/name=workspace"},
       {"app.kubernetes.io/name=workspace", "app=ai-toolchain-operator"}},
      {"dynamo", "dynamographdeployments.nvidia.com", "Dynamo CRD", "dynamo-system", "Dynamo",
       {"control-plane=controller-manager,app.kubernetes.io/name=dynamo-operator,app.kubernetes.io/instance=dynamo-platform",
        "app.kubernetes.io/name=dynamo-operator", "control-plane=controller-manager"},
       {"app.kubernetes.io/name=dynamo-operator"}},
      {"kuberay", "rayservices.ray.io", "KubeRay CRD", "ray-system", "KubeRay",
       {"app.kubernetes.io/name=kuberay-operator,app.kubernetes.io/instance=kuberay-operator",
        "app.kubernetes.io/name=kuberay-operator"},
       {"app.kubernetes.io/name=kuberay-operator"}},
  };
  std::string id(provider.info.at("id").as_string());
  for (const auto& b : kBuiltIns) {
    if (b.id != Lower(id)) continue;
    out.crd_found = crd_exists(b.crd);
    if (!out.crd_found) {
      out.message = fmt::format("{} not found", b.display);
      return out;
    }
    std::optional<std::string> ready_ns;
    for (auto s : b.in_namespace) {
      if (!ready_ns) ready_ns = ReadyPod(pods, b.ns, s);
    }
    for (auto s : b.cross) {
      if (!ready_ns) ready_ns = ReadyPod(pods, "", s);
    }
    out.operator_running = ready_ns.has_value();
    out.installed = out.crd_found && out.operator_running;
    if (ready_ns) {
      out.message = fmt::format("{} found and {} operator pods are ready{}", b.display, b.label,
                                *ready_ns != b.ns ? " in " + *ready_ns : "");
    } else {
      out.message = fmt::format("{} found but no ready {} operator pods were detected in {} or matching known provider labels",
                                b.display, b.label, b.ns);
    }
    return out;
  }
  out.installed = out.crd_found = out.operator_running = status_ready;
  out.message = status_ready ? fmt::format("{} is installed and running", name)
                             : fmt::format("{} is registered but not ready", name);
  return out;
}

ShimHealth CheckShimHealth(const json::object& config, std::chrono::milliseconds staleness) {
  ShimHealth out;
  const auto* status = common::GetObject(config, "status");
  if (status == nullptr) {
    out.reason = "NotReady";
    out.message = "Provider is not ready";
    return out;
  }
  if (auto heartbeat = common::GetString(*status, "lastHeartbeat")) {
    auto when = common::ParseRfc3339(*heartbeat);
    if (when && std::chrono::system_clock::now() - *when > staleness) out.stale = true;
  }
  const json::object* upstream = nullptr;
  if (const auto* conditions = common::GetArray(*status, "conditions")) {
    for (const auto& c : *conditions) {
      if (c.is_object() && Str(c.as_object(), "type") == "UpstreamReady") upstream = &c.as_object();
    }
  }
  out.has_shim_signal = upstream != nullptr;
  if (out.stale) {
    out.reason = "ShimStale";
    out.message = "The provider is not reporting status. Check that the AI Runway provider shim is running.";
    return out;
  }
  out.healthy = common::GetBool(*status, "ready").value_or(false);
  out.reason = upstream != nullptr && !Str(*upstream, "reason").empty() ? std::string(Str(*upstream, "reason"))
                                                                         : (out.healthy ? "Ready" : "NotReady");
  out.message = upstream != nullptr && !Str(*upstream, "message").empty()
                    ? std::string(Str(*upstream, "message"))
                    : (out.healthy ? "Provider is installed and running" : "Provider is not ready");
  return out;
}

json::object RuntimeStatusOf(const json::object& config, const kube::Informer& crds, const kube::Informer& pods,
                             std::chrono::milliseconds staleness) {
  ProviderMetadata provider = ReadProvider(config);
  InstallationStatus installation = CheckInstallation(provider, config, crds, pods);
  ShimHealth shim = CheckShimHealth(config, staleness);
  json::object out;
  for (auto key : {"id", "name", "description", "defaultNamespace", "documentationUrl", "icon", "warnings",
                   "installable", "capabilities", "deploymentDefaults", "health"}) {
    if (const auto* v = provider.info.if_contains(key)) out[key] = *v;
  }
  out["installed"] = installation.installed;
  out["healthy"] = installation.operator_running;
  out["crdFound"] = installation.crd_found;
  out["operatorRunning"] = installation.operator_running;
  out["requiresCRD"] = installation.requires_crd;
  if (const auto* version = common::FindPath(config, {"status", "version"}); version != nullptr && version->is_string()) {
    out["version"] = *version;
  }
  out["message"] = (shim.stale || (!shim.healthy && shim.has_shim_signal)) ? shim.message : installation.message;
  return out;
}

}  // namespace airunway::services::deployments
