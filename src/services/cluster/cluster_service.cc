#include "services/cluster/cluster_service.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "common/json.h"
#include "common/logging.h"
#include "kube/errors.h"

namespace airunway::services::cluster {

namespace json = boost::json;
using common::ErrorCode;
using common::MakeError;

namespace {

constexpr std::string_view kConfigKey = "config.json";
constexpr int kMaxWriteAttempts = 100;

void AppendPretty(const json::value& value, int depth, std::string& out) {
  auto indent = [&](int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); };
  switch (value.kind()) {
    case json::kind::object: {
      const auto& object = value.get_object();
      if (object.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& [key, item] : object) {
        if (!first) out += ",\n";
        first = false;
        indent(depth + 1);
        out += json::serialize(json::string(key));
        out += ": ";
        AppendPretty(item, depth + 1, out);
      }
      out += "\n";
      indent(depth);
      out += "}";
      return;
    }
    case json::kind::array: {
      const auto& array = value.get_array();
      if (array.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& item : array) {
        if (!first) out += ",\n";
        first = false;
        indent(depth + 1);
        AppendPretty(item, depth + 1, out);
      }
      out += "\n";
      indent(depth);
      out += "]";
      return;
    }
    default:
      out += json::serialize(value);
  }
}

json::object ParseStoredConfig(const json::object& config_map) {
  const auto* text = common::FindPath(config_map, {"data", kConfigKey});
  if (text == nullptr || !text->is_string()) return {};
  auto parsed = common::ParseJson(text->as_string());
  if (!parsed || !parsed->is_object()) return {};
  return parsed->as_object();
}

json::object Labels() {
  return json::object{{"app.kubernetes.io/name", "airunway"}, {"app.kubernetes.io/managed-by", "airunway"}};
}

}  // namespace

std::string PrettyJson(const json::value& value) {
  std::string out;
  AppendPretty(value, 0, out);
  return out;
}

ClusterService::ClusterService(kube::Config config, ClusterOptions options)
    : config_(std::move(config)), options_(std::move(options)) {
  client_ = std::make_shared<kube::Client>(config_, options_.client);
  caches_.reserve(8);  // Cache pointers below stay valid
  auto add = [&](std::string name, kube::InformerOptions informer_options, std::string crd = {}) {
    informer_options.backoff.max = options_.max_backoff;
    caches_.push_back(Cache{std::move(name), std::make_unique<kube::Informer>(client_, std::move(informer_options)),
                            std::move(crd)});
    return caches_.back().informer.get();
  };
  crds_ = add("customresourcedefinitions", {.resource = kube::kCustomResourceDefinitions});
  nodes_ = add("nodes", {.resource = kube::kNodes});
  // Pods are the largest cache and are read only when a derived result is recomputed (the
  // deployment status cache, the GPU capacity cache), so they are kept as JSON text: about
  // 1.4x their JSON size instead of about 4x (docs/performance.md).
  pods_ = add("pods", {.resource = kube::kPods, .storage = kube::ObjectStorage::kJsonText});
  events_ = add("events", {.resource = kube::kEvents});
  pvcs_ = add("persistentvolumeclaims", {.resource = kPersistentVolumeClaims});
  settings_ = add("settings", {.resource = kube::kConfigMaps,
                               .namespace_name = options_.system_namespace,
                               .field_selector = "metadata.name=" + options_.config_map_name});
  model_deployments_ = add("modeldeployments", {.resource = kModelDeployments}, std::string(kModelDeploymentCrd));
  provider_configs_ =
      add("inferenceproviderconfigs", {.resource = kInferenceProviderConfigs}, std::string(kProviderConfigCrd));
  md_cache_ = &caches_[caches_.size() - 2];
  provider_cache_ = &caches_.back();
  auto seen = [this](const kube::ObjectPtr& object) {
    const auto* rv = common::FindPath(*object, {"metadata", "resourceVersion"});
    if (rv == nullptr || !rv->is_string()) return;
    {
      std::lock_guard lock(seen_mutex_);
      seen_versions_.emplace_back(rv->as_string());
      if (seen_versions_.size() > 1024) seen_versions_.pop_front();
    }
    seen_cv_.notify_all();
  };
  settings_->AddHandlers({.on_add = seen,
                          .on_update = [seen](const kube::ObjectPtr&, const kube::ObjectPtr& now) { seen(now); }});
  probe_.context_name = config_.context_name;
}

ClusterService::~ClusterService() { Stop(); }

common::Result<std::shared_ptr<const GpuCapacityCache::Snapshot>> ClusterService::GpuCapacity() const {
  return gpu_capacity_.Get(*nodes_, *pods_);
}

void ClusterService::Start() {
  if (started_.exchange(true)) return;
  for (auto& cache : caches_) cache.informer->Start();
  probe_thread_ = std::jthread([this](std::stop_token stop) { Probe(stop); });
}

