// The models routes in-process against the FakeHub: what a user of the REST API sees.
#include "api/models.h"

#include <gtest/gtest.h>

#include <fstream>

#include "api/models_area_fixture.h"
#include "common/logging.h"

namespace airunway::api {
namespace {

using testing::Body;
using testing::ErrorMessage;
using namespace std::chrono_literals;
namespace fake = huggingface::testing;

class ModelsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { area_.Start(); }
  testing::ModelsAreaServer area_;
};

std::vector<std::string> Ids(const boost::json::value& body) {
  std::vector<std::string> ids;
  for (const auto& model : body.at("models").as_array()) ids.emplace_back(model.at("id").as_string());
  return ids;
}

TEST_F(ModelsRoutesTest, ListsTheCatalog) {
  auto result = area_.Get("/api/models");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.Header("content-type"), "application/json");
  auto models = Body(result).at("models").as_array();
  EXPECT_EQ(models.size(), area_.deps().catalog->size());
  const auto& first = models.at(0).as_object();
  for (const char* field : {"id", "name", "description", "size", "task", "supportedEngines"}) {
    EXPECT_TRUE(first.contains(field)) << field;
  }
}

TEST_F(ModelsRoutesTest, GetsOneModelByAnIdWithASlashEncodedOrNot) {
  auto plain = area_.Get("/api/models/Qwen/Qwen3-0.6B");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(Body(plain).at("id"), "Qwen/Qwen3-0.6B");
  auto encoded = area_.Get("/api/models/Qwen%2FQwen3-0.6B");
  ASSERT_EQ(encoded.status, 200) << encoded.body;
  EXPECT_EQ(Body(encoded).at("name"), Body(plain).at("name"));
  auto missing = area_.Get("/api/models/org/repo/variant");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorMessage(missing), "Model not found");
  EXPECT_EQ(Body(missing).at("error").at("statusCode").as_int64(), 404);
}

TEST_F(ModelsRoutesTest, ACatalogFileReplacesTheBuiltInOne) {
  std::string path = ::testing::TempDir() + "/models-area-catalog.json";
  {
    std::ofstream out(path);
    out << R"({"models":[{"id":"acme/tiny-1B","name":"Tiny","description":"Ours.","size":"1B",
      "task":"text-generation","supportedEngines":["vllm"]}]})";
  }
  testing::ModelsAreaServer custom;
  ModelsAreaConfig config;
  config.catalog_path = path;
  custom.Start(nullptr, config);
  auto result = custom.Get("/api/models");
  ASSERT_EQ(result.status, 200);
  EXPECT_EQ(Ids(Body(result)), std::vector<std::string>{"acme/tiny-1B"});
}

TEST(ModelsAreaDepsTest, ABadCatalogOrEndpointStopsStartUpNamingTheProblem) {
  http::WorkerPool pool(1, 4);
  std::string path = ::testing::TempDir() + "/models-area-bad-catalog.json";
  {
    std::ofstream out(path);
    out << R"({"models":[{"id":"acme/x","name":"X","description":"d","size":"1B","task":"text-generation",
      "supportedEngines":[]}]})";
  }
  ModelsAreaConfig config;
  config.catalog_path = path;
  auto deps = MakeModelsAreaDeps(config, nullptr, pool);
  ASSERT_FALSE(deps);
  EXPECT_NE(deps.error().message.find("models[0] (\"acme/x\"): supportedEngines is required"), std::string::npos)
      << deps.error().message;
  ModelsAreaConfig endpoint;
  endpoint.hf_endpoint = "huggingface.co";
  auto bad = MakeModelsAreaDeps(endpoint, nullptr, pool);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("HF_ENDPOINT \"huggingface.co\""), std::string::npos) << bad.error().message;
}

