// ApiServer: kubesim's simulated Kubernetes API server — the HTTP(S) front that ties the
// object store, the resource registry, discovery/OpenAPI, tables, patches, authentication
// and authorization, pod logs and watches together, and that the real kubectl accepts.
//
// Tests and the demo start it in-process:
//
//   kubesim::ApiServer sim({.tls = true});
//   if (auto started = sim.Start(); !started) ...;
//   std::string kubeconfig = sim.KubeconfigYaml();   // admin token, CA data, server URL
//   sim.store().Create(...);  sim.logs().Append(...); // seed objects and pod logs directly
//   sim.Stop(); sim.Wait();
//
// and `airunway sim` runs it as a process (src/cli/sim.cc).
//
// It must never include src/kube (the project's client): the client is tested against it
// as an independent server.
//
// Thread-safety: Start/Stop/Wait/Pause/Resume from one owner thread; SetFaults and
// IssueClientCertificate from any thread; store(), registry(), logs(),
// authenticator() and authorizer() are thread-safe objects usable from any thread while the
// server runs.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "kubesim/api_status.h"
#include "kubesim/auth.h"
#include "kubesim/log_buffers.h"
#include "kubesim/registry.h"
#include "kubesim/sim_faults.h"
#include "kubesim/store.h"

namespace airunway::kubesim {

// A request for /api/v1/namespaces/{ns}/services/{service}/proxy/{path}, handed to the
// simulated service backends (part 2) through SetServiceProxy.
struct ProxyRequest {
  std::string namespace_name;
  std::string service;  // "name" or "name:port" as in the URL
  std::string method;
  std::string path;     // after /proxy/, without a leading '/'
  std::string body;
  std::string accept;
};

struct ApiServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port
  bool tls = true;         // HTTPS with a generated CA; plain HTTP when false
  unsigned threads = 2;
  std::string kubeconfig_out;  // when set, written (mode 0600) after the server listens
  std::optional<AuthorizationPolicy> authorization;  // allow-all when empty
  bool access_log = false;
  StoreOptions store;
  // How often watchers that asked for bookmarks get one.
  std::chrono::milliseconds bookmark_interval{60'000};
};

class ApiServer {
 public:
  explicit ApiServer(ApiServerOptions options = {});
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Generates certificates (TLS), listens, writes the kubeconfig, and serves on background
  // threads. Errors name what failed (address in use, unwritable kubeconfig path).
  common::Status Start();
  // Graceful stop: open watches end, in-flight requests finish. Idempotent.
  void Stop();
  void Wait();

  std::uint16_t port() const;
  // How many requests this server has answered (every path, probes included).
  std::uint64_t request_count() const;
  std::string url() const;  // "https://127.0.0.1:PORT"
  const std::string& admin_token() const;
  const std::string& ca_pem() const;  // empty without TLS
  // A kubeconfig (context "kubesim", namespace "default") for the admin user.
  std::string KubeconfigYaml() const;
  // A kubeconfig for another identity: a bearer token added to the token table.
  std::string KubeconfigForToken(const std::string& token) const;

  Store& store();
  Registry& registry();
  LogBuffers& logs();
  Authenticator& authenticator();
  Authorizer& authorizer();

  // Serves one request in-process, exactly as over the wire but without sockets (fuzzing,
  // benchmarks). Works before Start(); request.path/query must be filled (http::ParseTarget).
  http::Response Serve(http::Request& request);

  // Answers service proxy requests; without one they get 503 "no endpoints available".
  void SetServiceProxy(std::function<http::Response(const ProxyRequest&)> proxy);

  // ---- Fault injection, for reliability tests (rules and semantics: sim_faults.h) ----
  // Replaces the API fault rules; they apply to requests arriving from now on. Latency is
  // served without blocking an I/O thread: the status line and headers go out at once and
  // the body follows after the delay (clients that read the whole body see the delay).
  void SetFaults(FaultRules rules);
  FaultRules faults() const;
  // An outage: Pause closes the listener and every connection (open watches and log follows
  // end) but keeps the store, pod logs, tokens and certificates; Resume listens again on the
  // same port with the same CA and serving certificate, so kubeconfigs stay valid. Errors
  // name the port when it cannot be bound again. From the owner thread, after Start.
  void Pause();
  common::Status Resume();
  common::Status Restart();  // Pause, then Resume
  bool paused() const;

  // A client certificate signed by the cluster CA (user = CN, groups = O, as the apiserver
  // reads them). kUnavailable without TLS or before Start (no CA yet). The CA key stays here.
  common::Result<CertificateAndKey> IssueClientCertificate(const std::string& user,
                                                           const std::vector<std::string>& groups = {}) const;
  // A kubeconfig that authenticates with `certificate` (from IssueClientCertificate).
  std::string KubeconfigForClientCertificate(const CertificateAndKey& certificate,
                                             const std::string& user_name = "kubesim-user") const;

  // The StoreResource the store keys a served type by.
  static StoreResource StoreResourceFor(const ResourceType& type);
  // Creates an object given as full JSON (apiVersion/kind decide the resource), bypassing
  // HTTP, authentication and admission — for scenarios and test seeding. CRDs created this
  // way are registered and served like ones posted over HTTP.
  ApiResult<ObjectPtr> CreateObject(boost::json::object object);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace airunway::kubesim
