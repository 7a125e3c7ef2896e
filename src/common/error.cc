#include "common/error.h"

namespace airunway::common {

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kInvalid: return 422;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kGone: return 410;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kTooManyRequests: return 429;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kNotImplemented: return 501;
    case ErrorCode::kBadGateway: return 502;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kTimeout: return 504;
  }
  return 500;
}

std::string_view DefaultReason(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "BadRequest";
    case ErrorCode::kInvalid: return "Invalid";
    case ErrorCode::kUnauthorized: return "Unauthorized";
    case ErrorCode::kForbidden: return "Forbidden";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kMethodNotAllowed: return "MethodNotAllowed";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kGone: return "Gone";
    case ErrorCode::kPayloadTooLarge: return "RequestEntityTooLarge";
    case ErrorCode::kUnsupportedMediaType: return "UnsupportedMediaType";
    case ErrorCode::kTooManyRequests: return "TooManyRequests";
    case ErrorCode::kInternal: return "InternalError";
    case ErrorCode::kNotImplemented: return "NotImplemented";
    case ErrorCode::kBadGateway: return "BadGateway";
    case ErrorCode::kUnavailable: return "ServiceUnavailable";
    case ErrorCode::kTimeout: return "Timeout";
  }
  return "InternalError";
}

std::string ReasonOf(const Error& error) {
  return error.reason.empty() ? std::string(DefaultReason(error.code)) : error.reason;
}

Error MakeError(ErrorCode code, std::string message, std::string reason) {
  return Error{code, std::move(message), std::move(reason)};
}

}  // namespace airunway::common
