// Name and metadata validation with the Kubernetes API server's rules and message texts.
//
// The object store validates metadata.name, labels and annotations of every object it
// writes, and the selector parser validates label keys and values; both need the exact
// messages kubectl users know (they appear verbatim in `kubectl create` errors). Each check
// returns the list of problems as message strings (empty list = valid), exactly as the
// apimachinery `Is...` helpers do, so callers can wrap them as field causes.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "kubesim/api_status.h"

namespace airunway::kubesim {

inline constexpr std::size_t kDns1123SubdomainMaxLength = 253;
inline constexpr std::size_t kDns1123LabelMaxLength = 63;
inline constexpr std::size_t kQualifiedNameMaxLength = 63;
inline constexpr std::size_t kLabelValueMaxLength = 63;
inline constexpr std::size_t kTotalAnnotationSizeLimit = 256 * 1024;
// generateName is cut to this many characters before the 5-character random suffix.
inline constexpr std::size_t kMaxGeneratedNamePrefix = 58;

// Which rule an object kind's metadata.name follows.
enum class NameRule {
  kDns1123Subdomain,  // most resources
  kDns1123Label,      // namespaces
  kDns1035Label,      // services (must start with a letter)
  kPathSegment,       // RBAC objects: anything that is a valid URL path segment
};

// The rule the real API server applies to `resource` in `group`.
NameRule NameRuleFor(std::string_view group, std::string_view resource);

std::vector<std::string> IsDns1123Subdomain(std::string_view value);
std::vector<std::string> IsDns1123Label(std::string_view value);
std::vector<std::string> IsDns1035Label(std::string_view value);
std::vector<std::string> IsPathSegmentName(std::string_view value);
// Label and annotation keys: an optional DNS subdomain prefix and '/', then a name part.
std::vector<std::string> IsQualifiedName(std::string_view value);
std::vector<std::string> IsValidLabelValue(std::string_view value);
std::vector<std::string> CheckName(NameRule rule, std::string_view value);

// `Invalid value: "<value>": <detail>`: how a FieldValueInvalid cause renders its message.
std::string InvalidValueMessage(std::string_view value, std::string_view detail);
StatusCause InvalidCause(std::string field, std::string_view value, std::string_view detail);
StatusCause RequiredCause(std::string field, std::string_view detail);
StatusCause ForbiddenCause(std::string field, std::string_view detail);

// Validates metadata.labels and metadata.annotations of `metadata` (keys, values, total
// annotation size), appending one cause per problem (field "metadata.labels" /
// "metadata.annotations"). Non-string label or annotation values are reported too.
void ValidateLabelsAndAnnotations(const boost::json::object& metadata,
                                  std::vector<StatusCause>& causes);

}  // namespace airunway::kubesim
