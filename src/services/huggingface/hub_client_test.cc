// HubClient against the in-process FakeHub: wire format, processing, caching, retries,
// timeouts and how failures read.
#include "services/huggingface/hub_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/logging.h"
#include "services/huggingface/fake_hub.h"

namespace airunway::huggingface {
namespace {

using namespace std::chrono_literals;
using testing::FakeHub;

class HubClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(hub_.Start().ok());
    client_ = std::make_unique<HubClient>(Options());
  }

  HubOptions Options() {
    HubOptions options;
    options.endpoint = hub_.endpoint();
    options.attempt_timeout = 300ms;
    options.connect_timeout = 200ms;
    options.deadline = 1500ms;
    options.max_attempts = 3;
    options.backoff = {std::chrono::milliseconds(10), std::chrono::milliseconds(50)};
    options.clock = [this] { return now_; };
    return options;
  }

  static std::vector<std::string> Ids(const boost::json::object& response) {
    std::vector<std::string> ids;
    for (const auto& model : response.at("models").as_array()) ids.emplace_back(model.at("id").as_string());
    return ids;
  }

  FakeHub hub_{AIRUNWAY_HF_TESTDATA};
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::unique_ptr<HubClient> client_;
};

TEST_F(HubClientTest, AnonymousSearchHidesGatedAndIncompatibleModels) {
  auto response = client_->Search({.query = "llama", .limit = 20, .offset = 0, .token = ""});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(Ids(*response), (std::vector<std::string>{"unsloth/Llama-3.2-1B-Instruct",
                                                      "bartowski/Llama-3.2-3B-Instruct-GGUF",
                                                      "TinyLlama/TinyLlama-1.1B-Chat-v1.0"}));
  EXPECT_EQ(response->at("total").as_int64(), 3);
  EXPECT_EQ(response->at("hasMore"), false);
  EXPECT_EQ(response->at("query"), "llama");
  // Both pipeline tags were asked for, with the Hub's parameters (the fixture checks them).
  EXPECT_EQ(hub_.Hits("/api/models"), 2);
  EXPECT_TRUE(hub_.authorizations().empty());
}

TEST_F(HubClientTest, SearchWithATokenIncludesGatedModelsOnceEach) {
  auto response = client_->Search({.query = "llama", .limit = 20, .offset = 0, .token = testing::kValidToken});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(Ids(*response), (std::vector<std::string>{"meta-llama/Llama-3.1-8B-Instruct",
                                                      "unsloth/Llama-3.2-1B-Instruct",
                                                      "bartowski/Llama-3.2-3B-Instruct-GGUF",
                                                      "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
                                                      "meta-llama/Llama-4-Scout-17B-16E-Instruct"}));
  const auto& first = response->at("models").as_array().at(0).as_object();
  EXPECT_EQ(first.at("gated"), true);
  EXPECT_EQ(first.at("estimatedGpuMemory"), "18GB");
  for (const auto& authorization : hub_.authorizations()) {
    EXPECT_EQ(authorization, std::string("Bearer ") + testing::kValidToken);
  }
  EXPECT_EQ(hub_.authorizations().size(), 2u);
}

TEST_F(HubClientTest, PaginatesAfterFiltering) {
  auto page = client_->Search({.query = "llama", .limit = 2, .offset = 1, .token = testing::kValidToken});
  ASSERT_TRUE(page);
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"unsloth/Llama-3.2-1B-Instruct",
                                                  "bartowski/Llama-3.2-3B-Instruct-GGUF"}));
  EXPECT_EQ(page->at("total").as_int64(), 5);
  EXPECT_EQ(page->at("hasMore"), true);
  // The Hub was asked for limit + offset + 10 per tag.
  for (const auto& target : hub_.targets()) EXPECT_NE(target.find("limit=13"), std::string::npos) << target;
}

