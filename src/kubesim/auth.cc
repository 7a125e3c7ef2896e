#include "kubesim/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/array.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <random>

#include "common/json.h"
#include "common/time.h"
#include "kubesim/yaml_json.h"

namespace airunway::kubesim {
namespace {

using common::ErrorCode;
using common::MakeError;
using common::Result;

constexpr std::string_view kAuthenticationGroupVersion = "authentication.k8s.io/v1";
constexpr std::string_view kAuthorizationGroupVersion = "authorization.k8s.io/v1";

std::string Sha256(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    // Cannot happen with the default provider; an empty digest matches no stored entry.
    return {};
  }
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void AddGroupOnce(std::vector<std::string>& groups, std::string_view group) {
  if (!Contains(groups, group)) groups.emplace_back(group);
}

// ---- Rule matching (RBAC semantics) ----------------------------------------------------------

bool MatchesWildcardOr(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& item) { return item == "*" || item == value; });
}

bool SubjectMatches(const AuthorizationRule& rule, const UserInfo& user) {
  if (Contains(rule.users, user.username)) return true;
  return std::any_of(user.groups.begin(), user.groups.end(),
                     [&](const std::string& group) { return Contains(rule.groups, group); });
}

bool ResourceMatches(const AuthorizationRule& rule, const AuthorizationAttributes& attributes) {
  const std::string combined = attributes.subresource.empty()
                                   ? attributes.resource
                                   : attributes.resource + "/" + attributes.subresource;
  for (const auto& resource : rule.resources) {
    if (resource == "*" || resource == combined) return true;
    if (!attributes.subresource.empty() && resource.size() > 2 && resource.compare(0, 2, "*/") == 0 &&
        std::string_view(resource).substr(2) == attributes.subresource) {
      return true;
    }
  }
  return false;
}

bool NonResourceUrlMatches(const AuthorizationRule& rule, std::string_view path) {
  for (const auto& url : rule.non_resource_urls) {
    if (url == "*" || url == path) return true;
    if (!url.empty() && url.back() == '*' && path.substr(0, url.size() - 1) == std::string_view(url).substr(0, url.size() - 1)) {
      return true;
    }
  }
  return false;
}

bool RuleAllows(const AuthorizationRule& rule, const UserInfo& user, const AuthorizationAttributes& attributes) {
  if (!SubjectMatches(rule, user) || !MatchesWildcardOr(rule.verbs, attributes.verb)) return false;
  if (!attributes.resource_request) return NonResourceUrlMatches(rule, attributes.path);
  if (rule.resources.empty()) return false;  // a nonResourceURLs-only rule
  if (!MatchesWildcardOr(rule.api_groups, attributes.api_group)) return false;
  if (!ResourceMatches(rule, attributes)) return false;
  if (!rule.resource_names.empty() && !Contains(rule.resource_names, attributes.name)) return false;
  if (!rule.namespaces.empty() && !Contains(rule.namespaces, attributes.namespace_name)) return false;
  return true;
}

// ---- Policy parsing ------------------------------------------------------------------------

Result<std::vector<std::string>> StringList(const boost::json::value& value, const std::string& where) {
  const auto* array = value.if_array();
  if (array == nullptr) return MakeError(ErrorCode::kInvalid, where + ": must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : *array) {
    const auto* text = item.if_string();
    if (text == nullptr) return MakeError(ErrorCode::kInvalid, where + ": must be a list of strings");
    out.emplace_back(*text);
  }
  return out;
}

