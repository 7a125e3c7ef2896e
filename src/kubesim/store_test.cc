#include "kubesim/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <regex>
#include <thread>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;

StoreResource Namespaces() { return {"", "v1", "namespaces", "Namespace", false, true, {"status.phase"}}; }
StoreResource Pods() { return {"", "v1", "pods", "Pod", true, true, {"spec.nodeName", "status.phase"}}; }
StoreResource ConfigMaps() { return {"", "v1", "configmaps", "ConfigMap", true, false, {}}; }
StoreResource Deployments() { return {"apps", "v1", "deployments", "Deployment", true, true, {}}; }
StoreResource ReplicaSets() { return {"apps", "v1", "replicasets", "ReplicaSet", true, true, {}}; }
StoreResource Nodes() { return {"", "v1", "nodes", "Node", false, true, {}}; }

json::object Parse(std::string_view text) { return json::parse(text).as_object(); }

template <typename T>
const T& Ok(const ApiResult<T>& result) {
  if (!IsOk(result)) {
    ADD_FAILURE() << "unexpected failure: " << std::get<1>(result).message;
    static const T empty{};
    return empty;
  }
  return std::get<0>(result);
}

template <typename T>
ApiStatus Err(const ApiResult<T>& result) {
  if (IsOk(result)) {
    ADD_FAILURE() << "expected a failure";
    return ApiStatus{};
  }
  return std::get<1>(result);
}

std::string Str(const ObjectPtr& object, std::initializer_list<std::string_view> path) {
  if (!object) return "<null>";
  const json::value* v = nullptr;
  const json::object* current = object.get();
  for (auto key : path) {
    if (!current) return "<missing>";
    v = current->if_contains(key);
    if (!v) return "<missing>";
    current = v->is_object() ? &v->get_object() : nullptr;
  }
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

std::string Name(const ObjectPtr& o) { return Str(o, {"metadata", "name"}); }
std::string Rv(const ObjectPtr& o) { return Str(o, {"metadata", "resourceVersion"}); }

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(StoreOptions{10000, {}}) {
    CreateNamespace("default");
    CreateNamespace("team-a");
  }
  explicit StoreTest(std::size_t history) : store_(StoreOptions{history, {}}) { CreateNamespace("default"); }

  void CreateNamespace(std::string_view name) {
    Ok(store_.Create(Namespaces(), "", Parse(fmt(R"({"metadata":{"name":"%s"}})", name))));
  }
  static std::string fmt(std::string_view pattern, std::string_view a) {
    std::string out(pattern);
    out.replace(out.find("%s"), 2, a);
    return out;
  }
  ObjectPtr MakeConfigMap(std::string_view ns, std::string_view name, std::string_view labels = "{}") {
    json::object o;
    o["metadata"] = json::object{{"name", name}, {"labels", json::parse(labels)}};
    o["data"] = json::object{{"k", "v"}};
    return Ok(store_.Create(ConfigMaps(), ns, std::move(o)));
  }
  ObjectPtr Owned(const StoreResource& r, std::string_view name, const ObjectPtr& owner, bool block = false,
                  std::string_view finalizers = "[]") {
    json::object o;
    json::object ref{{"apiVersion", "apps/v1"}, {"kind", "X"}, {"name", Name(owner)},
                     {"uid", Str(owner, {"metadata", "uid"})}};
    if (block) ref["blockOwnerDeletion"] = true;
    o["metadata"] = json::object{{"name", name}, {"ownerReferences", json::array{ref}},
                                 {"finalizers", json::parse(finalizers)}};
    return Ok(store_.Create(r, "default", std::move(o)));
  }
  bool Exists(const StoreResource& r, std::string_view ns, std::string_view name) {
    return IsOk(store_.Get(r, ns, name));
  }

  Store store_;
};

// ---------------------------------------------------------------------------------------
// Create

TEST_F(StoreTest, CreateFillsSystemFields) {
  ObjectPtr cm = MakeConfigMap("default", "settings");
  EXPECT_EQ(Str(cm, {"apiVersion"}), "v1");
  EXPECT_EQ(Str(cm, {"kind"}), "ConfigMap");
  EXPECT_EQ(Str(cm, {"metadata", "namespace"}), "default");
  EXPECT_TRUE(std::regex_match(Str(cm, {"metadata", "uid"}),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(Str(cm, {"metadata", "creationTimestamp"}),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_EQ(Str(cm, {"metadata", "generation"}), "1");
  EXPECT_EQ(Rv(cm), store_.CurrentResourceVersion());
  ObjectPtr got = Ok(store_.Get(ConfigMaps(), "default", "settings"));
  EXPECT_EQ(got, cm);  // the same immutable snapshot, no copy
}

TEST_F(StoreTest, ResourceVersionIsOneCounterForTheWholeStore) {
  ObjectPtr a = MakeConfigMap("default", "a");
  ObjectPtr b = Ok(store_.Create(Pods(), "default", Parse(R"({"metadata":{"name":"p"}})")));
  EXPECT_EQ(std::stoull(Rv(b)), std::stoull(Rv(a)) + 1);
}

TEST_F(StoreTest, GenerateNameAddsFiveRandomCharacters) {
  ObjectPtr cm = Ok(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"generateName":"job-"}})")));
  EXPECT_TRUE(std::regex_match(Name(cm), std::regex("job-[a-z0-9]{5}"))) << Name(cm);
}

TEST_F(StoreTest, CreateTwiceIsAlreadyExists) {
  MakeConfigMap("default", "a");
  ApiStatus s = Err(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"a"}})")));
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(s.reason, "AlreadyExists");
  EXPECT_EQ(s.message, "configmaps \"a\" already exists");
  Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  ApiStatus apps = Err(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  EXPECT_EQ(apps.message, "deployments.apps \"d\" already exists");
}

TEST_F(StoreTest, SameNameInAnotherNamespaceIsFine) {
  MakeConfigMap("default", "a");
  MakeConfigMap("team-a", "a");
  EXPECT_EQ(Ok(store_.List(ConfigMaps(), "", {})).items.size(), 2u);
}

