// Credential providers: where the client gets the identity it sends with each request.
//
// A kubeconfig user becomes one CredentialProvider: a fixed credential (token, basic auth,
// an OIDC id-token), a token file that is re-read when it changes (projected service-account
// tokens rotate), or an exec plugin (client.authentication.k8s.io v1 / v1beta1) whose
// ExecCredential is cached until its expirationTimestamp. When the server answers 401 the
// client calls Invalidate() and, if that returns true, retries once with a fresh credential.
//
// Client certificates from the kubeconfig live in TlsConfig (config.h); an exec plugin may
// also return a certificate and key, which then replace them.
//
// Secrets: providers never put token, password or key material into an Error message.
//
// Thread-safety: every provider is safe for concurrent Get/Invalidate from many threads
// (a mutex guards the cache; concurrent callers wait for one plugin run).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace airunway::kube {

struct Credential {
  std::string bearer_token;
  std::string username;  // basic auth, with password
  std::string password;
  std::string client_cert_pem;  // from exec plugins; empty otherwise
  std::string client_key_pem;
};

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  virtual common::Result<Credential> Get() = 0;
  // The server rejected what Get returned (401). Drops cached material; true when a new
  // Get may return something different, so a retry is worthwhile.
  virtual bool Invalidate() { return false; }
  // "anonymous", "token", "token-file", "basic", "exec", "oidc": for logs and messages.
  virtual std::string Kind() const = 0;
};

// No credential at all (anonymous requests, or client certificates only).
std::shared_ptr<CredentialProvider> AnonymousCredentials();
// A fixed credential; `kind` names it ("token", "basic", "oidc").
std::shared_ptr<CredentialProvider> StaticCredentials(Credential credential, std::string kind);
// A bearer token read from `path`, re-read whenever the file's modification time or size
// changes and after Invalidate.
std::shared_ptr<CredentialProvider> TokenFileCredentials(std::string path);

struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;      // resolved against `base_dir` when relative with a '/'
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;
  bool provide_cluster_info = false;
  std::string interactive_mode;  // Never / IfAvailable / Always; we never have a terminal
  std::string base_dir;          // directory of the kubeconfig that declared the plugin
  std::chrono::milliseconds timeout{30000};
};

// What the plugin may see of the cluster (spec.cluster) when provideClusterInfo is set.
struct ExecClusterInfo {
  std::string server;
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string ca_pem;
  std::string proxy_url;
};

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Runs the plugin on first Get and again once the cached credential has expired (or after
// Invalidate). `clock` lets tests move time; default: the system clock.
std::shared_ptr<CredentialProvider> ExecCredentials(ExecConfig config, ExecClusterInfo cluster,
                                                    Clock clock = {});

}  // namespace airunway::kube
