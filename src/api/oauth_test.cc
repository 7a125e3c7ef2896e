// The OAuth routes in-process against the FakeHub.
#include "api/oauth.h"

#include <gtest/gtest.h>

#include "api/models_area_fixture.h"
#include "services/oauth/pkce.h"

namespace airunway::api {
namespace {

using testing::Body;
using testing::ErrorMessage;
namespace fake = huggingface::testing;

class OAuthRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ModelsAreaConfig config;
    config.oauth_client_id = "client-under-test";
    area_.Start(nullptr, config);
  }
  std::string Start() {
    auto result = area_.Send("POST", "/api/oauth/huggingface/start", R"({"redirectUri":"http://localhost:3000/cb"})");
    EXPECT_EQ(result.status, 200) << result.body;
    return std::string(Body(result).at("state").as_string());
  }
  testing::ModelsAreaServer area_;
};

TEST_F(OAuthRoutesTest, ConfigNamesTheClientAndTheAuthorizeUrl) {
  auto result = area_.Get("/api/oauth/huggingface/config");
  ASSERT_EQ(result.status, 200);
  auto body = Body(result);
  EXPECT_EQ(body.at("clientId"), "client-under-test");
  EXPECT_EQ(std::string(body.at("authorizeUrl").as_string()), area_.hub().endpoint() + "/oauth/authorize");
  EXPECT_EQ(body.at("scopes").as_array().size(), 3u);
}

TEST_F(OAuthRoutesTest, StartReturnsAPkceAuthorizationUrlAndAState) {
  auto result = area_.Send("POST", "/api/oauth/huggingface/start", R"({"redirectUri":"http://localhost:3000/cb"})");
  ASSERT_EQ(result.status, 200) << result.body;
  auto body = Body(result);
  std::string url(body.at("authorizationUrl").as_string());
  std::string state(body.at("state").as_string());
  EXPECT_TRUE(oauth::IsUuid(state));
  EXPECT_EQ(url.rfind(area_.hub().endpoint() + "/oauth/authorize?client_id=client-under-test&redirect_uri=http%3A%2F%2F"
                      "localhost%3A3000%2Fcb&scope=openid+profile+read-repos&response_type=code&code_challenge=", 0),
            0u)
      << url;
  EXPECT_NE(url.find("&code_challenge_method=S256&state=" + state), std::string::npos);
  EXPECT_EQ(url.find("code_verifier"), std::string::npos);
}

TEST_F(OAuthRoutesTest, StartRejectsABadRedirectUri) {
  auto result = area_.Send("POST", "/api/oauth/huggingface/start", R"({"redirectUri":"not a url"})");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(ErrorMessage(result), "redirectUri: must be an absolute URL (Redirect URI must be a valid URL)");
  auto empty = area_.Send("POST", "/api/oauth/huggingface/start", "{}");
  EXPECT_EQ(empty.status, 400);
}

TEST_F(OAuthRoutesTest, TheVerifierEndpointIsGone) {
  auto result = area_.Get("/api/oauth/huggingface/verifier/anything");
  EXPECT_EQ(result.status, 410);
  EXPECT_EQ(ErrorMessage(result),
            "This endpoint has been removed for security. Use POST /huggingface/token-with-state instead.");
}

TEST_F(OAuthRoutesTest, TokenWithStateExchangesWithTheStoredVerifier) {
  std::string state = Start();
  auto result = area_.Send("POST", "/api/oauth/huggingface/token-with-state",
                           std::string(R"({"code":")") + fake::kGoodCode + R"(","state":")" + state + "\"}");
  ASSERT_EQ(result.status, 200) << result.body;
  auto body = Body(result);
  EXPECT_EQ(body.at("accessToken"), fake::kOAuthAccessToken);
  EXPECT_EQ(body.at("tokenType"), "Bearer");
  EXPECT_EQ(body.at("expiresIn").as_int64(), 28800);
  EXPECT_EQ(body.at("user").at("name"), "ada");
  EXPECT_NE(area_.hub().last_token_form().find("redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb"), std::string::npos);
  EXPECT_NE(area_.hub().last_token_form().find("client_id=client-under-test"), std::string::npos);
  // The session is used up.
  auto again = area_.Send("POST", "/api/oauth/huggingface/token-with-state",
                          std::string(R"({"code":")") + fake::kGoodCode + R"(","state":")" + state + "\"}");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(ErrorMessage(again), "OAuth session not found or expired");
}

TEST_F(OAuthRoutesTest, AFailedExchangeKeepsTheStateForARetry) {
  std::string state = Start();
  auto failed = area_.Send("POST", "/api/oauth/huggingface/token-with-state",
                           R"({"code":"wrong-code","state":")" + state + "\"}");
  EXPECT_EQ(failed.status, 400) << failed.body;
  EXPECT_NE(ErrorMessage(failed).find("OAuth token exchange failed"), std::string::npos);
  auto retried = area_.Send("POST", "/api/oauth/huggingface/token-with-state",
                            std::string(R"({"code":")") + fake::kGoodCode + R"(","state":")" + state + "\"}");
  EXPECT_EQ(retried.status, 200) << retried.body;
}

TEST_F(OAuthRoutesTest, TokenWithStateValidatesItsBody) {
  auto not_uuid = area_.Send("POST", "/api/oauth/huggingface/token-with-state", R"({"code":"c","state":"nope"})");
  EXPECT_EQ(not_uuid.status, 400);
  EXPECT_EQ(ErrorMessage(not_uuid), "state: must be a UUID");
  auto unknown = area_.Send("POST", "/api/oauth/huggingface/token-with-state",
                            R"({"code":"c","state":"123e4567-e89b-42d3-a456-426614174000"})");
  EXPECT_EQ(unknown.status, 404);
  auto no_code = area_.Send("POST", "/api/oauth/huggingface/token-with-state", R"({"state":"x"})");
  EXPECT_EQ(no_code.status, 400);
  EXPECT_EQ(ErrorMessage(no_code), "code: is required and must be a string");
}

TEST_F(OAuthRoutesTest, TokenWithAClientHeldVerifier) {
  std::string verifier(43, 'v');
  auto ok = area_.Send("POST", "/api/oauth/huggingface/token",
                       std::string(R"({"code":")") + fake::kGoodCode + R"(","codeVerifier":")" + verifier +
                           R"(","redirectUri":"http://localhost:3000/cb"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok).at("user").at("fullname"), "Ada Lovelace");
  auto short_verifier = area_.Send("POST", "/api/oauth/huggingface/token",
                                   R"({"code":"c","codeVerifier":"short","redirectUri":"http://localhost/cb"})");
  EXPECT_EQ(short_verifier.status, 400);
  EXPECT_EQ(ErrorMessage(short_verifier), "codeVerifier: must be at least 43 characters");
  auto bad_code = area_.Send("POST", "/api/oauth/huggingface/token",
                             R"({"code":"bad","codeVerifier":")" + verifier + R"(","redirectUri":"http://localhost/cb"})");
  EXPECT_EQ(bad_code.status, 400);
}

TEST_F(OAuthRoutesTest, AnHfOutageDuringTheExchangeIsABadGateway) {
  std::string state = Start();
  area_.hub().FailNext(1, 503);
  auto result = area_.Send("POST", "/api/oauth/huggingface/token-with-state",
                           std::string(R"({"code":")") + fake::kGoodCode + R"(","state":")" + state + "\"}");
  EXPECT_EQ(result.status, 502) << result.body;
  EXPECT_EQ(area_.hub().Hits("/oauth/token"), 1);  // a code is single-use: not retried
}

}  // namespace
}  // namespace airunway::api
