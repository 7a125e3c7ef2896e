// Kubeconfig output for kubesim: the file `airunway sim` writes so that kubectl, our own
// client and the UI can reach the simulated cluster.
//
// The document has exactly one cluster, one user and one context, and selects that context:
//
//   apiVersion: v1
//   kind: Config
//   clusters:
//   - name: kubesim
//     cluster:
//       server: https://127.0.0.1:6443
//       certificate-authority-data: <base64 CA PEM>   # https; or insecure-skip-tls-verify: true
//   users:
//   - name: kubesim-admin
//     user:
//       token: <token>                                # or client-certificate-data + client-key-data
//   contexts:
//   - name: kubesim
//     context: {cluster: kubesim, user: kubesim-admin, namespace: default}
//   current-context: kubesim
//   preferences: {}
//
// The file holds credentials, so it is written with mode 0600, atomically (temporary file in
// the same directory, fsync, rename): a reader never sees half a kubeconfig, and a crash
// leaves the previous file intact.
//
// Thread-safety: free functions; concurrent writers of the same path each produce a complete
// file and the last rename wins.
#pragma once

#include <string>

#include "common/result.h"

namespace airunway::kubesim {

struct KubeconfigOptions {
  std::string server_url;  // "https://127.0.0.1:6443" or "http://127.0.0.1:8080"; required
  std::string cluster_name = "kubesim";
  std::string user_name = "kubesim-admin";
  std::string context_name = "kubesim";
  std::string namespace_name = "default";  // empty: no namespace in the context

  // https: the CA that signed the serving certificate (PEM). Without it the kubeconfig says
  // insecure-skip-tls-verify only when `insecure_skip_tls_verify` is set; otherwise it is an
  // error. Plain http always gets insecure-skip-tls-verify: true, so kubectl does not try TLS
  // settings against a server that has none.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;

  // Credentials: a bearer token, and/or a client certificate with its key (both PEM).
  // Secrets: never logged.
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// The kubeconfig YAML. kInvalid when the options are inconsistent (no server URL, a scheme
// other than http/https, https without a CA nor insecure_skip_tls_verify, a client
// certificate without its key or the other way round, an empty name).
common::Result<std::string> RenderKubeconfig(const KubeconfigOptions& options);

// Renders and writes `path` (mode 0600, atomically), creating missing parent directories
// (mode 0700). Errors name the path and the cause: `writing kubeconfig "/x/config": Permission denied`.
common::Status WriteKubeconfig(const std::string& path, const KubeconfigOptions& options);

}  // namespace airunway::kubesim
