// Fuzz target: request bodies through kubesim's whole request path (decoding JSON and YAML,
// validation, every patch type, server-side apply, custom-resource schemas). The first byte
// picks the request shape, the rest is the body. Any crash, hang or sanitizer report is a bug;
// error responses are expected.
#include <cstdint>
#include <string>

#include <boost/json/parse.hpp>

#include "http/message.h"
#include "kubesim/api_server.h"

namespace {

struct Shape {
  const char* method;
  const char* target;
  const char* content_type;
};

constexpr Shape kShapes[] = {
    {"POST", "/api/v1/namespaces/default/configmaps", "application/json"},
    {"POST", "/api/v1/namespaces/default/pods", "application/yaml"},
    {"PUT", "/api/v1/namespaces/default/configmaps/seed", "application/json"},
    {"PATCH", "/api/v1/namespaces/default/configmaps/seed", "application/merge-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/configmaps/seed", "application/json-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/pods/seed", "application/strategic-merge-patch+json"},
    {"PATCH", "/api/v1/namespaces/default/configmaps/seed?fieldManager=fuzz", "application/apply-patch+yaml"},
    {"POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict", "application/json"},
    {"PATCH", "/apis/example.com/v1/namespaces/default/widgets/seed", "application/merge-patch+json"},
    {"POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/json"},
    {"POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "application/json"},
    {"DELETE", "/api/v1/namespaces/default/configmaps/other", "application/json"},
    {"POST", "/api/v1/namespaces/default/pods/seed/binding", "application/json"},
    {"PATCH", "/apis/apps/v1/namespaces/default/deployments/seed/scale", "application/merge-patch+json"},
};

airunway::kubesim::ApiServer& Server() {
  static airunway::kubesim::ApiServer* server = [] {
    auto* s = new airunway::kubesim::ApiServer({.tls = false});
    auto object = [](const char* text) { return boost::json::parse(text).as_object(); };
    (void)s->CreateObject(object(R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
      "metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget"},"versions":[{"name":"v1","served":true,
      "storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object",
      "properties":{"size":{"type":"integer","minimum":1},"items":{"type":"array","items":{"type":"object",
      "properties":{"name":{"type":"string"}}},"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"]}}}}}}}]}})"));
    (void)s->CreateObject(object(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"seed","namespace":"default"},"data":{"a":"b"}})"));
    (void)s->CreateObject(object(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"seed","namespace":"default"},
      "spec":{"containers":[{"name":"main","image":"x","env":[{"name":"A","value":"1"}]}]}})"));
    (void)s->CreateObject(object(R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"seed","namespace":"default"},"spec":{"size":2}})"));
    (void)s->CreateObject(object(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"seed","namespace":"default"},
      "spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})"));
    return s;
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Shape& shape = kShapes[data[0] % (sizeof kShapes / sizeof kShapes[0])];
  airunway::http::Request request;
  request.method = shape.method;
  request.target = shape.target;
  request.headers.Set("Content-Type", shape.content_type);
  request.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!airunway::http::ParseTarget(request).ok()) return 0;
  auto response = Server().Serve(request);
  if (response.status < 200 || response.status >= 600) __builtin_trap();
  return 0;
}
