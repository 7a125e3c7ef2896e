#include "kubesim/protobuf.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

// A minimal protobuf writer for building test bodies by hand.
class Pb {
 public:
  Pb& Varint(std::uint32_t field, std::uint64_t value) {
    Key(field, 0);
    PutVarint(value);
    return *this;
  }
  Pb& Bytes(std::uint32_t field, std::string_view value) {
    Key(field, 2);
    PutVarint(value.size());
    out_.append(value);
    return *this;
  }
  Pb& Message(std::uint32_t field, const Pb& message) { return Bytes(field, message.str()); }
  Pb& Entry(std::uint32_t field, std::string_view key, std::string_view value) {
    return Message(field, Pb().Bytes(1, key).Bytes(2, value));
  }
  Pb& EntryMessage(std::uint32_t field, std::string_view key, const Pb& value) {
    return Message(field, Pb().Bytes(1, key).Message(2, value));
  }
  Pb& Raw(std::string_view bytes) {
    out_.append(bytes);
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  void Key(std::uint32_t field, std::uint32_t wire_type) {
    PutVarint((static_cast<std::uint64_t>(field) << 3) | wire_type);
  }
  void PutVarint(std::uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  std::string out_;
};

// "k8s\0" + runtime.Unknown, written the way the Go client writes it (all four fields).
std::string Body(std::string_view api_version, std::string_view kind, const Pb& raw,
                 std::string_view content_encoding = "", std::string_view content_type = "") {
  Pb unknown;
  unknown.Message(1, Pb().Bytes(1, api_version).Bytes(2, kind))
      .Bytes(2, raw.str())
      .Bytes(3, content_encoding)
      .Bytes(4, content_type);
  return std::string("k8s\0", 4) + unknown.str();
}

// ObjectMeta as gogo-protobuf writes it: every non-pointer field, even when empty.
Pb Meta(std::string_view name, std::string_view namespace_name = "") {
  Pb meta;
  meta.Bytes(1, name)
      .Bytes(2, "")
      .Bytes(3, namespace_name)
      .Bytes(4, "")
      .Bytes(5, "")
      .Bytes(6, "")
      .Varint(7, 0)
      .Bytes(8, "");
  return meta;
}

Pb IntOrStringInt(std::int32_t value) {
  return Pb()
      .Varint(1, 0)
      .Varint(2, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)))
      .Bytes(3, "");
}
Pb IntOrStringString(std::string_view value) { return Pb().Varint(1, 1).Varint(2, 0).Bytes(3, value); }
Pb Quantity(std::string_view value) { return Pb().Bytes(1, value); }

json::object Decode(const std::string& body) {
  auto result = DecodeKubernetesProtobuf(body);
  if (!IsOk(result)) {
    ADD_FAILURE() << "decode failed: " << std::get<ApiStatus>(result).message;
    return {};
  }
  return std::get<json::object>(std::move(result));
}

ApiStatus DecodeError(const std::string& body) {
  auto result = DecodeKubernetesProtobuf(body);
  if (IsOk(result)) {
    ADD_FAILURE() << "decode unexpectedly succeeded: " << json::serialize(std::get<0>(result));
    return {};
  }
  return std::get<ApiStatus>(std::move(result));
}

json::value Parse(std::string_view text) { return json::parse(text); }

TEST(KubernetesProtobuf, RecognisesTheMediaType) {
  EXPECT_TRUE(IsKubernetesProtobufContentType("application/vnd.kubernetes.protobuf"));
  EXPECT_TRUE(IsKubernetesProtobufContentType("Application/VND.kubernetes.protobuf; charset=x"));
  EXPECT_FALSE(IsKubernetesProtobufContentType("application/vnd.kubernetes.protobufx"));
  EXPECT_FALSE(IsKubernetesProtobufContentType("application/json"));
  EXPECT_FALSE(IsKubernetesProtobufContentType(""));
}

