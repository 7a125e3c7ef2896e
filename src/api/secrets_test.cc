// The secrets routes in-process against kubesim (HTTPS) and the FakeHub.
#include "api/secrets.h"

#include <gtest/gtest.h>

#include "api/models_area_fixture.h"
#include "kube/kubesim_fixture.h"
#include "kubesim/auth.h"

namespace airunway::api {
namespace {

using testing::Body;
using testing::ErrorMessage;
namespace fake = huggingface::testing;

class SecretsRoutesTest : public kube::testing::KubesimTest {
 protected:
  void StartArea(std::shared_ptr<kube::Client> client) { area_.Start(std::move(client)); }
  std::string SaveBody(std::string_view token) { return "{\"accessToken\":\"" + std::string(token) + "\"}"; }
  testing::ModelsAreaServer area_;
};

TEST_F(SecretsRoutesTest, SaveStatusDeleteRoundTrip) {
  StartArea(client_);
  auto before = area_.Get("/api/secrets/huggingface/status");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(Body(before).at("configured"), false);

  auto saved = area_.Send("POST", "/api/secrets/huggingface", SaveBody(fake::kValidToken));
  ASSERT_EQ(saved.status, 200) << saved.body;
  auto body = Body(saved);
  EXPECT_EQ(body.at("success"), true);
  EXPECT_EQ(body.at("message"), "HuggingFace token saved successfully");
  EXPECT_EQ(body.at("user").at("name"), "ada");
  ASSERT_EQ(body.at("results").as_array().size(), 5u);
  EXPECT_EQ(body.at("results").at(1).at("namespace"), "ray-system");
  EXPECT_EQ(saved.body.find(fake::kValidToken), std::string::npos);
  // The namespaces did not exist before; they do now, with the secret.
  EXPECT_TRUE(client_->Get(kube::kSecrets, "kuberay-system", "hf-token-secret"));

  auto status = area_.Get("/api/secrets/huggingface/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(Body(status).at("configured"), true);
  EXPECT_EQ(Body(status).at("user").at("fullname"), "Ada Lovelace");

  auto deleted = area_.Send("DELETE", "/api/secrets/huggingface", "");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Body(deleted).at("success"), true);
  EXPECT_EQ(Body(deleted).at("message"), "HuggingFace secrets deleted successfully");
  EXPECT_EQ(Body(area_.Get("/api/secrets/huggingface/status")).at("configured"), false);
}

TEST_F(SecretsRoutesTest, AnInvalidTokenIs400AndAnEmptyBodyNamesTheField) {
  StartArea(client_);
  auto invalid = area_.Send("POST", "/api/secrets/huggingface", SaveBody("hf_nope"));
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(ErrorMessage(invalid).rfind("Invalid HuggingFace token: ", 0), 0u) << invalid.body;
  auto empty = area_.Send("POST", "/api/secrets/huggingface", "{}");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(ErrorMessage(empty), "accessToken: is required and must be a string");
}

TEST_F(SecretsRoutesTest, APartialFailureListsTheNamespacesThatFailed) {
  auto policy = kubesim::ParseAuthorizationPolicy(R"(
rules:
- users: [airunway]
  verbs: [get, create]
  apiGroups: [""]
  resources: [namespaces]
- users: [airunway]
  verbs: ["*"]
  apiGroups: [""]
  resources: [secrets]
  namespaces: [dynamo-system, ray-system, kaito-workspace, default]
)");
  ASSERT_TRUE(policy) << policy.error().message;
  sim_.authorizer().SetPolicy(*policy);
  ASSERT_TRUE(sim_.authenticator().AddToken("airunway-token", kubesim::UserInfo{"airunway", {"system:authenticated"}}).ok());
  StartArea(std::make_shared<kube::Client>(kube::testing::MustConfig(sim_.KubeconfigForToken("airunway-token")),
                                           Options()));
  auto result = area_.Send("POST", "/api/secrets/huggingface", SaveBody(fake::kValidToken));
  EXPECT_EQ(result.status, 500) << result.body;
  auto body = Body(result);
  EXPECT_EQ(body.at("success"), false);
  EXPECT_EQ(body.at("error").at("reason"), "PartialFailure");
  std::string message = ErrorMessage(result);
  EXPECT_NE(message.find("saved in 4 of 5 namespaces"), std::string::npos) << message;
  EXPECT_NE(message.find("kuberay-system ("), std::string::npos) << message;
  EXPECT_EQ(body.at("results").at(2).at("success"), false);
  EXPECT_EQ(body.at("results").at(4).at("success"), true);
}

TEST(SecretsWithoutClusterTest, EveryRouteSaysThereIsNoCluster) {
  testing::ModelsAreaServer area;
  area.Start(nullptr);
  auto status = area.Get("/api/secrets/huggingface/status");
  EXPECT_EQ(status.status, 503);
  EXPECT_NE(ErrorMessage(status).find("No Kubernetes cluster is configured"), std::string::npos);
  EXPECT_EQ(area.Send("POST", "/api/secrets/huggingface", "{\"accessToken\":\"x\"}").status, 503);
  EXPECT_EQ(area.Send("DELETE", "/api/secrets/huggingface", "").status, 503);
}

}  // namespace
}  // namespace airunway::api