TEST_F(StoreTest, CreateInMissingNamespaceIsNotFound) {
  ApiStatus s = Err(store_.Create(ConfigMaps(), "nope", Parse(R"({"metadata":{"name":"a"}})")));
  EXPECT_EQ(s.code, 404);
  EXPECT_EQ(s.reason, "NotFound");
  EXPECT_EQ(s.message, "namespaces \"nope\" not found");
}

TEST_F(StoreTest, InvalidNameIsUnprocessable) {
  ApiStatus s = Err(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"Bad_Name"}})")));
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.reason, "Invalid");
  EXPECT_EQ(s.message,
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
            "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
            "an alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  ASSERT_EQ(s.causes.size(), 1u);
  EXPECT_EQ(s.causes[0].field, "metadata.name");
  EXPECT_EQ(s.causes[0].type, "FieldValueInvalid");
}

TEST_F(StoreTest, NamespaceNamesAreLabels) {
  ApiStatus s = Err(store_.Create(Namespaces(), "", Parse(R"({"metadata":{"name":"a.b"}})")));
  EXPECT_EQ(s.code, 422);
  EXPECT_NE(s.message.find("Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": a lowercase RFC "
                           "1123 label must consist"),
            std::string::npos)
      << s.message;
}

TEST_F(StoreTest, MissingNameIsRequired) {
  ApiStatus s = Err(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{}})")));
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.message, "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required");
  ASSERT_EQ(s.causes.size(), 1u);
  EXPECT_EQ(s.causes[0].type, "FieldValueRequired");
}

TEST_F(StoreTest, InvalidLabelsAreUnprocessable) {
  ApiStatus s = Err(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"a","labels":{"a":"b c"}}})")));
  EXPECT_EQ(s.code, 422);
  ASSERT_EQ(s.causes.size(), 1u);
  EXPECT_EQ(s.causes[0].field, "metadata.labels");
}

TEST_F(StoreTest, ResourceVersionOnCreateIsRejected) {
  ApiStatus s = Err(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"a","resourceVersion":"5"}})")));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "resourceVersion should not be set on objects to be created");
}

TEST_F(StoreTest, NamespaceMismatchIsBadRequest) {
  ApiStatus s = Err(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"a","namespace":"team-a"}})")));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "the namespace of the provided object does not match the namespace sent on the request");
}

TEST_F(StoreTest, StatusIsDroppedOnCreateWithAStatusSubresource) {
  ObjectPtr d = Ok(store_.Create(Deployments(), "default",
                                 Parse(R"({"metadata":{"name":"d"},"spec":{"replicas":1},"status":{"replicas":9}})")));
  EXPECT_EQ(Str(d, {"status"}), "<missing>");
  CreateOptions keep;
  keep.keep_status = true;
  ObjectPtr n = Ok(store_.Create(Nodes(), "", Parse(R"({"metadata":{"name":"gpu-1"},"status":{"capacity":{"cpu":"8"}}})"),
                                 keep));
  EXPECT_EQ(Str(n, {"status", "capacity", "cpu"}), "8");
  EXPECT_EQ(Str(n, {"metadata", "namespace"}), "<missing>");
}

TEST_F(StoreTest, NamespacesGetTheirDefaults) {
  ObjectPtr ns = Ok(store_.Get(Namespaces(), "", "team-a"));
  EXPECT_EQ(Str(ns, {"status", "phase"}), "Active");
  EXPECT_EQ(Str(ns, {"spec", "finalizers"}), R"(["kubernetes"])");
  EXPECT_EQ(Str(ns, {"metadata", "labels", "kubernetes.io/metadata.name"}), "team-a");
}

TEST_F(StoreTest, DryRunCreateStoresNothing) {
  CreateOptions dry;
  dry.dry_run = true;
  std::string before = store_.CurrentResourceVersion();
  ObjectPtr cm = Ok(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"a"}})"), dry));
  EXPECT_EQ(Name(cm), "a");
  EXPECT_FALSE(Exists(ConfigMaps(), "default", "a"));
  EXPECT_EQ(store_.CurrentResourceVersion(), before);
}

// ---------------------------------------------------------------------------------------
// Get / update

TEST_F(StoreTest, GetMissingIsNotFound) {
  ApiStatus s = Err(store_.Get(Deployments(), "default", "ghost"));
  EXPECT_EQ(s.code, 404);
  EXPECT_EQ(s.message, "deployments.apps \"ghost\" not found");
}

TEST_F(StoreTest, UpdateWithStaleResourceVersionConflicts) {
  ObjectPtr v1 = MakeConfigMap("default", "a");
  json::object edit = *v1;
  edit["data"].as_object()["k"] = "v2";
  ObjectPtr v2 = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_NE(Rv(v2), Rv(v1));
  edit["data"].as_object()["k"] = "v3";  // still carries v1's resourceVersion
  ApiStatus s = Err(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(s.reason, "Conflict");
  EXPECT_EQ(s.message,
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your "
            "changes to the latest version and try again");
  // Without a resourceVersion the write is unconditional.
  edit["metadata"].as_object().erase("resourceVersion");
  ObjectPtr v3 = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(Str(v3, {"data", "k"}), "v3");
}

TEST_F(StoreTest, UpdateKeepsImmutableMetadata) {
  ObjectPtr v1 = MakeConfigMap("default", "a");
  json::object edit = Parse(R"({"metadata":{"name":"a","uid":"forged","creationTimestamp":"2000-01-01T00:00:00Z"},
                                "data":{"k":"x"}})");
  ObjectPtr v2 = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(Str(v2, {"metadata", "uid"}), Str(v1, {"metadata", "uid"}));
  EXPECT_EQ(Str(v2, {"metadata", "creationTimestamp"}), Str(v1, {"metadata", "creationTimestamp"}));
  EXPECT_EQ(Str(v2, {"kind"}), "ConfigMap");
}

