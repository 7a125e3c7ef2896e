#include "common/logging.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace airunway::common {
namespace {

TEST(LoggingTest, ParsesLevelNames) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("silent"), LogLevel::kOff);
  EXPECT_FALSE(ParseLogLevel("loud"));
}

TEST(LoggingTest, AppendJsonStringEscapesWhatJsonRequires) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\nd\x01/é");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000ad\\u0001/é\"");
  EXPECT_EQ(boost::json::parse(out).as_string(), "a\"b\\c\nd\x01/é");
}

}  // namespace
}  // namespace airunway::common
