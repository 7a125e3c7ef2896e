#include "kubesim/structural_schema.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

const char* kSchema = R"({"type":"object","properties":{
  "spec":{"type":"object","required":["replicas","name"],"properties":{
    "replicas":{"type":"integer","minimum":1,"maximum":10},
    "name":{"type":"string","pattern":"^[a-z]+$","maxLength":10},
    "short":{"type":"string","minLength":3},
    "mode":{"type":"string","enum":["a","b"],"default":"a"},
    "ratio":{"type":"number","maximum":1.5,"exclusiveMaximum":true},
    "items":{"type":"array","minItems":1,"maxItems":3,
             "x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
             "items":{"type":"object","required":["name"],"properties":{
               "name":{"type":"string"},"port":{"type":"integer","default":80}}}},
    "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
    "port":{"x-kubernetes-int-or-string":true},
    "config":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
    "labels":{"type":"object","additionalProperties":{"type":"string"}},
    "resources":{"type":"object","default":{},"properties":{
      "limits":{"type":"object","default":{},"properties":{"gpu":{"type":"integer","default":1}}}}},
    "template":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true},
    "when":{"type":"string","format":"date-time"},
    "note":{"type":"string","nullable":true}}},
  "status":{"type":"object","properties":{"phase":{"type":"string"}}}}})";

json::object Schema() { return Obj(kSchema); }

// A valid object with `spec_overrides` merged into its spec.
json::object Widget(std::string_view spec_overrides = "{}") {
  json::object o = Obj(R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},
                           "spec":{"replicas":2,"name":"abc","items":[{"name":"x"}]}})");
  for (const auto& [k, v] : Obj(spec_overrides)) {
    if (v.is_null()) {
      o["spec"].as_object().erase(k);
    } else {
      o["spec"].as_object()[k] = v;
    }
  }
  return o;
}

std::vector<StatusCause> Check(json::object o) { return NormalizeCustomObject(o, Schema()); }

::testing::AssertionResult OneCause(const std::vector<StatusCause>& causes, std::string_view type,
                                    std::string_view field, std::string_view message) {
  if (causes.size() != 1) {
    auto r = ::testing::AssertionFailure() << causes.size() << " causes:";
    for (const auto& c : causes) r << " [" << c.type << " " << c.field << ": " << c.message << "]";
    return r;
  }
  const StatusCause& c = causes[0];
  if (c.type != type || c.field != field || c.message != message) {
    return ::testing::AssertionFailure() << "got [" << c.type << " " << c.field << ": " << c.message << "]";
  }
  return ::testing::AssertionSuccess();
}

TEST(StructuralSchemaTest, ValidObjectIsDefaultedDeeply) {
  json::object o = Widget();
  EXPECT_TRUE(NormalizeCustomObject(o, Schema()).empty());
  const auto& spec = o.at("spec").as_object();
  EXPECT_EQ(spec.at("mode"), "a");
  EXPECT_EQ(spec.at("items").as_array()[0].at("port"), 80);
  // resources defaulted to {}, then its limits to {}, then gpu to 1.
  EXPECT_EQ(spec.at("resources"), json::parse(R"({"limits":{"gpu":1}})"));
}

TEST(StructuralSchemaTest, NullsAreDroppedOrDefaultedUnlessNullable) {
  json::object o = Widget(R"({"mode":null,"short":null,"note":null})");
  o["spec"].as_object()["mode"] = nullptr;
  o["spec"].as_object()["short"] = nullptr;
  o["spec"].as_object()["note"] = nullptr;
  EXPECT_TRUE(NormalizeCustomObject(o, Schema()).empty());
  const auto& spec = o.at("spec").as_object();
  EXPECT_EQ(spec.at("mode"), "a");
  EXPECT_FALSE(spec.contains("short"));
  EXPECT_TRUE(spec.at("note").is_null());
}

