// HfTokenSecrets against kubesim over HTTPS: namespaces that do not exist yet, replacing an
// existing token, a partial failure (RBAC forbids two namespaces), delete and status.
#include "services/secrets/hf_token_secrets.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "kube/encoding.h"
#include "kube/kubesim_fixture.h"
#include "kubesim/auth.h"

namespace airunway::secrets {
namespace {

using kube::testing::KubesimTest;

constexpr std::string_view kGoodToken = "hf_good_token_123";

common::Result<boost::json::object> FakeValidator(std::string_view token) {
  if (token == kGoodToken || token == "hf_second_token") {
    return boost::json::object{{"id", "u1"}, {"name", "ada"}, {"fullname", "Ada Lovelace"}};
  }
  return common::MakeError(common::ErrorCode::kUnauthorized, "HuggingFace rejected the token (401).");
}

class HfTokenSecretsTest : public KubesimTest {
 protected:
  std::string StoredToken(const std::string& ns) {
    auto secret = client_->Get(kube::kSecrets, ns, kSecretName);
    if (!secret) return "<missing>";
    auto decoded = kube::Base64Decode(kube::testing::Str(*secret, {"data", "HF_TOKEN"}));
    return decoded.value_or("<undecodable>");
  }
};

TEST_F(HfTokenSecretsTest, SaveCreatesMissingNamespacesAndSecrets) {
  HfTokenSecrets secrets(client_, FakeValidator);
  ASSERT_FALSE(client_->Get(kube::kNamespaces, "", "ray-system"));  // does not exist yet
  auto outcome = secrets.Save(kGoodToken);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_TRUE(outcome->AllSucceeded()) << outcome->FailureSummary();
  EXPECT_EQ(outcome->user.at("name"), "ada");
  ASSERT_EQ(outcome->results.size(), 5u);
  EXPECT_EQ(outcome->results[1].ns, "ray-system");
  for (const auto& ns : DefaultNamespaces()) {
    EXPECT_TRUE(client_->Get(kube::kNamespaces, "", ns)) << ns;
    EXPECT_EQ(StoredToken(ns), kGoodToken) << ns;
  }
  auto secret = client_->Get(kube::kSecrets, "default", kSecretName);
  ASSERT_TRUE(secret);
  EXPECT_EQ(kube::testing::Str(*secret, {"type"}), "Opaque");
  EXPECT_EQ(kube::testing::Str(*secret, {"metadata", "labels", "app.kubernetes.io/managed-by"}), "airunway");
  EXPECT_EQ(kube::testing::Str(*secret, {"metadata", "labels", "airunway.ai/secret-type"}), "huggingface-token");
}

TEST_F(HfTokenSecretsTest, SaveReplacesAnExistingToken) {
  HfTokenSecrets secrets(client_, FakeValidator);
  ASSERT_TRUE(secrets.Save(kGoodToken));
  auto again = secrets.Save("hf_second_token");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->AllSucceeded()) << again->FailureSummary();
  EXPECT_EQ(StoredToken("kaito-workspace"), "hf_second_token");
}

TEST_F(HfTokenSecretsTest, AnInvalidTokenIsRejectedBeforeTheClusterIsTouched) {
  HfTokenSecrets secrets(client_, FakeValidator);
  auto outcome = secrets.Save("hf_bad");
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, common::ErrorCode::kBadRequest);
  EXPECT_EQ(outcome.error().message, "Invalid HuggingFace token: HuggingFace rejected the token (401).");
  EXPECT_FALSE(client_->Get(kube::kNamespaces, "", "dynamo-system"));
}

TEST_F(HfTokenSecretsTest, APartialFailureSaysWhichNamespacesFailedAndWhy) {
  auto policy = kubesim::ParseAuthorizationPolicy(R"(
mode: Rules
rules:
- users: [airunway]
  verbs: [get, create]
  apiGroups: [""]
  resources: [namespaces]
- users: [airunway]
  verbs: [get, create, update, delete]
  apiGroups: [""]
  resources: [secrets]
  namespaces: [dynamo-system, kaito-workspace, default]
)");
  ASSERT_TRUE(policy) << policy.error().message;
  sim_.authorizer().SetPolicy(*policy);
  ASSERT_TRUE(sim_.authenticator().AddToken("airunway-token", kubesim::UserInfo{"airunway", {"system:authenticated"}}).ok());
  auto limited = std::make_shared<kube::Client>(kube::testing::MustConfig(sim_.KubeconfigForToken("airunway-token")),
                                                Options());
  HfTokenSecrets secrets(limited, FakeValidator);
  auto outcome = secrets.Save(kGoodToken);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_FALSE(outcome->AllSucceeded());
  std::vector<std::string> ok, failed;
  for (const auto& result : outcome->results) (result.success ? ok : failed).push_back(result.ns);
  EXPECT_EQ(ok, (std::vector<std::string>{"dynamo-system", "kaito-workspace", "default"}));
  EXPECT_EQ(failed, (std::vector<std::string>{"ray-system", "kuberay-system"}));
  auto summary = outcome->FailureSummary();
  EXPECT_NE(summary.find("ray-system (Failed to save the secret:"), std::string::npos) << summary;
  EXPECT_NE(summary.find("forbidden"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(kGoodToken), std::string::npos);
  EXPECT_EQ(outcome->results[1].ToJson().at("success"), false);
  EXPECT_TRUE(outcome->results[1].ToJson().contains("error"));
  EXPECT_FALSE(outcome->results[0].ToJson().contains("error"));
}

TEST_F(HfTokenSecretsTest, StatusReportsWhereTheSecretIsAndWhoseTokenItIs) {
  HfTokenSecrets secrets(client_, FakeValidator);
  auto before = secrets.Status();
  ASSERT_TRUE(before) << before.error().message;
  EXPECT_EQ(before->at("configured"), false);
  EXPECT_EQ(before->at("namespaces").as_array().size(), 5u);
  EXPECT_FALSE(before->contains("user"));

  ASSERT_TRUE(secrets.Save(kGoodToken));
  auto after = secrets.Status();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->at("configured"), true);
  for (const auto& ns : after->at("namespaces").as_array()) EXPECT_EQ(ns.at("exists"), true) << ns;
  EXPECT_EQ(after->at("user").at("name"), "ada");
}

TEST_F(HfTokenSecretsTest, DeleteRemovesEverywhereAndAbsentCountsAsDone) {
  HfTokenSecrets secrets(client_, FakeValidator);
  ASSERT_TRUE(secrets.Save(kGoodToken));
  ASSERT_TRUE(client_->Delete(kube::kSecrets, "ray-system", kSecretName));
  auto results = secrets.Delete();
  ASSERT_EQ(results.size(), 5u);
  for (const auto& result : results) EXPECT_TRUE(result.success) << result.ns << ": " << result.error;
  auto status = secrets.Status();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->at("configured"), false);
}

}  // namespace
}  // namespace airunway::secrets
