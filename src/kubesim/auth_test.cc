#include "kubesim/auth.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json.h"

namespace airunway::kubesim {
namespace {

using common::ErrorCode;

boost::json::value Json(std::string_view text) {
  auto parsed = common::ParseJson(text);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : boost::json::value();
}

std::string At(const boost::json::value& root, std::initializer_list<std::string_view> path) {
  const auto* value = common::FindPath(root, path);
  if (value == nullptr) return "<absent>";
  if (const auto* s = value->if_string()) return std::string(*s);
  return common::ToJson(*value);
}

UserInfo User(std::string name, std::vector<std::string> groups = {"system:authenticated"}) {
  return UserInfo{std::move(name), "", std::move(groups)};
}

AuthorizationAttributes Attrs(std::string verb, std::string group, std::string resource, std::string ns,
                              std::string name = "", std::string subresource = "") {
  AuthorizationAttributes a;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.namespace_name = std::move(ns);
  a.name = std::move(name);
  a.subresource = std::move(subresource);
  return a;
}

AuthorizationPolicy MustParsePolicy(std::string_view text) {
  auto policy = ParseAuthorizationPolicy(text);
  EXPECT_TRUE(policy) << (policy ? "" : policy.error().message);
  return policy ? *policy : AuthorizationPolicy{};
}

// ---- Authenticator ------------------------------------------------------------------------

TEST(AuthenticatorTest, AdminTokenIsRandomAndMapsToKubesimAdmin) {
  Authenticator a;
  Authenticator b;
  EXPECT_GE(a.admin_token().size(), 40u);
  EXPECT_NE(a.admin_token(), b.admin_token());
  EXPECT_EQ(a.admin_token().find_first_of("+/="), std::string::npos);

  auto user = a.Authenticate(a.admin_token(), std::nullopt);
  ASSERT_TRUE(IsOk(user));
  EXPECT_EQ(std::get<UserInfo>(user).username, "kubesim-admin");
  EXPECT_EQ(std::get<UserInfo>(user).groups,
            (std::vector<std::string>{"system:masters", "system:authenticated"}));
}

TEST(AuthenticatorTest, RejectsUnknownEmptyAndMissingTokensWith401) {
  Authenticator a("fixed-admin-token");
  for (auto token : {std::optional<std::string_view>("wrong"), std::optional<std::string_view>(""),
                     std::optional<std::string_view>("fixed-admin-toke"), std::optional<std::string_view>()}) {
    auto user = a.Authenticate(token, std::nullopt);
    ASSERT_FALSE(IsOk(user));
    const auto& status = std::get<ApiStatus>(user);
    EXPECT_EQ(status.code, 401);
    EXPECT_EQ(status.reason, "Unauthorized");
    EXPECT_EQ(status.message, "Unauthorized");
  }
  EXPECT_TRUE(IsOk(a.Authenticate("fixed-admin-token", std::nullopt)));
}

TEST(AuthenticatorTest, AddedTokensAuthenticateAndGainSystemAuthenticated) {
  Authenticator a;
  ASSERT_TRUE(a.AddToken("alice-token", UserInfo{"alice", "uid-1", {"dev"}}));
  auto user = a.Authenticate("alice-token", std::nullopt);
  ASSERT_TRUE(IsOk(user));
  EXPECT_EQ(std::get<UserInfo>(user), (UserInfo{"alice", "uid-1", {"dev", "system:authenticated"}}));

  // Re-registering a token replaces its user.
  ASSERT_TRUE(a.AddToken("alice-token", UserInfo{"alice2", "", {}}));
  EXPECT_EQ(std::get<UserInfo>(a.Authenticate("alice-token", std::nullopt)).username, "alice2");

  EXPECT_EQ(a.AddToken("", User("x")).error().code, ErrorCode::kInvalid);
  EXPECT_EQ(a.AddToken("t", User("")).error().code, ErrorCode::kInvalid);
}

TEST(AuthenticatorTest, ClientCertificateIdentityWins) {
  Authenticator a;
  auto user = a.Authenticate("not-a-token", CertificateSubject{"bob", {"ops", "system:masters"}});
  ASSERT_TRUE(IsOk(user));
  EXPECT_EQ(std::get<UserInfo>(user),
            (UserInfo{"bob", "", {"ops", "system:masters", "system:authenticated"}}));

  // A subject without CN identifies nobody; the token is then used.
  auto fallback = a.Authenticate(a.admin_token(), CertificateSubject{"", {"ops"}});
  ASSERT_TRUE(IsOk(fallback));
  EXPECT_EQ(std::get<UserInfo>(fallback).username, "kubesim-admin");
  EXPECT_FALSE(IsOk(a.Authenticate(std::nullopt, CertificateSubject{"", {"ops"}})));
}

// ---- Authorizer ---------------------------------------------------------------------------

TEST(AuthorizerTest, AllowAllByDefault) {
  Authorizer authorizer;
  EXPECT_FALSE(authorizer.Authorize(User("anyone"), Attrs("delete", "", "nodes", "", "n1")));
  AuthorizationAttributes healthz;
  healthz.resource_request = false;
  healthz.verb = "get";
  healthz.path = "/healthz";
  EXPECT_FALSE(authorizer.Authorize(User("anyone"), healthz));
}

TEST(AuthorizerTest, RulesModeDeniesWhatNoRuleAllows) {
  Authorizer authorizer(MustParsePolicy("rules: []"));
  auto denied = authorizer.Authorize(User("alice"), Attrs("list", "", "pods", "default"));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->code, 403);
  EXPECT_EQ(denied->reason, "Forbidden");
  EXPECT_EQ(denied->message,
            R"(pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default")");
}

TEST(AuthorizerTest, SystemMastersAreAlwaysAllowed) {
  Authorizer authorizer(MustParsePolicy("mode: Rules"));
  EXPECT_FALSE(authorizer.Authorize(User("root", {"system:masters"}), Attrs("deletecollection", "apps", "deployments", "x")));
  AuthorizationAttributes metrics;
  metrics.resource_request = false;
  metrics.verb = "get";
  metrics.path = "/metrics";
  EXPECT_FALSE(authorizer.Authorize(User("root", {"system:masters"}), metrics));
}

TEST(AuthorizerTest, RulesMatchVerbsGroupsResourcesAndNamespaces) {
  Authorizer authorizer(MustParsePolicy(R"(
rules:
- name: dev-reads-pods
  groups: [dev]
  verbs: [get, list, watch]
  apiGroups: [""]
  resources: [pods, pods/log]
  namespaces: [default, team-a]
- users: [alice]
  verbs: ["*"]
  apiGroups: [apps]
  resources: [deployments]
- users: [scaler]
  verbs: [update]
  apiGroups: ["*"]
  resources: ["*/scale"]
- users: [viewer]
  verbs: [get]
  apiGroups: ["*"]
  resources: ["*"]
  resourceNames: [web-0]
)"));
  const UserInfo dev = User("carol", {"dev", "system:authenticated"});
  EXPECT_FALSE(authorizer.Authorize(dev, Attrs("list", "", "pods", "default")));
  EXPECT_FALSE(authorizer.Authorize(dev, Attrs("get", "", "pods", "team-a", "x", "log")));
  EXPECT_TRUE(authorizer.Authorize(dev, Attrs("delete", "", "pods", "default", "x")));       // verb
  EXPECT_TRUE(authorizer.Authorize(dev, Attrs("list", "", "pods", "kube-system")));          // namespace
  EXPECT_TRUE(authorizer.Authorize(dev, Attrs("list", "", "pods", "")));                     // cluster-wide
  EXPECT_TRUE(authorizer.Authorize(dev, Attrs("get", "", "pods", "default", "x", "exec")));  // subresource
  EXPECT_TRUE(authorizer.Authorize(dev, Attrs("list", "apps", "pods", "default")));          // group
  EXPECT_TRUE(authorizer.Authorize(User("dave"), Attrs("list", "", "pods", "default")));     // subject

  const UserInfo alice = User("alice");
  EXPECT_FALSE(authorizer.Authorize(alice, Attrs("deletecollection", "apps", "deployments", "any")));
  EXPECT_FALSE(authorizer.Authorize(alice, Attrs("create", "apps", "deployments", "")));
  EXPECT_TRUE(authorizer.Authorize(alice, Attrs("get", "apps", "deployments", "x", "d", "scale")));
  EXPECT_TRUE(authorizer.Authorize(alice, Attrs("get", "apps", "statefulsets", "x")));

  const UserInfo scaler = User("scaler");
  EXPECT_FALSE(authorizer.Authorize(scaler, Attrs("update", "apps", "deployments", "x", "d", "scale")));
  EXPECT_FALSE(authorizer.Authorize(scaler, Attrs("update", "kaito.sh", "workspaces", "x", "w", "scale")));
  EXPECT_TRUE(authorizer.Authorize(scaler, Attrs("update", "apps", "deployments", "x", "d")));

  const UserInfo viewer = User("viewer");
  EXPECT_FALSE(authorizer.Authorize(viewer, Attrs("get", "", "pods", "x", "web-0")));
  EXPECT_TRUE(authorizer.Authorize(viewer, Attrs("get", "", "pods", "x", "web-1")));
  EXPECT_TRUE(authorizer.Authorize(viewer, Attrs("get", "", "pods", "x", "")));
}

TEST(AuthorizerTest, NonResourceUrlsMatchExactlyOrByPrefix) {
  Authorizer authorizer(MustParsePolicy(R"(
rules:
- groups: [system:authenticated]
  verbs: [get]
  nonResourceURLs: [/healthz, "/apis/*"]
)"));
  auto path = [](std::string verb, std::string p) {
    AuthorizationAttributes a;
    a.resource_request = false;
    a.verb = std::move(verb);
    a.path = std::move(p);
    return a;
  };
  EXPECT_FALSE(authorizer.Authorize(User("u"), path("get", "/healthz")));
  EXPECT_FALSE(authorizer.Authorize(User("u"), path("get", "/apis/apps/v1")));
  EXPECT_TRUE(authorizer.Authorize(User("u"), path("post", "/healthz")));
  auto denied = authorizer.Authorize(User("u"), path("get", "/metrics"));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->message, R"(forbidden: User "u" cannot get path "/metrics")");
  // A non-resource rule never grants resources.
  EXPECT_TRUE(authorizer.Authorize(User("u"), Attrs("get", "", "pods", "default")));
}

TEST(AuthorizerTest, ForbiddenMessagesMatchTheApiserver) {
  Authorizer authorizer(MustParsePolicy("mode: Rules"));
  const UserInfo alice = User("alice");
  auto named = authorizer.Authorize(alice, Attrs("get", "", "pods", "default", "x"));
  ASSERT_TRUE(named);
  EXPECT_EQ(named->message,
            R"(pods "x" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default")");
  EXPECT_EQ(named->name, "x");
  EXPECT_EQ(named->kind, "pods");

  auto cluster = authorizer.Authorize(alice, Attrs("list", "", "nodes", ""));
  ASSERT_TRUE(cluster);
  EXPECT_EQ(cluster->message,
            R"(nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope)");

  auto grouped = authorizer.Authorize(alice, Attrs("create", "kaito.sh", "workspaces", "ml"));
  ASSERT_TRUE(grouped);
  EXPECT_EQ(grouped->message,
            R"(workspaces.kaito.sh is forbidden: User "alice" cannot create resource "workspaces" in API group "kaito.sh" in the namespace "ml")");
  EXPECT_EQ(grouped->group, "kaito.sh");

  auto logs = authorizer.Authorize(alice, Attrs("get", "", "pods", "default", "web-0", "log"));
  ASSERT_TRUE(logs);
  EXPECT_EQ(logs->message,
            R"(pods "web-0" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default")");
  EXPECT_EQ(logs->kind, "pods");

  // Matches api_status.h's Forbidden() for the plain case, and serialises as a Status.
  EXPECT_EQ(named->message, Forbidden("alice", "get", "pods", "", "x", "default").message);
  boost::json::object json = named->ToJson();
  EXPECT_EQ(json["code"].as_int64(), 403);
  EXPECT_EQ(json["reason"].as_string(), "Forbidden");
}

TEST(AuthorizerTest, ForbiddenMessageEscapesHtml) {
  auto status = ForbiddenStatus(User("<script>&"), Attrs("get", "", "pods", "default"));
  EXPECT_EQ(status.message,
            R"(pods is forbidden: User "&lt;script&gt;&amp;" cannot get resource "pods" in API group "" in the namespace "default")");
}

TEST(AuthorizerTest, SetPolicySwitchesModes) {
  Authorizer authorizer;
  EXPECT_FALSE(authorizer.Authorize(User("a"), Attrs("get", "", "pods", "d")));
  authorizer.SetPolicy(MustParsePolicy(R"({"mode":"Rules","rules":[]})"));
  EXPECT_TRUE(authorizer.Authorize(User("a"), Attrs("get", "", "pods", "d")));
  authorizer.SetPolicy(MustParsePolicy("mode: AllowAll"));
  EXPECT_FALSE(authorizer.Authorize(User("a"), Attrs("get", "", "pods", "d")));
}

// ---- Policy parsing -----------------------------------------------------------------------

TEST(AuthorizationPolicyTest, JsonAndYamlDescribeTheSamePolicy) {
  auto from_json = ParseAuthorizationPolicy(
      R"({"rules":[{"name":"r","users":["alice"],"verbs":["get"],"apiGroups":[""],"resources":["pods"],"namespaces":["default"]}]})");
  auto from_yaml = ParseAuthorizationPolicy(R"(
rules:
- name: r
  users: [alice]
  verbs: [get]
  apiGroups: [""]
  resources: [pods]
  namespaces: [default]
)");
  ASSERT_TRUE(from_json && from_yaml);
  for (const auto* policy : {&*from_json, &*from_yaml}) {
    EXPECT_FALSE(policy->allow_all);
    ASSERT_EQ(policy->rules.size(), 1u);
    EXPECT_EQ(policy->rules[0].name, "r");
    EXPECT_EQ(policy->rules[0].api_groups, (std::vector<std::string>{""}));
    EXPECT_EQ(policy->rules[0].namespaces, (std::vector<std::string>{"default"}));
  }
  auto value = AuthorizationPolicyFromJson(Json(R"({"mode":"AllowAll"})"));
  ASSERT_TRUE(value);
  EXPECT_TRUE(value->allow_all);
  auto empty = ParseAuthorizationPolicy("{}");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->allow_all);
}

TEST(AuthorizationPolicyTest, BadDocumentsSayWhere) {
  auto message = [](std::string_view text) {
    auto policy = ParseAuthorizationPolicy(text);
    EXPECT_FALSE(policy);
    if (policy) return std::string();
    EXPECT_EQ(policy.error().code, ErrorCode::kInvalid);
    return policy.error().message;
  };
  EXPECT_NE(message("rules:\n- users: [a]\n  verbs: [get]\n  apiGroups: ['']\n  resources: [pods]\n  namespace: [x]\n")
                .find("rules[0]: unknown key \"namespace\""),
            std::string::npos);
  EXPECT_NE(message("rules:\n- users: [a]\n  apiGroups: ['']\n  resources: [pods]\n").find("rules[0].verbs: required"),
            std::string::npos);
  EXPECT_NE(message("rules:\n- verbs: [get]\n  apiGroups: ['']\n  resources: [pods]\n").find("users or groups"),
            std::string::npos);
  EXPECT_NE(message("rules:\n- users: [a]\n  verbs: [get]\n  resources: [pods]\n").find("apiGroups: required"),
            std::string::npos);
  EXPECT_NE(message("rules:\n- users: a\n  verbs: [get]\n  nonResourceURLs: ['*']\n").find("rules[0].users: must be a list"),
            std::string::npos);
  EXPECT_NE(message("mode: Open").find("mode"), std::string::npos);
  EXPECT_NE(message("rules: [unclosed").find("malformed YAML at line"), std::string::npos);
  EXPECT_NE(message("- a\n- b\n").find("must be a mapping"), std::string::npos);
}

// ---- Reviews ------------------------------------------------------------------------------

TEST(TokenReviewTest, AuthenticatedTokenReturnsUser) {
  Authenticator authenticator;
  ASSERT_TRUE(authenticator.AddToken("alice-token", UserInfo{"alice", "u-1", {"dev"}}));
  boost::json::object request = {{"apiVersion", "authentication.k8s.io/v1"},
                                 {"kind", "TokenReview"},
                                 {"spec", {{"token", "alice-token"}, {"audiences", {"api"}}}}};
  auto response = HandleTokenReview(authenticator, request);
  ASSERT_TRUE(IsOk(response));
  const boost::json::value body = std::get<boost::json::object>(response);
  EXPECT_EQ(At(body, {"kind"}), "TokenReview");
  EXPECT_EQ(At(body, {"apiVersion"}), "authentication.k8s.io/v1");
  EXPECT_EQ(At(body, {"status", "authenticated"}), "true");
  EXPECT_EQ(At(body, {"status", "user", "username"}), "alice");
  EXPECT_EQ(At(body, {"status", "user", "uid"}), "u-1");
  EXPECT_EQ(At(body, {"status", "user", "groups"}), R"(["dev","system:authenticated"])");
  EXPECT_EQ(At(body, {"status", "audiences"}), R"(["api"])");
  EXPECT_EQ(At(body, {"spec", "token"}), "<absent>");
  EXPECT_EQ(common::ToJson(body).find("alice-token"), std::string::npos);
}

TEST(TokenReviewTest, UnknownTokenIsNotAuthenticated) {
  Authenticator authenticator;
  auto response = HandleTokenReview(authenticator, Json(R"({"kind":"TokenReview","spec":{"token":"nope"}})"));
  ASSERT_TRUE(IsOk(response));
  const boost::json::value body = std::get<boost::json::object>(response);
  EXPECT_EQ(At(body, {"status", "authenticated"}), "false");
  EXPECT_EQ(At(body, {"status", "error"}), "invalid bearer token");
  EXPECT_EQ(At(body, {"status", "user"}), "{}");
}

TEST(TokenReviewTest, MissingTokenIsBadRequest) {
  Authenticator authenticator;
  auto response = HandleTokenReview(authenticator, Json(R"({"kind":"TokenReview","spec":{}})"));
  ASSERT_FALSE(IsOk(response));
  EXPECT_EQ(std::get<ApiStatus>(response).code, 400);
  EXPECT_EQ(std::get<ApiStatus>(response).message, "token is required for TokenReview in authentication");
}

TEST(SelfSubjectReviewTest, ReturnsTheCallersUserInfo) {
  boost::json::object body = HandleSelfSubjectReview(
      UserInfo{"kubesim-admin", "", {"system:masters", "system:authenticated"}},
      Json(R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview","metadata":{"creationTimestamp":null}})"));
  const boost::json::value v = body;
  EXPECT_EQ(At(v, {"kind"}), "SelfSubjectReview");
  EXPECT_EQ(At(v, {"apiVersion"}), "authentication.k8s.io/v1");
  EXPECT_EQ(At(v, {"status", "userInfo", "username"}), "kubesim-admin");
  EXPECT_EQ(At(v, {"status", "userInfo", "groups"}), R"(["system:masters","system:authenticated"])");
  EXPECT_EQ(At(v, {"status", "userInfo", "uid"}), "<absent>");
  EXPECT_EQ(At(v, {"metadata", "creationTimestamp"}).size(), 20u);

  boost::json::value beta = HandleSelfSubjectReview(User("a"), Json(R"({"apiVersion":"authentication.k8s.io/v1beta1"})"));
  EXPECT_EQ(At(beta, {"apiVersion"}), "authentication.k8s.io/v1beta1");
}

TEST(AccessReviewTest, SelfSubjectAccessReviewAsKubectlAuthCanISendsIt) {
  Authorizer authorizer(MustParsePolicy(R"(
rules:
- name: dev-reads-pods
  groups: [dev]
  verbs: [get, list]
  apiGroups: [""]
  resources: [pods]
)"));
  const UserInfo dev = User("carol", {"dev", "system:authenticated"});
  const auto request = Json(R"({"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1",
      "metadata":{"creationTimestamp":null},
      "spec":{"resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}},"status":{"allowed":false}})");
  auto allowed = HandleSelfSubjectAccessReview(authorizer, dev, request);
  ASSERT_TRUE(IsOk(allowed));
  const boost::json::value body = std::get<boost::json::object>(allowed);
  EXPECT_EQ(At(body, {"kind"}), "SelfSubjectAccessReview");
  EXPECT_EQ(At(body, {"apiVersion"}), "authorization.k8s.io/v1");
  EXPECT_EQ(At(body, {"spec", "resourceAttributes", "verb"}), "list");
  EXPECT_EQ(At(body, {"status", "allowed"}), "true");
  EXPECT_EQ(At(body, {"status", "reason"}), R"(kubesim: allowed by rule "dev-reads-pods")");

  auto denied = HandleSelfSubjectAccessReview(
      authorizer, dev, Json(R"({"spec":{"resourceAttributes":{"namespace":"default","verb":"delete","resource":"pods"}}})"));
  ASSERT_TRUE(IsOk(denied));
  const boost::json::value no = std::get<boost::json::object>(denied);
  EXPECT_EQ(At(no, {"status", "allowed"}), "false");
  EXPECT_EQ(At(no, {"status", "reason"}), "<absent>");
  EXPECT_EQ(At(no, {"status", "denied"}), "<absent>");
  EXPECT_EQ(At(no, {"apiVersion"}), "authorization.k8s.io/v1");
}

TEST(AccessReviewTest, NonResourceAttributesAllowedForMastersOnly) {
  Authorizer authorizer(MustParsePolicy("mode: Rules"));
  const auto request = Json(R"({"spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"}}})");
  auto admin = HandleSelfSubjectAccessReview(authorizer, User("root", {"system:masters"}), request);
  ASSERT_TRUE(IsOk(admin));
  EXPECT_EQ(At(std::get<boost::json::object>(admin), {"status", "allowed"}), "true");
  auto other = HandleSelfSubjectAccessReview(authorizer, User("bob"), request);
  ASSERT_TRUE(IsOk(other));
  EXPECT_EQ(At(std::get<boost::json::object>(other), {"status", "allowed"}), "false");
}

TEST(AccessReviewTest, SpecNeedsExactlyOneKindOfAttributes) {
  Authorizer authorizer;
  auto none = HandleSelfSubjectAccessReview(authorizer, User("a"), Json(R"({"spec":{}})"));
  ASSERT_FALSE(IsOk(none));
  EXPECT_EQ(std::get<ApiStatus>(none).code, 422);
  EXPECT_EQ(std::get<ApiStatus>(none).message,
            "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: "
            "\"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified");
  auto both = HandleSelfSubjectAccessReview(
      authorizer, User("a"), Json(R"({"spec":{"resourceAttributes":{},"nonResourceAttributes":{}}})"));
  ASSERT_FALSE(IsOk(both));
  EXPECT_EQ(std::get<ApiStatus>(both).code, 422);
  auto not_object = HandleSelfSubjectAccessReview(authorizer, User("a"), Json("[]"));
  ASSERT_FALSE(IsOk(not_object));
  EXPECT_EQ(std::get<ApiStatus>(not_object).code, 400);
}

TEST(AccessReviewTest, SubjectAccessReviewChecksTheNamedSubject) {
  Authorizer authorizer(MustParsePolicy(R"(
rules:
- users: [alice]
  verbs: [get]
  apiGroups: [""]
  resources: [pods/log]
  namespaces: [default]
)"));
  auto alice = HandleSubjectAccessReview(authorizer, Json(R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",
      "spec":{"user":"alice","groups":["system:authenticated"],
              "resourceAttributes":{"namespace":"default","verb":"get","resource":"pods","subresource":"log","name":"p"}}})"));
  ASSERT_TRUE(IsOk(alice));
  const boost::json::value body = std::get<boost::json::object>(alice);
  EXPECT_EQ(At(body, {"kind"}), "SubjectAccessReview");
  EXPECT_EQ(At(body, {"spec", "user"}), "alice");
  EXPECT_EQ(At(body, {"status", "allowed"}), "true");

  auto masters = HandleSubjectAccessReview(authorizer, Json(R"({"spec":{"groups":["system:masters"],
      "resourceAttributes":{"verb":"delete","resource":"nodes"}}})"));
  ASSERT_TRUE(IsOk(masters));
  EXPECT_EQ(At(std::get<boost::json::object>(masters), {"status", "allowed"}), "true");

  auto bob = HandleSubjectAccessReview(authorizer, Json(R"({"spec":{"user":"bob",
      "resourceAttributes":{"namespace":"default","verb":"get","resource":"pods","subresource":"log"}}})"));
  ASSERT_TRUE(IsOk(bob));
  EXPECT_EQ(At(std::get<boost::json::object>(bob), {"status", "allowed"}), "false");

  auto nobody = HandleSubjectAccessReview(authorizer, Json(R"({"spec":{"resourceAttributes":{"verb":"get"}}})"));
  ASSERT_FALSE(IsOk(nobody));
  EXPECT_EQ(std::get<ApiStatus>(nobody).code, 422);
  EXPECT_NE(std::get<ApiStatus>(nobody).message.find("at least one of user or group must be specified"),
            std::string::npos);
}

}  // namespace
}  // namespace airunway::kubesim