TEST_F(StoreTest, UpdateOfMissingObjectIsNotFoundUnlessCreateIsAllowed) {
  ApiStatus s = Err(store_.Update(ConfigMaps(), "default", "a", Parse(R"({"metadata":{"name":"a"}})")));
  EXPECT_EQ(s.code, 404);
  EXPECT_EQ(s.message, "configmaps \"a\" not found");
  UpdateOptions upsert;
  upsert.allow_create = true;
  ObjectPtr created = Ok(store_.Update(ConfigMaps(), "default", "a", Parse(R"({"metadata":{"name":"a"}})"), upsert));
  EXPECT_EQ(Str(created, {"metadata", "generation"}), "1");
}

TEST_F(StoreTest, UpdateNameMismatchIsBadRequest) {
  MakeConfigMap("default", "a");
  ApiStatus s = Err(store_.Update(ConfigMaps(), "default", "a", Parse(R"({"metadata":{"name":"b"}})")));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "the name of the object (b) does not match the name on the URL (a)");
}

TEST_F(StoreTest, GenerationBumpsOnlyForChangesOutsideMetadataAndStatus) {
  ObjectPtr v1 = MakeConfigMap("default", "a");
  json::object edit = *v1;
  edit["metadata"].as_object()["labels"] = json::object{{"x", "y"}};
  edit["metadata"].as_object().erase("resourceVersion");
  ObjectPtr v2 = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(Str(v2, {"metadata", "generation"}), "1");
  edit["data"].as_object()["k"] = "changed";
  ObjectPtr v3 = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(Str(v3, {"metadata", "generation"}), "2");
}

TEST_F(StoreTest, NoOpUpdateKeepsTheResourceVersion) {
  ObjectPtr v1 = MakeConfigMap("default", "a");
  ObjectPtr v2 = Ok(store_.Update(ConfigMaps(), "default", "a", *v1));
  EXPECT_EQ(Rv(v2), Rv(v1));
  EXPECT_EQ(store_.CurrentResourceVersion(), Rv(v1));
}

TEST_F(StoreTest, StatusSubresourceSeparatesSpecAndStatus) {
  ObjectPtr d1 = Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"},"spec":{"replicas":1}})")));

  // /status changes status only, even if the body changes the spec; no generation bump.
  json::object body = *d1;
  body["spec"].as_object()["replicas"] = 5;
  body["status"] = json::object{{"readyReplicas", 1}};
  ObjectPtr d2 = Ok(store_.UpdateStatus(Deployments(), "default", "d", body));
  EXPECT_EQ(Str(d2, {"status", "readyReplicas"}), "1");
  EXPECT_EQ(Str(d2, {"spec", "replicas"}), "1");
  EXPECT_EQ(Str(d2, {"metadata", "generation"}), "1");

  // The main endpoint ignores status and bumps generation for the spec change.
  json::object main = *d2;
  main["spec"].as_object()["replicas"] = 3;
  main["status"] = json::object{{"readyReplicas", 99}};
  ObjectPtr d3 = Ok(store_.Update(Deployments(), "default", "d", main));
  EXPECT_EQ(Str(d3, {"spec", "replicas"}), "3");
  EXPECT_EQ(Str(d3, {"status", "readyReplicas"}), "1");
  EXPECT_EQ(Str(d3, {"metadata", "generation"}), "2");

  // A stale resourceVersion conflicts on /status too.
  ApiStatus s = Err(store_.UpdateStatus(Deployments(), "default", "d", *d2));
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(s.message.rfind("Operation cannot be fulfilled on deployments.apps \"d\"", 0), 0u);
}

TEST_F(StoreTest, MutateIsAnAtomicReadModifyWrite) {
  MakeConfigMap("default", "a");
  ObjectPtr out = Ok(store_.Mutate(ConfigMaps(), "default", "a", [](const json::object& current) -> ApiResult<json::object> {
    json::object next = current;
    next["data"].as_object()["k"] = "patched";
    return next;
  }));
  EXPECT_EQ(Str(out, {"data", "k"}), "patched");
  ApiStatus s = Err(store_.Mutate(ConfigMaps(), "default", "a", [](const json::object&) -> ApiResult<json::object> {
    return BadRequest("patch does not apply");
  }));
  EXPECT_EQ(s.message, "patch does not apply");
}

// ---------------------------------------------------------------------------------------
// Delete, finalizers, garbage collection

TEST_F(StoreTest, DeleteReturnsTheRemovedObject) {
  ObjectPtr cm = MakeConfigMap("default", "a");
  DeleteResult result = Ok(store_.Delete(ConfigMaps(), "default", "a"));
  EXPECT_TRUE(result.removed);
  EXPECT_EQ(Name(result.object), "a");
  EXPECT_EQ(Rv(result.object), store_.CurrentResourceVersion());
  EXPECT_FALSE(Exists(ConfigMaps(), "default", "a"));
  ApiStatus s = Err(store_.Delete(ConfigMaps(), "default", "a"));
  EXPECT_EQ(s.code, 404);
}

TEST_F(StoreTest, DeletePreconditions) {
  ObjectPtr cm = MakeConfigMap("default", "a");
  DeleteOptions by_uid;
  by_uid.precondition_uid = "other";
  ApiStatus s = Err(store_.Delete(ConfigMaps(), "default", "a", by_uid));
  EXPECT_EQ(s.code, 409);
  EXPECT_EQ(s.reason, "Conflict");
  EXPECT_EQ(s.message, "Operation cannot be fulfilled on configmaps \"a\": Precondition failed: UID in precondition: "
                       "other, UID in object meta: " + Str(cm, {"metadata", "uid"}));
  DeleteOptions by_rv;
  by_rv.precondition_resource_version = "1";
  s = Err(store_.Delete(ConfigMaps(), "default", "a", by_rv));
  EXPECT_EQ(s.message, "Operation cannot be fulfilled on configmaps \"a\": Precondition failed: ResourceVersion in "
                       "precondition: 1, ResourceVersion in object meta: " + Rv(cm));
  by_rv.precondition_resource_version = Rv(cm);
  EXPECT_TRUE(Ok(store_.Delete(ConfigMaps(), "default", "a", by_rv)).removed);
}