TEST(KubernetesProtobuf, NamespaceWithFullObjectMeta) {
  Pb meta;
  meta.Bytes(1, "")
      .Bytes(2, "team-")
      .Bytes(3, "")
      .Varint(7, 3)
      .Message(8, Pb().Varint(1, 1767225600).Varint(2, 500))  // 2026-01-01T00:00:00.0000005Z
      .Varint(10, 0)                                          // pointer field: zero is kept
      .Entry(11, "app", "llm")
      .Entry(11, "tier", "gpu")
      .Entry(12, "note", "")
      .Message(13, Pb().Bytes(1, "Deployment")
                       .Bytes(3, "web")
                       .Bytes(4, "u-1")
                       .Bytes(5, "apps/v1")
                       .Varint(6, 1)
                       .Varint(7, 0))
      .Bytes(14, "example.com/protect")
      .Bytes(14, "kubernetes");
  const auto body =
      Body("v1", "Namespace",
           Pb().Message(1, meta).Message(2, Pb().Bytes(1, "kubernetes")).Message(3, Pb().Bytes(1, "")));
  const json::object ns = Decode(body);
  EXPECT_EQ(json::value(ns), Parse(R"({
    "apiVersion": "v1", "kind": "Namespace",
    "metadata": {
      "generateName": "team-", "generation": 3, "creationTimestamp": "2026-01-01T00:00:00Z",
      "deletionGracePeriodSeconds": 0,
      "labels": {"app": "llm", "tier": "gpu"}, "annotations": {"note": ""},
      "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "u-1",
                           "apiVersion": "apps/v1", "controller": true,
                           "blockOwnerDeletion": false}],
      "finalizers": ["example.com/protect", "kubernetes"]},
    "spec": {"finalizers": ["kubernetes"]},
    "status": {}})"));
  // apiVersion and kind lead, as in the JSON form.
  EXPECT_EQ(ns.begin()->key(), "apiVersion");
}

TEST(KubernetesProtobuf, ConfigMapDataBinaryDataImmutable) {
  const auto body = Body("v1", "ConfigMap",
                         Pb().Message(1, Meta("cfg", "ns1"))
                             .Entry(2, "a", "1")
                             .Entry(2, "b", "two")
                             .Entry(3, "blob", std::string("\x00\xff\x10", 3))
                             .Varint(4, 0));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cfg", "namespace": "ns1"},
    "data": {"a": "1", "b": "two"}, "binaryData": {"blob": "AP8Q"}, "immutable": false})"));
}

TEST(KubernetesProtobuf, SecretBytesAreBase64) {
  const auto body = Body("v1", "Secret",
                         Pb().Message(1, Meta("s1"))
                             .Entry(2, "password", "hunter2")
                             .Entry(2, "one", "a")
                             .Entry(2, "two", "ab")
                             .Entry(2, "empty", "")
                             .Message(2, Pb().Bytes(1, "novalue"))  // entry without a value
                             .Entry(4, "plain", "text")
                             .Bytes(3, "Opaque")
                             .Varint(5, 1));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({
    "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"},
    "data": {"password": "aHVudGVyMg==", "one": "YQ==", "two": "YWI=", "empty": "",
             "novalue": ""},
    "stringData": {"plain": "text"}, "type": "Opaque", "immutable": true})"));
}

TEST(KubernetesProtobuf, ServiceAccount) {
  const auto body = Body("v1", "ServiceAccount",
                         Pb().Message(1, Meta("sa1"))
                             .Message(2, Pb().Bytes(3, "sa1-token").Bytes(1, ""))
                             .Message(3, Pb().Bytes(1, "regcred"))
                             .Varint(4, 0));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({
    "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa1"},
    "secrets": [{"name": "sa1-token"}], "imagePullSecrets": [{"name": "regcred"}],
    "automountServiceAccountToken": false})"));
}

TEST(KubernetesProtobuf, SelfSubjectAccessReview) {
  Pb attributes;
  attributes.Bytes(1, "team")
      .Bytes(2, "create")
      .Bytes(3, "")
      .Bytes(4, "")
      .Bytes(5, "pods")
      .Bytes(6, "")
      .Bytes(7, "");
  const auto body = Body("authorization.k8s.io/v1", "SelfSubjectAccessReview",
                         Pb().Message(1, Meta(""))
                             .Message(2, Pb().Message(1, attributes))
                             .Message(3, Pb().Varint(1, 0).Bytes(2, "").Bytes(3, "").Varint(4, 0)));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({
    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
    "metadata": {},
    "spec": {"resourceAttributes": {"namespace": "team", "verb": "create", "resource": "pods"}},
    "status": {"allowed": false}})"));

  const auto non_resource = Body("authorization.k8s.io/v1", "SelfSubjectAccessReview",
                                 Pb().Message(2, Pb().Message(2, Pb().Bytes(1, "/healthz").Bytes(2, "get"))));
  EXPECT_EQ(json::value(Decode(non_resource)), Parse(R"({
    "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
    "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}})"));
}

