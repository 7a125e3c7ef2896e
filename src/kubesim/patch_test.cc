#include "kubesim/patch.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

json::object Obj(std::string_view text) { return json::parse(text).as_object(); }

// By value: the results are temporaries.
template <typename T>
T Ok(const ApiResult<T>& r) {
  if (!IsOk(r)) {
    ADD_FAILURE() << "unexpected failure: " << std::get<1>(r).message;
    return T();
  }
  return std::get<0>(r);
}

template <typename T>
ApiStatus Err(const ApiResult<T>& r) {
  if (IsOk(r)) {
    ADD_FAILURE() << "unexpected success";
    return ApiStatus();
  }
  return std::get<1>(r);
}

// ---- content type and body checks ----

TEST(PatchTypeTest, RecognisesContentTypesIgnoringParameters) {
  EXPECT_EQ(PatchTypeFromContentType("application/merge-patch+json; charset=utf-8"), PatchType::kMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/json-patch+json"), PatchType::kJson);
  EXPECT_EQ(PatchTypeFromContentType("application/strategic-merge-patch+json"), PatchType::kStrategicMerge);
  EXPECT_EQ(PatchTypeFromContentType("application/apply-patch+yaml"), PatchType::kApply);
  EXPECT_EQ(PatchTypeFromContentType("application/json"), PatchType::kUnknown);
}

TEST(PatchTypeTest, CustomResourcesRefuseStrategicMergePatchWith415) {
  const ApiStatus s = Err(CheckPatchType("application/strategic-merge-patch+json", true));
  EXPECT_EQ(s.code, 415);
  EXPECT_EQ(s.reason, "UnsupportedMediaType");
  EXPECT_EQ(s.message,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  EXPECT_EQ(Ok(CheckPatchType("application/strategic-merge-patch+json", false)), PatchType::kStrategicMerge);
  EXPECT_EQ(Ok(CheckPatchType("application/merge-patch+json", true)), PatchType::kMerge);
}

TEST(PatchTypeTest, BuiltInResourcesListAllFourTypes) {
  const ApiStatus s = Err(CheckPatchType("text/plain", false));
  EXPECT_EQ(s.code, 415);
  EXPECT_EQ(s.message,
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/strategic-merge-patch+json, application/apply-patch+yaml");
}

TEST(PatchBodyTest, MalformedJsonIsBadRequest) {
  const ApiStatus s = Err(ParsePatchBody("{\"spec\":"));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.reason, "BadRequest");
  EXPECT_EQ(s.message, "invalid JSON patch");
  EXPECT_TRUE(Ok(ParsePatchBody("{\"a\":1}")).is_object());
}

// ---- merge patch ----

TEST(MergePatchTest, MergesNestedObjectsDeletesNullsAndReplacesLists) {
  auto target = Obj(R"({"metadata":{"name":"a","labels":{"x":"1","y":"2"}},
                        "spec":{"replicas":1,"args":["a","b"]}})");
  auto patch = json::parse(R"({"metadata":{"labels":{"y":null,"z":"3"}},
                               "spec":{"replicas":3,"args":["c"]}})");
  const auto out = Ok(ApplyMergePatch(target, patch));
  EXPECT_EQ(out, Obj(R"({"metadata":{"name":"a","labels":{"x":"1","z":"3"}},
                         "spec":{"replicas":3,"args":["c"]}})"));
}

TEST(MergePatchTest, NewObjectsLoseTheirNulls) {
  const auto out = Ok(ApplyMergePatch(Obj("{}"), json::parse(R"({"spec":{"a":null,"b":1}})")));
  EXPECT_EQ(out, Obj(R"({"spec":{"b":1}})"));
}

TEST(MergePatchTest, NonObjectPatchIsBadRequest) {
  const ApiStatus s = Err(ApplyMergePatch(Obj("{}"), json::parse("null")));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "Invalid JSON Patch");
}

// ---- JSON patch ----

