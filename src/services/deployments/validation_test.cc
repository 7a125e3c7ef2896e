#include "services/deployments/validation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace airunway::services::deployments {
namespace {

namespace json = boost::json;

json::object Valid() {
  return json::parse(R"({"name":"demo","modelId":"Qwen/Qwen3-0.6B","engine":"vllm"})").as_object();
}

std::string Messages(const Issues& issues) {
  std::string out;
  for (const auto& issue : issues) out += json::serialize(issue.at("path")) + " " + std::string(issue.at("message").as_string()) + "\n";
  return out;
}

TEST(ValidationTest, AppliesDefaultsInReferenceOrder) {
  Issues issues;
  auto body = Valid();
  body["unknown"] = 1;
  auto config = ValidateDeploymentConfig(body, issues);
  ASSERT_TRUE(issues.empty()) << Messages(issues);
  EXPECT_EQ(json::serialize(config),
            R"({"name":"demo","modelId":"Qwen/Qwen3-0.6B","engine":"vllm","mode":"aggregated","routerMode":"default",)"
            R"("replicas":1,"hfTokenSecret":"","enforceEager":false,"enablePrefixCaching":true,"trustRemoteCode":false})");
}

TEST(ValidationTest, NamesEveryBrokenFieldAndRule) {
  Issues issues;
  auto body = json::parse(R"({"name":"Bad_Name","modelId":"","engine":"tgi","replicas":-1,"contextLength":0,
                              "enforceEager":"yes","env":{"A":1},"resources":{"gpu":1.5}})");
  ValidateDeploymentConfig(body, issues);
  std::string text = Messages(issues);
  EXPECT_NE(text.find(R"(["name"] Name must be lowercase alphanumeric)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(["modelId"] Model ID is required)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(["engine"] Invalid option: expected one of "vllm"|"sglang"|"trtllm"|"llamacpp")"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(["replicas"] Too small: expected number to be >=0)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(["contextLength"] Too small: expected number to be >0)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(["enforceEager"] Invalid input: expected boolean, received string)"), std::string::npos);
  EXPECT_NE(text.find(R"(["env","A"] Invalid input: expected string, received number)"), std::string::npos);
  EXPECT_NE(text.find(R"(["resources","gpu"] Invalid input: expected int, received number)"), std::string::npos);
}

TEST(ValidationTest, MissingRequiredFields) {
  Issues issues;
  ValidateDeploymentConfig(json::object{}, issues);
  std::string text = Messages(issues);
  EXPECT_NE(text.find(R"(["name"] Invalid input: expected string, received undefined)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(["modelId"])"), std::string::npos);
  EXPECT_NE(text.find(R"(["engine"])"), std::string::npos);
}

TEST(ValidationTest, StorageRules) {
  auto check = [](std::string volumes) {
    Issues issues;
    auto body = Valid();
    body["storage"] = json::parse(R"({"volumes":)" + volumes + "}");
    ValidateDeploymentConfig(body, issues);
    return Messages(issues);
  };
  EXPECT_EQ(check(R"([{"name":"cache","purpose":"modelCache","size":"100Gi"}])"), "");
  EXPECT_NE(check(R"([{"name":"a","claimName":"x","mountPath":"/a"},{"name":"a","claimName":"y","mountPath":"/b"}])")
                .find(R"(Duplicate volume name: "a")"), std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","mountPath":"/a"}])").find("Claim name is required when size is not specified"),
            std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","mountPath":"/a","size":"1Gi","readOnly":true}])").find("Read-only is not allowed"),
            std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","claimName":"x"}])").find("Mount path is required for custom purpose volumes"),
            std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","claimName":"x","mountPath":"/proc/data"}])")
                .find(R"(Mount path "/proc/data" conflicts with system path "/proc")"), std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","claimName":"x","mountPath":"/a","accessMode":"ReadWriteOnce"}])")
                .find("Access mode is only valid when size is specified"), std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","mountPath":"/a","size":"100GIB"}])").find("Size must be a valid Kubernetes quantity"),
            std::string::npos);
  EXPECT_NE(check(R"([{"name":"a","purpose":"modelCache","size":"1Gi"},{"name":"b","mountPath":"/model-cache","size":"1Gi"}])")
                .find(R"(Duplicate mount path: "/model-cache")"), std::string::npos);
  EXPECT_NE(check(R"([{"name":"cache","mountPath":"/a","size":"1Gi"},{"name":"b","mountPath":"/b","claimName":"demo-cache"}])")
                .find(R"(Duplicate claim name: "demo-cache")"), std::string::npos);
  std::string nine = "[";
  for (int i = 0; i < 9; ++i) nine += std::string(i ? "," : "") + R"({"name":"v)" + std::to_string(i) + R"(","claimName":"c)" + std::to_string(i) + R"(","mountPath":"/m)" + std::to_string(i) + R"("})";
  EXPECT_NE(check(nine + "]").find("Maximum 8 storage volumes allowed"), std::string::npos);
}

