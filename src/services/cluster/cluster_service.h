// ClusterService: the REST server's connection to its Kubernetes cluster — one kube::Client,
// the informer caches every read endpoint is served from, whether the cluster answered and
// whether it is kubesim, and the AI Runway settings kept in the ConfigMap
// airunway-system/airunway-config.
//
//   auto cluster = std::make_shared<ClusterService>(config, ClusterOptions{});
//   cluster->Start();                       // informers + one /version probe, in the background
//   if (auto ready = cluster->CheckSynced(); !ready) return 503;   // never half a cache
//   auto mds = cluster->ModelDeployments("default");
//
// Caches: ModelDeployments, InferenceProviderConfigs, pods, nodes, events, CRDs, PVCs (all
// namespaces) and the settings ConfigMap. After the first lists the server makes no request to
// the API server to answer reads; the watches keep the caches current. The two AI Runway
// resources exist only once their CRDs are installed: while the CRD cache says a CRD is absent,
// its cache counts as synced and empty (the informer keeps retrying its list and catches up
// when the CRD appears).
//
// Settings writes (UpdateAppConfig) are read-modify-write with resourceVersion preconditions:
// a writer that lost a race re-reads and re-applies its change, so concurrent writers never
// lose an update. The ConfigMap (and its namespace) are created on the first write.
//
// Ownership: owns the client (shared with informers), the informers and a probe thread.
// Thread-safety: every const method is safe from any thread; Start/Stop from the owner.
// UpdateAppConfig blocks (API calls): call it from a WorkerPool, never an I/O thread.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "kube/client.h"
#include "kube/config.h"
#include "kube/informer.h"
#include "services/cluster/gpu_capacity.h"

namespace airunway::services::cluster {

inline const kube::ResourceRef kModelDeployments{"airunway.ai", "v1alpha1", "modeldeployments", true};
inline const kube::ResourceRef kInferenceProviderConfigs{"airunway.ai", "v1alpha1", "inferenceproviderconfigs",
                                                         false};
inline const kube::ResourceRef kPersistentVolumeClaims{"", "v1", "persistentvolumeclaims", true};
inline constexpr std::string_view kModelDeploymentCrd = "modeldeployments.airunway.ai";
inline constexpr std::string_view kProviderConfigCrd = "inferenceproviderconfigs.airunway.ai";

struct ClusterOptions {
  // Where settings live, and the default namespace when settings do not name one
  // (DEFAULT_NAMESPACE, else airunway-system).
  std::string system_namespace = "airunway-system";
  std::string config_map_name = "airunway-config";
  std::string default_namespace = "airunway-system";
  kube::ClientOptions client;
  // Longest wait between informer retries (a CRD installed later is picked up this fast).
  std::chrono::milliseconds max_backoff{2'000};
  std::chrono::milliseconds probe_interval{5'000};  // /version retries until it answers
};

// What /api/cluster/status reports about the connection.
struct ConnectionState {
  bool connected = false;
  bool synced = false;
  bool kubesim = false;
  std::string context_name;
  std::string server_version;  // gitVersion
  std::string error;           // why not connected / not synced
};

class ClusterService {
 public:
  ClusterService(kube::Config config, ClusterOptions options = {});
  ~ClusterService();
  ClusterService(const ClusterService&) = delete;
  ClusterService& operator=(const ClusterService&) = delete;

  void Start();
  void Stop();  // idempotent

  // True once every cache has synced (see the file comment for the CRD-backed ones).
  bool Synced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  // ok when synced; else kUnavailable (reason "CacheNotSynced") naming the caches still loading.
  common::Status CheckSynced() const;
  ConnectionState Connection() const;

  // ---- cached reads (kUnavailable before sync) -----------------------------------------------
  bool CrdInstalled(std::string_view name) const;  // false before the CRD cache synced
  common::Result<kube::ObjectPtr> Crd(std::string_view name) const;
  common::Result<std::vector<kube::ObjectPtr>> ModelDeployments(std::string_view ns = {}) const;
  common::Result<kube::ObjectPtr> ModelDeployment(std::string_view ns, std::string_view name) const;
  common::Result<std::vector<kube::ObjectPtr>> ProviderConfigs() const;
  common::Result<kube::ObjectPtr> ProviderConfig(std::string_view name) const;
  const kube::Informer& pods() const { return *pods_; }
  // The GPU capacity from the node and pod caches, recomputed only after either changed.
  common::Result<std::shared_ptr<const GpuCapacityCache::Snapshot>> GpuCapacity() const;
  const kube::Informer& nodes() const { return *nodes_; }
  const kube::Informer& events() const { return *events_; }
  const kube::Informer& pvcs() const { return *pvcs_; }
  const kube::Informer& crds() const { return *crds_; }

  // ---- settings ---------------------------------------------------------------------------------
  // The stored AppConfig (config.json of the ConfigMap, unknown keys kept), or the defaults
  // {"defaultNamespace": options.default_namespace} when there is none.
  boost::json::object AppConfig() const;
  // config.defaultNamespace when set, else options.default_namespace.
  std::string DefaultNamespace() const;
  // Applies `mutate` to the current stored config and writes it back (see file comment).
  // Returns the config as written. Blocks.
  common::Result<boost::json::object> UpdateAppConfig(const std::function<void(boost::json::object&)>& mutate);

  kube::Client& client() const { return *client_; }
  std::shared_ptr<kube::Client> shared_client() const { return client_; }
  const ClusterOptions& options() const { return options_; }

 private:
  struct Cache {
    std::string name;
    std::unique_ptr<kube::Informer> informer;
    std::string crd;  // non-empty: exists only when this CRD is installed
  };

  bool CacheSynced(const Cache& cache) const;
  // kUnavailable naming `cache` when it has not synced; a CRD-backed cache whose CRD is
  // absent is ok (and reads as empty: *absent is set).
  common::Status CheckCache(const Cache& cache, bool* absent) const;
  void Probe(std::stop_token stop);
  common::Status EnsureSystemNamespace();
  common::Status WaitForCachedVersion(const std::string& resource_version);

  kube::Config config_;
  ClusterOptions options_;
  std::shared_ptr<kube::Client> client_;
  std::vector<Cache> caches_;
  // Shortcuts into caches_.
  kube::Informer* model_deployments_ = nullptr;
  kube::Informer* provider_configs_ = nullptr;
  kube::Informer* pods_ = nullptr;
  mutable GpuCapacityCache gpu_capacity_;
  kube::Informer* nodes_ = nullptr;
  kube::Informer* events_ = nullptr;
  kube::Informer* crds_ = nullptr;
  kube::Informer* pvcs_ = nullptr;
  kube::Informer* settings_ = nullptr;
  const Cache* md_cache_ = nullptr;
  const Cache* provider_cache_ = nullptr;

  std::mutex seen_mutex_;
  std::deque<std::string> seen_versions_;  // guarded by seen_mutex_: recent settings versions
  std::condition_variable seen_cv_;

  mutable std::mutex mutex_;
  ConnectionState probe_;  // guarded by mutex_ (connected, kubesim, version, error)
  std::condition_variable_any probe_cv_;
  std::jthread probe_thread_;
  std::atomic<bool> started_{false};
};

// JSON text indented by two spaces, keys in insertion order (as JSON.stringify(v, null, 2)).
std::string PrettyJson(const boost::json::value& value);

}  // namespace airunway::services::cluster