TEST_F(ModelsRoutesTest, SearchValidatesItsQueryNamingFieldAndRule) {
  struct Case {
    std::string target;
    std::string message;
  } cases[] = {
      {"/api/models/search", "q: must be at least 2 characters (Search query must be at least 2 characters)"},
      {"/api/models/search?q=a", "q: must be at least 2 characters (Search query must be at least 2 characters)"},
      {"/api/models/search?q=llama&limit=0", "limit: must be an integer from 1 to 50"},
      {"/api/models/search?q=llama&limit=51", "limit: must be an integer from 1 to 50"},
      {"/api/models/search?q=llama&limit=abc", "limit: must be an integer from 1 to 50"},
      {"/api/models/search?q=llama&offset=-1", "offset: must be an integer from 0 to 1000"},
      {"/api/models/search?q=llama&q=qwen", "q: must be given once"},
  };
  for (const auto& c : cases) {
    auto result = area_.Get(c.target);
    EXPECT_EQ(result.status, 400) << c.target;
    EXPECT_EQ(ErrorMessage(result), c.message) << c.target;
    EXPECT_EQ(Body(result).at("error").at("reason"), "ValidationFailed");
  }
  EXPECT_EQ(area_.hub().Hits(), 0);
  // parseInt semantics: "5abc" is 5.
  auto lenient = area_.Get("/api/models/search?q=llama&limit=2abc");
  EXPECT_EQ(lenient.status, 200) << lenient.body;
}

TEST_F(ModelsRoutesTest, SearchFiltersEstimatesAndPaginates) {
  auto result = area_.Get("/api/models/search?q=llama&limit=2&offset=0");
  ASSERT_EQ(result.status, 200) << result.body;
  auto body = Body(result);
  EXPECT_EQ(Ids(body), (std::vector<std::string>{"unsloth/Llama-3.2-1B-Instruct",
                                                 "bartowski/Llama-3.2-3B-Instruct-GGUF"}));
  EXPECT_EQ(body.at("total").as_int64(), 3);
  EXPECT_EQ(body.at("hasMore"), true);
  EXPECT_EQ(body.at("query"), "llama");
  const auto& first = body.at("models").at(0).as_object();
  EXPECT_EQ(first.at("parameterCount").as_int64(), 1235814400);
  EXPECT_EQ(first.at("estimatedGpuMemory"), "3GB");
  EXPECT_EQ(first.at("estimatedGpuMemoryGb").as_int64(), 3);
  EXPECT_EQ(first.at("supportedEngines").as_array().size(), 3u);
  const auto& gguf = body.at("models").at(1).as_object();
  EXPECT_EQ(gguf.at("supportedEngines").at(0), "llamacpp");
}