TEST(KubernetesProtobuf, SubjectAccessReviewWithUserGroupsExtra) {
  Pb label_selector;
  label_selector.Bytes(1, "app=x")
      .Message(2, Pb().Bytes(1, "app").Bytes(2, "In").Bytes(3, "x").Bytes(3, "y"));
  const auto body = Body("authorization.k8s.io/v1", "SubjectAccessReview",
                         Pb().Message(1, Meta(""))
                             .Message(2, Pb().Message(1, Pb().Bytes(2, "list")
                                                             .Bytes(3, "apps")
                                                             .Bytes(5, "deployments")
                                                             .Message(9, label_selector))
                                             .Bytes(3, "alice")
                                             .Bytes(4, "dev")
                                             .Bytes(4, "system:authenticated")
                                             .EntryMessage(5, "scopes", Pb().Bytes(1, "a").Bytes(1, "b"))
                                             .EntryMessage(5, "none", Pb())
                                             .Bytes(6, "uid-7")));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({
    "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "metadata": {},
    "spec": {"resourceAttributes": {"verb": "list", "group": "apps", "resource": "deployments",
                                    "labelSelector": {"rawSelector": "app=x",
                                      "requirements": [{"key": "app", "operator": "In",
                                                        "values": ["x", "y"]}]}},
             "user": "alice", "groups": ["dev", "system:authenticated"],
             "extra": {"scopes": ["a", "b"], "none": []}, "uid": "uid-7"}})"));
}

TEST(KubernetesProtobuf, SelfSubjectReviewAndTokenReview) {
  EXPECT_EQ(json::value(Decode(Body("authentication.k8s.io/v1", "SelfSubjectReview",
                                    Pb().Message(1, Meta("")).Message(2, Pb().Message(1, Pb()))))),
            Parse(R"({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                      "metadata": {}, "status": {"userInfo": {}}})"));

  const auto review = Body("authentication.k8s.io/v1", "TokenReview",
                           Pb().Message(1, Meta(""))
                               .Message(2, Pb().Bytes(1, "tok.en").Bytes(2, "api").Bytes(2, "x"))
                               .Message(3, Pb().Varint(1, 0).Message(2, Pb()).Bytes(3, "")));
  EXPECT_EQ(json::value(Decode(review)), Parse(R"({
    "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "metadata": {},
    "spec": {"token": "tok.en", "audiences": ["api", "x"]}, "status": {"user": {}}})"));
}

TEST(KubernetesProtobuf, ServiceWithIntOrStringPorts) {
  Pb spec;
  spec.Message(
          1,
          Pb().Bytes(1, "http").Bytes(2, "TCP").Varint(3, 80).Message(4, IntOrStringInt(8080)).Varint(5, 0))
      .Message(1, Pb().Bytes(1, "metrics")
                      .Bytes(2, "TCP")
                      .Varint(3, 9090)
                      .Message(4, IntOrStringString("metrics"))
                      .Varint(5, 0))
      .Entry(2, "app", "web")
      .Bytes(3, "")
      .Bytes(4, "ClusterIP")
      .Bytes(7, "")
      .Varint(12, 0)
      .Varint(13, 0);
  const auto body = Body("v1", "Service", Pb().Message(1, Meta("svc1")).Message(2, spec));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc1"},
    "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080},
                       {"name": "metrics", "protocol": "TCP", "port": 9090,
                        "targetPort": "metrics"}],
             "selector": {"app": "web"}, "type": "ClusterIP"}})"));
}

