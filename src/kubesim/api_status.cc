#include "kubesim/api_status.h"

#include <fmt/format.h>

namespace airunway::kubesim {

boost::json::object ApiStatus::ToJson() const {
  boost::json::object status;
  status["kind"] = "Status";
  status["apiVersion"] = "v1";
  status["metadata"] = boost::json::object();
  status["status"] = "Failure";
  status["message"] = message;
  status["reason"] = reason;
  boost::json::object details;
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!causes.empty()) {
    boost::json::array list;
    for (const auto& cause : causes) {
      boost::json::object c;
      if (!cause.type.empty()) c["reason"] = cause.type;
      if (!cause.message.empty()) c["message"] = cause.message;
      if (!cause.field.empty()) c["field"] = cause.field;
      list.push_back(std::move(c));
    }
    details["causes"] = std::move(list);
  }
  if (retry_after_seconds > 0) details["retryAfterSeconds"] = retry_after_seconds;
  if (!details.empty()) status["details"] = std::move(details);
  status["code"] = code;
  return status;
}

std::string QualifiedResource(std::string_view resource, std::string_view group) {
  if (group.empty()) return std::string(resource);
  return fmt::format("{}.{}", resource, group);
}

ApiStatus NotFound(std::string_view resource, std::string_view group, std::string_view name) {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = name.empty() ? "the server could not find the requested resource"
                           : fmt::format("{} \"{}\" not found", QualifiedResource(resource, group), name);
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus AlreadyExists(std::string_view resource, std::string_view group, std::string_view name) {
  ApiStatus s;
  s.code = 409;
  s.reason = "AlreadyExists";
  s.message = fmt::format("{} \"{}\" already exists", QualifiedResource(resource, group), name);
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus ConflictStale(std::string_view resource, std::string_view group, std::string_view name) {
  ApiStatus s;
  s.code = 409;
  s.reason = "Conflict";
  s.message = fmt::format(
      "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your "
      "changes to the latest version and try again",
      QualifiedResource(resource, group), name);
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus Invalid(std::string_view kind, std::string_view group, std::string_view name,
                  std::vector<StatusCause> causes) {
  ApiStatus s;
  s.code = 422;
  s.reason = "Invalid";
  std::string list;
  for (std::size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) list += ", ";
    list += causes[i].field.empty() ? causes[i].message
                                    : fmt::format("{}: {}", causes[i].field, causes[i].message);
  }
  std::string qualified_kind = group.empty() ? std::string(kind) : fmt::format("{}.{}", kind, group);
  s.message = causes.size() == 1
                  ? fmt::format("{} \"{}\" is invalid: {}", qualified_kind, name, list)
                  : fmt::format("{} \"{}\" is invalid: [{}]", qualified_kind, name, list);
  s.name = name;
  s.group = group;
  s.kind = kind;
  s.causes = std::move(causes);
  return s;
}

ApiStatus BadRequest(std::string message) {
  ApiStatus s;
  s.code = 400;
  s.reason = "BadRequest";
  s.message = std::move(message);
  return s;
}

ApiStatus Gone(std::string message) {
  ApiStatus s;
  s.code = 410;
  s.reason = "Expired";
  s.message = std::move(message);
  return s;
}

ApiStatus MethodNotSupported(std::string_view resource, std::string_view group, std::string_view verb) {
  ApiStatus s;
  s.code = 405;
  s.reason = "MethodNotAllowed";
  s.message = fmt::format("{} is not supported on resources of kind \"{}\"", verb,
                          QualifiedResource(resource, group));
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus Unauthorized() {
  ApiStatus s;
  s.code = 401;
  s.reason = "Unauthorized";
  s.message = "Unauthorized";
  return s;
}

ApiStatus Forbidden(std::string_view user, std::string_view verb, std::string_view resource,
                    std::string_view group, std::string_view name, std::string_view namespace_name) {
  ApiStatus s;
  s.code = 403;
  s.reason = "Forbidden";
  std::string subject = name.empty() ? QualifiedResource(resource, group)
                                     : fmt::format("{} \"{}\"", QualifiedResource(resource, group), name);
  std::string scope = namespace_name.empty()
                          ? std::string(" at the cluster scope")
                          : fmt::format(" in the namespace \"{}\"", namespace_name);
  s.message = fmt::format("{} is forbidden: User \"{}\" cannot {} resource \"{}\" in API group \"{}\"{}",
                          subject, user, verb, resource, group, scope);
  s.name = name;
  s.group = group;
  s.kind = resource;
  return s;
}

ApiStatus RequestEntityTooLarge(std::string message) {
  ApiStatus s;
  s.code = 413;
  s.reason = "RequestEntityTooLarge";
  s.message = std::move(message);
  return s;
}

ApiStatus UnsupportedMediaType(std::string_view content_type) {
  ApiStatus s;
  s.code = 415;
  s.reason = "UnsupportedMediaType";
  s.message = fmt::format("the body of the request was in an unknown format - accepted media types "
                          "include: application/json, application/yaml (got \"{}\")",
                          content_type);
  return s;
}

ApiStatus InternalError(std::string message) {
  ApiStatus s;
  s.code = 500;
  s.reason = "InternalError";
  s.message = std::move(message);
  return s;
}

ApiStatus NotAcceptable(std::string message) {
  ApiStatus s;
  s.code = 406;
  s.reason = "NotAcceptable";
  s.message = std::move(message);
  return s;
}

}  // namespace airunway::kubesim