Result<AuthorizationRule> ParseRule(const boost::json::value& value, std::size_t index) {
  const std::string where = fmt::format("authorization policy rules[{}]", index);
  const auto* object = value.if_object();
  if (object == nullptr) return MakeError(ErrorCode::kInvalid, where + ": must be a mapping");
  AuthorizationRule rule;
  const std::array<std::pair<std::string_view, std::vector<std::string>*>, 8> lists = {{
      {"users", &rule.users},
      {"groups", &rule.groups},
      {"verbs", &rule.verbs},
      {"apiGroups", &rule.api_groups},
      {"resources", &rule.resources},
      {"resourceNames", &rule.resource_names},
      {"namespaces", &rule.namespaces},
      {"nonResourceURLs", &rule.non_resource_urls},
  }};
  for (const auto& [key, field] : *object) {
    if (key == "name") {
      const auto* text = field.if_string();
      if (text == nullptr) return MakeError(ErrorCode::kInvalid, where + ".name: must be a string");
      rule.name = std::string(*text);
      continue;
    }
    auto target = std::find_if(lists.begin(), lists.end(), [&](const auto& entry) { return entry.first == key; });
    if (target == lists.end()) {
      return MakeError(ErrorCode::kInvalid,
                       fmt::format("{}: unknown key \"{}\" (known: name, users, groups, verbs, apiGroups, "
                                   "resources, resourceNames, namespaces, nonResourceURLs)",
                                   where, std::string_view(key)));
    }
    auto list = StringList(field, fmt::format("{}.{}", where, std::string_view(key)));
    if (!list) return list.error();
    *target->second = std::move(*list);
  }
  if (rule.users.empty() && rule.groups.empty()) {
    return MakeError(ErrorCode::kInvalid, where + ": needs at least one of users or groups");
  }
  if (rule.verbs.empty()) return MakeError(ErrorCode::kInvalid, where + ".verbs: required");
  if (rule.resources.empty() && rule.non_resource_urls.empty()) {
    return MakeError(ErrorCode::kInvalid, where + ": needs resources or nonResourceURLs");
  }
  if (!rule.resources.empty() && rule.api_groups.empty()) {
    return MakeError(ErrorCode::kInvalid,
                     where + ".apiGroups: required with resources (\"\" is the core group, \"*\" every group)");
  }
  return rule;
}

// ---- Review helpers ----------------------------------------------------------------------

std::string StringAt(const boost::json::object& object, std::string_view key) {
  auto value = common::GetString(object, key);
  return value ? std::string(*value) : std::string();
}

// Starts a response from the request: same kind/apiVersion (defaulted), metadata kept, spec
// echoed — what the apiserver's create-only review endpoints return.
boost::json::object ReviewResponse(const boost::json::object& request, std::string_view kind,
                                   std::string_view default_api_version) {
  boost::json::object response;
  response["kind"] = kind;
  auto api_version = common::GetString(request, "apiVersion");
  response["apiVersion"] = api_version && !api_version->empty() ? *api_version : default_api_version;
  const auto* metadata = common::GetObject(request, "metadata");
  response["metadata"] = metadata != nullptr ? *metadata : boost::json::object();
  if (const auto* spec = common::GetObject(request, "spec")) response["spec"] = *spec;
  return response;
}