Pb Container() {
  Pb resources;
  resources.EntryMessage(1, "cpu", Quantity("2"))
      .EntryMessage(1, "nvidia.com/gpu", Quantity("1"))
      .EntryMessage(2, "memory", Quantity("16Gi"))
      .EntryMessage(2, "cpu", Quantity("500m"));
  Pb env_from_secret;
  env_from_secret.Message(4, Pb().Message(1, Pb().Bytes(1, "hf-token")).Bytes(2, "token"));
  Pb probe;
  probe
      .Message(
          1, Pb().Message(
                 2, Pb().Bytes(1, "/health").Message(2, IntOrStringInt(8000)).Bytes(3, "").Bytes(4, "HTTP")))
      .Varint(2, 5)
      .Varint(3, 1)
      .Varint(4, 10)
      .Varint(5, 1)
      .Varint(6, 3);
  Pb container;
  container.Bytes(1, "vllm")
      .Bytes(2, "vllm/vllm-openai:v0.6")
      .Bytes(3, "python")
      .Bytes(3, "-m")
      .Bytes(4, "--model")
      .Bytes(4, "x")
      .Bytes(5, "")
      .Message(6, Pb().Bytes(1, "http").Varint(2, 0).Varint(3, 8000).Bytes(4, "TCP").Bytes(5, ""))
      .Message(7, Pb().Bytes(1, "A").Bytes(2, "b"))
      .Message(7, Pb().Bytes(1, "HF_TOKEN").Bytes(2, "").Message(3, env_from_secret))
      .Message(8, resources)
      .Message(9, Pb().Bytes(1, "cache").Varint(2, 0).Bytes(3, "/cache").Bytes(4, "").Bytes(6, ""))
      .Message(11, probe)
      .Bytes(13, "/dev/termination-log")
      .Bytes(20, "File")
      .Bytes(14, "IfNotPresent")
      .Varint(16, 0)
      .Varint(17, 0)
      .Varint(18, 0);
  return container;
}

const char* const kContainerJson = R"({
  "name": "vllm", "image": "vllm/vllm-openai:v0.6", "command": ["python", "-m"],
  "args": ["--model", "x"],
  "ports": [{"name": "http", "containerPort": 8000, "protocol": "TCP"}],
  "env": [{"name": "A", "value": "b"},
          {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}}],
  "resources": {"limits": {"cpu": "2", "nvidia.com/gpu": "1"},
                "requests": {"memory": "16Gi", "cpu": "500m"}},
  "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
  "readinessProbe": {"httpGet": {"path": "/health", "port": 8000, "scheme": "HTTP"},
                     "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
                     "successThreshold": 1, "failureThreshold": 3},
  "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
  "imagePullPolicy": "IfNotPresent"})";

Pb PodSpec(std::string_view restart_policy) {
  Pb spec;
  spec.Message(1, Pb().Bytes(1, "cache").Message(2, Pb().Message(2, Pb().Bytes(1, ""))))
      .Message(2, Container())
      .Bytes(3, restart_policy)
      .Varint(4, 30)
      .Bytes(6, "ClusterFirst")
      .Entry(7, "gpu", "a100")
      .Bytes(8, "")
      .Bytes(9, "")
      .Bytes(10, "")
      .Varint(11, 0)
      .Varint(12, 0)
      .Varint(13, 0)
      .Message(14, Pb().Message(4, Pb().Raw(std::string("\x01\x02\x03", 3)))
                       .Varint(4, 4)
                       .Varint(5, 2000))  // supplementalGroups packed, then not
      .Bytes(16, "")
      .Bytes(17, "")
      .Bytes(19, "default-scheduler")
      .Message(22, Pb().Bytes(1, "nvidia.com/gpu").Bytes(2, "Exists").Bytes(3, "").Bytes(4, "NoSchedule"))
      .Message(22, Pb().Bytes(1, "node.kubernetes.io/not-ready")
                       .Bytes(2, "Exists")
                       .Bytes(4, "NoExecute")
                       .Varint(5, 300))
      .Bytes(24, "");
  return spec;
}

std::string PodSpecJson(std::string_view restart_policy) {
  return std::string(R"({"volumes": [{"name": "cache", "emptyDir": {}}], "containers": [)") + kContainerJson +
         R"(], "restartPolicy": ")" + std::string(restart_policy) +
         R"(", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
         "nodeSelector": {"gpu": "a100"},
         "securityContext": {"supplementalGroups": [1, 2, 3, 4], "fsGroup": 2000},
         "schedulerName": "default-scheduler",
         "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
                         {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                          "effect": "NoExecute", "tolerationSeconds": 300}]})";
}

