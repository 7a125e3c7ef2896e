#include "services/secrets/hf_token_secrets.h"

#include <boost/json.hpp>

#include <fmt/format.h>

#include "common/json.h"
#include "common/logging.h"
#include "kube/encoding.h"
#include "kube/errors.h"

namespace airunway::secrets {

namespace {

using common::ErrorCode;

constexpr int kWriteAttempts = 3;

boost::json::object Labels() {
  return boost::json::object{{"app.kubernetes.io/managed-by", "airunway"},
                             {"airunway.ai/secret-type", "huggingface-token"}};
}

boost::json::object NewSecret(const std::string& ns, std::string_view token) {
  return boost::json::object{
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", {{"name", kSecretName}, {"namespace", ns}, {"labels", Labels()}}},
      {"type", "Opaque"},
      {"data", {{kTokenKey, kube::Base64Encode(token)}}}};
}

}  // namespace

std::vector<std::string> DefaultNamespaces() {
  return {"dynamo-system", "ray-system", "kuberay-system", "kaito-workspace", "default"};
}

boost::json::object NamespaceResult::ToJson() const {
  boost::json::object result{{"namespace", ns}, {"success", success}};
  if (!success) result["error"] = error;
  return result;
}

bool SaveOutcome::AllSucceeded() const {
  for (const auto& result : results) {
    if (!result.success) return false;
  }
  return true;
}

std::string SaveOutcome::FailureSummary() const {
  std::string summary;
  for (const auto& result : results) {
    if (result.success) continue;
    if (!summary.empty()) summary += "; ";
    summary += fmt::format("{} ({})", result.ns, result.error);
  }
  return summary;
}

HfTokenSecrets::HfTokenSecrets(std::shared_ptr<kube::Client> client, TokenValidator validator,
                               std::vector<std::string> namespaces)
    : client_(std::move(client)), validator_(std::move(validator)), namespaces_(std::move(namespaces)) {}

common::Result<boost::json::object> HfTokenSecrets::Status() {
  boost::json::array namespaces;
  std::optional<std::string> stored_token;
  bool configured = false;
  for (const auto& ns : namespaces_) {
    auto secret = client_->Get(kube::kSecrets, ns, kSecretName);
    bool exists = static_cast<bool>(secret);
    if (!secret && !kube::IsNotFound(secret.error())) {
      return common::MakeError(secret.error().code,
                               fmt::format("Could not read the HuggingFace token secret in namespace {}: {}", ns,
                                           secret.error().message),
                               secret.error().reason);
    }
    if (exists) {
      configured = true;
      if (!stored_token) {
        if (const auto* data = common::GetObject(*secret, "data")) {
          if (auto encoded = common::GetString(*data, kTokenKey)) stored_token = kube::Base64Decode(*encoded);
        }
      }
    }
    namespaces.push_back(boost::json::object{{"name", ns}, {"exists", exists}});
  }
  boost::json::object status{{"configured", configured}, {"namespaces", std::move(namespaces)}};
  if (stored_token && !stored_token->empty() && validator_) {
    // An expired token or an unreachable Hub only means there is no user to show.
    auto user = validator_(*stored_token);
    if (user) {
      status["user"] = std::move(*user);
    } else {
      common::LogInfo("stored HuggingFace token could not be validated", {{"reason", user.error().reason}});
    }
  }
  return status;
}

common::Status HfTokenSecrets::EnsureNamespace(const std::string& ns) {
  auto existing = client_->Get(kube::kNamespaces, "", ns);
  if (existing) return common::Status::Ok();
  if (!kube::IsNotFound(existing.error())) return existing.error();
  boost::json::object object{{"apiVersion", "v1"}, {"kind", "Namespace"},
                             {"metadata", {{"name", ns}, {"labels", {{"app.kubernetes.io/managed-by", "airunway"}}}}}};
  auto created = client_->Create(kube::kNamespaces, "", object);
  if (!created && !kube::IsAlreadyExists(created.error())) return created.error();
  return common::Status::Ok();
}

common::Status HfTokenSecrets::WriteSecret(const std::string& ns, std::string_view token) {
  common::Error last = common::MakeError(ErrorCode::kInternal, "not attempted");
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    auto existing = client_->Get(kube::kSecrets, ns, kSecretName);
    if (!existing) {
      if (!kube::IsNotFound(existing.error())) return existing.error();
      auto created = client_->Create(kube::kSecrets, ns, NewSecret(ns, token));
      if (created) return common::Status::Ok();
      last = created.error();
      if (!kube::IsAlreadyExists(last)) return last;
      continue;  // someone created it meanwhile: replace theirs
    }
    boost::json::object secret = std::move(*existing);
    auto& metadata = secret["metadata"].as_object();
    auto& labels = metadata["labels"];
    if (!labels.is_object()) labels = boost::json::object{};
    for (const auto& label : Labels()) labels.as_object()[label.key()] = label.value();
    secret.erase("stringData");
    secret["type"] = "Opaque";
    secret["data"] = boost::json::object{{kTokenKey, kube::Base64Encode(token)}};
    auto updated = client_->Update(kube::kSecrets, ns, secret);
    if (updated) return common::Status::Ok();
    last = updated.error();
    if (!kube::IsConflict(last) && !kube::IsNotFound(last)) return last;
  }
  return last;
}

common::Result<SaveOutcome> HfTokenSecrets::Save(std::string_view token) {
  auto user = validator_(token);
  if (!user) {
    if (user.error().code == ErrorCode::kUnauthorized) {
      return common::MakeError(ErrorCode::kBadRequest, "Invalid HuggingFace token: " + user.error().message,
                               "InvalidHuggingFaceToken");
    }
    return user.error();
  }
  SaveOutcome outcome;
  outcome.user = std::move(*user);
  for (const auto& ns : namespaces_) {
    NamespaceResult result{ns, false, {}};
    if (auto ready = EnsureNamespace(ns); !ready) {
      result.error = "Failed to create namespace: " + ready.error().message;
    } else if (auto written = WriteSecret(ns, token); !written) {
      result.error = "Failed to save the secret: " + written.error().message;
    } else {
      result.success = true;
    }
    if (!result.success) {
      common::LogWarn("could not save the HuggingFace token secret", {{"namespace", ns}, {"error", result.error}});
    }
    outcome.results.push_back(std::move(result));
  }
  return outcome;
}

std::vector<NamespaceResult> HfTokenSecrets::Delete() {
  std::vector<NamespaceResult> results;
  for (const auto& ns : namespaces_) {
    NamespaceResult result{ns, true, {}};
    auto deleted = client_->Delete(kube::kSecrets, ns, kSecretName);
    if (!deleted && !kube::IsNotFound(deleted.error())) {
      result.success = false;
      result.error = deleted.error().message;
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace airunway::secrets