ApiResult<boost::json::object> AccessReview(const Authorizer& authorizer, const UserInfo& user,
                                            const boost::json::object& request, std::string_view kind) {
  const auto* spec = common::GetObject(request, "spec");
  const boost::json::object empty;
  if (spec == nullptr) spec = &empty;
  const auto* resource = common::GetObject(*spec, "resourceAttributes");
  const auto* non_resource = common::GetObject(*spec, "nonResourceAttributes");
  if (resource != nullptr && non_resource != nullptr) {
    return Invalid(kind, "authorization.k8s.io", "",
                   {{"FieldValueInvalid", "Invalid value: \"object\": cannot be specified in combination with resourceAttributes",
                     "spec.nonResourceAttributes"}});
  }
  if (resource == nullptr && non_resource == nullptr) {
    return Invalid(kind, "authorization.k8s.io", "",
                   {{"FieldValueInvalid",
                     "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                     "spec.resourceAttributes"}});
  }
  AuthorizationAttributes attributes;
  if (resource != nullptr) {
    attributes.verb = StringAt(*resource, "verb");
    attributes.api_group = StringAt(*resource, "group");
    attributes.resource = StringAt(*resource, "resource");
    attributes.subresource = StringAt(*resource, "subresource");
    attributes.namespace_name = StringAt(*resource, "namespace");
    attributes.name = StringAt(*resource, "name");
  } else {
    attributes.resource_request = false;
    attributes.verb = StringAt(*non_resource, "verb");
    attributes.path = StringAt(*non_resource, "path");
  }
  const AuthorizationDecision decision = authorizer.Decide(user, attributes);
  boost::json::object status;
  status["allowed"] = decision.allowed;
  if (!decision.reason.empty()) status["reason"] = decision.reason;

  boost::json::object response = ReviewResponse(request, kind, kAuthorizationGroupVersion);
  response["status"] = std::move(status);
  return response;
}

}  // namespace

// ---- UserInfo -----------------------------------------------------------------------------

bool UserInfo::InGroup(std::string_view group) const { return Contains(groups, group); }

boost::json::object UserInfo::ToJson() const {
  boost::json::object out;
  out["username"] = username;
  if (!uid.empty()) out["uid"] = uid;
  if (!groups.empty()) {
    boost::json::array list;
    for (const auto& group : groups) list.emplace_back(group);
    out["groups"] = std::move(list);
  }
  return out;
}

std::string GenerateToken() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // The OpenSSL RNG does not fail on a healthy Linux host; fall back to the kernel's
    // generator through random_device rather than hand out a predictable token.
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  std::string token = Base64Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  // base64url: tokens travel in HTTP headers and YAML, where '+', '/' and '=' are a nuisance.
  std::replace(token.begin(), token.end(), '+', '-');
  std::replace(token.begin(), token.end(), '/', '_');
  token.erase(std::remove(token.begin(), token.end(), '='), token.end());
  return token;
}

// ---- Authenticator ------------------------------------------------------------------------

Authenticator::Authenticator() : Authenticator(std::string()) {}

Authenticator::Authenticator(std::string admin_token)
    : admin_token_(admin_token.empty() ? GenerateToken() : std::move(admin_token)) {
  entries_.push_back(Entry{Sha256(admin_token_),
                           UserInfo{std::string(kAdminUserName), "",
                                    {std::string(kMastersGroup), std::string(kAuthenticatedGroup)}}});
}

common::Status Authenticator::AddToken(std::string_view token, UserInfo user) {
  if (token.empty()) return MakeError(ErrorCode::kInvalid, "a bearer token must not be empty");
  if (user.username.empty()) return MakeError(ErrorCode::kInvalid, "a token's user needs a username");
  std::string digest = Sha256(token);
  std::unique_lock lock(mutex_);
  for (auto& entry : entries_) {
    if (entry.digest == digest) {
      entry.user = std::move(user);
      return {};
    }
  }
  entries_.push_back(Entry{std::move(digest), std::move(user)});
  return {};
}

std::optional<UserInfo> Authenticator::AuthenticateToken(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  // Comparing fixed-size digests of every entry, without stopping at a match, keeps the time
  // taken independent of how much of a guessed token is right and of which entry matched.
  const std::string digest = Sha256(token);
  std::shared_lock lock(mutex_);
  const Entry* match = nullptr;
  for (const auto& entry : entries_) {
    const bool equal = entry.digest.size() == digest.size() && !digest.empty() &&
                       CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    if (equal) match = &entry;
  }
  if (match == nullptr) return std::nullopt;
  return match->user;
}

ApiResult<UserInfo> Authenticator::Authenticate(std::optional<std::string_view> bearer_token,
                                                const std::optional<CertificateSubject>& client_cert) const {
  std::optional<UserInfo> user;
  if (client_cert && !client_cert->common_name.empty()) {
    user = UserInfo{client_cert->common_name, "", client_cert->organizations};
  } else if (bearer_token) {
    user = AuthenticateToken(*bearer_token);
  }
  if (!user) return Unauthorized();
  AddGroupOnce(user->groups, kAuthenticatedGroup);
  return std::move(*user);
}

// ---- Policy -------------------------------------------------------------------------------

Result<AuthorizationPolicy> AuthorizationPolicyFromJson(const boost::json::value& document) {
  const auto* object = document.if_object();
  if (object == nullptr) return MakeError(ErrorCode::kInvalid, "authorization policy: must be a mapping");
  AuthorizationPolicy policy;
  const auto* rules = common::Find(*object, "rules");
  policy.allow_all = rules == nullptr || rules->is_null();
  for (const auto& [key, value] : *object) {
    if (key != "mode" && key != "rules") {
      return MakeError(ErrorCode::kInvalid,
                       fmt::format("authorization policy: unknown key \"{}\" (known: mode, rules)", std::string_view(key)));
    }
  }
  if (const auto* mode = common::Find(*object, "mode")) {
    const auto* text = mode->if_string();
    if (text != nullptr && *text == "AllowAll") {
      policy.allow_all = true;
    } else if (text != nullptr && *text == "Rules") {
      policy.allow_all = false;
    } else {
      return MakeError(ErrorCode::kInvalid, "authorization policy mode: must be \"AllowAll\" or \"Rules\"");
    }
  }
  if (rules != nullptr && !rules->is_null()) {
    const auto* list = rules->if_array();
    if (list == nullptr) return MakeError(ErrorCode::kInvalid, "authorization policy rules: must be a list");
    for (std::size_t i = 0; i < list->size(); ++i) {
      auto rule = ParseRule((*list)[i], i);
      if (!rule) return rule.error();
      policy.rules.push_back(std::move(*rule));
    }
  }
  return policy;
}

Result<AuthorizationPolicy> ParseAuthorizationPolicy(std::string_view yaml_or_json) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_or_json));
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalid,
                     fmt::format("authorization policy: malformed YAML at line {}, column {}: {}", e.mark.line + 1,
                                 e.mark.column + 1, e.msg));
  }
  // Walking the node tree can still throw on nodes yaml-cpp could not fully resolve.
  try {
    // Every scalar a string: the policy schema holds only strings, and this keeps "true" or
    // "1" usable as a name instead of a type error.
    return AuthorizationPolicyFromJson(YamlNodeToJson(root, YamlScalars::kStrings));
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalid, fmt::format("authorization policy: {}", e.msg));
  }
}

