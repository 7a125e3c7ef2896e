#include "kube/backoff.h"

#include <gtest/gtest.h>

namespace airunway::kube {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesUpToTheCapWithoutJitter) {
  Backoff backoff({.initial = milliseconds(100), .max = milliseconds(1000), .factor = 2, .jitter = false});
  EXPECT_EQ(backoff.Next(), milliseconds(100));
  EXPECT_EQ(backoff.Next(), milliseconds(200));
  EXPECT_EQ(backoff.Next(), milliseconds(400));
  EXPECT_EQ(backoff.Next(), milliseconds(800));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(backoff.Next(), milliseconds(1000));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), milliseconds(100));
}

TEST(BackoffTest, JitterStaysWithinHalfToFull) {
  Backoff backoff({.initial = milliseconds(100), .max = milliseconds(1000)}, 42);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const auto full = std::min<std::int64_t>(100LL << attempt, 1000);
    auto delay = backoff.Next().count();
    EXPECT_GE(delay, full / 2);
    EXPECT_LE(delay, full);
  }
}

TEST(BackoffTest, JitterSpreadsClients) {
  Backoff a({}, 1);
  Backoff b({}, 2);
  bool differ = false;
  for (int i = 0; i < 5; ++i) differ = differ || a.Next() != b.Next();
  EXPECT_TRUE(differ);
}

TEST(BackoffTest, RetryAfter) {
  EXPECT_EQ(ParseRetryAfter("3"), std::chrono::seconds(3));
  EXPECT_EQ(ParseRetryAfter(" 0 \r"), std::chrono::seconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
}

}  // namespace
}  // namespace airunway::kube
