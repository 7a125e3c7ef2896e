#include "http/json_body.h"

#include <gtest/gtest.h>

namespace airunway::http {
namespace {

Request WithBody(std::string type, std::string body) {
  Request request;
  request.method = "POST";
  if (!type.empty()) request.headers.Set("Content-Type", std::move(type));
  request.body = std::move(body);
  return request;
}

TEST(JsonBodyTest, AcceptsJsonAndVendorJsonTypes) {
  EXPECT_TRUE(ParseJsonBody(WithBody("application/json", R"({"a":1})")));
  EXPECT_TRUE(ParseJsonBody(WithBody("Application/JSON; charset=utf-8", "[]")));
  EXPECT_TRUE(ParseJsonBody(WithBody("application/merge-patch+json", "{}")));
}

TEST(JsonBodyTest, WrongOrMissingTypeIs415SayingWhatToSend) {
  auto missing = ParseJsonBody(WithBody("", "{}"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, common::ErrorCode::kUnsupportedMediaType);
  EXPECT_NE(missing.error().message.find("Content-Type: application/json"), std::string::npos);
  EXPECT_FALSE(ParseJsonBody(WithBody("text/plain", "{}")));
}

TEST(JsonBodyTest, MalformedBodyIs400WithPosition) {
  auto bad = ParseJsonBody(WithBody("application/json", "{\"name\": }"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, common::ErrorCode::kBadRequest);
  EXPECT_EQ(bad.error().message.rfind("Malformed JSON in request body", 0), 0u) << bad.error().message;
  EXPECT_NE(bad.error().message.find("line 1, column 10"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace airunway::http