TEST(KubernetesProtobuf, DeploymentWithPodTemplate) {
  Pb template_spec;
  template_spec.Message(1, Meta("").Entry(11, "app", "web")).Message(2, PodSpec("Always"));
  Pb spec;
  spec.Varint(1, 2)
      .Message(2, Pb().Entry(1, "app", "web"))
      .Message(3, template_spec)
      .Message(4, Pb().Bytes(1, "RollingUpdate")
                      .Message(2, Pb().Message(1, IntOrStringString("25%")).Message(2, IntOrStringInt(1))))
      .Varint(5, 0)
      .Varint(6, 10)
      .Varint(7, 0)
      .Varint(9, 600);
  const auto body = Body("apps/v1", "Deployment",
                         Pb().Message(1, Meta("web").Entry(11, "app", "web"))
                             .Message(2, spec)
                             .Message(3, Pb().Varint(1, 0)));  // status: not decoded
  const std::string expected = R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}}, "spec": )" +
                               PodSpecJson("Always") + R"(},
             "strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
             "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}})";
  EXPECT_EQ(json::value(Decode(body)), Parse(expected));
}

TEST(KubernetesProtobuf, JobAndCronJob) {
  Pb job_spec;
  job_spec.Varint(7, 0).Message(6, Pb().Message(1, Meta("")).Message(2, PodSpec("Never"))).Varint(10, 0);
  const auto job = Body("batch/v1", "Job", Pb().Message(1, Meta("j1")).Message(2, job_spec));
  EXPECT_EQ(json::value(Decode(job)), Parse(R"({"apiVersion": "batch/v1", "kind": "Job",
    "metadata": {"name": "j1"},
    "spec": {"backoffLimit": 0, "template": {"metadata": {}, "spec": )" +
                                            PodSpecJson("Never") + R"(}, "suspend": false}})"));

  const auto cron = Body(
      "batch/v1", "CronJob",
      Pb().Message(1, Meta("cj1"))
          .Message(
              2,
              Pb().Bytes(1, "*/5 * * * *").Bytes(3, "Allow").Message(5, Pb().Message(2, Pb().Varint(2, 3)))));
  EXPECT_EQ(json::value(Decode(cron)), Parse(R"({"apiVersion": "batch/v1", "kind": "CronJob",
    "metadata": {"name": "cj1"},
    "spec": {"schedule": "*/5 * * * *", "concurrencyPolicy": "Allow",
             "jobTemplate": {"spec": {"completions": 3}}}})"));
}

TEST(KubernetesProtobuf, NegativeInt32ArrivesSignExtended) {
  const auto body = Body(
      "v1", "Service",
      Pb().Message(2, Pb().Message(1, Pb().Varint(3, ~std::uint64_t{0}).Message(4, IntOrStringInt(-2)))));
  EXPECT_EQ(json::value(Decode(body)), Parse(R"({"apiVersion": "v1", "kind": "Service",
    "spec": {"ports": [{"port": -1, "targetPort": -2}]}})"));
}

TEST(KubernetesProtobuf, UnknownFieldsAreSkipped) {
  Pb raw;
  raw.Message(1, Meta("x").Bytes(17, "managed-fields-are-ignored").Varint(99, 5))
      .Varint(50, 1)
      .Raw(std::string("\xad\x03\x01\x02\x03\x04", 6))  // field 53, fixed32
      .Raw(std::string("\xb1\x03"
                       "12345678",
                       10))  // field 54, fixed64
      .Entry(2, "k", "v");
  EXPECT_EQ(json::value(Decode(Body("v1", "ConfigMap", raw))),
            Parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"},
                      "data": {"k": "v"}})"));
}

