#include "http/message.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace airunway::http {
namespace {

TEST(HeadersTest, LookupIsCaseInsensitiveAndSetReplaces) {
  Headers headers;
  headers.Add("Vary", "Origin");
  headers.Add("vary", "Accept-Encoding");
  headers.Set("Content-Type", "text/plain");
  EXPECT_EQ(headers.Get("content-type"), "text/plain");
  headers.Set("CONTENT-TYPE", "application/json");
  EXPECT_EQ(headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(headers.fields().size(), 3u);
  headers.Remove("VARY");
  EXPECT_FALSE(headers.Has("Vary"));
}

TEST(ParseTargetTest, SplitsPathAndDecodesQuery) {
  Request request;
  request.target = "/api/models/Qwen%2FQwen3?q=llama+3&limit=5&q=x&flag";
  ASSERT_TRUE(ParseTarget(request).ok());
  EXPECT_EQ(request.raw_path, "/api/models/Qwen%2FQwen3");
  EXPECT_EQ(request.path, "/api/models/Qwen/Qwen3");
  EXPECT_EQ(request.Query("q"), "llama 3");
  EXPECT_EQ(request.QueryCount("q"), 2u);
  EXPECT_EQ(request.Query("limit"), "5");
  EXPECT_EQ(request.Query("flag"), "");
  EXPECT_FALSE(request.Query("missing"));
}

TEST(ParseTargetTest, RejectsMalformedEscapesAndRelativeTargets) {
  Request bad_escape;
  bad_escape.target = "/api/%zz";
  auto status = ParseTarget(bad_escape);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, common::ErrorCode::kBadRequest);
  Request truncated;
  truncated.target = "/api/x%2";
  EXPECT_FALSE(ParseTarget(truncated).ok());
  Request nul;
  nul.target = "/api/%00";
  EXPECT_FALSE(ParseTarget(nul).ok());
  Request relative;
  relative.target = "api/health";
  EXPECT_FALSE(ParseTarget(relative).ok());
  Request bad_query;
  bad_query.target = "/x?a=%G1";
  EXPECT_FALSE(ParseTarget(bad_query).ok());
}

TEST(ResponseTest, ErrorEnvelopeHasMessageStatusAndReason) {
  auto response = Response::Error(common::MakeError(common::ErrorCode::kNotFound, "model not found"));
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.Get("Content-Type"), "application/json");
  auto body = boost::json::parse(response.body);
  EXPECT_EQ(body.at("error").at("message").as_string(), "model not found");
  EXPECT_EQ(body.at("error").at("statusCode").as_int64(), 404);
  EXPECT_EQ(body.at("error").at("reason").as_string(), "NotFound");
}

TEST(BodyStreamTest, DeliversChunksInOrderAndWakesTheConsumer) {
  BodyStream stream;
  int wakes = 0;
  ASSERT_TRUE(stream.SetWaker([&] { ++wakes; }));
  EXPECT_TRUE(stream.Write("a"));
  EXPECT_TRUE(stream.Write("b"));
  EXPECT_EQ(wakes, 1);  // one-shot
  bool closed = false;
  EXPECT_EQ(stream.Take(closed), "ab");
  EXPECT_FALSE(closed);
  EXPECT_FALSE(stream.SetWaker([] {}) && false);
  stream.Close();
  EXPECT_EQ(stream.Take(closed), "");
  EXPECT_TRUE(closed);
  EXPECT_FALSE(stream.Write("late"));
}

TEST(BodyStreamTest, CancelNotifiesProducersOnceAndStopsWrites) {
  BodyStream stream;
  int cancels = 0;
  stream.OnCancel([&] { ++cancels; });
  stream.Cancel();
  stream.Cancel();
  EXPECT_EQ(cancels, 1);
  EXPECT_TRUE(stream.Cancelled());
  EXPECT_FALSE(stream.Write("x"));
  int late = 0;
  stream.OnCancel([&] { ++late; });  // registered after the fact: runs at once
  EXPECT_EQ(late, 1);
}

TEST(BodyStreamTest, SlowConsumerIsCancelledInsteadOfGrowingForever) {
  BodyStream stream(8);
  EXPECT_TRUE(stream.Write("12345"));
  EXPECT_FALSE(stream.Write("67890"));
  EXPECT_TRUE(stream.Cancelled());
}

TEST(BodyStreamTest, ConcurrentProducersLoseNothing) {
  BodyStream stream;
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) stream.Write("x");
    });
  }
  std::size_t total = 0;
  bool closed = false;
  while (total < 4000) total += stream.Take(closed).size();
  for (auto& p : producers) p.join();
  EXPECT_EQ(total, 4000u);
}

TEST(PercentDecodeTest, DecodesAndRejects) {
  EXPECT_EQ(PercentDecode("a%20b"), "a b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%"));
  EXPECT_FALSE(PercentDecode("%4"));
  EXPECT_FALSE(PercentDecode("%4x"));
}

}  // namespace
}  // namespace airunway::http