// ---- Authorizer ---------------------------------------------------------------------------

Authorizer::Authorizer(AuthorizationPolicy policy) : policy_(std::move(policy)) {}

void Authorizer::SetPolicy(AuthorizationPolicy policy) {
  std::unique_lock lock(mutex_);
  policy_ = std::move(policy);
}

AuthorizationDecision Authorizer::Decide(const UserInfo& user, const AuthorizationAttributes& attributes) const {
  if (user.InGroup(kMastersGroup)) {
    return {true, fmt::format("kubesim: allowed by group \"{}\"", kMastersGroup)};
  }
  std::shared_lock lock(mutex_);
  if (policy_.allow_all) return {true, "kubesim: authorization mode AllowAll"};
  for (std::size_t i = 0; i < policy_.rules.size(); ++i) {
    const auto& rule = policy_.rules[i];
    if (RuleAllows(rule, user, attributes)) {
      return {true, rule.name.empty() ? fmt::format("kubesim: allowed by rules[{}]", i)
                                      : fmt::format("kubesim: allowed by rule \"{}\"", rule.name)};
    }
  }
  return {false, ""};
}

std::optional<ApiStatus> Authorizer::Authorize(const UserInfo& user, const AuthorizationAttributes& attributes) const {
  if (Decide(user, attributes).allowed) return std::nullopt;
  return ForbiddenStatus(user, attributes);
}

ApiStatus ForbiddenStatus(const UserInfo& user, const AuthorizationAttributes& attributes) {
  std::string detail;
  if (!attributes.resource_request) {
    detail = fmt::format("User \"{}\" cannot {} path \"{}\"", user.username, attributes.verb, attributes.path);
  } else {
    const std::string resource = attributes.subresource.empty()
                                     ? attributes.resource
                                     : attributes.resource + "/" + attributes.subresource;
    const std::string scope = attributes.namespace_name.empty()
                                  ? std::string("at the cluster scope")
                                  : fmt::format("in the namespace \"{}\"", attributes.namespace_name);
    detail = fmt::format("User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {}", user.username,
                         attributes.verb, resource, attributes.api_group, scope);
  }
  // The apiserver escapes these so the text can never be mistaken for HTML.
  std::string sanitized;
  for (char c : detail) {
    switch (c) {
      case '&': sanitized += "&amp;"; break;
      case '<': sanitized += "&lt;"; break;
      case '>': sanitized += "&gt;"; break;
      default: sanitized += c;
    }
  }

  ApiStatus status;
  status.code = 403;
  status.reason = "Forbidden";
  if (!attributes.resource_request || attributes.resource.empty()) {
    status.message = "forbidden: " + sanitized;
    return status;
  }
  const std::string qualified = QualifiedResource(attributes.resource, attributes.api_group);
  status.message = attributes.name.empty()
                       ? fmt::format("{} is forbidden: {}", qualified, sanitized)
                       : fmt::format("{} \"{}\" is forbidden: {}", qualified, attributes.name, sanitized);
  status.name = attributes.name;
  status.group = attributes.api_group;
  status.kind = attributes.resource;
  return status;
}

