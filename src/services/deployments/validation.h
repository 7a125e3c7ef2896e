// Validation of REST input the way the reference's schemas do it: the DeploymentConfig body of
// POST /api/deployments and /preview (every field, enum and bound, then the storage rules),
// Kubernetes names and namespaces, and integer query parameters.
//
// Failures are a list of issues in the reference's (zod) shape, each naming the field path and
// the rule it broke:
//   {"origin":"string","code":"too_small","minimum":1,"inclusive":true,"path":["modelId"],
//    "message":"Model ID is required"}
// and the HTTP answer is 400 {"success":false,"error":{"name":"ZodError","message":"<issues as
// indented JSON text>"}} (see ValidationErrorBody).
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airunway::services::deployments {

using Issues = std::vector<boost::json::object>;

// The body of the 400 answer for `issues`.
boost::json::object ValidationErrorBody(const Issues& issues);

// Namespace rule (1–63 chars, DNS label) and resource-name rule (1–253 chars, DNS subdomain
// characters); issues are appended with `path`.
void CheckNamespace(std::string_view value, const boost::json::array& path, Issues& issues);
void CheckResourceName(std::string_view value, const boost::json::array& path, Issues& issues);
bool IsKubernetesQuantity(std::string_view text);

// JavaScript parseInt semantics (leading whitespace, sign, digits; "5abc" → 5; "abc" → nullopt).
std::optional<std::int64_t> ParseIntPrefix(std::string_view text);

// An integer query parameter with bounds: nullopt value when absent or empty. Appends issues
// in the reference's shape (NaN → invalid_type, out of range → too_small / too_big).
std::optional<std::int64_t> IntQuery(std::optional<std::string_view> raw, std::string_view name, std::int64_t min,
                                     std::optional<std::int64_t> max, Issues& issues);

// Validates a DeploymentConfig. On success `issues` stays empty and the result is the config
// with unknown keys dropped and defaults applied, keys in the reference's order.
boost::json::object ValidateDeploymentConfig(const boost::json::value& body, Issues& issues);

}  // namespace airunway::services::deployments