TEST(StructuralSchemaTest, PrunesUnknownFieldsButKeepsTypeMetaMetadataAndPreservedFields) {
  json::object o = Widget(R"({"unknown":1,"config":{"anything":{"deep":true}},"labels":{"a":"b"},
                              "template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"x":1}}})");
  o["extra"] = "drop me";
  o["metadata"].as_object()["labels"] = json::parse(R"({"app":"w"})");
  o["status"] = json::parse(R"({"phase":"Ready","bogus":1})");
  EXPECT_TRUE(NormalizeCustomObject(o, Schema()).empty());
  EXPECT_FALSE(o.contains("extra"));
  EXPECT_EQ(o.at("apiVersion"), "example.com/v1");
  EXPECT_EQ(o.at("kind"), "Widget");
  EXPECT_EQ(o.at("metadata"), json::parse(R"({"name":"w1","labels":{"app":"w"}})"));
  const auto& spec = o.at("spec").as_object();
  EXPECT_FALSE(spec.contains("unknown"));
  EXPECT_EQ(spec.at("config"), json::parse(R"({"anything":{"deep":true}})"));
  EXPECT_EQ(spec.at("labels"), json::parse(R"({"a":"b"})"));
  EXPECT_EQ(spec.at("template").at("spec"), json::parse(R"({"x":1})"));
  EXPECT_EQ(o.at("status"), json::parse(R"({"phase":"Ready"})"));
}

TEST(StructuralSchemaTest, WrongTypeIsFieldValueTypeInvalid) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"replicas":"three"})")), "FieldValueTypeInvalid", "spec.replicas",
                       R"(Invalid value: "string": spec.replicas in body must be of type integer: "string")"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"port":true})")), "FieldValueTypeInvalid", "spec.port",
                       R"(Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean")"));
  EXPECT_TRUE(Check(Widget(R"({"port":"http"})")).empty());
  EXPECT_TRUE(Check(Widget(R"({"port":8080})")).empty());
  EXPECT_TRUE(Check(Widget(R"({"replicas":3.0})")).empty());  // integral floats are integers
}

TEST(StructuralSchemaTest, MissingRequiredField) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"name":null})")), "FieldValueRequired", "spec.name", "Required value"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"items":[{"port":1}]})")), "FieldValueRequired", "spec.items[0].name",
                       "Required value"));
}

TEST(StructuralSchemaTest, EnumFailureListsSupportedValues) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"mode":"c"})")), "FieldValueNotSupported", "spec.mode",
                       R"(Unsupported value: "c": supported values: "a", "b")"));
}

TEST(StructuralSchemaTest, NumericBounds) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"replicas":0})")), "FieldValueInvalid", "spec.replicas",
                       "Invalid value: 0: spec.replicas in body should be greater than or equal to 1"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"replicas":11})")), "FieldValueInvalid", "spec.replicas",
                       "Invalid value: 11: spec.replicas in body should be less than or equal to 10"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"ratio":1.5})")), "FieldValueInvalid", "spec.ratio",
                       "Invalid value: 1.5: spec.ratio in body should be less than 1.5"));
}

TEST(StructuralSchemaTest, StringConstraints) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"name":"X"})")), "FieldValueInvalid", "spec.name",
                       R"(Invalid value: "X": spec.name in body should match '^[a-z]+$')"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"name":"abcdefghijk"})")), "FieldValueTooLong", "spec.name",
                       "Too long: may not be more than 10 bytes"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"short":"ab"})")), "FieldValueInvalid", "spec.short",
                       R"(Invalid value: "ab": spec.short in body should be at least 3 chars long)"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"when":"yesterday"})")), "FieldValueTypeInvalid", "spec.when",
                       R"(Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday")"));
  EXPECT_TRUE(Check(Widget(R"({"when":"2026-01-01T00:00:00Z"})")).empty());
}

TEST(StructuralSchemaTest, ArrayConstraints) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"items":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]})")),
                       "FieldValueTooMany", "spec.items", "Too many: 4: must have at most 3 items"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"items":[]})")), "FieldValueInvalid", "spec.items",
                       "Invalid value: 0: spec.items in body should have at least 1 items"));
}

TEST(StructuralSchemaTest, ListTypeDuplicates) {
  EXPECT_TRUE(OneCause(Check(Widget(R"({"items":[{"name":"a"},{"name":"a","port":2}]})")), "FieldValueDuplicate",
                       "spec.items[1]", R"(Duplicate value: {"name":"a"})"));
  EXPECT_TRUE(OneCause(Check(Widget(R"({"tags":["x","y","x","x"]})")), "FieldValueDuplicate", "spec.tags[2]",
                       R"(Duplicate value: "x")"));
}

TEST(StructuralSchemaTest, EmbeddedResourceNeedsApiVersionAndKind) {
  auto causes = Check(Widget(R"({"template":{"apiVersion":"v1","metadata":{}}})"));
  EXPECT_TRUE(OneCause(causes, "FieldValueRequired", "spec.template.kind", "Required value"));
}

