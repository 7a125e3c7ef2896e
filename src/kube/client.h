// Client: the Kubernetes REST client — typed verbs over any resource, pod logs, service
// proxy, discovery, and raw/streamed requests, over libcurl.
//
//   auto config = kube::LoadConfig({.context = "kubesim"});
//   auto client = std::make_shared<kube::Client>(*config);
//   auto pod = client->Get(kube::kPods, "default", "web-0");
//   if (!pod && kube::IsNotFound(pod.error())) ...
//
// Every call blocks the calling thread until it is answered, failed, or its deadline
// (ClientOptions::timeout, or the per-call timeout) passes; call it from a WorkerPool
// (http/worker_pool.h), never from an Asio I/O thread. Non-2xx answers become typed errors
// (kube/errors.h). Retries: connection failures, 429 and 5xx are retried with exponential
// backoff and jitter, honouring Retry-After, within the deadline — but only for GET, PUT and
// DELETE, and for PATCH bodies that carry a metadata.resourceVersion precondition; never for
// POST (create) or an unconditional PATCH. A 401 makes the credential provider refresh
// (exec plugins, token files) and the request is sent once more.
//
// Streams (Stream, StreamLogs, watches) block until the server ends the response, the
// consumer returns false, or the stop_token is signalled (which interrupts at once).
//
// Ownership: a Client owns a bounded pool of curl handles (keep-alive connections); at most
// ClientOptions::max_connections requests run at once, others wait (within their deadline).
// Streams use their own connection outside the pool. Share one Client via shared_ptr.
// Thread-safety: every method may be called from any number of threads at once.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "kube/backoff.h"
#include "kube/config.h"

namespace airunway::kube {

// A resource type: group ("" = core), version, plural resource name, and scope.
struct ResourceRef {
  std::string group;
  std::string version;
  std::string resource;
  bool namespaced = true;