TEST(ValidationTest, Quantities) {
  for (auto good : {"100Gi", "500Mi", "1Ti", "1024", "0.5", "1e3", "100M", "50Ki"}) EXPECT_TRUE(IsKubernetesQuantity(good)) << good;
  for (auto bad : {".", "1..2", "..5Gi", ".Gi", "100GIB"}) EXPECT_FALSE(IsKubernetesQuantity(bad)) << bad;
}

TEST(ValidationTest, NamespacesAndNames) {
  for (auto good : {"default", "my-namespace", "a", "123-test"}) {
    Issues issues;
    CheckNamespace(good, json::array{"namespace"}, issues);
    EXPECT_TRUE(issues.empty()) << good;
  }
  for (auto bad : {"", "UPPER", "-lead", "trail-", "a_b", "a.b", "a/b", std::string(64, 'a').c_str()}) {
    Issues issues;
    CheckNamespace(bad, json::array{"namespace"}, issues);
    EXPECT_FALSE(issues.empty()) << bad;
  }
  Issues empty;
  CheckNamespace("", json::array{"namespace"}, empty);
  EXPECT_EQ(empty.front().at("message"), "Namespace cannot be empty");
  Issues dotted;
  CheckResourceName("a.b-c", json::array{"name"}, dotted);
  EXPECT_TRUE(dotted.empty());
}

TEST(ValidationTest, IntQueryFollowsParseInt) {
  Issues issues;
  EXPECT_EQ(IntQuery("5abc", "limit", 1, 100, issues), 5);
  EXPECT_EQ(IntQuery(std::nullopt, "limit", 1, 100, issues), std::nullopt);
  EXPECT_EQ(IntQuery("", "limit", 1, 100, issues), std::nullopt);
  EXPECT_TRUE(issues.empty());
  IntQuery("abc", "limit", 1, 100, issues);
  IntQuery("101", "limit", 1, 100, issues);
  IntQuery("0", "limit", 1, 100, issues);
  ASSERT_EQ(issues.size(), 3u);
  EXPECT_EQ(issues[1].at("message"), "Too big: expected number to be <=100");
}

TEST(ValidationTest, ErrorBodyIsTheReferenceShape) {
  Issues issues;
  ValidateDeploymentConfig(json::parse(R"({"name":"x","modelId":"m","engine":"nope"})"), issues);
  auto body = ValidationErrorBody(issues);
  EXPECT_EQ(body.at("success"), false);
  EXPECT_EQ(body.at("error").at("name"), "ZodError");
  std::string message(body.at("error").at("message").as_string());
  EXPECT_EQ(message.substr(0, 8), "[\n  {\n  ");
  EXPECT_TRUE(json::parse(message).is_array());
}

}  // namespace
}  // namespace airunway::services::deployments
