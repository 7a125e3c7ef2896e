#include "kube/errors.h"

#include <gtest/gtest.h>

namespace airunway::kube {
namespace {

using common::ErrorCode;

std::string StatusBody(int code, std::string_view reason, std::string_view message, std::string_view details = "{}") {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + std::string(message) +
         R"(","reason":")" + std::string(reason) + R"(","details":)" + std::string(details) + R"(,"code":)" +
         std::to_string(code) + "}";
}

TEST(ErrorsTest, StatusReasonsMapToCodes) {
  struct Case {
    int http;
    const char* reason;
    ErrorCode code;
  };
  for (const auto& c : std::vector<Case>{{404, "NotFound", ErrorCode::kNotFound},
                                          {409, "AlreadyExists", ErrorCode::kAlreadyExists},
                                          {409, "Conflict", ErrorCode::kConflict},
                                          {422, "Invalid", ErrorCode::kInvalid},
                                          {403, "Forbidden", ErrorCode::kForbidden},
                                          {401, "Unauthorized", ErrorCode::kUnauthorized},
                                          {410, "Expired", ErrorCode::kGone},
                                          {410, "Gone", ErrorCode::kGone},
                                          {429, "TooManyRequests", ErrorCode::kTooManyRequests},
                                          {504, "Timeout", ErrorCode::kTimeout},
                                          {503, "ServiceUnavailable", ErrorCode::kUnavailable},
                                          {500, "InternalError", ErrorCode::kInternal},
                                          {400, "BadRequest", ErrorCode::kBadRequest}}) {
    auto error = ErrorFromResponse(c.http, StatusBody(c.http, c.reason, "boom"));
    EXPECT_EQ(error.code, c.code) << c.reason;
    EXPECT_EQ(error.reason, c.reason);
    EXPECT_EQ(error.message, "boom");
    EXPECT_EQ(common::HttpStatusOf(error.code) == c.http || c.http == 410 || c.http == 400, true) << c.reason;
  }
}

TEST(ErrorsTest, InvalidCarriesItsCauses) {
  auto body = StatusBody(422, "Invalid", R"(ModelDeployment.airunway.ai \"x\" is invalid)",
                         R"({"name":"x","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.model.id"},)"
                         R"({"reason":"FieldValueInvalid","message":"must be positive","field":"spec.replicas"}]})");
  auto error = ErrorFromResponse(422, body);
  EXPECT_EQ(error.code, ErrorCode::kInvalid);
  EXPECT_EQ(error.message,
            "ModelDeployment.airunway.ai \"x\" is invalid Details: spec.model.id: Required value; spec.replicas: must be "
            "positive");
}

TEST(ErrorsTest, CausesAlreadyInTheMessageAreNotRepeated) {
  auto body = StatusBody(422, "Invalid", R"(Pod \"x\" is invalid: spec.containers: Required value)",
                         R"({"causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]})");
  auto error = ErrorFromResponse(422, body);
  EXPECT_EQ(error.message, "Pod \"x\" is invalid: spec.containers: Required value");
}

TEST(ErrorsTest, NonStatusBodiesFallBackToTheHttpStatus) {
  auto error = ErrorFromResponse(502, "<html>bad gateway</html>\n");
  EXPECT_EQ(error.code, ErrorCode::kBadGateway);
  EXPECT_EQ(error.message, "<html>bad gateway</html>");
  EXPECT_EQ(error.reason, "BadGateway");

  auto empty = ErrorFromResponse(404, "", "GET /api/v1/namespaces/x");
  EXPECT_EQ(empty.code, ErrorCode::kNotFound);
  EXPECT_EQ(empty.message, "the Kubernetes API server answered 404 to GET /api/v1/namespaces/x");

  auto longer = ErrorFromResponse(500, std::string(1000, 'x'));
  EXPECT_LT(longer.message.size(), 210u);
}

TEST(ErrorsTest, RetryableErrors) {
  EXPECT_TRUE(IsRetryable(ErrorFromResponse(503, "")));
  EXPECT_TRUE(IsRetryable(ErrorFromResponse(429, "")));
  EXPECT_TRUE(IsRetryable(ErrorFromResponse(500, "")));
  EXPECT_FALSE(IsRetryable(ErrorFromResponse(404, "")));
  EXPECT_FALSE(IsRetryable(ErrorFromResponse(409, "")));
  EXPECT_FALSE(IsRetryable(ErrorFromResponse(501, "")));
}

}  // namespace
}  // namespace airunway::kube
