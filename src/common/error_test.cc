#include "common/error.h"

#include <gtest/gtest.h>

#include "common/result.h"

namespace airunway::common {
namespace {

TEST(ErrorTest, EveryCodeMapsToItsHttpStatus) {
  EXPECT_EQ(HttpStatusOf(ErrorCode::kBadRequest), 400);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kInvalid), 422);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kMethodNotAllowed), 405);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kGone), 410);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kInternal), 500);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kBadGateway), 502);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kTimeout), 504);
}

TEST(ErrorTest, ReasonDefaultsFromCodeUnlessSet) {
  EXPECT_EQ(ReasonOf(MakeError(ErrorCode::kNotFound, "x")), "NotFound");
  EXPECT_EQ(ReasonOf(MakeError(ErrorCode::kNotFound, "x", "RouteNotFound")), "RouteNotFound");
  EXPECT_EQ(ReasonOf(MakeError(ErrorCode::kUnavailable, "x")), "ServiceUnavailable");
}

Result<int> Half(int n) {
  if (n % 2 != 0) return MakeError(ErrorCode::kInvalid, "odd");
  return n / 2;
}

TEST(ResultTest, CarriesValueOrError) {
  auto ok = Half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  auto bad = Half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "odd");
  EXPECT_EQ(bad.value_or(7), 7);
  Status status = MakeError(ErrorCode::kGone, "gone");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kGone);
  EXPECT_TRUE(Status::Ok().ok());
}

}  // namespace
}  // namespace airunway::common