TEST_F(StoreTest, InvalidPropagationPolicy) {
  EXPECT_EQ(Ok(ParsePropagationPolicy("Orphan")), PropagationPolicy::kOrphan);
  ApiStatus s = Err(ParsePropagationPolicy("Sometimes"));
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.causes.at(0).field, "propagationPolicy");
}

TEST_F(StoreTest, FinalizersKeepTheObjectUntilRemoved) {
  Ok(store_.Create(ConfigMaps(), "default", Parse(R"({"metadata":{"name":"a","finalizers":["example.com/hold"]}})")));
  DeleteResult pending = Ok(store_.Delete(ConfigMaps(), "default", "a"));
  EXPECT_FALSE(pending.removed);
  EXPECT_NE(Str(pending.object, {"metadata", "deletionTimestamp"}), "<missing>");
  EXPECT_EQ(Str(pending.object, {"metadata", "deletionGracePeriodSeconds"}), "0");
  ObjectPtr still = Ok(store_.Get(ConfigMaps(), "default", "a"));

  // A second delete changes nothing.
  EXPECT_EQ(Rv(Ok(store_.Delete(ConfigMaps(), "default", "a")).object), Rv(still));

  // No new finalizers while deleting.
  json::object add = *still;
  add["metadata"].as_object()["finalizers"] = json::array{"example.com/hold", "example.com/more"};
  ApiStatus s = Err(store_.Update(ConfigMaps(), "default", "a", add));
  EXPECT_EQ(s.code, 422);
  EXPECT_EQ(s.causes.at(0).field, "metadata.finalizers");
  EXPECT_EQ(s.causes.at(0).message,
            "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers "
            "[]string{\"example.com/more\"}");

  json::object release = *still;
  release["metadata"].as_object().erase("finalizers");
  Ok(store_.Update(ConfigMaps(), "default", "a", release));
  EXPECT_FALSE(Exists(ConfigMaps(), "default", "a"));
}

TEST_F(StoreTest, BackgroundGarbageCollectionIsRecursive) {
  ObjectPtr d = Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  ObjectPtr rs = Owned(ReplicaSets(), "d-1", d);
  Owned(Pods(), "d-1-a", rs);
  Owned(Pods(), "d-1-b", rs);
  EXPECT_TRUE(Ok(store_.Delete(Deployments(), "default", "d")).removed);
  EXPECT_FALSE(Exists(ReplicaSets(), "default", "d-1"));
  EXPECT_FALSE(Exists(Pods(), "default", "d-1-a"));
  EXPECT_FALSE(Exists(Pods(), "default", "d-1-b"));
}

TEST_F(StoreTest, DependentWithAnotherLiveOwnerOnlyLosesTheReference) {
  ObjectPtr a = MakeConfigMap("default", "owner-a");
  ObjectPtr b = MakeConfigMap("default", "owner-b");
  json::object pod = Parse(R"({"metadata":{"name":"shared"}})");
  json::array refs;
  for (const auto& owner : {a, b}) {
    refs.push_back(json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", Name(owner)},
                                {"uid", Str(owner, {"metadata", "uid"})}});
  }
  pod["metadata"].as_object()["ownerReferences"] = refs;
  Ok(store_.Create(Pods(), "default", pod));
  Ok(store_.Delete(ConfigMaps(), "default", "owner-a"));
  ObjectPtr kept = Ok(store_.Get(Pods(), "default", "shared"));
  EXPECT_EQ(Str(kept, {"metadata", "ownerReferences"}).find("owner-a"), std::string::npos);
  EXPECT_NE(Str(kept, {"metadata", "ownerReferences"}).find("owner-b"), std::string::npos);
  Ok(store_.Delete(ConfigMaps(), "default", "owner-b"));
  EXPECT_FALSE(Exists(Pods(), "default", "shared"));
}

TEST_F(StoreTest, OrphanKeepsDependentsAndDropsTheirReference) {
  ObjectPtr d = Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  Owned(ReplicaSets(), "d-1", d);
  DeleteOptions orphan;
  orphan.propagation = PropagationPolicy::kOrphan;
  EXPECT_TRUE(Ok(store_.Delete(Deployments(), "default", "d", orphan)).removed);
  ObjectPtr rs = Ok(store_.Get(ReplicaSets(), "default", "d-1"));
  EXPECT_EQ(Str(rs, {"metadata", "ownerReferences"}), "<missing>");
}

TEST_F(StoreTest, ForegroundWaitsForBlockingDependents) {
  ObjectPtr d = Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  Owned(ReplicaSets(), "held", d, /*block=*/true, R"(["example.com/hold"])");
  Owned(ReplicaSets(), "free", d, /*block=*/true);
  DeleteOptions foreground;
  foreground.propagation = PropagationPolicy::kForeground;
  DeleteResult pending = Ok(store_.Delete(Deployments(), "default", "d", foreground));
  EXPECT_FALSE(pending.removed);
  EXPECT_EQ(Str(pending.object, {"metadata", "finalizers"}), R"(["foregroundDeletion"])");
  EXPECT_NE(Str(pending.object, {"metadata", "deletionTimestamp"}), "<missing>");
  EXPECT_FALSE(Exists(ReplicaSets(), "default", "free"));

  // The held dependent is being deleted; releasing its finalizer lets the owner go.
  ObjectPtr held = Ok(store_.Get(ReplicaSets(), "default", "held"));
  EXPECT_NE(Str(held, {"metadata", "deletionTimestamp"}), "<missing>");
  EXPECT_TRUE(Exists(Deployments(), "default", "d"));
  json::object release = *held;
  release["metadata"].as_object()["finalizers"] = json::array{};
  Ok(store_.Update(ReplicaSets(), "default", "held", release));
  EXPECT_FALSE(Exists(ReplicaSets(), "default", "held"));
  EXPECT_FALSE(Exists(Deployments(), "default", "d"));
}