// ---- Reviews ------------------------------------------------------------------------------

ApiResult<boost::json::object> HandleTokenReview(const Authenticator& authenticator,
                                                 const boost::json::value& request) {
  const auto* object = request.if_object();
  if (object == nullptr) return BadRequest("TokenReview: the request body must be a JSON object");
  const auto* token_value = common::FindPath(request, {"spec", "token"});
  const auto* token = token_value != nullptr ? token_value->if_string() : nullptr;
  if (token == nullptr || token->empty()) return BadRequest("token is required for TokenReview in authentication");

  boost::json::object response = ReviewResponse(*object, "TokenReview", kAuthenticationGroupVersion);
  // The apiserver echoes the whole spec; we leave the token out so that no response or log of
  // one ever carries a credential.
  if (auto* spec = response["spec"].if_object()) spec->erase("token");

  boost::json::object status;
  if (auto user = authenticator.AuthenticateToken(std::string_view(*token))) {
    AddGroupOnce(user->groups, kAuthenticatedGroup);
    status["authenticated"] = true;
    status["user"] = user->ToJson();
    if (const auto* audiences = common::FindPath(request, {"spec", "audiences"}); audiences && audiences->is_array()) {
      status["audiences"] = *audiences;
    }
  } else {
    status["authenticated"] = false;
    status["user"] = boost::json::object();
    status["error"] = "invalid bearer token";
  }
  response["status"] = std::move(status);
  return response;
}

boost::json::object HandleSelfSubjectReview(const UserInfo& user, const boost::json::value& request) {
  const boost::json::object empty;
  const auto* object = request.if_object();
  boost::json::object response = ReviewResponse(object != nullptr ? *object : empty, "SelfSubjectReview",
                                                kAuthenticationGroupVersion);
  response.erase("spec");  // SelfSubjectReview has no spec
  boost::json::object metadata;
  metadata["creationTimestamp"] = common::FormatRfc3339Seconds(std::chrono::system_clock::now());
  response["metadata"] = std::move(metadata);
  boost::json::object status;
  status["userInfo"] = user.ToJson();
  response["status"] = std::move(status);
  return response;
}

ApiResult<boost::json::object> HandleSelfSubjectAccessReview(const Authorizer& authorizer, const UserInfo& user,
                                                             const boost::json::value& request) {
  const auto* object = request.if_object();
  if (object == nullptr) return BadRequest("SelfSubjectAccessReview: the request body must be a JSON object");
  return AccessReview(authorizer, user, *object, "SelfSubjectAccessReview");
}

ApiResult<boost::json::object> HandleSubjectAccessReview(const Authorizer& authorizer,
                                                         const boost::json::value& request) {
  const auto* object = request.if_object();
  if (object == nullptr) return BadRequest("SubjectAccessReview: the request body must be a JSON object");
  const boost::json::object empty;
  const auto* spec = common::GetObject(*object, "spec");
  if (spec == nullptr) spec = &empty;
  UserInfo subject;
  subject.username = StringAt(*spec, "user");
  subject.uid = StringAt(*spec, "uid");
  if (const auto* groups = common::GetArray(*spec, "groups")) {
    for (const auto& group : *groups) {
      if (const auto* text = group.if_string()) subject.groups.emplace_back(*text);
    }
  }
  if (subject.username.empty() && subject.groups.empty()) {
    return Invalid("SubjectAccessReview", "authorization.k8s.io", "",
                   {{"FieldValueInvalid", "Invalid value: \"\": at least one of user or group must be specified",
                     "spec.user"}});
  }
  return AccessReview(authorizer, subject, *object, "SubjectAccessReview");
}

}  // namespace airunway::kubesim
