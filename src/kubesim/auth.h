// kubesim authentication and authorization: who is calling, and may they do it.
//
// The HTTP front (server part) calls these for every request:
//
//   auto user = authenticator.Authenticate(bearer_token, verified_client_cert_subject);
//   if (!IsOk(user)) return std::get<ApiStatus>(user);            // 401 "Unauthorized"
//   if (auto denied = authorizer.Authorize(std::get<UserInfo>(user), attributes))
//     return *denied;                                              // 403, real message
//
// and routes the review APIs here: TokenReview (authentication.k8s.io/v1),
// SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview (`kubectl auth can-i`)
// and SubjectAccessReview (authorization.k8s.io/v1). Those take the decoded request body and
// return the response body; the caller still authorizes `create` on the review resource.
//
// Authenticator: a table of bearer tokens, seeded with a random admin token for
// "kubesim-admin" in groups system:masters + system:authenticated, plus client certificates
// (user = CN, groups = O entries). Tokens are kept only as SHA-256 digests (the admin token
// is also kept in clear so `airunway sim` can write it into a kubeconfig) and compared in
// constant time. No token ever appears in a log line or a message.
//
// Authorizer: allow-all by default (the demo cluster), or an RBAC-like list of rules that a
// scenario file configures (format below). Members of system:masters are always allowed.
//
// Thread-safety: Authenticator and Authorizer are safe for concurrent use; AddToken and
// SetPolicy may run while requests are being checked (reader/writer lock). The review
// handlers are free functions over values.
//
// ---- Authorization policy format (YAML or JSON; the same document either way) -------------
//
//   mode: Rules            # "AllowAll" or "Rules"; default: Rules if `rules` is present,
//                          # else AllowAll. With Rules, what no rule allows is denied.
//   rules:
//   - name: alice-reads-pods          # optional; shows up in access-review reasons
//     users: [alice]                  # subjects: at least one of users / groups
//     groups: [viewers]               #   (use group system:authenticated for everyone)
//     verbs: [get, list, watch]       # required; "*" = every verb
//     apiGroups: [""]                 # required with resources; "" = core, "*" = every group
//     resources: [pods, pods/log]     # "*" = all; "pods/log" = a subresource; "*/scale" =
//                                     #   that subresource of any resource. A plain "pods"
//                                     #   does NOT cover pods/log (as in RBAC).
//     resourceNames: [web-0]          # optional; empty = any name
//     namespaces: [default]           # optional; empty = every namespace AND cluster scope;
//                                     #   otherwise only those namespaces
//     nonResourceURLs: [/healthz, "/api/*"]  # for non-resource requests; "*" = every path,
//                                     #   a trailing "*" matches a prefix
//
// Unknown keys are rejected so that a typo ("namespace:") does not silently widen a rule.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kubesim/api_status.h"
#include "kubesim/pki.h"

namespace airunway::kubesim {

inline constexpr std::string_view kAdminUserName = "kubesim-admin";
inline constexpr std::string_view kMastersGroup = "system:masters";
inline constexpr std::string_view kAuthenticatedGroup = "system:authenticated";

struct UserInfo {
  std::string username;
  std::string uid;  // optional
  std::vector<std::string> groups;

  bool InGroup(std::string_view group) const;
  // {"username":..,"uid":..,"groups":[..]}, empty fields omitted (the authentication.k8s.io
  // UserInfo shape used by TokenReview and SelfSubjectReview).
  boost::json::object ToJson() const;

  friend bool operator==(const UserInfo&, const UserInfo&) = default;
};

// A random bearer token: 32 bytes from the OpenSSL RNG, base64url without padding.
std::string GenerateToken();

class Authenticator {
 public:
  // Seeds a random admin token.
  Authenticator();
  // Seeds the given admin token (e.g. from a flag, or a fixed one in tests). An empty token
  // is replaced by a random one.
  explicit Authenticator(std::string admin_token);

  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The admin token, for the kubeconfig `airunway sim` writes. Secret: never log it.
  const std::string& admin_token() const { return admin_token_; }

  // Registers `token` for `user` (replacing an earlier registration of the same token).
  // kInvalid when the token or the username is empty.
  common::Status AddToken(std::string_view token, UserInfo user);

