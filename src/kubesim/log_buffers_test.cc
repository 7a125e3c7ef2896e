#include "kubesim/log_buffers.h"

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::seconds;

// 2026-01-01T00:00:00Z
const Clock::time_point kEpoch = Clock::time_point(seconds(1767225600));

TEST(FormatRfc3339NanoTest, TrimsTrailingZerosLikeGo) {
  EXPECT_EQ(FormatRfc3339Nano(kEpoch), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(kEpoch + std::chrono::milliseconds(120)), "2026-01-01T00:00:00.12Z");
  EXPECT_EQ(FormatRfc3339Nano(kEpoch + std::chrono::nanoseconds(123456789)), "2026-01-01T00:00:00.123456789Z");
}

class LogBuffersTest : public ::testing::Test {
 protected:
  LogBuffersTest() : logs_(LogBuffers::Options{1 << 20, [this] { return now_; }}) {}

  void Fill() {
    for (int i = 0; i < 5; ++i) {
      logs_.Append("ns", "pod", "main", "line " + std::to_string(i), kEpoch + seconds(i * 10));
    }
  }

  Clock::time_point now_ = kEpoch + seconds(40);
  LogBuffers logs_;
};

TEST_F(LogBuffersTest, ReadsAllLines) {
  Fill();
  EXPECT_EQ(logs_.Read("ns", "pod", "main", {}), "line 0\nline 1\nline 2\nline 3\nline 4\n");
  EXPECT_FALSE(logs_.Read("ns", "pod", "sidecar", {}).has_value());
  EXPECT_FALSE(logs_.Read("ns", "other", "main", {}).has_value());
}

TEST_F(LogBuffersTest, AppendSplitsMultiLineText) {
  logs_.Append("ns", "pod", "main", "a\nb\r\nc\n", kEpoch);
  EXPECT_EQ(logs_.Read("ns", "pod", "main", {}), "a\nb\nc\n");
}

TEST_F(LogBuffersTest, TailLines) {
  Fill();
  LogReadOptions options;
  options.tail_lines = 2;
  EXPECT_EQ(logs_.Read("ns", "pod", "main", options), "line 3\nline 4\n");
  options.tail_lines = 0;
  EXPECT_EQ(logs_.Read("ns", "pod", "main", options), "");
  options.tail_lines = 100;
  EXPECT_EQ(logs_.Read("ns", "pod", "main", options)->size(), 35u);
}

TEST_F(LogBuffersTest, SinceSecondsAndSinceTime) {
  Fill();  // lines at +0, +10, +20, +30, +40; now = +40
  LogReadOptions options;
  options.since_seconds = 15;
  EXPECT_EQ(logs_.Read("ns", "pod", "main", options), "line 3\nline 4\n");
  LogReadOptions by_time;
  by_time.since_time = kEpoch + seconds(20);
  EXPECT_EQ(logs_.Read("ns", "pod", "main", by_time), "line 2\nline 3\nline 4\n");
}

TEST_F(LogBuffersTest, TimestampsPrefixEachLine) {
  logs_.Append("ns", "pod", "main", "hello", kEpoch + std::chrono::microseconds(1500));
  LogReadOptions options;
  options.timestamps = true;
  EXPECT_EQ(logs_.Read("ns", "pod", "main", options), "2026-01-01T00:00:00.0015Z hello\n");
}

TEST_F(LogBuffersTest, LimitBytesCutsTheOutput) {
  Fill();
  LogReadOptions options;
  options.limit_bytes = 10;
  EXPECT_EQ(logs_.Read("ns", "pod", "main", options), "line 0\nlin");
}

TEST_F(LogBuffersTest, BufferIsBounded) {
  LogBuffers small(LogBuffers::Options{20, {}});
  for (int i = 0; i < 10; ++i) small.Append("ns", "p", "c", "line " + std::to_string(i));  // 7 bytes each
  EXPECT_EQ(small.Read("ns", "p", "c", {}), "line 8\nline 9\n");
}

TEST_F(LogBuffersTest, ContainersAndRemovePod) {
  logs_.Append("ns", "pod", "main", "x");
  logs_.Append("ns", "pod", "init", "y");
  logs_.Append("ns", "pod-2", "main", "z");
  EXPECT_EQ(logs_.Containers("ns", "pod"), (std::vector<std::string>{"init", "main"}));
  logs_.RemovePod("ns", "pod");
  EXPECT_FALSE(logs_.Has("ns", "pod", "main"));
  EXPECT_TRUE(logs_.Has("ns", "pod-2", "main"));
}

TEST_F(LogBuffersTest, FollowSendsBacklogThenNewLines) {
  Fill();
  std::string received;
  LogReadOptions options;
  options.tail_lines = 1;
  options.timestamps = true;
  LogFollowId id = logs_.Follow("ns", "pod", "main", options,
                                {[&](std::string_view text) { received += text; return true; }, nullptr});
  EXPECT_EQ(received, "2026-01-01T00:00:40Z line 4\n");
  logs_.Append("ns", "pod", "main", "line 5", kEpoch + seconds(50));
  EXPECT_EQ(received, "2026-01-01T00:00:40Z line 4\n2026-01-01T00:00:50Z line 5\n");
  EXPECT_EQ(logs_.FollowerCount(), 1u);
  logs_.Unfollow(id);
  logs_.Append("ns", "pod", "main", "line 6");
  EXPECT_EQ(logs_.FollowerCount(), 0u);
  EXPECT_EQ(received.find("line 6"), std::string::npos);
}

TEST_F(LogBuffersTest, FollowStopsWhenTheCallbackSaysSo) {
  int calls = 0;
  logs_.Follow("ns", "pod", "main", {}, {[&](std::string_view) { return ++calls < 2; }, nullptr});
  logs_.Append("ns", "pod", "main", "a");
  logs_.Append("ns", "pod", "main", "b");
  logs_.Append("ns", "pod", "main", "c");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(logs_.FollowerCount(), 0u);
}

TEST_F(LogBuffersTest, FollowEndsWhenLimitBytesIsSpent) {
  std::string received;
  bool ended = false;
  LogReadOptions options;
  options.limit_bytes = 5;
  logs_.Follow("ns", "pod", "main", options,
               {[&](std::string_view text) { received += text; return true; }, [&] { ended = true; }});
  logs_.Append("ns", "pod", "main", "abc");
  EXPECT_FALSE(ended);
  logs_.Append("ns", "pod", "main", "defg");
  EXPECT_EQ(received, "abc\nd");
  EXPECT_TRUE(ended);
  EXPECT_EQ(logs_.FollowerCount(), 0u);
}

TEST_F(LogBuffersTest, RemovePodEndsFollowers) {
  bool ended = false;
  logs_.Follow("ns", "pod", "main", {}, {[](std::string_view) { return true; }, [&] { ended = true; }});
  logs_.RemovePod("ns", "pod");
  EXPECT_TRUE(ended);
  EXPECT_EQ(logs_.FollowerCount(), 0u);
}

}  // namespace
}  // namespace airunway::kubesim
