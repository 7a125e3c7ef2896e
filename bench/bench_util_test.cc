#include "bench_util.h"

#include <gtest/gtest.h>

namespace airunway::bench {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(ParseDurationTest, AcceptsUnitsAndBareSeconds) {
  EXPECT_EQ(ParseDuration("5s"), seconds(5));
  EXPECT_EQ(ParseDuration("5"), seconds(5));
  EXPECT_EQ(ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(ParseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(ParseDuration("2m"), seconds(120));
  EXPECT_EQ(ParseDuration("800us"), nanoseconds(800'000));
  EXPECT_EQ(ParseDuration("10ns"), nanoseconds(10));
  EXPECT_EQ(ParseDuration("0"), nanoseconds(0));
}

TEST(ParseDurationTest, RejectsMalformedText) {
  EXPECT_EQ(ParseDuration(""), std::nullopt);
  EXPECT_EQ(ParseDuration("s"), std::nullopt);
  EXPECT_EQ(ParseDuration("-1s"), std::nullopt);
  EXPECT_EQ(ParseDuration("5 s"), std::nullopt);
  EXPECT_EQ(ParseDuration("5h"), std::nullopt);
  EXPECT_EQ(ParseDuration("1.2.3s"), std::nullopt);
  EXPECT_EQ(ParseDuration("99999999m"), std::nullopt);
}

TEST(PercentileTest, UsesNearestRank) {
  std::vector<std::int64_t> sorted;
  for (std::int64_t i = 1; i <= 100; ++i) {
    sorted.push_back(i);
  }
  EXPECT_EQ(Percentile(sorted, 50), 50);
  EXPECT_EQ(Percentile(sorted, 90), 90);
  EXPECT_EQ(Percentile(sorted, 99), 99);
  EXPECT_EQ(Percentile(sorted, 99.9), 100);
  EXPECT_EQ(Percentile(sorted, 100), 100);
  EXPECT_EQ(Percentile(sorted, 0), 1);
}

TEST(PercentileTest, SmallAndEmptySamples) {
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({7}, 1), 7);
  EXPECT_EQ(Percentile({7}, 100), 7);
  EXPECT_EQ(Percentile({1, 2}, 50), 1);
  EXPECT_EQ(Percentile({1, 2}, 51), 2);
}

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

TEST(IsLoopbackHostTest, AcceptsOnlyLoopbackSpellings) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("LocalHost"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example.com"));
  EXPECT_FALSE(IsLoopbackHost(""));
}

TEST(ProcStatusTest, ReadsThisProcessAndRefusesUnknownFields) {
  EXPECT_GT(ProcStatusKiB(0, "VmRSS"), 0);
  EXPECT_GE(ProcStatusKiB(0, "VmHWM"), ProcStatusKiB(0, "VmRSS"));
  EXPECT_EQ(ProcStatusKiB(0, "NoSuchField"), 0);
  EXPECT_EQ(ProcStatusKiB(0, "VmRS"), 0);  // a prefix of a field is not the field
}

TEST(RunProcessTest, CapturesStdoutAndExitCode) {
  auto echoed = RunProcess({"/bin/sh", "-c", "echo hello; echo ignored >&2; exit 3"});
  EXPECT_EQ(echoed.out, "hello\n");
  EXPECT_EQ(echoed.exit_code, 3);
  EXPECT_GT(echoed.max_rss_kib, 0);
  EXPECT_EQ(RunProcess({"/nonexistent/program"}).exit_code, -1);  // could not be started
}

TEST(BackgroundProcessTest, WaitsForOutputAndStops) {
  BackgroundProcess child({"/bin/sh", "-c", "echo ready; exec sleep 30"});
  ASSERT_TRUE(child.started());
  auto output = child.WaitForOutput("ready", seconds(10));
  ASSERT_TRUE(output.has_value());
  EXPECT_GT(ProcStatusKiB(child.pid(), "VmRSS"), 0);
  EXPECT_EQ(child.Stop(), 128 + 15);  // SIGTERM
}

TEST(HttpGetTest, FailsCleanlyWithoutAServer) {
  // Port 1 on loopback is not listening on a build machine.
  EXPECT_FALSE(HttpGet(static_cast<std::uint16_t>(1), "/").has_value());
}

}  // namespace
}  // namespace airunway::bench
