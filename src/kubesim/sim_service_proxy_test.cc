#include "kubesim/sim_service_proxy.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

class SimServiceProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    res_ = SimResources::Builtin();
    CreateOptions keep;
    keep.keep_status = true;
    store_.Create(res_.namespaces, "", json::parse(R"({"metadata":{"name":"ml"}})").as_object());
    store_.Create(res_.services, "ml",
                  json::parse(R"({"metadata":{"name":"qwen"},"spec":{"selector":{"app":"qwen"},
                    "ports":[{"name":"http","port":8000,"targetPort":8000}]}})").as_object());
    store_.Create(res_.pods, "ml",
                  json::parse(R"({"metadata":{"name":"qwen-0","labels":{"app":"qwen"}},"spec":{"containers":[
                    {"name":"vllm","image":"vllm/vllm-openai:v0.8.5","args":["--model","Qwen/Qwen2.5-0.5B-Instruct"]}]}})")
                      .as_object());
  }
  void SetEndpoints(bool ready) {
    const char* key = ready ? "addresses" : "notReadyAddresses";
    json::object ep = json::parse(R"({"metadata":{"name":"qwen"},"subsets":[{")" + std::string(key) +
                                  R"(":[{"ip":"10.244.0.5","targetRef":{"kind":"Pod","namespace":"ml","name":"qwen-0"}}],
                                    "ports":[{"name":"http","port":8000}]}]})")
                          .as_object();
    UpdateOptions upsert;
    upsert.allow_create = true;
    store_.Update(res_.endpoints, "ml", "qwen", std::move(ep), upsert);
  }
  ProxyResult Call(std::string_view method, std::string_view path, std::string_view body = "") {
    return ProxyToService(store_, "ml", "qwen", "http", method, path, body);
  }

  Store store_;
  SimResources res_;
};

TEST_F(SimServiceProxyTest, NoReadyEndpointIs503LikeTheApiServer) {
  ProxyResult r = Call("GET", "/v1/models");
  EXPECT_EQ(r.status, 503);
  json::object status = json::parse(r.body).as_object();
  EXPECT_EQ(status["reason"].as_string(), "ServiceUnavailable");
  EXPECT_EQ(status["message"].as_string(), "no endpoints available for service \"qwen\"");
  EXPECT_EQ(status["code"].as_int64(), 503);
  SetEndpoints(false);
  EXPECT_EQ(Call("GET", "/v1/models").status, 503);

  ProxyResult missing = ProxyToService(store_, "ml", "other", "", "GET", "/", "");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body).at("message").as_string(), "services \"other\" not found");
}

TEST_F(SimServiceProxyTest, ServesModelsAndMetricsThatGrowWithTraffic) {
  SetEndpoints(true);
  ProxyResult models = Call("GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(json::parse(models.body).at("data").at(0).at("id").as_string(), "Qwen/Qwen2.5-0.5B-Instruct");

  ProxyResult first = Call("GET", "/metrics");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.content_type, "text/plain; version=0.0.4; charset=utf-8");
  for (const char* name : {"vllm:num_requests_running{model_name=\"Qwen/Qwen2.5-0.5B-Instruct\"}",
                           "vllm:num_requests_waiting", "vllm:gpu_cache_usage_perc", "vllm:prompt_tokens_total",
                           "vllm:generation_tokens_total", "vllm:request_success_total",
                           "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\"", "vllm:e2e_request_latency_seconds_sum",
                           "# TYPE vllm:time_to_first_token_seconds histogram"}) {
    EXPECT_NE(first.body.find(name), std::string::npos) << name;
  }
  auto successes = [](const std::string& text) {
    auto at = text.find("vllm:request_success_total{");
    auto space = text.find("} ", at);
    return std::stod(text.substr(space + 2, text.find('\n', space) - space - 2));
  };
  Call("POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})");
  ProxyResult second = Call("GET", "/metrics");
  EXPECT_GE(successes(second.body), successes(first.body) + 2);  // one completion + one scrape's background
}

TEST_F(SimServiceProxyTest, ChatCompletionsInTheOpenAiShape) {
  SetEndpoints(true);
  ProxyResult r = Call("POST", "/v1/chat/completions",
                       R"({"model":"Qwen/Qwen2.5-0.5B-Instruct","messages":[{"role":"user","content":"Hello"}],"max_tokens":5})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body["object"].as_string(), "chat.completion");
  EXPECT_EQ(body["model"].as_string(), "Qwen/Qwen2.5-0.5B-Instruct");
  const json::object& choice = body["choices"].at(0).as_object();
  EXPECT_EQ(choice.at("message").at("role").as_string(), "assistant");
  EXPECT_FALSE(choice.at("message").at("content").as_string().empty());
  EXPECT_EQ(choice.at("finish_reason").as_string(), "length");
  EXPECT_EQ(body["usage"].at("completion_tokens").as_int64(), 5);

  ProxyResult wrong = Call("POST", "/v1/chat/completions", R"({"model":"gpt-4","messages":[]})");
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(json::parse(wrong.body).at("message").as_string(), "The model `gpt-4` does not exist.");
  EXPECT_EQ(Call("POST", "/v1/chat/completions", "{not json").status, 400);
  EXPECT_EQ(Call("GET", "/nope").status, 404);
}

TEST_F(SimServiceProxyTest, StreamingSendsChunksEndingInDone) {
  SetEndpoints(true);
  ProxyResult r = Call("POST", "/v1/chat/completions?x=1",
                       R"({"messages":[{"role":"user","content":"Hello"}],"stream":true,"max_tokens":3})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/event-stream");
  ASSERT_GE(r.chunks.size(), 5u);  // role, 3 words, finish, [DONE]
  EXPECT_EQ(r.chunks.back(), "data: [DONE]\n\n");
  std::string text;
  for (std::size_t i = 0; i + 1 < r.chunks.size(); ++i) {
    ASSERT_EQ(r.chunks[i].rfind("data: ", 0), 0u);
    json::object chunk = json::parse(r.chunks[i].substr(6)).as_object();
    EXPECT_EQ(chunk["object"].as_string(), "chat.completion.chunk");
    const json::object& delta = chunk["choices"].at(0).at("delta").as_object();
    if (const json::value* c = delta.if_contains("content")) text += c->as_string().c_str();
  }
  EXPECT_EQ(text, "This is a");
  std::string joined;
  for (const std::string& c : r.chunks) joined += c;
  EXPECT_EQ(r.body, joined);

  ProxyResult completion = Call("POST", "/v1/completions", R"({"prompt":"Once","max_tokens":2})");
  ASSERT_EQ(completion.status, 200);
  EXPECT_EQ(json::parse(completion.body).at("choices").at(0).at("text").as_string(), "This is");
}

}  // namespace
}  // namespace airunway::kubesim