TEST_F(StoreTest, ForegroundWithoutDependentsRemovesAtOnce) {
  Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  DeleteOptions foreground;
  foreground.propagation = PropagationPolicy::kForeground;
  DeleteResult result = Ok(store_.Delete(Deployments(), "default", "d", foreground));
  EXPECT_TRUE(result.removed);
  EXPECT_EQ(Name(result.object), "d");
  EXPECT_FALSE(Exists(Deployments(), "default", "d"));
}

TEST_F(StoreTest, DeletingANamespaceDeletesItsContent) {
  MakeConfigMap("team-a", "one");
  MakeConfigMap("team-a", "two");
  MakeConfigMap("default", "kept");
  DeleteResult result = Ok(store_.Delete(Namespaces(), "", "team-a"));
  EXPECT_TRUE(result.removed);
  EXPECT_FALSE(Exists(Namespaces(), "", "team-a"));
  EXPECT_FALSE(Exists(ConfigMaps(), "team-a", "one"));
  EXPECT_TRUE(Exists(ConfigMaps(), "default", "kept"));
}

TEST_F(StoreTest, TerminatingNamespaceRefusesNewContentUntilItIsEmpty) {
  Ok(store_.Create(ConfigMaps(), "team-a", Parse(R"({"metadata":{"name":"held","finalizers":["example.com/hold"]}})")));
  DeleteResult result = Ok(store_.Delete(Namespaces(), "", "team-a"));
  EXPECT_FALSE(result.removed);
  EXPECT_EQ(Str(result.object, {"status", "phase"}), "Terminating");
  EXPECT_NE(Str(result.object, {"metadata", "deletionTimestamp"}), "<missing>");
  EXPECT_EQ(Str(result.object, {"spec", "finalizers"}), R"(["kubernetes"])");

  ApiStatus s = Err(store_.Create(ConfigMaps(), "team-a", Parse(R"({"metadata":{"name":"new"}})")));
  EXPECT_EQ(s.code, 403);
  EXPECT_EQ(s.reason, "Forbidden");
  EXPECT_EQ(s.message, "configmaps \"new\" is forbidden: unable to create new content in namespace team-a because "
                       "it is being terminated");
  ASSERT_EQ(s.causes.size(), 1u);
  EXPECT_EQ(s.causes[0].type, "NamespaceTerminating");

  json::object release = *Ok(store_.Get(ConfigMaps(), "team-a", "held"));
  release["metadata"].as_object().erase("finalizers");
  Ok(store_.Update(ConfigMaps(), "team-a", "held", release));
  EXPECT_FALSE(Exists(ConfigMaps(), "team-a", "held"));
  EXPECT_FALSE(Exists(Namespaces(), "", "team-a"));
}

TEST_F(StoreTest, DeleteCollectionHonoursSelectors) {
  MakeConfigMap("default", "a", R"({"app":"x"})");
  MakeConfigMap("default", "b", R"({"app":"y"})");
  MakeConfigMap("team-a", "c", R"({"app":"x"})");
  ListOptions selector;
  selector.label_selector = "app=x";
  auto deleted = Ok(store_.DeleteCollection(ConfigMaps(), "default", selector));
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(Name(deleted[0]), "a");
  EXPECT_TRUE(Exists(ConfigMaps(), "default", "b"));
  EXPECT_TRUE(Exists(ConfigMaps(), "team-a", "c"));
  selector.label_selector = "app in (";
  EXPECT_EQ(Err(store_.DeleteCollection(ConfigMaps(), "default", selector)).code, 400);
}

// ---------------------------------------------------------------------------------------
// List

std::vector<std::string> Keys(const ListResult& list) {
  std::vector<std::string> out;
  for (const auto& item : list.items) out.push_back(Str(item, {"metadata", "namespace"}) + "/" + Name(item));
  return out;
}

TEST_F(StoreTest, ListIsSortedByNamespaceThenName) {
  MakeConfigMap("team-a", "b");
  MakeConfigMap("default", "z");
  MakeConfigMap("team-a", "a");
  ListResult all = Ok(store_.List(ConfigMaps(), "", {}));
  EXPECT_THAT(Keys(all), ElementsAre("default/z", "team-a/a", "team-a/b"));
  EXPECT_EQ(all.resource_version, store_.CurrentResourceVersion());
  EXPECT_THAT(Keys(Ok(store_.List(ConfigMaps(), "team-a", {}))), ElementsAre("team-a/a", "team-a/b"));
  EXPECT_TRUE(Ok(store_.List(ConfigMaps(), "nowhere", {})).items.empty());
  EXPECT_TRUE(Ok(store_.List(Deployments(), "", {})).items.empty());
}

TEST_F(StoreTest, ListWithSelectors) {
  MakeConfigMap("default", "a", R"({"app":"web"})");
  MakeConfigMap("default", "b", R"({"app":"db"})");
  ListOptions options;
  options.label_selector = "app!=db";
  EXPECT_THAT(Keys(Ok(store_.List(ConfigMaps(), "", options))), ElementsAre("default/a"));
  options.label_selector.clear();
  options.field_selector = "metadata.name=b";
  EXPECT_THAT(Keys(Ok(store_.List(ConfigMaps(), "", options))), ElementsAre("default/b"));
  options.field_selector = "metadata.namespace!=default";
  EXPECT_TRUE(Ok(store_.List(ConfigMaps(), "", options)).items.empty());
}

TEST_F(StoreTest, ListByPodFields) {
  Ok(store_.Create(Pods(), "default", Parse(R"({"metadata":{"name":"on-node"},"spec":{"nodeName":"gpu-1"}})")));
  Ok(store_.Create(Pods(), "default", Parse(R"({"metadata":{"name":"pending"},"spec":{}})")));
  ListOptions options;
  options.field_selector = "spec.nodeName=";
  EXPECT_THAT(Keys(Ok(store_.List(Pods(), "", options))), ElementsAre("default/pending"));
  options.field_selector = "spec.nodeName=gpu-1";
  EXPECT_THAT(Keys(Ok(store_.List(Pods(), "", options))), ElementsAre("default/on-node"));
}