  std::string ApiVersion() const;  // "v1", "apps/v1"
  // "/api/v1/namespaces/<ns>/pods/<name>/<sub>"; an empty `ns` on a namespaced resource
  // means all namespaces (lists and watches); empty name/subresource are left out.
  std::string Path(std::string_view ns, std::string_view name = {}, std::string_view subresource = {}) const;
  friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
};

inline const ResourceRef kNamespaces{"", "v1", "namespaces", false};
inline const ResourceRef kNodes{"", "v1", "nodes", false};
inline const ResourceRef kPods{"", "v1", "pods", true};
inline const ResourceRef kServices{"", "v1", "services", true};
inline const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
inline const ResourceRef kSecrets{"", "v1", "secrets", true};
inline const ResourceRef kEvents{"", "v1", "events", true};
inline const ResourceRef kDeployments{"apps", "v1", "deployments", true};
inline const ResourceRef kCustomResourceDefinitions{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};

struct ClientOptions {
  std::chrono::milliseconds timeout{30'000};  // deadline of a call, retries included
  std::chrono::milliseconds connect_timeout{5'000};
  std::size_t max_connections = 16;
  int max_attempts = 5;
  BackoffPolicy retry_backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(5'000)};
  std::string user_agent = "airunway";
  // How long "this group/version/resource is not served" is believed before discovery is
  // asked again (a CRD may have appeared since).
  std::chrono::milliseconds discovery_miss_ttl{1'000};
};

// A raw request; `path` includes the query string.
struct Request {
  std::string method = "GET";
  std::string path;
  std::string body;
  std::string content_type;  // default application/json when there is a body
  std::string accept = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::chrono::milliseconds> timeout;  // default ClientOptions::timeout
  std::optional<bool> retryable;  // default: by method as described above
};

struct Response {
  long status = 0;
  std::string body;
  std::string content_type;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;  // 0 = no limit
  std::string continue_token;
  std::string resource_version;  // "" = most recent, "0" = any
  std::optional<std::chrono::milliseconds> timeout;
};

struct ObjectList {
  std::vector<boost::json::object> items;
  std::string resource_version;
  std::string continue_token;
  std::optional<std::int64_t> remaining_item_count;
};

struct WriteOptions {
  std::string field_manager;
  bool dry_run = false;
  std::optional<std::chrono::milliseconds> timeout;
};

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct PatchOptions {
  std::string field_manager;  // required by the server for kApply
  bool force = false;         // apply: take over conflicting fields
  bool dry_run = false;
  std::string subresource;    // e.g. "status"
  std::optional<std::chrono::milliseconds> timeout;
};

enum class PropagationPolicy { kDefault, kBackground, kForeground, kOrphan };

struct DeleteOptions {
  PropagationPolicy propagation = PropagationPolicy::kDefault;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<std::int64_t> grace_period_seconds;
  bool dry_run = false;
  std::optional<std::chrono::milliseconds> timeout;
};

struct LogOptions {
  std::string container;  // required for pods with several containers
  std::optional<std::int64_t> tail_lines;
  std::optional<std::int64_t> since_seconds;
  std::optional<std::int64_t> limit_bytes;
  bool timestamps = false;
  bool previous = false;
  std::optional<std::chrono::milliseconds> timeout;  // not for StreamLogs
};

// What discovery says about one resource.
struct DiscoveredResource {
  ResourceRef ref;
  std::string kind;
  std::vector<std::string> verbs;
};

// Receives streamed bytes; return false to stop reading.
using DataCallback = std::function<bool(std::string_view data)>;

class Client {
 public:
  explicit Client(Config config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Config& config() const { return config_; }
  const ClientOptions& options() const { return options_; }

  // ---- verbs ----------------------------------------------------------------------------
  // `ns` is ignored for cluster-scoped resources.
  common::Result<boost::json::object> Get(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                          std::optional<std::chrono::milliseconds> timeout = {});
  common::Result<ObjectList> List(const ResourceRef& ref, std::string_view ns, const ListOptions& options = {});
  common::Result<boost::json::object> Create(const ResourceRef& ref, std::string_view ns,
                                             const boost::json::object& object, const WriteOptions& options = {});
  // PUT of the whole object (name from metadata.name); a stale metadata.resourceVersion
  // fails with kConflict.
  common::Result<boost::json::object> Update(const ResourceRef& ref, std::string_view ns,
                                             const boost::json::object& object, const WriteOptions& options = {});
  common::Result<boost::json::object> UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                                   const boost::json::object& object,
                                                   const WriteOptions& options = {});
  // `patch` is the body in the type's format (a JSON array for kJson; YAML or JSON for kApply).
  common::Result<boost::json::object> Patch(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                            PatchType type, std::string_view patch,
                                            const PatchOptions& options = {});
  // The deleted object, or the object still held by finalizers, or (for some resources) the
  // server's Success Status.
  common::Result<boost::json::object> Delete(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                             const DeleteOptions& options = {});

  // ---- pod logs and service proxy ------------------------------------------------------------
  common::Result<std::string> Logs(std::string_view ns, std::string_view pod, const LogOptions& options = {});
  // follow=true: delivers log text as it is written until the container ends, on_data
  // returns false, or `stop`.
  common::Status StreamLogs(std::string_view ns, std::string_view pod, const LogOptions& options,
                            const DataCallback& on_data, std::stop_token stop = {});
  // A request through /api/v1/namespaces/<ns>/services/<service>:<port>/proxy/<path>.
  // `request.path` is the path behind the proxy (with its query). Non-2xx answers of the
  // proxied service come back as a Response (they are the service's, not the API's);
  // failures of the API server itself (403, 404 service, 503 no endpoints) are errors.
  common::Result<Response> ProxyService(std::string_view ns, std::string_view service, std::string_view port,
                                        Request request);
  common::Status StreamProxyService(std::string_view ns, std::string_view service, std::string_view port,
                                    Request request, const DataCallback& on_data, std::stop_token stop = {});

  // ---- discovery ------------------------------------------------------------------------------
  // nullopt when the group/version does not serve `resource`. Answers are cached; a miss is
  // re-checked after ClientOptions::discovery_miss_ttl, so a CRD that appears is found.
  common::Result<std::optional<DiscoveredResource>> Discover(std::string_view group, std::string_view version,
                                                             std::string_view resource);
  common::Result<bool> IsServed(std::string_view group, std::string_view version, std::string_view resource);
  void InvalidateDiscovery();

  // ---- raw ------------------------------------------------------------------------------------
  // Non-2xx answers become errors.
  common::Result<Response> Do(Request request);
  // Streams the body of a 2xx answer to on_data. ok when the server ended the response, the
  // consumer returned false or `stop` was signalled; an error for non-2xx answers and
  // broken connections.
  common::Status Stream(Request request, const DataCallback& on_data, std::stop_token stop = {});

  struct Impl;

 private:
  Config config_;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airunway::kube