TEST(StructuralSchemaTest, SeveralFailuresMakeTheInvalidStatusMessage) {
  auto causes = Check(Widget(R"({"replicas":"x","mode":"z"})"));
  ASSERT_EQ(causes.size(), 2u);
  ApiStatus s = Invalid("Widget", "example.com", "w1", causes);
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.message,
            R"(Widget.example.com "w1" is invalid: [spec.replicas: Invalid value: "string": spec.replicas in body )"
            R"(must be of type integer: "string", spec.mode: Unsupported value: "z": supported values: "a", "b"])");
}

TEST(StructuralSchemaTest, CombinatorsReportAtTheNilPath) {
  auto schema = Obj(R"({"type":"object","properties":{"spec":{"type":"object",
      "properties":{"a":{"type":"string"},"b":{"type":"string"}},
      "anyOf":[{"required":["a"]},{"required":["b"]}],
      "not":{"required":["c"]}}}})");
  json::object o = Obj(R"({"spec":{}})");
  auto causes = NormalizeCustomObject(o, schema);
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].field, "<nil>");
  EXPECT_EQ(causes[0].message, R"(Invalid value: "": "spec" must validate at least one schema (anyOf))");
  EXPECT_EQ(causes[1].field, "spec.a");
  EXPECT_EQ(causes[1].message, "Required value");
}

TEST(StructuralSchemaTest, RootMetadataNameRestrictionsApply) {
  auto schema = Obj(R"({"type":"object","properties":{"metadata":{"type":"object","properties":{
      "name":{"type":"string","maxLength":5}}}}})");
  json::object o = Obj(R"({"metadata":{"name":"toolongname","labels":{"a":"b"}}})");
  EXPECT_TRUE(OneCause(NormalizeCustomObject(o, schema), "FieldValueTooLong", "metadata.name",
                       "Too long: may not be more than 5 bytes"));
  EXPECT_EQ(o.at("metadata").at("labels"), json::parse(R"({"a":"b"})"));
}

// ---- the CRD's schema itself ----

TEST(StructuralSchemaCheckTest, GoodSchemaPasses) {
  EXPECT_TRUE(ValidateStructuralSchema(Schema(), "spec.versions[0].schema.openAPIV3Schema").empty());
}

TEST(StructuralSchemaCheckTest, MissingTypesAreReportedWithTheirLevel) {
  auto schema = Obj(R"({"properties":{"spec":{"properties":{
      "list":{"type":"array"},"other":{"type":"array","items":{}}}}}})");
  auto causes = ValidateStructuralSchema(schema, "spec.versions[0].schema.openAPIV3Schema");
  std::vector<std::string> lines;
  for (const auto& c : causes) lines.push_back(c.field + ": " + c.message);
  EXPECT_EQ(lines, (std::vector<std::string>{
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[list].items: Required value: must be specified",
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[other].items.type: Required value: must not be empty for specified array items",
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields",
      "spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root",
  }));
  EXPECT_EQ(causes[0].type, "FieldValueRequired");
}

TEST(StructuralSchemaCheckTest, RootRestrictions) {
  auto schema = Obj(R"({"type":"string","additionalProperties":{"type":"string"},
      "properties":{"metadata":{"type":"object","properties":{"labels":{"type":"object"}}}}})");
  auto causes = ValidateStructuralSchema(schema, "s");
  std::vector<std::string> lines;
  for (const auto& c : causes) lines.push_back(c.field + ": " + c.message);
  EXPECT_EQ(lines, (std::vector<std::string>{
      "s.additionalProperties: Forbidden: must not be used at the root",
      "s.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified",
      R"(s.type: Invalid value: "string": must be object at the root)",
  }));
}

TEST(StructuralSchemaCheckTest, PreserveUnknownAndIntOrStringNeedNoType) {
  auto schema = Obj(R"({"type":"object","properties":{"a":{"x-kubernetes-preserve-unknown-fields":true},
                                                        "b":{"x-kubernetes-int-or-string":true},
                                                        "c":{"type":"strin"}}})");
  auto causes = ValidateStructuralSchema(schema, "s");
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "s.properties[c].type");
  EXPECT_EQ(causes[0].message,
            R"(Unsupported value: "strin": supported values: "array", "boolean", "integer", "number", "object", "string")");
}

}  // namespace
}  // namespace airunway::kubesim