  // The caller's identity. A verified client certificate with a CN wins (the apiserver tries
  // x509 before tokens); otherwise the bearer token must be registered. The result always
  // carries group system:authenticated. Unauthorized() (401) when neither identifies anyone.
  ApiResult<UserInfo> Authenticate(std::optional<std::string_view> bearer_token,
                                   const std::optional<CertificateSubject>& client_cert) const;

  // Only the token table; nullopt when unknown.
  std::optional<UserInfo> AuthenticateToken(std::string_view token) const;

 private:
  struct Entry {
    std::string digest;  // SHA-256 of the token
    UserInfo user;
  };

  const std::string admin_token_;
  mutable std::shared_mutex mutex_;
  std::vector<Entry> entries_;  // guarded by mutex_
};

// What a request wants to do, as the apiserver's authorizer sees it.
struct AuthorizationAttributes {
  std::string verb;         // get, list, watch, create, update, patch, delete, deletecollection, ...
  std::string api_group;    // "" for core
  std::string resource;     // plural, e.g. "pods"
  std::string subresource;  // e.g. "log", "status"; empty for none
  std::string namespace_name;  // empty for cluster-scoped requests (or "all namespaces")
  std::string name;         // empty for list/create/deletecollection
  // Non-resource requests (/healthz, /version, /openapi/v2): set resource_request = false and
  // path; the resource fields are then ignored.
  bool resource_request = true;
  std::string path;
};

struct AuthorizationRule {
  std::string name;
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> verbs;
  std::vector<std::string> api_groups;
  std::vector<std::string> resources;
  std::vector<std::string> resource_names;
  std::vector<std::string> namespaces;
  std::vector<std::string> non_resource_urls;
};

struct AuthorizationPolicy {
  bool allow_all = true;
  std::vector<AuthorizationRule> rules;
};

// Parses the format documented above from YAML or JSON text, or from a decoded JSON value.
// kInvalid with the offending location ("rules[1].verbs: ...") on a bad document.
common::Result<AuthorizationPolicy> ParseAuthorizationPolicy(std::string_view yaml_or_json);
common::Result<AuthorizationPolicy> AuthorizationPolicyFromJson(const boost::json::value& document);

struct AuthorizationDecision {
  bool allowed = false;
  std::string reason;  // why it was allowed (for access reviews); empty when denied
};

class Authorizer {
 public:
  Authorizer() = default;  // allow-all
  explicit Authorizer(AuthorizationPolicy policy);

  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  void SetPolicy(AuthorizationPolicy policy);

  AuthorizationDecision Decide(const UserInfo& user, const AuthorizationAttributes& attributes) const;

  // nullopt when allowed; otherwise the 403 the apiserver sends (see ForbiddenStatus).
  std::optional<ApiStatus> Authorize(const UserInfo& user, const AuthorizationAttributes& attributes) const;

 private:
  mutable std::shared_mutex mutex_;
  AuthorizationPolicy policy_;  // guarded by mutex_
};

// The apiserver's 403 for a denied request, e.g.
//   pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"
//   pods "x" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"
//   nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope
//   forbidden: User "alice" cannot get path "/metrics"
// details carry name, group and kind (= the resource without its subresource).
ApiStatus ForbiddenStatus(const UserInfo& user, const AuthorizationAttributes& attributes);

// ---- Review APIs: request body in, response body out ---------------------------------------

// POST /apis/authentication.k8s.io/v1/tokenreviews. 400 when spec.token is missing. The
// response echoes spec without the token.
ApiResult<boost::json::object> HandleTokenReview(const Authenticator& authenticator,
                                                 const boost::json::value& request);

// POST /apis/authentication.k8s.io/v1/selfsubjectreviews (v1beta1/v1alpha1 are echoed too).
boost::json::object HandleSelfSubjectReview(const UserInfo& user, const boost::json::value& request);

// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: may `user` do spec.*Attributes?
// 422 unless exactly one of resourceAttributes / nonResourceAttributes is given.
ApiResult<boost::json::object> HandleSelfSubjectAccessReview(const Authorizer& authorizer,
                                                             const UserInfo& user,
                                                             const boost::json::value& request);

// POST /apis/authorization.k8s.io/v1/subjectaccessreviews: the same for spec.user/spec.groups.
ApiResult<boost::json::object> HandleSubjectAccessReview(const Authorizer& authorizer,
                                                         const boost::json::value& request);

}  // namespace airunway::kubesim
