// Config: how to reach one Kubernetes API server as one user — the resolved context of a
// kubeconfig (server URL, TLS settings, proxy, default namespace, credential provider).
//
// Kubeconfig: the parsed, merged kubeconfig files, from which any context can be resolved.
// Loading follows kubectl/client-go:
//   1. an explicit path (--kubeconfig);
//   2. else $KUBECONFIG: ':'-separated paths, merged first-wins (for each cluster, user,
//      context and current-context the first file that sets it wins), missing files skipped;
//   3. else ~/.kube/config;
//   4. else in-cluster: the service-account token (re-read when it rotates), CA and
//      namespace under /var/run/secrets/kubernetes.io/serviceaccount, server from
//      KUBERNETES_SERVICE_HOST/PORT.
// Relative file paths inside a kubeconfig are relative to that file's directory.
//
// Broken entries do not stop the others from loading: each cluster, user and context is
// checked only when a context that uses it is resolved, and a malformed file among several
// is skipped and recorded in problems(). Errors name the file, the entry and the field:
//   /home/u/.kube/config: user "dev": client-certificate-data: not valid base64
//
// Ownership: Kubeconfig is an immutable value (cheap to copy; shares its parsed data).
// Config holds a shared_ptr to its CredentialProvider, which outlives every copy.
// Thread-safety: both are immutable after construction; safe to share between threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/credentials.h"

namespace airunway::kube {

struct TlsConfig {
  std::string ca_pem;                  // empty: the system trust store
  bool insecure_skip_verify = false;
  std::string server_name;             // SNI and certificate name, when not the URL's host
  std::string client_cert_pem;
  std::string client_key_pem;
};

struct Config {
  std::string server;           // "https://host:port", no trailing slash
  std::string namespace_name = "default";
  TlsConfig tls;
  std::string proxy_url;        // http://, https:// or socks5://; empty: no proxy
  std::shared_ptr<CredentialProvider> credentials = AnonymousCredentials();
  // Where it came from, for logs: context, cluster and user names and the source.
  std::string context_name;
  std::string cluster_name;
  std::string user_name;
  std::string source;           // kubeconfig path(s) or "in-cluster"
};

// Looks up environment variables; tests inject their own.
using Getenv = std::function<std::optional<std::string>(const std::string& name)>;
Getenv SystemGetenv();

struct LoadOptions {
  std::string kubeconfig_path;  // --kubeconfig
  std::string context;          // --context; empty = current-context
  Getenv getenv;                // default: the process environment
  std::string in_cluster_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

class Kubeconfig {
 public:
  // Parses one document; `path` names it in messages and anchors relative paths. A YAML
  // syntax error or a document that is not a kubeconfig is kInvalid naming path and line.
  static common::Result<Kubeconfig> Parse(std::string_view yaml, const std::string& path);
  // Steps 1–3 above. kNotFound when no file exists; kInvalid when none of them parses.
  static common::Result<Kubeconfig> Load(const LoadOptions& options);

  std::vector<std::string> ContextNames() const;  // sorted
  const std::string& current_context() const;
  // Problems found while loading (skipped files); entries are checked by Resolve.
  const std::vector<std::string>& problems() const;
  const std::string& source() const;  // "a.yaml:b.yaml"

  // The Config for `context` (empty: current-context). kNotFound for an unknown context,
  // kInvalid for a broken one.
  common::Result<Config> Resolve(std::string_view context = {}) const;

  struct Data;

 private:
  explicit Kubeconfig(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

// In-cluster configuration from `dir` and KUBERNETES_SERVICE_HOST/PORT. kNotFound when not
// running in a cluster.
common::Result<Config> InClusterConfig(const std::string& dir, const Getenv& getenv);

// The whole discovery order (kubeconfig, then in-cluster), resolving options.context.
common::Result<Config> LoadConfig(const LoadOptions& options = {});

}  // namespace airunway::kube
