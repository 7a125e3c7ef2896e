// Error: the one error value that crosses module boundaries.
//
// A failure anywhere in AI Runway is described by an ErrorCode (a short, stable vocabulary),
// a message for people that says what went wrong and what to do, and a machine-readable
// `reason` word. One function (HttpStatusOf) maps a code to an HTTP status; the HTTP layer
// turns an Error into the JSON envelope
//   {"error":{"message":"...","statusCode":N,"reason":"..."}}
// Messages must never contain secrets (tokens, passwords, key material).
//
// Thread-safety: plain values; safe to copy between threads.
#pragma once

#include <string>
#include <string_view>

namespace airunway::common {

enum class ErrorCode {
  kBadRequest,        // 400: the request itself is malformed (bad JSON, bad query)
  kInvalid,           // 422 by default for Kubernetes-style validation; 400 for REST validation
  kUnauthorized,      // 401
  kForbidden,         // 403
  kNotFound,          // 404
  kMethodNotAllowed,  // 405
  kConflict,          // 409 (stale resourceVersion, state conflict)
  kAlreadyExists,     // 409
  kGone,              // 410
  kPayloadTooLarge,   // 413
  kUnsupportedMediaType,  // 415
  kTooManyRequests,   // 429
  kInternal,          // 500
  kNotImplemented,    // 501
  kBadGateway,        // 502
  kUnavailable,       // 503
  kTimeout,           // 504
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Stable machine word (e.g. "NotFound", "RouteNotFound"). Empty means "derive from code".
  std::string reason;
};

// The HTTP status an ErrorCode maps to. The single table for the whole project.
int HttpStatusOf(ErrorCode code);

// The default reason word for a code ("NotFound", "BadRequest", ...).
std::string_view DefaultReason(ErrorCode code);

// The reason of an error: its own when set, else DefaultReason(code).
std::string ReasonOf(const Error& error);

// Convenience constructors, e.g. NotFound("model \"x\" not found").
Error MakeError(ErrorCode code, std::string message, std::string reason = {});

}  // namespace airunway::common
