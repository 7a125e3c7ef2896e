#include "kubesim/names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace airunway::kubesim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(NamesTest, SubdomainAcceptsDottedLowercaseNames) {
  EXPECT_THAT(IsDns1123Subdomain("my-app.example.com"), IsEmpty());
  EXPECT_THAT(IsDns1123Subdomain("a"), IsEmpty());
}

TEST(NamesTest, SubdomainRejectsWithTheRealMessage) {
  EXPECT_THAT(IsDns1123Subdomain("Bad_Name"),
              ElementsAre("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                          "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                          "regex used for validation is "
                          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
  EXPECT_EQ(IsDns1123Subdomain("a..b").size(), 1u);
  EXPECT_EQ(IsDns1123Subdomain("-a").size(), 1u);
  EXPECT_EQ(IsDns1123Subdomain("").size(), 1u);
}

TEST(NamesTest, SubdomainLongerThan253CharactersIsRejected) {
  std::string name(254, 'a');
  EXPECT_THAT(IsDns1123Subdomain(name), ElementsAre("must be no more than 253 characters"));
}

TEST(NamesTest, LabelRejectsDotsWithTheRealMessage) {
  EXPECT_THAT(IsDns1123Label("team-a"), IsEmpty());
  EXPECT_THAT(IsDns1123Label("a.b"),
              ElementsAre("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                          "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
                          "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
  EXPECT_THAT(IsDns1123Label(std::string(64, 'a')), ElementsAre("must be no more than 63 characters"));
}

TEST(NamesTest, Dns1035LabelMustStartWithALetter) {
  EXPECT_THAT(IsDns1035Label("web"), IsEmpty());
  EXPECT_THAT(IsDns1035Label("1web"),
              ElementsAre("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                          "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
                          "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"));
}

TEST(NamesTest, RulesFollowTheResource) {
  EXPECT_EQ(NameRuleFor("", "namespaces"), NameRule::kDns1123Label);
  EXPECT_EQ(NameRuleFor("", "services"), NameRule::kDns1035Label);
  EXPECT_EQ(NameRuleFor("", "pods"), NameRule::kDns1123Subdomain);
  EXPECT_EQ(NameRuleFor("rbac.authorization.k8s.io", "clusterroles"), NameRule::kPathSegment);
  EXPECT_THAT(CheckName(NameRule::kPathSegment, "system:admin"), IsEmpty());
  EXPECT_THAT(CheckName(NameRule::kPathSegment, "a/b"), ElementsAre("may not contain '/'"));
  EXPECT_THAT(CheckName(NameRule::kPathSegment, ".."), ElementsAre("may not be '..'"));
}

TEST(NamesTest, QualifiedNames) {
  EXPECT_THAT(IsQualifiedName("app"), IsEmpty());
  EXPECT_THAT(IsQualifiedName("example.com/My_Name-1"), IsEmpty());
  EXPECT_THAT(IsQualifiedName("-app"),
              ElementsAre("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                          "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                          "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
  EXPECT_THAT(IsQualifiedName("/app"), ElementsAre("prefix part must be non-empty"));
  auto errors = IsQualifiedName("Example.com/app");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("prefix part a lowercase RFC 1123 subdomain", 0), 0u) << errors[0];
  errors = IsQualifiedName("a/b/c");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("a qualified name must consist of", 0), 0u) << errors[0];
  EXPECT_NE(errors[0].find("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"),
            std::string::npos);
  EXPECT_THAT(IsQualifiedName(std::string(64, 'a')), ElementsAre("name part must be no more than 63 characters"));
}

TEST(NamesTest, LabelValues) {
  EXPECT_THAT(IsValidLabelValue(""), IsEmpty());
  EXPECT_THAT(IsValidLabelValue("v1.2_x"), IsEmpty());
  EXPECT_THAT(IsValidLabelValue("a b"),
              ElementsAre("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                          "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                          "'my_value',  or '12345', regex used for validation is "
                          "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
  EXPECT_THAT(IsValidLabelValue(std::string(64, 'a')), ElementsAre("must be no more than 63 characters"));
}

TEST(NamesTest, MetadataValidationReportsFieldCauses) {
  auto meta = boost::json::parse(R"({"labels":{"ok":"yes","bad key":"v","k":"bad value"}})").as_object();
  std::vector<StatusCause> causes;
  ValidateLabelsAndAnnotations(meta, causes);
  ASSERT_EQ(causes.size(), 2u);
  for (const auto& cause : causes) {
    EXPECT_EQ(cause.field, "metadata.labels");
    EXPECT_EQ(cause.type, "FieldValueInvalid");
  }
  bool saw_key = false;
  bool saw_value = false;
  for (const auto& cause : causes) {
    if (cause.message.rfind("Invalid value: \"bad key\": name part must consist", 0) == 0) saw_key = true;
    if (cause.message.rfind("Invalid value: \"bad value\": a valid label must be", 0) == 0) saw_value = true;
  }
  EXPECT_TRUE(saw_key);
  EXPECT_TRUE(saw_value);
}

TEST(NamesTest, AnnotationsAreLimitedTo256KiBInTotal) {
  boost::json::object meta;
  boost::json::object annotations;
  annotations["a"] = std::string(200 * 1024, 'x');
  annotations["b"] = std::string(100 * 1024, 'x');
  meta["annotations"] = annotations;
  std::vector<StatusCause> causes;
  ValidateLabelsAndAnnotations(meta, causes);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "metadata.annotations");
  EXPECT_EQ(causes[0].type, "FieldValueTooLong");
  EXPECT_EQ(causes[0].message, "Too long: may not be more than 262144 bytes");

  causes.clear();
  meta["annotations"] = boost::json::object{{"example.com/Note", std::string(1000, 'x')}};
  ValidateLabelsAndAnnotations(meta, causes);
  EXPECT_THAT(causes, IsEmpty());
}

}  // namespace
}  // namespace airunway::kubesim
