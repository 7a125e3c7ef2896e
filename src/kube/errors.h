// Kubernetes errors as common::Error values.
//
// Every non-2xx answer of the API server becomes an Error whose code is chosen from the
// Kubernetes `Status` reason (falling back to the HTTP status), whose reason is the Status
// reason word as the server sent it ("NotFound", "Expired", ...), and whose message is the
// server's message, with the field causes appended when the message does not already carry
// them. Transport failures (refused connection, TLS failure, timeout) have their own mapping.
// Nothing here ever sees request headers, so no credential can reach a message.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace airunway::kube {

// The Error for an HTTP answer with status `http_status` and body `body` (a Status object,
// or any text). `what` names the request for bodies that say nothing ("GET pods/x").
common::Error ErrorFromResponse(long http_status, std::string_view body, std::string_view what = {});

// The code for a Kubernetes Status reason; nullopt for reasons this client does not know.
std::optional<common::ErrorCode> CodeForReason(std::string_view reason);

// The code for an HTTP status without a usable body.
common::ErrorCode CodeForHttpStatus(long http_status);

// True for errors worth retrying on an idempotent request: the server could not be reached,
// it was overloaded (429) or it failed (5xx, except 501).
bool IsRetryable(const common::Error& error);

inline bool IsNotFound(const common::Error& e) { return e.code == common::ErrorCode::kNotFound; }
inline bool IsConflict(const common::Error& e) { return e.code == common::ErrorCode::kConflict; }
inline bool IsAlreadyExists(const common::Error& e) { return e.code == common::ErrorCode::kAlreadyExists; }
inline bool IsGone(const common::Error& e) { return e.code == common::ErrorCode::kGone; }

}  // namespace airunway::kube