TEST_F(ModelsRoutesTest, SearchWithATokenShowsGatedModelsAndSendsTheTokenOnlyToTheHub) {
  auto result = area_.Get("/api/models/search?q=llama", {{"X-HF-Token", fake::kValidToken}});
  ASSERT_EQ(result.status, 200) << result.body;
  auto body = Body(result);
  EXPECT_EQ(body.at("total").as_int64(), 5);
  EXPECT_EQ(body.at("models").at(0).at("gated"), true);
  EXPECT_EQ(body.at("models").at(0).at("id"), "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(result.body.find(fake::kValidToken), std::string::npos);
  for (const auto& authorization : area_.hub().authorizations()) {
    EXPECT_EQ(authorization, std::string("Bearer ") + fake::kValidToken);
  }
}

TEST_F(ModelsRoutesTest, ARepeatedSearchIsAnsweredFromTheCache) {
  ASSERT_EQ(area_.Get("/api/models/search?q=qwen").status, 200);
  int hits = area_.hub().Hits("/api/models");
  EXPECT_EQ(hits, 2);
  auto again = area_.Get("/api/models/search?q=qwen");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(area_.hub().Hits("/api/models"), hits);
  EXPECT_EQ(Body(again).at("total").as_int64(), 2);
}

TEST_F(ModelsRoutesTest, RateLimitedThenSuccessfulSearchSucceeds) {
  area_.hub().FailNext(2, 429, 0);
  auto result = area_.Get("/api/models/search?q=qwen");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(Body(result).at("total").as_int64(), 2);
}

TEST_F(ModelsRoutesTest, AnHfOutageAnswers502QuicklyWithAMessageAPersonUnderstands) {
  area_.hub().FailNext(100, 500);
  auto started = std::chrono::steady_clock::now();
  auto result = area_.Get("/api/models/search?q=qwen");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(result.status, 502) << result.body;
  EXPECT_EQ(Body(result).at("error").at("reason"), "HuggingFaceUnavailable");
  EXPECT_NE(ErrorMessage(result).find("the Hub may be having an outage. Try again later."), std::string::npos)
      << result.body;
}

TEST_F(ModelsRoutesTest, AHangingHubAnswers504WithinTheDeadline) {
  area_.hub().SetHang(true);
  auto started = std::chrono::steady_clock::now();
  auto result = area_.Get("/api/models/search?q=qwen");
  auto took = std::chrono::steady_clock::now() - started;
  area_.hub().SetHang(false);
  EXPECT_EQ(result.status, 504) << result.body;
  EXPECT_LT(took, 3s);
  EXPECT_NE(ErrorMessage(result).find("did not answer the model search in time"), std::string::npos) << result.body;
}

TEST_F(ModelsRoutesTest, ASlowHubIsStillAnswered) {
  area_.hub().SetDelay(150ms);
  auto result = area_.Get("/api/models/search?q=qwen");
  EXPECT_EQ(result.status, 200) << result.body;
}

TEST_F(ModelsRoutesTest, ABadTokenIs401FromHuggingFaceWithoutLoggingTheUserOut) {
  area_.hub().FailNext(2, 401);
  auto result = area_.Get("/api/models/search?q=qwen", {{"X-HF-Token", "hf_expired"}});
  EXPECT_EQ(result.status, 401) << result.body;
  EXPECT_EQ(Body(result).at("error").at("reason"), "HuggingFaceTokenRejected");
  EXPECT_TRUE(result.Header("x-airunway-auth-error").empty());
  EXPECT_EQ(result.body.find("hf_expired"), std::string::npos);
}

TEST_F(ModelsRoutesTest, ListsGgufFiles) {
  auto result = area_.Get("/api/models/unsloth/Qwen3-4B-GGUF/gguf-files");
  ASSERT_EQ(result.status, 200) << result.body;
  auto files = Body(result).at("files").as_array();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files.at(0), "Qwen3-4B-BF16.gguf");
  auto invalid = area_.Get("/api/models/a/b/c/gguf-files");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(ErrorMessage(invalid), "Invalid Hugging Face model id");
  auto missing = area_.Get("/api/models/nobody/nothing/gguf-files");
  EXPECT_EQ(missing.status, 404) << missing.body;
  auto gated = area_.Get("/api/models/meta-llama/Llama-3.1-8B-Instruct/gguf-files",
                         {{"X-HF-Token", fake::kValidToken}});
  EXPECT_EQ(gated.status, 200) << gated.body;
  EXPECT_TRUE(Body(gated).at("files").as_array().empty());
}

TEST_F(ModelsRoutesTest, TheTokenNeverAppearsInTheLogs) {
  common::InitLogging(common::LogLevel::kTrace);
  ::testing::internal::CaptureStderr();
  area_.hub().FailNext(1, 503);
  (void)area_.Get("/api/models/search?q=llama", {{"X-HF-Token", fake::kValidToken}});
  (void)area_.Get("/api/models/unsloth/Qwen3-4B-GGUF/gguf-files", {{"X-HF-Token", fake::kValidToken}});
  (void)area_.Send("POST", "/api/secrets/huggingface",
                   std::string("{\"accessToken\":\"") + fake::kValidToken + "\"}");
  common::FlushLogs();
  std::string logs = ::testing::internal::GetCapturedStderr();
  common::InitLogging(common::LogLevel::kWarn);
  EXPECT_NE(logs.find("huggingface request"), std::string::npos);
  EXPECT_EQ(logs.find(fake::kValidToken), std::string::npos) << logs;
}

}  // namespace
}  // namespace airunway::api