TEST(KubernetesProtobuf, TimeFieldsAreRfc3339Seconds) {
  auto decode_time = [](std::int64_t seconds) {
    auto object =
        Decode(Body("v1", "Namespace",
                    Pb().Message(1, Pb().Message(9, Pb().Varint(1, static_cast<std::uint64_t>(seconds))))));
    return json::serialize(object["metadata"].as_object()["deletionTimestamp"]);
  };
  EXPECT_EQ(decode_time(0), R"("1970-01-01T00:00:00Z")");
  EXPECT_EQ(decode_time(951782400), R"("2000-02-29T00:00:00Z")");
  EXPECT_EQ(decode_time(-1), R"("1969-12-31T23:59:59Z")");
  EXPECT_EQ(decode_time(253402300799), R"("9999-12-31T23:59:59Z")");
  EXPECT_EQ(decode_time(-62135596800), R"("0001-01-01T00:00:00Z")");

  auto too_late =
      DecodeError(Body("v1", "Namespace", Pb().Message(1, Pb().Message(8, Pb().Varint(1, 253402300800)))));
  EXPECT_EQ(too_late.code, 400);
  EXPECT_NE(too_late.message.find("creationTimestamp"), std::string::npos) << too_late.message;
}

TEST(KubernetesProtobuf, OtherKindsInTheTable) {
  const auto role =
      Body("rbac.authorization.k8s.io/v1", "Role",
           Pb().Message(1, Meta("r1")).Message(2, Pb().Bytes(1, "get").Bytes(2, "").Bytes(3, "pods")));
  EXPECT_EQ(json::value(Decode(role)), Parse(R"({"apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role", "metadata": {"name": "r1"},
    "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]})"));

  const auto quota =
      Body("v1", "ResourceQuota",
           Pb().Message(1, Meta("q"))
               .Message(2, Pb().EntryMessage(1, "pods", Quantity("2")).EntryMessage(1, "zero", Pb())));
  EXPECT_EQ(json::value(Decode(quota)), Parse(R"({"apiVersion": "v1", "kind": "ResourceQuota",
    "metadata": {"name": "q"}, "spec": {"hard": {"pods": "2", "zero": "0"}}})"));

  const auto token = Body("authentication.k8s.io/v1", "TokenRequest",
                          Pb().Message(1, Meta("sa1")).Message(2, Pb().Bytes(1, "api").Varint(4, 600)));
  EXPECT_EQ(json::value(Decode(token)), Parse(R"({"apiVersion": "authentication.k8s.io/v1",
    "kind": "TokenRequest", "metadata": {"name": "sa1"},
    "spec": {"audiences": ["api"], "expirationSeconds": 600}})"));

  const auto kinds = ProtobufDecodableKinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "apps/v1/Deployment"), kinds.end());
}

TEST(KubernetesProtobuf, UnknownKindIsUnsupportedMediaType) {
  const auto status = DecodeError(Body("v1", "PersistentVolume", Pb().Message(1, Meta("pv"))));
  EXPECT_EQ(status.code, 415);
  EXPECT_EQ(status.reason, "UnsupportedMediaType");
  EXPECT_NE(status.message.find("v1/PersistentVolume is not supported in protobuf"), std::string::npos)
      << status.message;
  EXPECT_NE(status.message.find("send the body as JSON"), std::string::npos);

  // The kind is known only for the versions whose field numbers the table follows.
  EXPECT_EQ(DecodeError(Body("apps/v1beta1", "Deployment", Pb())).code, 415);
  EXPECT_EQ(DecodeError(Body("v1", "ConfigMap", Pb(), "gzip")).code, 415);
  EXPECT_EQ(DecodeError(Body("v1", "ConfigMap", Pb(), "", "application/json")).code, 415);
  // The client may name the protobuf type inside the envelope; that is accepted.
  EXPECT_TRUE(IsOk(
      DecodeKubernetesProtobuf(Body("v1", "ConfigMap", Pb(), "", "application/vnd.kubernetes.protobuf"))));
}