TEST(JsonPatchTest, AppliesAllOperationsInOrder) {
  auto target = json::parse(R"({"spec":{"replicas":1,"list":[1,2],"a/b":{"~t":1}},"status":{}})");
  auto patch = json::parse(R"([
    {"op":"test","path":"/spec/replicas","value":1},
    {"op":"replace","path":"/spec/replicas","value":3},
    {"op":"add","path":"/spec/list/-","value":3},
    {"op":"add","path":"/spec/list/0","value":0},
    {"op":"remove","path":"/spec/list/1"},
    {"op":"copy","from":"/spec/a~1b/~0t","path":"/spec/copied"},
    {"op":"move","from":"/spec/a~1b","path":"/status/moved"},
    {"op":"add","path":"/metadata","value":{"labels":{"app":"x"}}}
  ])");
  const auto out = Ok(ApplyJsonPatch(target, patch));
  EXPECT_EQ(out, json::parse(R"({"spec":{"replicas":3,"list":[0,2,3],"copied":1},
                                 "status":{"moved":{"~t":1}},"metadata":{"labels":{"app":"x"}}})"));
}

TEST(JsonPatchTest, TestComparesNumbersByValue) {
  auto out = ApplyJsonPatch(json::parse(R"({"a":1})"), json::parse(R"([{"op":"test","path":"/a","value":1.0}])"));
  EXPECT_TRUE(IsOk(out));
}

TEST(JsonPatchTest, FailingTestGivesTheGeneric422) {
  const ApiStatus s = Err(ApplyJsonPatch(json::parse(R"({"spec":{"replicas":1}})"),
                                          json::parse(R"([{"op":"test","path":"/spec/replicas","value":2}])")));
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.reason, "Invalid");
  EXPECT_EQ(s.message, "the server rejected our request due to an error in our request");
}

TEST(JsonPatchTest, OperationsOnMissingPathsGive422) {
  const auto target = json::parse(R"({"spec":{"list":[1]}})");
  for (const char* op : {R"([{"op":"remove","path":"/spec/missing"}])",
                         R"([{"op":"replace","path":"/spec/missing","value":1}])",
                         R"([{"op":"add","path":"/nope/deeper","value":1}])",
                         R"([{"op":"add","path":"/spec/list/5","value":1}])",
                         R"([{"op":"move","from":"/spec/x","path":"/spec/y"}])",
                         R"([{"op":"frobnicate","path":"/spec"}])",
                         R"([{"op":"add","value":1}])"}) {
    auto result = ApplyJsonPatch(target, json::parse(op));
    ASSERT_FALSE(IsOk(result)) << op;
    EXPECT_EQ(std::get<1>(result).code, 422) << op;
  }
}

TEST(JsonPatchTest, PatchThatIsNotAListIsBadRequestWithTheDecoderMessage) {
  const ApiStatus s = Err(ApplyJsonPatch(json::parse("{}"), json::parse(R"({"op":"add"})")));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  const ApiStatus s2 = Err(ApplyJsonPatch(json::parse("{}"), json::parse(R"(["add"])")));
  EXPECT_EQ(s2.message, "json: cannot unmarshal string into Go value of type jsonpatch.Operation");
}

TEST(JsonPatchTest, TooManyOperationsIs413) {
  json::array ops;
  for (int i = 0; i < 10001; ++i) ops.push_back(json::parse(R"({"op":"test","path":"","value":{}})"));
  const ApiStatus s = Err(ApplyJsonPatch(json::parse("{}"), ops));
  EXPECT_EQ(s.code, 413);
  EXPECT_EQ(s.message, "The allowed maximum operations in a JSON patch is 10000, got 10001");
}

// ---- strategic merge patch ----

const char* kDeployment = R"({
  "apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"web","finalizers":["a","b"],"labels":{"app":"web"}},
  "spec":{"replicas":1,"template":{"spec":{
    "containers":[
      {"name":"app","image":"app:1","ports":[{"containerPort":80,"name":"http"}],
       "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
      {"name":"sidecar","image":"side:1"}],
    "tolerations":[{"key":"x","operator":"Exists"}],
    "volumes":[{"name":"data","emptyDir":{}}]}}}})";

TEST(StrategicMergePatchTest, MergesContainersByNameAndKeepsTheOthers) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2"}]}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  const auto& containers = out.at("spec").at("template").at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0].at("image"), "app:2");
  EXPECT_EQ(containers[0].at("env").as_array().size(), 2u);  // untouched fields stay
  EXPECT_EQ(containers[1].at("name"), "sidecar");
}

TEST(StrategicMergePatchTest, AppendsNewItemsAndMergesNestedKeyedLists) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{"containers":[
      {"name":"app","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}],
       "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443}]},
      {"name":"new","image":"n:1"}]}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  const auto& containers = out.at("spec").at("template").at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 3u);
  EXPECT_EQ(containers[2].at("name"), "new");
  EXPECT_EQ(containers[0].at("env"), json::parse(R"([{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}])"));
  EXPECT_EQ(containers[0].at("ports"),
            json::parse(R"([{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":443}])"));
}

