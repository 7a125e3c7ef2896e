// Kubernetes protobuf request bodies: a decoder that turns them into the JSON form of the object.
//
// kubectl sends the bodies of typed requests (`kubectl create namespace|configmap|secret|
// serviceaccount|deployment|service|job|cronjob|role|rolebinding|quota|token`, `kubectl auth
// can-i`, `kubectl auth whoami`) with Content-Type `application/vnd.kubernetes.protobuf`:
//
//   "k8s\0" + runtime.Unknown{1: typeMeta{1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding,
//                              4: contentType}
//
// where `raw` is the object's generated protobuf message. The server works on JSON, so this
// decoder maps `raw` back to exactly the JSON the object would have had (apiVersion, kind,
// metadata, ...; int64 as numbers, bytes as base64, metav1.Time as RFC 3339, IntOrString as a
// number or string, Quantity as its string, empty non-pointer fields omitted). Responses stay
// JSON: the server answers JSON whenever the client's Accept allows it, and kubectl always does.
//
// The schema is a set of static tables (one descriptor per message: field number -> JSON name
// and kind), so supporting another kind is adding a table and a row in the kind list. Fields a
// table does not list are skipped, as a real decoder skips unknown fields.
//
// Failures are values: 415 UnsupportedMediaType for a kind without a table (the message tells
// the client to send JSON), 400 BadRequest for malformed bytes. Input is never over-read.
//
// Thread-safety: pure functions over immutable static tables; safe from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kubesim/api_status.h"

namespace airunway::kubesim {

// The media type kubectl uses for protobuf bodies.
inline constexpr std::string_view kKubernetesProtobufMediaType = "application/vnd.kubernetes.protobuf";

// True when `content_type` is application/vnd.kubernetes.protobuf, ignoring parameters and case.
bool IsKubernetesProtobufContentType(std::string_view content_type);

// Decodes a whole request body ("k8s\0" magic + runtime.Unknown envelope) into the object's JSON
// form, with "apiVersion" and "kind" first.
ApiResult<boost::json::object> DecodeKubernetesProtobuf(std::string_view body);

// "apiVersion/kind" pairs that DecodeKubernetesProtobuf understands, e.g. "apps/v1/Deployment".
std::vector<std::string> ProtobufDecodableKinds();

}  // namespace airunway::kubesim