TEST(KubernetesProtobuf, MalformedBodiesAreBadRequest) {
  auto expect_bad = [](const std::string& body, std::string_view fragment) {
    const ApiStatus status = DecodeError(body);
    EXPECT_EQ(status.code, 400) << status.message;
    EXPECT_EQ(status.reason, "BadRequest");
    EXPECT_NE(status.message.find(fragment), std::string::npos) << status.message;
  };
  expect_bad("", "k8s");
  expect_bad("{\"kind\":\"Namespace\"}", "k8s");
  expect_bad(std::string("k8s\0", 4), "no typeMeta.kind");
  expect_bad(std::string("k8s\0\x12\x05"
                         "ab",
                         7),
             "runtime.Unknown field 2");
  expect_bad(std::string("k8s\0\x0b", 5), "malformed field key");          // a group start
  expect_bad(std::string("k8s\0\x10\x01", 6), "runtime.Unknown field 2");  // wrong wire type
  // Wrong wire type for a known field inside the object.
  expect_bad(Body("v1", "ConfigMap", Pb().Varint(1, 5)), "ConfigMap: field metadata (1)");
  // A nested length that runs past its parent.
  expect_bad(Body("v1", "ConfigMap", Pb().Raw(std::string("\x0a\x05\x0a\x09name", 7))),
             "ObjectMeta: field name (1): truncated");
  // An eleven-byte varint.
  expect_bad(Body("v1", "ConfigMap",
                  Pb().Raw(std::string("\x0a\x0c\x38\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 14))),
             "malformed varint");
  expect_bad(Body("v1", "ConfigMap", Pb().Entry(2, "k", "\xff\xfe")), "not valid UTF-8");
  expect_bad(Body("v1", "ConfigMap", Pb().Message(1, Pb().Bytes(1, "\xc0\xaf"))),
             "not valid UTF-8");  // overlong encoding of '/'
}

// Every prefix of a valid body, every single-byte corruption of it, and random bytes must be
// answered with a value (never a crash or an over-read; run under ASan to check the latter).
TEST(KubernetesProtobuf, FuzzedInputsNeverCrash) {
  Pb spec;
  spec.Varint(1, 2).Message(3, Pb().Message(1, Meta("").Entry(11, "a", "b")).Message(2, PodSpec("Always")));
  const std::string body = Body("apps/v1", "Deployment", Pb().Message(1, Meta("d")).Message(2, spec));
  ASSERT_TRUE(IsOk(DecodeKubernetesProtobuf(body)));
  // The raw bytes sit after the magic (4), the typeMeta field and raw's key and length.
  const std::size_t raw_begin = body.find(Pb().Message(1, Meta("d")).str());
  ASSERT_NE(raw_begin, std::string::npos);
  const std::size_t raw_end = raw_begin + Pb().Message(1, Meta("d")).Message(2, spec).str().size();

  for (std::size_t n = 0; n < body.size(); ++n) {
    const std::string prefix = body.substr(0, n);
    const auto result = DecodeKubernetesProtobuf(prefix);
    // Cutting inside `raw` always leaves a length that runs past the end.
    if (n < 4 || (n > raw_begin && n < raw_end)) {
      EXPECT_FALSE(IsOk(result)) << "prefix of " << n << " bytes";
      if (!IsOk(result)) {
        EXPECT_EQ(std::get<ApiStatus>(result).code, 400);
      }
    }
  }
  std::mt19937 rng(20260101);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t i = 4; i < body.size(); ++i) {
    std::string corrupted = body;
    corrupted[i] = static_cast<char>(byte(rng));
    const auto result = DecodeKubernetesProtobuf(corrupted);
    if (!IsOk(result)) {
      const int code = std::get<ApiStatus>(result).code;
      EXPECT_TRUE(code == 400 || code == 415) << code;
    }
  }
  std::uniform_int_distribution<int> length(0, 300);
  for (int i = 0; i < 2000; ++i) {
    std::string random("k8s\0", 4);
    const int size = length(rng);
    for (int k = 0; k < size; ++k) random.push_back(static_cast<char>(byte(rng)));
    const auto result = DecodeKubernetesProtobuf(random);
    if (!IsOk(result)) {
      const int code = std::get<ApiStatus>(result).code;
      EXPECT_TRUE(code == 400 || code == 415) << code;
    }
  }
}

// Bodies recorded from kubectl v1.32.4 (see testdata/protobuf/README.md).
std::string ReadTestdata(std::string_view name) {
  // From the build (not __FILE__, which ccache's base_dir makes relative).
  const auto path = std::filesystem::path(KUBESIM_TESTDATA) / "protobuf" / std::string(name);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << path;
  return content.str();
}

json::object DecodeRecorded(std::string_view name) {
  const std::string body = ReadTestdata(name);
  EXPECT_FALSE(body.empty()) << name;
  return Decode(body);
}

TEST(KubernetesProtobufKubectl, CreateNamespace) {
  EXPECT_EQ(json::value(DecodeRecorded("create-namespace.pb")),
            Parse(R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo-ns"},
                      "spec": {}, "status": {}})"));
}

TEST(KubernetesProtobufKubectl, CreateConfigMapAndSecret) {
  EXPECT_EQ(json::value(DecodeRecorded("create-configmap.pb")),
            Parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"},
                      "data": {"a": "1", "b": "two"}})"));
  EXPECT_EQ(json::value(DecodeRecorded("create-secret-generic.pb")),
            Parse(R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"},
                      "data": {"password": "aHVudGVyMg=="}, "type": "Opaque"})"));
}

TEST(KubernetesProtobufKubectl, CreateServiceAccountAndToken) {
  EXPECT_EQ(json::value(DecodeRecorded("create-serviceaccount.pb")),
            Parse(R"({"apiVersion": "v1", "kind": "ServiceAccount",
                      "metadata": {"name": "sa1"}})"));
  EXPECT_EQ(json::value(DecodeRecorded("create-token.pb")),
            Parse(R"({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                      "metadata": {}, "spec": {"expirationSeconds": 600},
                      "status": {"token": ""}})"));
}

TEST(KubernetesProtobufKubectl, AuthCanIAndWhoAmI) {
  EXPECT_EQ(json::value(DecodeRecorded("auth-can-i-create-pods.pb")),
            Parse(R"({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                      "metadata": {},
                      "spec": {"resourceAttributes": {"namespace": "team", "verb": "create",
                                                      "resource": "pods"}},
                      "status": {"allowed": false}})"));
  EXPECT_EQ(json::value(DecodeRecorded("auth-can-i-nonresource.pb")),
            Parse(R"({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                      "metadata": {},
                      "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}},
                      "status": {"allowed": false}})"));
  EXPECT_EQ(json::value(DecodeRecorded("auth-whoami.pb")),
            Parse(R"({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                      "metadata": {}, "status": {"userInfo": {}}})"));
}

TEST(KubernetesProtobufKubectl, CreateDeploymentServiceJobCronJob) {
  json::object deployment = DecodeRecorded("create-deployment.pb");
  EXPECT_EQ(json::value(deployment), Parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27",
                                     "ports": [{"containerPort": 80}], "resources": {}}]}},
             "strategy": {}}})"));  // status is not decoded: the server sets it

  json::object service = DecodeRecorded("create-service-clusterip.pb");
  EXPECT_EQ(json::value(service["spec"]), Parse(R"({"ports": [{"name": "80-8080",
    "protocol": "TCP", "port": 80, "targetPort": 8080}], "selector": {"app": "svc1"},
    "type": "ClusterIP"})"));

  json::object job = DecodeRecorded("create-job.pb");
  EXPECT_EQ(json::value(job["spec"]), Parse(R"({"template": {"metadata": {},
    "spec": {"containers": [{"name": "j1", "image": "busybox", "command": ["echo", "hi"],
                             "resources": {}}], "restartPolicy": "Never"}}})"));

  json::object cron = DecodeRecorded("create-cronjob.pb");
  EXPECT_EQ(json::value(cron["spec"]), Parse(R"({"schedule": "*/5 * * * *",
    "jobTemplate": {"metadata": {"name": "cj1"},
      "spec": {"template": {"metadata": {},
        "spec": {"containers": [{"name": "cj1", "image": "busybox", "command": ["date"],
                                 "resources": {}}], "restartPolicy": "OnFailure"}}}}})"));
}

TEST(KubernetesProtobufKubectl, CreateRoleRoleBindingQuota) {
  EXPECT_EQ(json::value(DecodeRecorded("create-role.pb")["rules"]),
            Parse(R"([{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}])"));
  EXPECT_EQ(json::value(DecodeRecorded("create-rolebinding.pb")),
            Parse(R"({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                      "metadata": {"name": "rb1"},
                      "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io",
                                    "name": "bob"}],
                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": "r1"}})"));
  EXPECT_EQ(json::value(DecodeRecorded("create-quota.pb")["spec"]), Parse(R"({"hard": {"pods": "2"}})"));
}

}  // namespace
}  // namespace airunway::kubesim
