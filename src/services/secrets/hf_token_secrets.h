// HfTokenSecrets: the user's HuggingFace token as the Secret `hf-token-secret` (key
// HF_TOKEN, type Opaque, labelled as managed by AI Runway) in each namespace where an
// inference provider may pull models: dynamo-system, ray-system, kuberay-system,
// kaito-workspace and default.
//
// Save validates the token first (through the injected validator, i.e. the Hub's whoami),
// then, namespace by namespace, creates the namespace when it does not exist yet and creates
// or replaces the Secret (conflicts with a concurrent writer are retried). Each namespace is
// reported on its own, so a partial failure says which namespaces have the token and which
// do not and why. Delete removes the Secret everywhere (absent counts as removed). Status
// says where it exists and, when the stored token is still valid, whose it is.
//
// The token is never put in an error message or a log line.
//
// Every call blocks on the Kubernetes API (and the Hub); run it on an http::WorkerPool.
// Thread-safety: safe from any thread; concurrent Saves end with one of the tokens in place.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/client.h"

namespace airunway::secrets {

inline constexpr std::string_view kSecretName = "hf-token-secret";
inline constexpr std::string_view kTokenKey = "HF_TOKEN";

std::vector<std::string> DefaultNamespaces();

// Returns the HfUserInfo of a valid token, kUnauthorized for a rejected one, or the Hub's
// outage error.
using TokenValidator = std::function<common::Result<boost::json::object>(std::string_view token)>;

struct NamespaceResult {
  std::string ns;
  bool success = false;
  std::string error;  // when !success
  boost::json::object ToJson() const;  // {namespace, success, error?}
};

struct SaveOutcome {
  boost::json::object user;
  std::vector<NamespaceResult> results;
  bool AllSucceeded() const;
  // "ray-system (forbidden: ...); default (...)" for the namespaces that failed.
  std::string FailureSummary() const;
};

class HfTokenSecrets {
 public:
  HfTokenSecrets(std::shared_ptr<kube::Client> client, TokenValidator validator,
                 std::vector<std::string> namespaces = DefaultNamespaces());

  // HfSecretStatus {configured, namespaces:[{name, exists}], user?}. Fails only when the
  // cluster cannot be asked (e.g. unreachable, forbidden).
  common::Result<boost::json::object> Status();

  // kBadRequest "Invalid HuggingFace token: ..." when the Hub rejects the token; the Hub's
  // outage error when it cannot be checked; otherwise the per-namespace outcome.
  common::Result<SaveOutcome> Save(std::string_view token);

  std::vector<NamespaceResult> Delete();

  const std::vector<std::string>& namespaces() const { return namespaces_; }

 private:
  common::Status EnsureNamespace(const std::string& ns);
  common::Status WriteSecret(const std::string& ns, std::string_view token);

  std::shared_ptr<kube::Client> client_;
  TokenValidator validator_;
  std::vector<std::string> namespaces_;
};

}  // namespace airunway::secrets
