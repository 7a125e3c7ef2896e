#include "kubesim/yaml_json.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace airunway::kubesim {
namespace {

std::string Typed(const std::string& yaml) {
  return boost::json::serialize(YamlNodeToJson(YAML::Load(yaml), YamlScalars::kTyped));
}
std::string Strings(const std::string& yaml) {
  return boost::json::serialize(YamlNodeToJson(YAML::Load(yaml), YamlScalars::kStrings));
}

TEST(YamlJsonTest, TypedScalarsResolveAsTheApiServerDoes) {
  EXPECT_EQ(Typed("a: 1\nb: -2\nc: 1.5\nd: true\ne: no\nf: on\ng: ~\nh: 0x1F\ni: 0o17\nj: 1_000\nk: text"),
            R"({"a":1,"b":-2,"c":1.5E0,"d":true,"e":false,"f":true,"g":null,"h":31,"i":15,"j":1000,"k":"text"})");
}

TEST(YamlJsonTest, QuotedAndExplicitStringsStayStrings) {
  EXPECT_EQ(Typed("a: \"1\"\nb: 'true'\nc: !!str 5\nd: |\n  block\n"), R"({"a":"1","b":"true","c":"5","d":"block\n"})");
}

TEST(YamlJsonTest, StringModeKeepsEveryScalarText) {
  EXPECT_EQ(Strings("users: [1, true, alice]\nverbs: [get]"), R"({"users":["1","true","alice"],"verbs":["get"]})");
}

TEST(YamlJsonTest, NestedStructuresAndNull) {
  EXPECT_EQ(Typed("list:\n- x: 1\n- [2, 3]\nempty:\n"), R"({"list":[{"x":1},[2,3]],"empty":null})");
  EXPECT_EQ(Typed(""), "null");
}

}  // namespace
}  // namespace airunway::kubesim
