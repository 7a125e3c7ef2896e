// ApiStatus: a Kubernetes `Status` failure, as kubesim answers it on the wire.
//
//   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
//    "message":"pods \"x\" not found","reason":"NotFound",
//    "details":{"name":"x","kind":"pods"},"code":404}
//
// Every kubesim component reports failures as an ApiStatus so that the HTTP layer sends
// exactly what a real API server sends. The constructors below produce the real messages.
//
// Thread-safety: plain values.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace airunway::kubesim {

struct StatusCause {
  std::string type;     // e.g. "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported"
  std::string message;  // e.g. "Required value"
  std::string field;    // e.g. "spec.model.id"
};

struct ApiStatus {
  int code = 500;
  std::string reason;   // NotFound, AlreadyExists, Conflict, Invalid, BadRequest, Gone, ...
  std::string message;
  // details; empty fields are omitted
  std::string name;
  std::string group;
  std::string kind;     // for NotFound/AlreadyExists: the resource plural ("pods"); for Invalid: the Kind
  std::vector<StatusCause> causes;
  int retry_after_seconds = 0;

  boost::json::object ToJson() const;
};

// A kubesim result: a value or an ApiStatus.
template <typename T>
using ApiResult = std::variant<T, ApiStatus>;

template <typename T>
bool IsOk(const ApiResult<T>& r) { return r.index() == 0; }

// Real messages. `resource` is the plural resource name, `group` its API group ("" for core).
// `qualified` is "<resource>.<group>" or just "<resource>" for core, as the apiserver prints.
std::string QualifiedResource(std::string_view resource, std::string_view group);
ApiStatus NotFound(std::string_view resource, std::string_view group, std::string_view name);
ApiStatus AlreadyExists(std::string_view resource, std::string_view group, std::string_view name);
// 409 on a stale resourceVersion.
ApiStatus ConflictStale(std::string_view resource, std::string_view group, std::string_view name);
// 422 with field causes: `<Kind>.<group> "<name>" is invalid: [cause, cause]`.
ApiStatus Invalid(std::string_view kind, std::string_view group, std::string_view name,
                  std::vector<StatusCause> causes);
ApiStatus BadRequest(std::string message);
ApiStatus Gone(std::string message);  // 410 Expired
ApiStatus MethodNotSupported(std::string_view resource, std::string_view group, std::string_view verb);
ApiStatus Unauthorized();
// 403: `<resource>.<group> "<name>" is forbidden: User "<user>" cannot <verb> resource
// "<resource>" in API group "<group>" in the namespace "<ns>"`.
ApiStatus Forbidden(std::string_view user, std::string_view verb, std::string_view resource,
                    std::string_view group, std::string_view name, std::string_view namespace_name);
ApiStatus RequestEntityTooLarge(std::string message);
ApiStatus UnsupportedMediaType(std::string_view content_type);
ApiStatus InternalError(std::string message);
ApiStatus NotAcceptable(std::string message);

}  // namespace airunway::kubesim
