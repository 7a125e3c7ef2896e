#include "common/time.h"

#include <gtest/gtest.h>

namespace airunway::common {
namespace {

using namespace std::chrono;

TEST(TimeTest, FormatsLikeJavaScriptToIsoString) {
  system_clock::time_point epoch{};
  EXPECT_EQ(FormatRfc3339Millis(epoch), "1970-01-01T00:00:00.000Z");
  auto t = sys_days{2026y / January / 1} + hours{13} + minutes{5} + seconds{9} + milliseconds{42};
  EXPECT_EQ(FormatRfc3339Millis(time_point_cast<system_clock::duration>(t)), "2026-01-01T13:05:09.042Z");
  EXPECT_EQ(FormatRfc3339Seconds(time_point_cast<system_clock::duration>(t)), "2026-01-01T13:05:09Z");
}

TEST(TimeTest, ParsesWhatItFormatsAndOffsets) {
  auto parsed = ParseRfc3339("2026-01-01T13:05:09.042Z");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(FormatRfc3339Millis(*parsed), "2026-01-01T13:05:09.042Z");
  auto offset = ParseRfc3339("2026-01-01T15:05:09+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(FormatRfc3339Seconds(*offset), "2026-01-01T13:05:09Z");
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("yesterday"));
  EXPECT_FALSE(ParseRfc3339("2026-01-01T00:00:00"));
}

}  // namespace
}  // namespace airunway::common