void ClusterService::Stop() {
  if (probe_thread_.joinable()) {
    probe_thread_.request_stop();
    probe_thread_.join();
  }
  for (auto& cache : caches_) cache.informer->Stop();
}

void ClusterService::Probe(std::stop_token stop) {
  // One /version at start (and again while it fails): whether the server answers, its version,
  // and whether it is kubesim. Nothing is polled once it has answered.
  while (!stop.stop_requested()) {
    kube::Request request;
    request.path = "/version";
    request.timeout = std::chrono::milliseconds(10'000);
    auto answered = client_->Do(request);
    {
      std::lock_guard lock(mutex_);
      if (answered) {
        probe_.connected = true;
        probe_.error.clear();
        auto doc = common::ParseJson(answered->body);
        if (doc && doc->is_object()) {
          probe_.server_version = std::string(common::GetString(doc->as_object(), "gitVersion").value_or(""));
          probe_.kubesim = common::GetBool(doc->as_object(), "kubesim").value_or(false);
        }
      } else {
        probe_.connected = false;
        probe_.error = answered.error().message;
      }
    }
    if (answered) return;
    std::unique_lock lock(mutex_);
    probe_cv_.wait_for(lock, stop, options_.probe_interval, [] { return false; });
  }
}

bool ClusterService::CacheSynced(const Cache& cache) const {
  bool absent = false;
  return CheckCache(cache, &absent).ok();
}

common::Status ClusterService::CheckCache(const Cache& cache, bool* absent) const {
  *absent = false;
  if (!cache.crd.empty()) {
    if (!crds_->HasSynced()) {
      return MakeError(ErrorCode::kUnavailable, "customresourcedefinitions", "CacheNotSynced");
    }
    if (!CrdInstalled(cache.crd)) {
      *absent = true;
      return common::Status::Ok();
    }
  }
  if (!cache.informer->HasSynced()) return MakeError(ErrorCode::kUnavailable, cache.name, "CacheNotSynced");
  return common::Status::Ok();
}

bool ClusterService::Synced() const {
  for (const auto& cache : caches_) {
    if (!CacheSynced(cache)) return false;
  }
  return true;
}

bool ClusterService::WaitForSync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& cache : caches_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (cache.crd.empty()) cache.informer->WaitForSync(left);
  }
  // CRD-backed caches: synced, or their CRD is absent; poll the rest of the deadline.
  while (!Synced() && std::chrono::steady_clock::now() < deadline) {
    for (const auto& cache : caches_) {
      if (!cache.crd.empty() && CrdInstalled(cache.crd) && !cache.informer->HasSynced()) {
        cache.informer->WaitForSync(std::chrono::milliseconds(50));
      }
    }
    if (!Synced()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Synced();
}

common::Status ClusterService::CheckSynced() const {
  std::vector<std::string> loading;
  for (const auto& cache : caches_) {
    if (!CacheSynced(cache)) loading.push_back(cache.name);
  }
  if (loading.empty()) return common::Status::Ok();
  std::string names;
  for (const auto& name : loading) names += (names.empty() ? "" : ", ") + name;
  std::string why;
  {
    std::lock_guard lock(mutex_);
    if (!probe_.connected && !probe_.error.empty()) why = " The cluster is not answering: " + probe_.error;
  }
  return MakeError(ErrorCode::kUnavailable,
                   fmt::format("The cluster cache has not synced yet (still loading: {}); no data is served until "
                               "it has. Try again in a moment.{}",
                               names, why),
                   "CacheNotSynced");
}

ConnectionState ClusterService::Connection() const {
  ConnectionState state;
  {
    std::lock_guard lock(mutex_);
    state = probe_;
  }
  state.synced = Synced();
  // An informer that has listed proves the connection even before the probe answered.
  if (!state.connected && crds_->HasSynced()) {
    state.connected = true;
    state.error.clear();
  }
  return state;
}

bool ClusterService::CrdInstalled(std::string_view name) const {
  auto crd = crds_->Get("", name);
  return crd.has_value();
}

common::Result<kube::ObjectPtr> ClusterService::Crd(std::string_view name) const { return crds_->Get("", name); }

common::Result<std::vector<kube::ObjectPtr>> ClusterService::ModelDeployments(std::string_view ns) const {
  bool absent = false;
  if (auto ok = CheckCache(*md_cache_, &absent); !ok) return ok.error();
  if (absent) return std::vector<kube::ObjectPtr>{};
  return model_deployments_->List(ns);
}

common::Result<kube::ObjectPtr> ClusterService::ModelDeployment(std::string_view ns, std::string_view name) const {
  bool absent = false;
  if (auto ok = CheckCache(*md_cache_, &absent); !ok) return ok.error();
  if (absent) {
    return MakeError(ErrorCode::kNotFound, fmt::format("modeldeployments.airunway.ai \"{}\" not found", name));
  }
  return model_deployments_->Get(ns, name);
}

common::Result<std::vector<kube::ObjectPtr>> ClusterService::ProviderConfigs() const {
  bool absent = false;
  if (auto ok = CheckCache(*provider_cache_, &absent); !ok) return ok.error();
  if (absent) return std::vector<kube::ObjectPtr>{};
  return provider_configs_->List();
}

common::Result<kube::ObjectPtr> ClusterService::ProviderConfig(std::string_view name) const {
  bool absent = false;
  if (auto ok = CheckCache(*provider_cache_, &absent); !ok) return ok.error();
  if (absent) {
    return MakeError(ErrorCode::kNotFound, fmt::format("inferenceproviderconfigs.airunway.ai \"{}\" not found", name));
  }
  return provider_configs_->Get("", name);
}

json::object ClusterService::AppConfig() const {
  auto stored = settings_->Get(options_.system_namespace, options_.config_map_name);
  if (stored) {
    auto config = ParseStoredConfig(**stored);
    if (!config.empty()) return config;
  }
  return json::object{{"defaultNamespace", options_.default_namespace}};
}

std::string ClusterService::DefaultNamespace() const {
  auto config = AppConfig();
  auto ns = common::GetString(config, "defaultNamespace");
  if (ns && !ns->empty()) return std::string(*ns);
  return options_.default_namespace;
}

common::Status ClusterService::EnsureSystemNamespace() {
  auto existing = client_->Get(kube::kNamespaces, "", options_.system_namespace);
  if (existing) return common::Status::Ok();
  if (!kube::IsNotFound(existing.error())) return existing.error();
  json::object ns{{"apiVersion", "v1"},
                  {"kind", "Namespace"},
                  {"metadata", {{"name", options_.system_namespace}, {"labels", Labels()}}}};
  auto created = client_->Create(kube::kNamespaces, "", ns);
  if (!created && !kube::IsAlreadyExists(created.error())) return created.error();
  return common::Status::Ok();
}

common::Result<json::object> ClusterService::UpdateAppConfig(const std::function<void(json::object&)>& mutate) {
  if (auto ns = EnsureSystemNamespace(); !ns) return ns.error();
  for (int attempt = 0; attempt < kMaxWriteAttempts; ++attempt) {
    // Always from the server, not the cache: the precondition must be the latest version.
    auto current = client_->Get(kube::kConfigMaps, options_.system_namespace, options_.config_map_name);
    if (!current && !kube::IsNotFound(current.error())) return current.error();
    json::object config = current ? ParseStoredConfig(*current) : json::object{};
    if (config.empty()) config = json::object{{"defaultNamespace", options_.default_namespace}};
    mutate(config);
    common::Result<json::object> written = MakeError(ErrorCode::kInternal, "not written");
    if (current) {
      json::object updated = *current;
      auto& metadata = updated["metadata"].as_object();
      metadata.erase("managedFields");
      auto& labels = metadata["labels"];
      if (!labels.is_object()) labels = json::object{};
      for (const auto& [key, value] : Labels()) labels.as_object()[key] = value;
      auto& data = updated["data"];
      if (!data.is_object()) data = json::object{};
      data.as_object()[kConfigKey] = PrettyJson(config);
      written = client_->Update(kube::kConfigMaps, options_.system_namespace, updated);  // carries resourceVersion
      if (!written && kube::IsConflict(written.error())) continue;
    } else {
      json::object created{{"apiVersion", "v1"},
                           {"kind", "ConfigMap"},
                           {"metadata",
                            {{"name", options_.config_map_name},
                             {"namespace", options_.system_namespace},
                             {"labels", Labels()}}},
                           {"data", {{kConfigKey, PrettyJson(config)}}}};
      written = client_->Create(kube::kConfigMaps, options_.system_namespace, created);
      if (!written && (kube::IsAlreadyExists(written.error()) || kube::IsConflict(written.error()))) continue;
    }
    if (!written) return written.error();
    // Read-your-writes: the next GET /api/settings is served from the cache.
    auto rv = common::FindPath(*written, {"metadata", "resourceVersion"});
    if (rv != nullptr && rv->is_string()) (void)WaitForCachedVersion(std::string(rv->as_string()));
    return config;
  }
  return MakeError(ErrorCode::kConflict,
                   "The settings were changed by other writers too many times in a row; try again.", "Conflict");
}

common::Status ClusterService::WaitForCachedVersion(const std::string& resource_version) {
  // Every version the watch delivers is recorded by the handler, so a version that was
  // overtaken at once by another writer's is still seen (equality only: versions are opaque).
  std::unique_lock lock(seen_mutex_);
  bool seen = seen_cv_.wait_for(lock, std::chrono::seconds(2), [&] {
    return std::find(seen_versions_.begin(), seen_versions_.end(), resource_version) != seen_versions_.end();
  });
  if (seen) return common::Status::Ok();
  return MakeError(ErrorCode::kTimeout, "settings cache did not catch up");
}

}  // namespace airunway::services::cluster