TEST_F(StoreTest, ListSelectorErrorsAreBadRequests) {
  ListOptions options;
  options.field_selector = "spec.nodeName=x";
  ApiStatus s = Err(store_.List(ConfigMaps(), "", options));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "field label not supported: spec.nodeName");
  options.field_selector.clear();
  options.label_selector = "a in b";
  s = Err(store_.List(ConfigMaps(), "", options));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message, "unable to parse requirement: found 'b' expected: '('");
}

TEST_F(StoreTest, PaginationWithContinueTokens) {
  for (std::string name : {"a", "b", "c", "d", "e"}) MakeConfigMap("default", name);
  MakeConfigMap("team-a", "x");
  ListOptions page;
  page.limit = 2;
  ListResult first = Ok(store_.List(ConfigMaps(), "default", page));
  EXPECT_THAT(Keys(first), ElementsAre("default/a", "default/b"));
  ASSERT_FALSE(first.continue_token.empty());
  EXPECT_EQ(first.remaining_item_count, 3);

  // Writes between pages do not change the list's resourceVersion.
  MakeConfigMap("default", "bb");
  page.continue_token = first.continue_token;
  ListResult second = Ok(store_.List(ConfigMaps(), "default", page));
  EXPECT_THAT(Keys(second), ElementsAre("default/bb", "default/c"));
  EXPECT_EQ(second.resource_version, first.resource_version);
  page.continue_token = second.continue_token;
  ListResult third = Ok(store_.List(ConfigMaps(), "default", page));
  EXPECT_THAT(Keys(third), ElementsAre("default/d", "default/e"));
  EXPECT_TRUE(third.continue_token.empty());
  EXPECT_FALSE(third.remaining_item_count.has_value());
}

TEST_F(StoreTest, PaginationAcrossNamespacesAndWithSelectors) {
  MakeConfigMap("default", "a", R"({"keep":"1"})");
  MakeConfigMap("default", "b");
  MakeConfigMap("team-a", "a", R"({"keep":"1"})");
  MakeConfigMap("team-a", "b", R"({"keep":"1"})");
  ListOptions page;
  page.limit = 2;
  page.label_selector = "keep";
  ListResult first = Ok(store_.List(ConfigMaps(), "", page));
  EXPECT_THAT(Keys(first), ElementsAre("default/a", "team-a/a"));
  EXPECT_FALSE(first.remaining_item_count.has_value());  // unknown with selectors
  page.continue_token = first.continue_token;
  ListResult second = Ok(store_.List(ConfigMaps(), "", page));
  EXPECT_THAT(Keys(second), ElementsAre("team-a/b"));
  EXPECT_TRUE(second.continue_token.empty());
}

TEST_F(StoreTest, InvalidContinueTokenIsBadRequest) {
  ListOptions options;
  options.continue_token = "!!!";
  ApiStatus s = Err(store_.List(ConfigMaps(), "", options));
  EXPECT_EQ(s.code, 400);
  EXPECT_EQ(s.message.rfind("invalid continue token: continue key is not valid: ", 0), 0u) << s.message;
  options.continue_token = "e30";  // "{}"
  s = Err(store_.List(ConfigMaps(), "", options));
  EXPECT_EQ(s.message, "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion "
                       "(version meta.k8s.io/v1)");
}

class SmallHistoryStoreTest : public StoreTest {
 protected:
  SmallHistoryStoreTest() : StoreTest(3) {}
};

TEST_F(SmallHistoryStoreTest, ContinueTokenOlderThanTheWindowIsExpired) {
  for (std::string name : {"a", "b", "c"}) MakeConfigMap("default", name);
  ListOptions page;
  page.limit = 1;
  ListResult first = Ok(store_.List(ConfigMaps(), "default", page));
  for (std::string name : {"d", "e", "f", "g"}) MakeConfigMap("default", name);
  page.continue_token = first.continue_token;
  ApiStatus s = Err(store_.List(ConfigMaps(), "default", page));
  EXPECT_EQ(s.code, 410);
  EXPECT_EQ(s.reason, "Expired");
  EXPECT_EQ(s.message, "The provided continue parameter is too old to display a consistent list result. You can "
                       "start a new list without the continue parameter.");
}

// ---------------------------------------------------------------------------------------
// Watch

struct Recorder {
  std::vector<std::string> events;  // "TYPE name rv"
  std::vector<WatchEvent> raw;
  WatchCallback Callback() {
    return [this](const WatchEvent& e) {
      events.push_back(std::string(WatchEventTypeName(e.type)) + " " + Name(e.object));
      raw.push_back(e);
      return true;
    };
  }
};

TEST_F(StoreTest, WatchFromZeroStartsWithTheCurrentObjects) {
  MakeConfigMap("default", "b");
  MakeConfigMap("default", "a");
  MakeConfigMap("team-a", "c");
  Recorder r;
  WatchOptions options;
  options.resource_version = "0";
  Ok(store_.Watch(ConfigMaps(), "default", options, r.Callback()));
  EXPECT_THAT(r.events, ElementsAre("ADDED a", "ADDED b"));
  ObjectPtr a = Ok(store_.Get(ConfigMaps(), "default", "a"));
  json::object edit = *a;
  edit["data"].as_object()["k"] = "2";
  Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  MakeConfigMap("team-a", "elsewhere");
  Ok(store_.Delete(ConfigMaps(), "default", "b"));
  EXPECT_THAT(r.events, ElementsAre("ADDED a", "ADDED b", "MODIFIED a", "DELETED b"));
  EXPECT_EQ(Rv(r.raw.back().object), store_.CurrentResourceVersion());
}

TEST_F(StoreTest, WatchFromAResourceVersionReplaysLaterEvents) {
  ObjectPtr a = MakeConfigMap("default", "a");
  std::string from = Rv(a);
  MakeConfigMap("default", "b");
  Ok(store_.Delete(ConfigMaps(), "default", "a"));
  Recorder r;
  WatchOptions options;
  options.resource_version = from;
  Ok(store_.Watch(ConfigMaps(), "", options, r.Callback()));
  EXPECT_THAT(r.events, ElementsAre("ADDED b", "DELETED a"));
  MakeConfigMap("default", "c");
  EXPECT_THAT(r.events, ElementsAre("ADDED b", "DELETED a", "ADDED c"));
}