TEST(StrategicMergePatchTest, DeleteDirectiveRemovesAnItemByKey) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  const auto& containers = out.at("spec").at("template").at("spec").at("containers").as_array();
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].at("name"), "app");
}

TEST(StrategicMergePatchTest, ListsWithoutMergeKeyAreReplaced) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{"tolerations":[{"key":"y","operator":"Exists"}]}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(out.at("spec").at("template").at("spec").at("tolerations"),
            json::parse(R"([{"key":"y","operator":"Exists"}])"));
}

TEST(StrategicMergePatchTest, FinalizersMergeAsASetAndDeleteFromPrimitiveList) {
  auto patch = Obj(R"({"metadata":{"finalizers":["b","c"],"$deleteFromPrimitiveList/finalizers":["a"]}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(out.at("metadata").at("finalizers"), json::parse(R"(["b","c"])"));
}

TEST(StrategicMergePatchTest, SetElementOrderIsAcceptedAndNeverStored) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}],
      "containers":[{"name":"app","image":"app:3"}]}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  const auto& pod = out.at("spec").at("template").at("spec").as_object();
  EXPECT_FALSE(pod.contains("$setElementOrder/containers"));
  EXPECT_EQ(pod.at("containers").as_array()[0].at("image"), "app:3");
}

TEST(StrategicMergePatchTest, ReplaceDirectiveOnAMapAndOnAList) {
  auto patch = Obj(R"({"metadata":{"labels":{"$patch":"replace","only":"this"}},
                       "spec":{"template":{"spec":{"volumes":[{"$patch":"replace"},{"name":"cfg","configMap":{"name":"c"}}]}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(out.at("metadata").at("labels"), json::parse(R"({"only":"this"})"));
  EXPECT_EQ(out.at("spec").at("template").at("spec").at("volumes"),
            json::parse(R"([{"name":"cfg","configMap":{"name":"c"}}])"));
}

TEST(StrategicMergePatchTest, DeleteDirectiveOnAMapAndNullDeleteAKey) {
  auto patch = Obj(R"({"metadata":{"labels":{"$patch":"delete"}},"spec":{"replicas":null}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_FALSE(out.at("metadata").as_object().contains("labels"));
  EXPECT_FALSE(out.at("spec").as_object().contains("replicas"));
}

TEST(StrategicMergePatchTest, RetainKeysClearsOtherFields) {
  auto target = Obj(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})");
  auto patch = Obj(R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})");
  const auto out = Ok(ApplyStrategicMergePatch(target, patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(out.at("spec").at("strategy"), json::parse(R"({"type":"Recreate"})"));
}

TEST(StrategicMergePatchTest, RetainKeysThatContradictThePatchGive422) {
  auto patch = Obj(R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":2}}}})");
  const ApiStatus s = Err(ApplyStrategicMergePatch(Obj("{}"), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(s.code, 422);
}

TEST(StrategicMergePatchTest, ServicePortsMergeByPortInTheTableAndInTheFallback) {
  auto target = Obj(R"({"spec":{"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}]}})");
  auto patch = Obj(R"({"spec":{"ports":[{"port":80,"targetPort":8080}]}})");
  for (const auto& keys : {MergeKeys::ForKind("Service"), MergeKeys()}) {
    const auto out = Ok(ApplyStrategicMergePatch(target, patch, keys));
    EXPECT_EQ(out.at("spec").at("ports"),
              json::parse(R"([{"port":80,"name":"http","targetPort":8080},{"port":443,"name":"https"}])"));
  }
}

TEST(StrategicMergePatchTest, GenericFallbackWorksOnAnyPath) {
  auto target = Obj(R"({"x":{"y":{"containers":[{"name":"a","image":"1"},{"name":"b"}],
                                   "conditions":[{"type":"Ready","status":"False"}]}}})");
  auto patch = Obj(R"({"x":{"y":{"containers":[{"name":"a","image":"2"}],
                                  "conditions":[{"type":"Ready","status":"True"}]}}})");
  const auto out = Ok(ApplyStrategicMergePatch(target, patch, MergeKeys()));
  EXPECT_EQ(out.at("x").at("y"), json::parse(R"({"containers":[{"name":"a","image":"2"},{"name":"b"}],
                                                  "conditions":[{"type":"Ready","status":"True"}]})"));
}

