// Identity fields (the reference webhook's update rules U1, U2, U5, U6, checklist 88-89): what
// the controller records when it first accepts a spec, and the change of each identity field
// it refuses afterwards, with a message naming the field and saying what to do.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "controller/validation.h"

namespace airunway::controller {
namespace {
namespace json = boost::json;

// The spec as the reconciler sees it: parsed after the webhook defaults.
ModelDeploymentSpec Spec(std::string_view yaml_like_json) {
  json::object raw = json::parse(yaml_like_json).as_object();
  return ParseModelDeploymentSpec(ApplySpecDefaults(std::move(raw), "md"));
}

constexpr std::string_view kBase = R"({
  "model": {"id": "Qwen/Qwen2.5-0.5B-Instruct",
            "storage": {"volumes": [
              {"name": "cache", "purpose": "modelCache", "size": "10Gi", "storageClassName": "fast"},
              {"name": "scratch", "claimName": "existing", "mountPath": "/scratch"}]}},
  "engine": {"type": "vllm"}})";

json::object Recorded() { return IdentityOf(Spec(kBase)); }

// The spec of kBase with `edit` applied to its raw JSON.
template <typename Edit>
ModelDeploymentSpec Edited(Edit edit) {
  json::object raw = json::parse(kBase).as_object();
  edit(raw);
  return ParseModelDeploymentSpec(ApplySpecDefaults(std::move(raw), "md"));
}

json::object& Volume(json::object& raw, std::size_t i) {
  return raw["model"].as_object()["storage"].as_object()["volumes"].as_array()[i].as_object();
}

TEST(IdentityTest, RecordsDefaultedValuesAndOnlyManagedVolumes) {
  json::object identity = Recorded();
  EXPECT_EQ(identity.at("model.id"), "Qwen/Qwen2.5-0.5B-Instruct");
  EXPECT_EQ(identity.at("model.source"), "huggingface");
  EXPECT_EQ(identity.at("serving.mode"), "aggregated");
  const json::array& volumes = identity.at("storage.managedVolumes").as_array();
  ASSERT_EQ(volumes.size(), 1u);
  EXPECT_EQ(volumes[0].at("name"), "cache");
  EXPECT_EQ(volumes[0].at("claimName"), "md-cache");  // defaulted before recording
  EXPECT_EQ(volumes[0].at("accessMode"), "ReadWriteMany");
  EXPECT_EQ(volumes[0].at("storageClassName"), "fast");
}

TEST(IdentityTest, UnchangedSpecAndNonIdentityChangesPass) {
  EXPECT_TRUE(CheckIdentity(Spec(kBase), Recorded()).empty());
  auto spec = Edited([](json::object& raw) {
    raw["scaling"] = json::object{{"replicas", 3}};
    raw["engine"].as_object()["extraArgs"] = json::array{"--max-num-seqs=8"};
    Volume(raw, 1)["mountPath"] = "/other";  // unmanaged volumes may change
  });
  EXPECT_TRUE(CheckIdentity(spec, Recorded()).empty());
}