TEST_F(SmallHistoryStoreTest, WatchFromTooOldResourceVersionIsGone) {
  for (std::string name : {"a", "b", "c", "d", "e"}) MakeConfigMap("default", name);
  // 6 writes (namespace + 5); the last 3 are kept, so the oldest available is 4.
  WatchOptions options;
  options.resource_version = "1";
  ApiStatus s = Err(store_.Watch(ConfigMaps(), "", options, [](const WatchEvent&) { return true; }));
  EXPECT_EQ(s.code, 410);
  EXPECT_EQ(s.reason, "Expired");
  EXPECT_EQ(s.message, "too old resource version: 1 (3)");
  options.resource_version = "3";
  Recorder r;
  Ok(store_.Watch(ConfigMaps(), "", options, r.Callback()));
  EXPECT_THAT(r.events, ElementsAre("ADDED c", "ADDED d", "ADDED e"));
}

TEST_F(StoreTest, WatchResourceVersionErrors) {
  WatchOptions options;
  options.resource_version = "abc";
  EXPECT_EQ(Err(store_.Watch(ConfigMaps(), "", options, [](const WatchEvent&) { return true; })).code, 400);
  options.resource_version = "999999";
  ApiStatus s = Err(store_.Watch(ConfigMaps(), "", options, [](const WatchEvent&) { return true; }));
  EXPECT_EQ(s.code, 504);
  EXPECT_EQ(s.message.rfind("Too large resource version: 999999, current: ", 0), 0u);
  options.resource_version = "";
  options.field_selector = "spec.x=1";
  EXPECT_EQ(Err(store_.Watch(ConfigMaps(), "", options, [](const WatchEvent&) { return true; })).message,
            "field label not supported: spec.x");
}

TEST_F(StoreTest, WatchSelectorTransitionsBecomeAddedAndDeleted) {
  ObjectPtr a = MakeConfigMap("default", "a", R"({"app":"web"})");
  Recorder r;
  WatchOptions options;
  options.label_selector = "app=web";
  Ok(store_.Watch(ConfigMaps(), "default", options, r.Callback()));
  EXPECT_THAT(r.events, ElementsAre("ADDED a"));

  json::object edit = *Ok(store_.Get(ConfigMaps(), "default", "a"));
  edit["metadata"].as_object()["labels"] = json::object{{"app", "db"}};
  ObjectPtr moved_out = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  // The watcher sees the deletion of the state it knew, at the new resourceVersion.
  ASSERT_EQ(r.raw.size(), 2u);
  EXPECT_EQ(r.events.back(), "DELETED a");
  EXPECT_EQ(Str(r.raw.back().object, {"metadata", "labels", "app"}), "web");
  EXPECT_EQ(Rv(r.raw.back().object), Rv(moved_out));

  edit = *moved_out;
  edit["data"].as_object()["k"] = "unseen";
  ObjectPtr still_out = Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(r.events.size(), 2u);

  edit = *still_out;
  edit["metadata"].as_object()["labels"] = json::object{{"app", "web"}};
  Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  EXPECT_EQ(r.events.back(), "ADDED a");
}

TEST_F(StoreTest, WatchFieldSelectorTransitions) {
  Recorder r;
  WatchOptions options;
  options.field_selector = "spec.nodeName=gpu-1";
  Ok(store_.Watch(Pods(), "", options, r.Callback()));
  ObjectPtr p = Ok(store_.Create(Pods(), "default", Parse(R"({"metadata":{"name":"p"},"spec":{}})")));
  EXPECT_TRUE(r.events.empty());
  json::object bind = *p;
  bind["spec"].as_object()["nodeName"] = "gpu-1";
  Ok(store_.Update(Pods(), "default", "p", bind));
  EXPECT_THAT(r.events, ElementsAre("ADDED p"));
}

TEST_F(StoreTest, BookmarksOnDemand) {
  Recorder r;
  WatchOptions options;
  options.allow_bookmarks = true;
  WatchId id = Ok(store_.Watch(Deployments(), "default", options, r.Callback()));
  MakeConfigMap("default", "unrelated");
  EXPECT_TRUE(store_.SendBookmark(id));
  ASSERT_EQ(r.raw.size(), 1u);
  EXPECT_EQ(r.raw[0].type, WatchEventType::kBookmark);
  EXPECT_EQ(json::serialize(*r.raw[0].object),
            R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"resourceVersion":")" +
                store_.CurrentResourceVersion() + R"("}})");

  Recorder quiet;
  WatchId no_bookmarks = Ok(store_.Watch(Deployments(), "default", WatchOptions{}, quiet.Callback()));
  store_.SendBookmarks();
  EXPECT_TRUE(quiet.raw.empty());
  EXPECT_EQ(r.raw.size(), 2u);
  store_.StopWatch(no_bookmarks);
  store_.StopWatch(id);
  EXPECT_FALSE(store_.SendBookmark(id));
  EXPECT_EQ(store_.WatcherCount(), 0u);
}

TEST_F(StoreTest, SendInitialEventsEndsWithAnAnnotatedBookmark) {
  MakeConfigMap("default", "a");
  Recorder r;
  WatchOptions options;
  options.send_initial_events = true;
  options.allow_bookmarks = true;
  Ok(store_.Watch(ConfigMaps(), "", options, r.Callback()));
  ASSERT_EQ(r.raw.size(), 2u);
  EXPECT_EQ(r.raw[0].type, WatchEventType::kAdded);
  EXPECT_EQ(r.raw[1].type, WatchEventType::kBookmark);
  EXPECT_EQ(Str(r.raw[1].object, {"metadata", "annotations", "k8s.io/initial-events-end"}), "true");
}

