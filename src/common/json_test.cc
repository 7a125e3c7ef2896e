#include "common/json.h"

#include <gtest/gtest.h>

namespace airunway::common {
namespace {

TEST(JsonTest, ParsesValidDocuments) {
  auto value = ParseJson(R"({"a":{"b":"c"},"n":3,"t":true,"list":[1]})");
  ASSERT_TRUE(value);
  const auto& object = value->as_object();
  EXPECT_EQ(GetString(*GetObject(object, "a"), "b"), "c");
  EXPECT_EQ(GetInt(object, "n"), 3);
  EXPECT_EQ(GetBool(object, "t"), true);
  EXPECT_EQ(GetArray(object, "list")->size(), 1u);
  EXPECT_FALSE(GetString(object, "n"));  // wrong type is absent, not a throw
  EXPECT_EQ(FindPath(*value, {"a", "b"})->as_string(), "c");
  EXPECT_EQ(FindPath(*value, {"a", "missing"}), nullptr);
  EXPECT_EQ(FindPath(*value, {"n", "deeper"}), nullptr);
}

TEST(JsonTest, FindPathOnAnObjectPointsIntoThatObject) {
  auto value = ParseJson(R"({"spec":{"containers":[{"name":"a"}]}})");
  const boost::json::object& object = value->as_object();
  const auto* containers = FindPath(object, {"spec", "containers"});
  ASSERT_NE(containers, nullptr);
  EXPECT_EQ(containers, &object.at("spec").as_object().at("containers"));  // no temporary copy
  EXPECT_EQ(FindPath(object, {}), nullptr);
}

TEST(JsonTest, StringAtFollowsAPathOrAnswersEmpty) {
  auto parsed = ParseJson(R"({"metadata":{"name":"pod-1","generation":2},"kind":"Pod"})");
  ASSERT_TRUE(parsed);
  const boost::json::object& object = parsed->as_object();
  EXPECT_EQ(StringAt(object, {"metadata", "name"}), "pod-1");
  EXPECT_EQ(StringAt(object, {"kind"}), "Pod");
  EXPECT_EQ(StringAt(object, {"metadata", "generation"}), "");  // not a string
  EXPECT_EQ(StringAt(object, {"metadata", "missing"}), "");
  EXPECT_EQ(StringAt(object, {"kind", "deeper"}), "");  // through a non-object
}

TEST(JsonTest, MalformedJsonSaysWhereItBroke) {
  auto value = ParseJson("{\n  \"a\": 1,\n  \"b\" 2\n}");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(value.error().message.find("line 3, column 7"), std::string::npos) << value.error().message;
}

TEST(JsonTest, EmptyAndTrailingGarbageAreErrors) {
  auto empty = ParseJson("  ");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  auto trailing = ParseJson("{} x");
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("column"), std::string::npos);
  auto truncated = ParseJson(R"({"a": [1, 2)");
  EXPECT_FALSE(truncated);
}

TEST(JsonTest, DeepNestingIsRejectedNotACrash) {
  std::string deep(10000, '[');
  EXPECT_FALSE(ParseJson(deep));
}

}  // namespace
}  // namespace airunway::common