TEST(StrategicMergePatchTest, NewNestedValuesLoseTheirDirectives) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{"initContainers":[{"name":"i","env":[{"name":"X","value":"1"}]}],
                                                   "nodeSelector":{"a":"b","gone":null}}}}})");
  const auto out = Ok(ApplyStrategicMergePatch(Obj("{}"), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(out.at("spec").at("template").at("spec"),
            json::parse(R"({"initContainers":[{"name":"i","env":[{"name":"X","value":"1"}]}],"nodeSelector":{"a":"b"}})"));
}

TEST(StrategicMergePatchTest, ItemWithoutTheMergeKeyIsAnError) {
  auto patch = Obj(R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})");
  const ApiStatus s = Err(ApplyStrategicMergePatch(Obj(kDeployment), patch, MergeKeys::ForKind("Deployment")));
  EXPECT_EQ(s.code, 500);
  EXPECT_EQ(s.message, "map: map[image:x] does not contain declared merge key: name");
}

TEST(StrategicMergePatchTest, UnknownDirectiveIsAnError) {
  const ApiStatus s = Err(ApplyStrategicMergePatch(Obj("{}"), Obj(R"({"spec":{"$patch":"bogus"}})"), MergeKeys()));
  EXPECT_EQ(s.code, 500);
  EXPECT_EQ(s.message, "Unknown patch type: bogus in map: map[$patch:bogus]");
}

TEST(StrategicMergePatchTest, MalformedDirectivesAreBadRequest) {
  EXPECT_EQ(Err(ApplyStrategicMergePatch(Obj("{}"), Obj(R"({"$deleteFromPrimitiveList/finalizers":"a"})"), MergeKeys())).message,
            "invalid patch format of primitive list");
  EXPECT_EQ(Err(ApplyStrategicMergePatch(Obj("{}"), Obj(R"({"$setElementOrder/containers":"a"})"), MergeKeys())).code, 400);
  EXPECT_EQ(Err(ApplyStrategicMergePatch(Obj("{}"), Obj(R"({"$retainKeys":"a"})"), MergeKeys())).message,
            "invalid patch format of retainKeys");
}

TEST(MergeKeysTest, FromSchemaUsesListTypeMarkers) {
  auto schema = Obj(R"({"type":"object","properties":{"spec":{"type":"object","properties":{
      "items":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name","port"],
               "items":{"type":"object"}},
      "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
      "containers":{"type":"array","items":{"type":"object"}}}}}})");
  MergeKeys keys = MergeKeys::FromSchema(schema);
  EXPECT_EQ(keys.Lookup("spec.items").strategy, ListStrategy::kMergeByKey);
  EXPECT_EQ(keys.Lookup("spec.items").keys, (std::vector<std::string>{"name", "port"}));
  EXPECT_EQ(keys.Lookup("spec.tags").strategy, ListStrategy::kMergeSet);
  EXPECT_EQ(keys.Lookup("spec.containers").strategy, ListStrategy::kReplace);  // no generic fallback
  EXPECT_EQ(keys.Lookup("metadata.finalizers").strategy, ListStrategy::kMergeSet);
}

// ---- value helpers ----

TEST(GoFormatTest, FloatsPrintLikeGo) {
  EXPECT_EQ(GoFloat(1.5), "1.5");
  EXPECT_EQ(GoFloat(1), "1");
  EXPECT_EQ(GoFloat(100.5), "100.5");
  EXPECT_EQ(GoFloat(123456), "123456");
  EXPECT_EQ(GoFloat(1e6), "1e+06");
  EXPECT_EQ(GoFloat(123456789), "1.23456789e+08");
  EXPECT_EQ(GoFloat(0.0001), "0.0001");
  EXPECT_EQ(GoFloat(0.00001), "1e-05");
  EXPECT_EQ(GoFloat(-2.25), "-2.25");
}

TEST(GoFormatTest, QuoteAndJson) {
  EXPECT_EQ(GoQuote("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(GoJson(json::parse(R"({"b":1,"a":"<x>"})")), R"({"a":"\u003cx\u003e","b":1})");
  EXPECT_EQ(GoFormat(json::parse(R"({"b":[1,"x"],"a":true})")), "map[a:true b:[1 x]]");
}

}  // namespace
}  // namespace airunway::kubesim
