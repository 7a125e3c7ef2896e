#include "kubesim/selectors.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace airunway::kubesim {
namespace {

boost::json::object Labeled(std::string_view labels_json) {
  boost::json::object object;
  object["metadata"] = boost::json::object{{"name", "x"}, {"labels", boost::json::parse(labels_json)}};
  return object;
}

LabelSelector MustParse(std::string_view text) {
  auto parsed = LabelSelector::Parse(text);
  EXPECT_TRUE(IsOk(parsed)) << text << ": " << (IsOk(parsed) ? "" : std::get<1>(parsed).message);
  return IsOk(parsed) ? std::get<0>(parsed) : LabelSelector();
}

std::string ParseError(std::string_view text) {
  auto parsed = LabelSelector::Parse(text);
  if (IsOk(parsed)) return "<parsed>";
  EXPECT_EQ(std::get<1>(parsed).code, 400);
  EXPECT_EQ(std::get<1>(parsed).reason, "BadRequest");
  return std::get<1>(parsed).message;
}

TEST(LabelSelectorTest, EmptySelectorMatchesEverything) {
  auto s = MustParse("");
  EXPECT_TRUE(s.Empty());
  EXPECT_TRUE(s.Matches(Labeled("{}")));
  EXPECT_TRUE(MustParse("   ").Empty());
}

TEST(LabelSelectorTest, EqualityOperators) {
  auto web = Labeled(R"({"app":"web","tier":"front"})");
  auto db = Labeled(R"({"app":"db"})");
  EXPECT_TRUE(MustParse("app=web").Matches(web));
  EXPECT_TRUE(MustParse("app==web").Matches(web));
  EXPECT_FALSE(MustParse("app=web").Matches(db));
  EXPECT_TRUE(MustParse("app!=web").Matches(db));
  EXPECT_FALSE(MustParse("app!=web").Matches(web));
  // != also selects objects without the label, as the real apiserver does.
  EXPECT_TRUE(MustParse("tier!=front").Matches(db));
  EXPECT_TRUE(MustParse("app=web, tier = front").Matches(web));
  EXPECT_FALSE(MustParse("app=web,tier=back").Matches(web));
}

TEST(LabelSelectorTest, SetAndExistenceOperators) {
  auto web = Labeled(R"({"app":"web","tier":"front"})");
  auto db = Labeled(R"({"app":"db"})");
  EXPECT_TRUE(MustParse("app in (web,api)").Matches(web));
  EXPECT_FALSE(MustParse("app in (api)").Matches(web));
  EXPECT_TRUE(MustParse("app notin (api, db)").Matches(web));
  EXPECT_FALSE(MustParse("app notin (db)").Matches(db));
  EXPECT_TRUE(MustParse("tier notin (x)").Matches(db));
  EXPECT_TRUE(MustParse("tier").Matches(web));
  EXPECT_FALSE(MustParse("tier").Matches(db));
  EXPECT_TRUE(MustParse("!tier").Matches(db));
  EXPECT_FALSE(MustParse("!tier").Matches(web));
  EXPECT_TRUE(MustParse("app,!tier,app in (db)").Matches(db));
}

TEST(LabelSelectorTest, EmptyValues) {
  auto blank = Labeled(R"({"a":""})");
  EXPECT_TRUE(MustParse("a=").Matches(blank));
  EXPECT_TRUE(MustParse("a in (,x)").Matches(blank));
  EXPECT_TRUE(MustParse("a in ()").Matches(blank));
  EXPECT_FALSE(MustParse("a=").Matches(Labeled("{}")));
}

TEST(LabelSelectorTest, NumericComparisons) {
  auto gpu = Labeled(R"({"gpus":"4"})");
  EXPECT_TRUE(MustParse("gpus>2").Matches(gpu));
  EXPECT_FALSE(MustParse("gpus>4").Matches(gpu));
  EXPECT_TRUE(MustParse("gpus<8").Matches(gpu));
  EXPECT_EQ(ParseError("gpus>x"), "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
}

TEST(LabelSelectorTest, PrefixedKeys) {
  auto obj = Labeled(R"({"app.kubernetes.io/name":"runway"})");
  EXPECT_TRUE(MustParse("app.kubernetes.io/name=runway").Matches(obj));
}

TEST(LabelSelectorTest, MalformedSelectorsSayWhatIsWrong) {
  EXPECT_EQ(ParseError("a in b"), "unable to parse requirement: found 'b' expected: '('");
  EXPECT_EQ(ParseError("a in (x"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(ParseError("a=b,"), "found '', expected: identifier after ','");
  EXPECT_EQ(ParseError("=a"), "found '=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(ParseError("a b"), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(ParseError("a=b c"), "found 'c', expected: ',' or 'end of string'");
  EXPECT_EQ(ParseError("!a=b"), "found '=', expected: ',' or 'end of string'");
  std::string bad_key = ParseError("-a=b");
  EXPECT_EQ(bad_key.rfind("unable to parse requirement: key: Invalid value: \"-a\": name part must consist", 0), 0u)
      << bad_key;
  std::string bad_value = ParseError("a=-b");
  EXPECT_EQ(bad_value.rfind("unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label", 0), 0u)
      << bad_value;
}

TEST(LabelSelectorTest, ToStringIsCanonical) {
  EXPECT_EQ(MustParse("b in (y,x), a, !c, d!=1").ToString(), "b in (x,y),a,!c,d!=1");
}

TEST(LabelSelectorTest, FromJsonCombinesMatchLabelsAndExpressions) {
  auto json = boost::json::parse(R"({"matchLabels":{"app":"web"},
      "matchExpressions":[{"key":"tier","operator":"In","values":["front","edge"]},
                          {"key":"canary","operator":"DoesNotExist"}]})").as_object();
  auto selector = LabelSelector::FromJson(json);
  ASSERT_TRUE(IsOk(selector));
  EXPECT_TRUE(std::get<0>(selector).Matches(Labeled(R"({"app":"web","tier":"edge"})")));
  EXPECT_FALSE(std::get<0>(selector).Matches(Labeled(R"({"app":"web","tier":"edge","canary":"1"})")));
  EXPECT_TRUE(std::get<0>(LabelSelector::FromJson(boost::json::object())).Empty());
  auto bad = LabelSelector::FromJson(boost::json::parse(R"({"matchExpressions":[{"key":"a","operator":"Is"}]})").as_object());
  ASSERT_FALSE(IsOk(bad));
  EXPECT_EQ(std::get<1>(bad).message, "\"Is\" is not a valid label selector operator");
}

TEST(FieldSelectorTest, ParsesAndMatches) {
  auto pod = boost::json::parse(R"({"metadata":{"name":"p","namespace":"ns"},
      "spec":{"nodeName":"gpu-1","hostNetwork":true},"status":{"phase":"Running"}})").as_object();
  auto parse = [](std::string_view text) {
    auto s = FieldSelector::Parse(text);
    EXPECT_TRUE(IsOk(s)) << text;
    return IsOk(s) ? std::get<0>(s) : FieldSelector();
  };
  EXPECT_TRUE(parse("metadata.name=p").Matches(pod));
  EXPECT_TRUE(parse("metadata.name==p,metadata.namespace=ns").Matches(pod));
  EXPECT_FALSE(parse("spec.nodeName!=gpu-1").Matches(pod));
  EXPECT_TRUE(parse("status.phase!=Pending").Matches(pod));
  EXPECT_TRUE(parse("spec.hostNetwork=true").Matches(pod));
  // An unscheduled pod has no spec.nodeName: `spec.nodeName=` selects it.
  EXPECT_FALSE(parse("spec.nodeName=").Matches(pod));
  EXPECT_TRUE(parse("spec.missing=").Matches(pod));
  EXPECT_TRUE(parse("").Empty());
}

TEST(FieldSelectorTest, EscapedValues) {
  auto s = FieldSelector::Parse(R"(metadata.name=a\,b)");
  ASSERT_TRUE(IsOk(s));
  ASSERT_EQ(std::get<0>(s).requirements().size(), 1u);
  EXPECT_EQ(std::get<0>(s).requirements()[0].value, "a,b");
}

TEST(FieldSelectorTest, Errors) {
  auto s = FieldSelector::Parse("metadata.name");
  ASSERT_FALSE(IsOk(s));
  EXPECT_EQ(std::get<1>(s).code, 400);
  EXPECT_EQ(std::get<1>(s).message, "invalid selector: 'metadata.name'; can't understand 'metadata.name'");

  auto parsed = FieldSelector::Parse("spec.nodeName=a,spec.foo=b");
  ASSERT_TRUE(IsOk(parsed));
  auto unsupported = std::get<0>(parsed).CheckSupported({"spec.nodeName"});
  ASSERT_TRUE(unsupported.has_value());
  EXPECT_EQ(unsupported->code, 400);
  EXPECT_EQ(unsupported->reason, "BadRequest");
  EXPECT_EQ(unsupported->message, "field label not supported: spec.foo");
  EXPECT_FALSE(std::get<0>(parsed).CheckSupported({"spec.nodeName", "spec.foo"}).has_value());
}

TEST(FieldValueTest, RendersScalars) {
  auto obj = boost::json::parse(R"({"a":{"s":"x","n":3,"b":false,"z":null,"o":{}}})").as_object();
  EXPECT_EQ(FieldValue(obj, "a.s"), "x");
  EXPECT_EQ(FieldValue(obj, "a.n"), "3");
  EXPECT_EQ(FieldValue(obj, "a.b"), "false");
  EXPECT_EQ(FieldValue(obj, "a.z"), "");
  EXPECT_EQ(FieldValue(obj, "a.o"), "");
  EXPECT_EQ(FieldValue(obj, "a.s.deeper"), "");
  EXPECT_EQ(FieldValue(obj, "nope"), "");
}

}  // namespace
}  // namespace airunway::kubesim