TEST_F(HubClientTest, ARepeatedSearchIsServedFromTheCacheUntilItExpires) {
  ASSERT_TRUE(client_->Search({.query = "qwen"}));
  EXPECT_EQ(hub_.Hits("/api/models"), 2);
  auto again = client_->Search({.query = "qwen"});
  ASSERT_TRUE(again);
  EXPECT_EQ(hub_.Hits("/api/models"), 2);
  EXPECT_EQ(Ids(*again), (std::vector<std::string>{"Qwen/Qwen3-8B", "Qwen/Qwen3-30B-A3B"}));
  // Another token is another cache entry: gated results never cross users.
  ASSERT_TRUE(client_->Search({.query = "qwen", .token = testing::kValidToken}));
  EXPECT_EQ(hub_.Hits("/api/models"), 4);
  now_ += 6min;
  ASSERT_TRUE(client_->Search({.query = "qwen"}));
  EXPECT_EQ(hub_.Hits("/api/models"), 6);
}

TEST_F(HubClientTest, RetriesRateLimitsAndServerErrorsThenSucceeds) {
  hub_.FailNext(1, 429);
  hub_.FailNext(1, 503);
  auto response = client_->Search({.query = "qwen"});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->at("total").as_int64(), 2);
  EXPECT_EQ(hub_.Hits("/api/models"), 4);
}

TEST_F(HubClientTest, APersistentOutageIsABadGatewaySayingSo) {
  hub_.FailNext(100, 500);
  auto started = std::chrono::steady_clock::now();
  auto response = client_->Search({.query = "qwen"});
  ASSERT_FALSE(response);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(response.error().code, common::ErrorCode::kBadGateway);
  EXPECT_EQ(response.error().reason, "HuggingFaceUnavailable");
  EXPECT_NE(response.error().message.find("HuggingFace failed the model search with 500"), std::string::npos)
      << response.error().message;
  EXPECT_EQ(hub_.Hits("/api/models"), 6);  // three attempts per tag
}

TEST_F(HubClientTest, AHangingHubTimesOutWithinTheDeadline) {
  hub_.SetHang(true);
  auto started = std::chrono::steady_clock::now();
  auto response = client_->GgufFiles("unsloth/Qwen3-4B-GGUF", "");
  auto took = std::chrono::steady_clock::now() - started;
  hub_.SetHang(false);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, common::ErrorCode::kTimeout);
  EXPECT_NE(response.error().message.find("did not answer the model file list in time"), std::string::npos)
      << response.error().message;
  EXPECT_LT(took, 2500ms);
}

TEST_F(HubClientTest, AnUnreachableHubIsABadGatewayNamingTheEndpoint) {
  HubOptions options = Options();
  hub_.Stop();  // nothing listens on that port any more
  HubClient client(options);
  auto started = std::chrono::steady_clock::now();
  auto user = client.WhoAmI(testing::kValidToken);
  ASSERT_FALSE(user);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(user.error().code, common::ErrorCode::kBadGateway);
  EXPECT_NE(user.error().message.find("Cannot reach HuggingFace at " + options.endpoint), std::string::npos)
      << user.error().message;
}

TEST_F(HubClientTest, ARejectedTokenIsUnauthorizedAndNotRetried) {
  hub_.FailNext(2, 401);
  auto response = client_->Search({.query = "qwen", .token = "hf_wrong"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, common::ErrorCode::kUnauthorized);
  EXPECT_EQ(hub_.Hits("/api/models"), 2);
  EXPECT_EQ(response.error().message.find("hf_wrong"), std::string::npos);
}

TEST_F(HubClientTest, GgufFilesAreSortedAndCached) {
  auto files = client_->GgufFiles("unsloth/Qwen3-4B-GGUF", "");
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(*files, (std::vector<std::string>{"Qwen3-4B-BF16.gguf", "Qwen3-4B-Q4_K_M.gguf", "Qwen3-4B-Q8_0.gguf"}));
  ASSERT_TRUE(client_->GgufFiles("unsloth/Qwen3-4B-GGUF", ""));
  EXPECT_EQ(hub_.Hits("/api/models/unsloth/Qwen3-4B-GGUF"), 1);
  EXPECT_EQ(hub_.targets().at(0), "/api/models/unsloth/Qwen3-4B-GGUF");
}

TEST_F(HubClientTest, GgufFilesOfMissingGatedAndInvalidRepos) {
  auto missing = client_->GgufFiles("nobody/nothing", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::kNotFound);
  auto gated = client_->GgufFiles("meta-llama/Llama-3.1-8B-Instruct", "");
  ASSERT_FALSE(gated);
  EXPECT_EQ(gated.error().code, common::ErrorCode::kNotFound);
  auto with_token = client_->GgufFiles("meta-llama/Llama-3.1-8B-Instruct", testing::kValidToken);
  ASSERT_TRUE(with_token) << with_token.error().message;
  EXPECT_TRUE(with_token->empty());
  auto invalid = client_->GgufFiles("../../etc/passwd", "");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, common::ErrorCode::kBadRequest);
  EXPECT_EQ(hub_.Hits("/api/models/."), 0);
}

