#include "services/catalog/catalog.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <set>

#include "common/json.h"
#include "services/catalog/gpu_fit.h"

namespace airunway::catalog {
namespace {

constexpr std::string_view kGood = R"({"models":[
  {"id":"Qwen/Qwen3-0.6B","name":"Qwen3 0.6B","description":"Small.","size":"0.6B",
   "task":"text-generation","supportedEngines":["vllm"],"minGpuMemory":"4GB","minGpus":1}]})";

TEST(CatalogTest, EmbeddedCatalogIsValidAndSpansSmallToLargeModels) {
  auto catalog = Catalog::LoadEmbedded();
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_GE(catalog->size(), 20u);
  bool has_small = false, has_70b_plus = false, has_gated = false, has_gguf = false;
  std::set<std::string> engines;
  for (const auto& model : catalog->models()) {
    const auto& object = model.as_object();
    auto parameters = common::Find(object, "parameters");
    if (parameters != nullptr && parameters->to_number<double>() < 1e9) has_small = true;
    if (parameters != nullptr && parameters->to_number<double>() >= 70e9) has_70b_plus = true;
    if (common::GetBool(object, "gated").value_or(false)) has_gated = true;
    for (const auto& engine : object.at("supportedEngines").as_array()) {
      engines.emplace(engine.as_string());
      if (engine.as_string() == "llamacpp") has_gguf = true;
    }
  }
  EXPECT_TRUE(has_small);
  EXPECT_TRUE(has_70b_plus);
  EXPECT_TRUE(has_gated);
  EXPECT_TRUE(has_gguf);
  EXPECT_EQ(engines, (std::set<std::string>{"vllm", "sglang", "trtllm", "llamacpp"}));
}

TEST(CatalogTest, EmbeddedMemoryFiguresAreAtLeastTheFp16EstimateForDenseModels) {
  auto catalog = Catalog::LoadEmbedded();
  ASSERT_TRUE(catalog);
  for (const auto& model : catalog->models()) {
    const auto& object = model.as_object();
    auto id = std::string(object.at("id").as_string());
    if (id.find("gpt-oss") != std::string::npos) continue;  // MXFP4 weights, not fp16
    auto memory = common::GetString(object, "minGpuMemory");
    auto parameters = common::Find(object, "parameters");
    if (!memory || parameters == nullptr) continue;
    auto gb = ParseGpuMemoryGb(*memory);
    ASSERT_TRUE(gb) << id;
    EXPECT_GE(*gb, EstimateGpuMemoryGb(parameters->to_number<double>()) - 1) << id;
  }
}

TEST(CatalogTest, FindIsExactAndCaseSensitive) {
  auto catalog = Catalog::Parse(kGood, "test");
  ASSERT_TRUE(catalog) << catalog.error().message;
  ASSERT_NE(catalog->Find("Qwen/Qwen3-0.6B"), nullptr);
  EXPECT_EQ(catalog->Find("qwen/qwen3-0.6b"), nullptr);
  EXPECT_EQ(catalog->Find("Qwen"), nullptr);
}

TEST(CatalogTest, AcceptsABareList) {
  auto catalog = Catalog::Parse(R"([{"id":"a/b","name":"n","description":"d","size":"1B",
      "task":"text-generation","supportedEngines":["llamacpp"],"minGpus":0}])",
                                "list.json");
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_EQ(catalog->size(), 1u);
}

TEST(CatalogTest, ErrorsNameTheEntryAndTheRule) {
  auto catalog = Catalog::Parse(R"({"models":[
      {"id":"ok/one","name":"n","description":"d","size":"1B","task":"text-generation","supportedEngines":["vllm"]},
      {"id":"bad/two","name":"n","description":"d","size":"1B","task":"summarise",
       "supportedEngines":["vllm","tgi"],"contextLength":-5,"minGpuMemory":"16 GiB","minGpus":1.5,"gated":"yes"},
      {"name":"no id","description":"d","size":"1B","task":"text-generation","supportedEngines":["vllm"]},
      {"id":"ok/one","name":"n","description":"d","size":"1B","task":"text-generation","supportedEngines":["vllm"],
       "descripton":"typo"}]})",
                                "/etc/airunway/models.json");
  ASSERT_FALSE(catalog);
  const auto& message = catalog.error().message;
  EXPECT_EQ(catalog.error().code, common::ErrorCode::kInvalid);
  EXPECT_NE(message.find("model catalog /etc/airunway/models.json is invalid"), std::string::npos) << message;
  EXPECT_NE(message.find("models[1] (\"bad/two\"): task \"summarise\" is not one of"), std::string::npos) << message;
  EXPECT_NE(message.find("models[1] (\"bad/two\"): supportedEngines has \"tgi\""), std::string::npos) << message;
  EXPECT_NE(message.find("models[1] (\"bad/two\"): contextLength must be a positive integer"), std::string::npos);
  EXPECT_NE(message.find("models[1] (\"bad/two\"): minGpuMemory \"16 GiB\" is not a memory size"), std::string::npos);
  EXPECT_NE(message.find("models[1] (\"bad/two\"): minGpus must be an integer >= 0"), std::string::npos);
  EXPECT_NE(message.find("models[1] (\"bad/two\"): gated must be true or false"), std::string::npos);
  EXPECT_NE(message.find("models[2]: id is required"), std::string::npos) << message;
  EXPECT_NE(message.find("models[3] (\"ok/one\"): unknown field \"descripton\""), std::string::npos) << message;
  EXPECT_NE(message.find("models[3] (\"ok/one\"): duplicate id"), std::string::npos) << message;
}

TEST(CatalogTest, RejectsMalformedJsonAndWrongShapes) {
  auto broken = Catalog::Parse("{\"models\": [", "broken.json");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("model catalog broken.json: malformed JSON"), std::string::npos)
      << broken.error().message;
  auto shape = Catalog::Parse(R"({"items":[]})", "shape.json");
  ASSERT_FALSE(shape);
  EXPECT_NE(shape.error().message.find("expected {\"models\": [...]}"), std::string::npos);
  auto empty = Catalog::Parse(R"({"models":[]})", "empty.json");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("no models"), std::string::npos);
  auto ids = Catalog::Parse(R"([{"id":"a/b/c","name":"n","description":"d","size":"1B","task":"text-generation",
      "supportedEngines":["vllm"]}])",
                            "ids.json");
  ASSERT_FALSE(ids);
  EXPECT_NE(ids.error().message.find("models[0] (\"a/b/c\"): id must be"), std::string::npos);
}

TEST(CatalogTest, LoadFileReadsAFileAndNamesAMissingOne) {
  std::string path = ::testing::TempDir() + "/catalog-test.json";
  {
    std::ofstream out(path);
    out << kGood;
  }
  auto catalog = Catalog::LoadFile(path);
  ASSERT_TRUE(catalog) << catalog.error().message;
  EXPECT_EQ(catalog->size(), 1u);
  auto missing = Catalog::LoadFile("/nonexistent/models.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/models.json"), std::string::npos);
}

}  // namespace
}  // namespace airunway::catalog