TEST_F(StoreTest, ReturningFalseUnsubscribes) {
  int calls = 0;
  Ok(store_.Watch(ConfigMaps(), "", WatchOptions{}, [&](const WatchEvent&) { return ++calls < 2; }));
  EXPECT_EQ(store_.WatcherCount(), 1u);
  MakeConfigMap("default", "a");
  MakeConfigMap("default", "b");
  MakeConfigMap("default", "c");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(store_.WatcherCount(), 0u);
}

TEST_F(StoreTest, EveryWatcherGetsEveryEventInOrder) {
  constexpr int kWatchers = 150;
  std::vector<Recorder> recorders(kWatchers);
  for (auto& r : recorders) Ok(store_.Watch(ConfigMaps(), "", WatchOptions{}, r.Callback()));
  MakeConfigMap("default", "a");
  MakeConfigMap("team-a", "b");
  for (const auto& r : recorders) EXPECT_THAT(r.events, ElementsAre("ADDED a", "ADDED b"));
}

TEST_F(StoreTest, GarbageCollectionIsVisibleToWatchers) {
  Recorder r;
  Ok(store_.Watch(ReplicaSets(), "", WatchOptions{}, r.Callback()));
  ObjectPtr d = Ok(store_.Create(Deployments(), "default", Parse(R"({"metadata":{"name":"d"}})")));
  Owned(ReplicaSets(), "d-1", d);
  Ok(store_.Delete(Deployments(), "default", "d"));
  EXPECT_THAT(r.events, ElementsAre("ADDED d-1", "DELETED d-1"));
}

// ---------------------------------------------------------------------------------------
// Listeners, dropping resources, concurrency

TEST_F(StoreTest, ListenersSeeEveryResource) {
  std::vector<std::string> seen;
  ListenerId id = store_.AddListener([&](const ChangeEvent& e) {
    seen.push_back(e.resource.resource + " " + std::string(WatchEventTypeName(e.type)) + " " + Name(e.object) +
                   (e.previous ? " prev=" + Rv(e.previous) : ""));
  });
  ObjectPtr cm = MakeConfigMap("default", "a");
  json::object edit = *cm;
  edit["data"].as_object()["k"] = "2";
  Ok(store_.Update(ConfigMaps(), "default", "a", edit));
  Ok(store_.Create(Pods(), "default", Parse(R"({"metadata":{"name":"p"}})")));
  store_.RemoveListener(id);
  MakeConfigMap("default", "after");
  EXPECT_THAT(seen, ElementsAre("configmaps ADDED a", "configmaps MODIFIED a prev=" + Rv(cm), "pods ADDED p"));
}

TEST_F(StoreTest, DropResourceRemovesEverythingOfIt) {
  StoreResource widgets{"example.com", "v1", "widgets", "Widget", true, false, {}};
  ObjectPtr w = Ok(store_.Create(widgets, "default", Parse(R"({"metadata":{"name":"w","finalizers":["x"]}})")));
  Owned(ConfigMaps(), "child", w);
  Recorder r;
  Ok(store_.Watch(widgets, "", WatchOptions{}, r.Callback()));
  store_.DropResource("example.com", "widgets");
  EXPECT_THAT(r.events, ElementsAre("ADDED w", "DELETED w"));
  EXPECT_EQ(Err(store_.Get(widgets, "default", "w")).message, "widgets.example.com \"w\" not found");
  EXPECT_FALSE(Exists(ConfigMaps(), "default", "child"));
  // The resource can come back (a re-created CRD).
  Ok(store_.Create(widgets, "default", Parse(R"({"metadata":{"name":"w"}})")));
  EXPECT_EQ(r.events.back(), "ADDED w");
}

TEST_F(StoreTest, ConcurrentWritersAndReaders) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        std::string name = "cm-" + std::to_string(t) + "-" + std::to_string(i);
        json::object o;
        o["metadata"] = json::object{{"name", name}};
        (void)store_.Create(ConfigMaps(), "default", std::move(o));
        (void)store_.Get(ConfigMaps(), "default", name);
        (void)store_.List(ConfigMaps(), "default", {});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ListResult all = Ok(store_.List(ConfigMaps(), "default", {}));
  EXPECT_EQ(all.items.size(), 200u);
  // Two namespaces + 200 objects: every write got its own resourceVersion.
  EXPECT_EQ(store_.CurrentResourceVersion(), "202");
}

}  // namespace
}  // namespace airunway::kubesim

namespace airunway::kubesim {
namespace {

// Saving and restoring a cluster (the demo's --demo-state): identity survives, owners still
// own their dependents, resourceVersions are new.
TEST(StoreSnapshotTest, SnapshotAndRestoreKeepIdentityAndOwnership) {
  Store original;
  Ok(original.Create(Namespaces(), "", json::parse(R"({"metadata":{"name":"default"}})").as_object()));
  auto owner = Ok(original.Create(Deployments(), "default", json::parse(R"({"metadata":{"name":"web"}})").as_object()));
  json::object rs = json::parse(R"({"metadata":{"name":"web-1"}})").as_object();
  rs["metadata"].as_object()["ownerReferences"] = json::array{json::object{
      {"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}, {"uid", Str(owner, {"metadata", "uid"})}}};
  auto dependent = Ok(original.Create(ReplicaSets(), "default", std::move(rs)));

  Store restored;
  for (const auto& [resource, objects] : original.Snapshot()) {
    for (const auto& object : objects) {
      auto copy = *object;
      Ok(restored.Create(resource, "", std::move(copy), {.keep_status = true, .restore = true}));
    }
  }
  auto back = Ok(restored.Get(Deployments(), "default", "web"));
  EXPECT_EQ(Str(back, {"metadata", "uid"}), Str(owner, {"metadata", "uid"}));
  EXPECT_EQ(Str(back, {"metadata", "creationTimestamp"}), Str(owner, {"metadata", "creationTimestamp"}));
  EXPECT_FALSE(Rv(back).empty());
  // Deleting the restored owner still collects its restored dependent.
  Ok(restored.Delete(Deployments(), "default", "web"));
  EXPECT_FALSE(IsOk(restored.Get(ReplicaSets(), "default", Str(dependent, {"metadata", "name"}))));
}

}  // namespace
}  // namespace airunway::kubesim