TEST(IdentityTest, ModelIdChangeIsRefusedWithWhatToDo) {
  auto spec = Edited([](json::object& raw) { raw["model"].as_object()["id"] = "meta-llama/Llama-3.1-8B"; });
  auto errors = CheckIdentity(spec, Recorded());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.model.id");
  EXPECT_NE(errors[0].message.find("field is immutable"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("\"Qwen/Qwen2.5-0.5B-Instruct\""), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("\"meta-llama/Llama-3.1-8B\""), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[0].message.find("delete and recreate the ModelDeployment"), std::string::npos) << errors[0].message;
}

TEST(IdentityTest, ModelSourceChangeIsRefusedButEmptyReadsAsHuggingFace) {
  auto explicit_hf = Edited([](json::object& raw) { raw["model"].as_object()["source"] = "huggingface"; });
  EXPECT_TRUE(CheckIdentity(explicit_hf, Recorded()).empty());
  auto custom = Edited([](json::object& raw) { raw["model"].as_object()["source"] = "custom"; });
  auto errors = CheckIdentity(custom, Recorded());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.model.source");
  EXPECT_NE(errors[0].message.find("set it back to \"huggingface\""), std::string::npos) << errors[0].message;
}

TEST(IdentityTest, ServingModeChangeIsRefusedButEmptyReadsAsAggregated) {
  auto explicit_aggregated = Edited([](json::object& raw) { raw["serving"] = json::object{{"mode", "aggregated"}}; });
  EXPECT_TRUE(CheckIdentity(explicit_aggregated, Recorded()).empty());
  auto disaggregated = Edited([](json::object& raw) { raw["serving"] = json::object{{"mode", "disaggregated"}}; });
  auto errors = CheckIdentity(disaggregated, Recorded());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.serving.mode");
  EXPECT_NE(errors[0].message.find("\"aggregated\""), std::string::npos) << errors[0].message;
}

TEST(IdentityTest, RemovingAManagedVolumeIsForbidden) {
  auto removed = Edited([](json::object& raw) {
    auto& volumes = raw["model"].as_object()["storage"].as_object()["volumes"].as_array();
    volumes.erase(volumes.begin());
  });
  auto errors = CheckIdentity(removed, Recorded());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.model.storage.volumes");
  EXPECT_NE(errors[0].message.find("Forbidden: managed volume \"cache\""), std::string::npos) << errors[0].message;

  auto no_storage = Edited([](json::object& raw) { raw["model"].as_object().erase("storage"); });
  EXPECT_EQ(CheckIdentity(no_storage, Recorded()).size(), 1u);
}

TEST(IdentityTest, EachManagedVolumeFieldIsImmutable) {
  struct Case {
    std::string key;
    json::value value;
  };
  for (const Case& c : std::vector<Case>{{"size", "20Gi"},
                                         {"storageClassName", "slow"},
                                         {"accessMode", "ReadWriteOnce"},
                                         {"mountPath", "/elsewhere"},
                                         {"purpose", "compilationCache"}}) {
    SCOPED_TRACE(c.key);
    auto spec = Edited([&](json::object& raw) { Volume(raw, 0)[c.key] = c.value; });
    auto errors = CheckIdentity(spec, Recorded());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "spec.model.storage.volumes[0]");
    EXPECT_NE(errors[0].message.find(c.key + " changed"), std::string::npos) << errors[0].message;
  }
  // Removing size turns the volume unmanaged: a change too.
  auto unsized = Edited([](json::object& raw) {
    Volume(raw, 0).erase("size");
    Volume(raw, 0)["claimName"] = "md-cache";
  });
  ASSERT_EQ(CheckIdentity(unsized, Recorded()).size(), 1u);
  EXPECT_NE(CheckIdentity(unsized, Recorded())[0].message.find("size changed"), std::string::npos);
}

TEST(IdentityTest, ManagedVolumeEqualityComparesSizeByValueAndStorageClassPresence) {
  StorageVolume a{"cache", "md-cache", "/model-cache", "modelCache", false, "1Gi", std::nullopt, "ReadWriteMany"};
  StorageVolume b = a;
  b.size = "1024Mi";
  EXPECT_TRUE(ManagedVolumeDifferences(a, b).empty());
  b.storage_class_name = "";
  EXPECT_EQ(ManagedVolumeDifferences(a, b), std::vector<std::string>{"storageClassName"});
  EXPECT_EQ(ManagedVolumeDifferences(b, a), std::vector<std::string>{"storageClassName"});
  b = a;
  b.read_only = true;
  EXPECT_EQ(ManagedVolumeDifferences(a, b), std::vector<std::string>{"readOnly"});
}

TEST(IdentityTest, AddingAManagedVolumeIsAllowed) {
  auto added = Edited([](json::object& raw) {
    raw["model"].as_object()["storage"].as_object()["volumes"].as_array().push_back(
        json::object{{"name", "compile"}, {"purpose", "compilationCache"}, {"size", "1Gi"}});
  });
  EXPECT_TRUE(CheckIdentity(added, Recorded()).empty());
}

TEST(IdentityTest, SeveralChangesAreAllReported) {
  auto spec = Edited([](json::object& raw) {
    raw["model"].as_object()["id"] = "other/model";
    raw["serving"] = json::object{{"mode", "disaggregated"}};
  });
  auto errors = CheckIdentity(spec, Recorded());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "spec.model.id");
  EXPECT_EQ(errors[1].field, "spec.serving.mode");
}

TEST(IdentityTest, KeysMissingFromTheRecordAreNotCompared) {
  auto spec = Edited([](json::object& raw) { raw["model"].as_object()["id"] = "other/model"; });
  EXPECT_TRUE(CheckIdentity(spec, json::object{{"serving.mode", "aggregated"}}).empty());
}

TEST(IdentityTest, RecordedIdentityReadsTheAnnotation) {
  ModelDeployment md;
  EXPECT_FALSE(RecordedIdentity(md).has_value());
  md.annotations[std::string(kAnnotationIdentity)] = "not json";
  EXPECT_FALSE(RecordedIdentity(md).has_value());
  md.annotations[std::string(kAnnotationIdentity)] = "[1]";
  EXPECT_FALSE(RecordedIdentity(md).has_value());
  md.annotations[std::string(kAnnotationIdentity)] = json::serialize(Recorded());
  ASSERT_TRUE(RecordedIdentity(md).has_value());
  EXPECT_EQ(*RecordedIdentity(md), Recorded());
}

}  // namespace
}  // namespace airunway::controller
