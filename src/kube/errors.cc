#include "kube/errors.h"

#include <boost/json.hpp>

#include "common/json.h"

namespace airunway::kube {

using common::ErrorCode;

std::optional<ErrorCode> CodeForReason(std::string_view reason) {
  if (reason == "NotFound") return ErrorCode::kNotFound;
  if (reason == "AlreadyExists") return ErrorCode::kAlreadyExists;
  if (reason == "Conflict") return ErrorCode::kConflict;
  if (reason == "Invalid") return ErrorCode::kInvalid;
  if (reason == "Forbidden") return ErrorCode::kForbidden;
  if (reason == "Unauthorized") return ErrorCode::kUnauthorized;
  if (reason == "Gone" || reason == "Expired") return ErrorCode::kGone;
  if (reason == "TooManyRequests") return ErrorCode::kTooManyRequests;
  if (reason == "Timeout" || reason == "ServerTimeout") return ErrorCode::kTimeout;
  if (reason == "ServiceUnavailable") return ErrorCode::kUnavailable;
  if (reason == "BadRequest") return ErrorCode::kBadRequest;
  if (reason == "MethodNotAllowed") return ErrorCode::kMethodNotAllowed;
  if (reason == "RequestEntityTooLarge") return ErrorCode::kPayloadTooLarge;
  if (reason == "UnsupportedMediaType") return ErrorCode::kUnsupportedMediaType;
  if (reason == "InternalError") return ErrorCode::kInternal;
  return std::nullopt;
}

ErrorCode CodeForHttpStatus(long http_status) {
  switch (http_status) {
    case 400: return ErrorCode::kBadRequest;
    case 401: return ErrorCode::kUnauthorized;
    case 403: return ErrorCode::kForbidden;
    case 404: return ErrorCode::kNotFound;
    case 405: return ErrorCode::kMethodNotAllowed;
    case 409: return ErrorCode::kConflict;
    case 410: return ErrorCode::kGone;
    case 413: return ErrorCode::kPayloadTooLarge;
    case 415: return ErrorCode::kUnsupportedMediaType;
    case 422: return ErrorCode::kInvalid;
    case 429: return ErrorCode::kTooManyRequests;
    case 501: return ErrorCode::kNotImplemented;
    case 502: return ErrorCode::kBadGateway;
    case 503: return ErrorCode::kUnavailable;
    case 504: return ErrorCode::kTimeout;
    default: break;
  }
  if (http_status >= 500) return ErrorCode::kInternal;
  return ErrorCode::kBadRequest;
}

namespace {

// "spec.replicas: Invalid value; metadata.name: Required value"
std::string DescribeCauses(const boost::json::array& causes) {
  std::string out;
  for (const auto& cause : causes) {
    const auto* object = cause.if_object();
    if (object == nullptr) continue;
    auto field = common::GetString(*object, "field").value_or("");
    auto message = common::GetString(*object, "message").value_or("");
    if (message.empty()) message = common::GetString(*object, "reason").value_or("");
    if (field.empty() && message.empty()) continue;
    if (!out.empty()) out += "; ";
    if (!field.empty()) {
      out.append(field).append(": ");
    }
    out.append(message);
  }
  return out;
}

// Bodies that are not Status objects are quoted, cut short: proxies and load balancers
// answer with HTML pages.
std::string Excerpt(std::string_view body) {
  constexpr std::size_t kMax = 200;
  std::string text(body.substr(0, kMax));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (body.size() > kMax) text += "...";
  return text;
}

}  // namespace

common::Error ErrorFromResponse(long http_status, std::string_view body, std::string_view what) {
  common::Error error;
  error.code = CodeForHttpStatus(http_status);
  std::string message;
  std::string reason;
  boost::json::error_code ec;
  auto parsed = boost::json::parse(body, ec);
  const boost::json::object* status = (!ec && parsed.is_object()) ? &parsed.as_object() : nullptr;
  if (status != nullptr && common::GetString(*status, "kind").value_or("") == "Status") {
    reason = std::string(common::GetString(*status, "reason").value_or(""));
    message = std::string(common::GetString(*status, "message").value_or(""));
    if (auto code = CodeForReason(reason)) {
      // A 409 is AlreadyExists or Conflict, a 410 Gone or Expired: the reason decides.
      error.code = *code;
    } else if (auto body_code = common::GetInt(*status, "code"); body_code && http_status == 0) {
      error.code = CodeForHttpStatus(*body_code);
    }
    if (const auto* details = common::GetObject(*status, "details")) {
      if (const auto* causes = common::GetArray(*details, "causes")) {
        std::string described = DescribeCauses(*causes);
        // The apiserver's Invalid messages already list their causes in brackets.
        if (!described.empty() && message.find(described.substr(0, described.find(';'))) == std::string::npos) {
          message += message.empty() ? described : " Details: " + described;
        }
      }
    }
  } else if (!body.empty()) {
    message = Excerpt(body);
  }
  if (message.empty()) {
    message = "the Kubernetes API server answered " + std::to_string(http_status);
    if (!what.empty()) message.append(" to ").append(what);
  }
  error.message = std::move(message);
  error.reason = reason.empty() ? std::string(common::DefaultReason(error.code)) : std::move(reason);
  return error;
}

bool IsRetryable(const common::Error& error) {
  switch (error.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kTooManyRequests:
    case ErrorCode::kInternal:
    case ErrorCode::kBadGateway:
    case ErrorCode::kTimeout:
      return true;
    default:
      return false;
  }
}

}  // namespace airunway::kube