TEST_F(HubClientTest, ArchitectureReadsTopLevelAndNestedConfigs) {
  auto llama = client_->Architecture("meta-llama/Meta-Llama-3-70B", "");
  ASSERT_TRUE(llama) << llama.error().message;
  EXPECT_EQ(llama->num_layers, 80);
  EXPECT_EQ(llama->num_kv_heads, 8);
  EXPECT_EQ(llama->head_dim, 128);
  EXPECT_EQ(llama->max_position_embeddings, 8192);
  EXPECT_EQ(llama->torch_dtype, "bfloat16");
  auto gemma = client_->Architecture("google/gemma-3-4b-it", "");
  ASSERT_TRUE(gemma) << gemma.error().message;
  EXPECT_EQ(gemma->num_layers, 34);
  EXPECT_EQ(gemma->head_dim, 256);
  EXPECT_EQ(gemma->torch_dtype, "bfloat16");
  ASSERT_TRUE(client_->Architecture("meta-llama/Meta-Llama-3-70B", ""));
  EXPECT_EQ(hub_.Hits("/meta-llama/Meta-Llama-3-70B/resolve/main/config.json"), 1);
}

TEST_F(HubClientTest, WhoAmIMapsTheUser) {
  auto user = client_->WhoAmI(testing::kValidToken);
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->name, "ada");
  EXPECT_EQ(user->fullname, "Ada Lovelace");
  EXPECT_EQ(user->email, "ada@example.com");
  EXPECT_EQ(user->avatar_url, hub_.endpoint() + "/avatars/ada.svg");
  auto bad = client_->WhoAmI("hf_not_a_token");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, common::ErrorCode::kUnauthorized);
}

TEST_F(HubClientTest, ExchangesACodeAndIsNotRetriedAfterAnAnswer) {
  std::string verifier(43, 'v');
  auto token = client_->ExchangeCode("client-1", testing::kGoodCode, verifier, "http://localhost:3000/cb");
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token->access_token, testing::kOAuthAccessToken);
  EXPECT_EQ(token->expires_in, 28800);
  EXPECT_EQ(hub_.last_token_form(),
            "grant_type=authorization_code&client_id=client-1&code=good-code&redirect_uri=http%3A%2F%2Flocalhost%3A3000"
            "%2Fcb&code_verifier=" + verifier);
  hub_.FailNext(1, 500);
  auto failed = client_->ExchangeCode("client-1", testing::kGoodCode, verifier, "http://localhost:3000/cb");
  ASSERT_FALSE(failed);
  EXPECT_EQ(hub_.Hits("/oauth/token"), 2);
  auto refused = client_->ExchangeCode("client-1", "bad-code", verifier, "http://localhost:3000/cb");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, common::ErrorCode::kBadRequest);
  EXPECT_NE(refused.error().message.find("invalid_grant"), std::string::npos) << refused.error().message;
}

TEST_F(HubClientTest, TheTokenNeverReachesTheLogs) {
  common::InitLogging(common::LogLevel::kTrace);
  ::testing::internal::CaptureStderr();
  (void)client_->Search({.query = "llama", .token = testing::kValidToken});
  hub_.FailNext(1, 503);
  (void)client_->WhoAmI(testing::kValidToken);
  (void)client_->GgufFiles("unsloth/Qwen3-4B-GGUF", testing::kValidToken);
  common::FlushLogs();
  std::string logs = ::testing::internal::GetCapturedStderr();
  common::InitLogging(common::LogLevel::kWarn);
  EXPECT_NE(logs.find("huggingface request"), std::string::npos) << "debug lines were expected";
  EXPECT_EQ(logs.find(testing::kValidToken), std::string::npos) << logs;
}

}  // namespace
}  // namespace airunway::huggingface
