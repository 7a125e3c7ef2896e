// Small text helpers the Kubernetes client needs: base64 (kubeconfig *-data fields),
// query-string escaping, whole-file reads and trimming.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace airunway::kube {

std::string Base64Encode(std::string_view data);
// Standard alphabet; whitespace is ignored, padding is optional. nullopt on other characters.
std::optional<std::string> Base64Decode(std::string_view text);

// Percent-encodes everything but unreserved characters (RFC 3986), for query values and
// path segments.
std::string UrlEscape(std::string_view text);

// The whole file; kNotFound / kInternal with the path and the system's reason.
common::Result<std::string> ReadFile(const std::string& path);

std::string TrimSpace(std::string_view text);

}  // namespace airunway::kube
