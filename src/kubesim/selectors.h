// Label and field selectors: the `labelSelector` / `fieldSelector` query parameters of list,
// watch and deletecollection, and the structured `LabelSelector` of objects such as a
// Deployment's spec.selector.
//
// Parsing follows the grammar and error texts of the real API server (`unable to parse
// requirement: ...`, `invalid selector: ...`), so a malformed query is answered with the same
// 400 message kubectl users see. A parsed selector is an immutable value; matching never
// allocates for the common operators.
//
// Thread-safety: values; concurrent Matches() on one selector are safe.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubesim/api_status.h"

namespace airunway::kubesim {

enum class SelectorOp { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGreaterThan, kLessThan };

struct LabelRequirement {
  std::string key;
  SelectorOp op = SelectorOp::kEquals;
  std::vector<std::string> values;  // sorted, de-duplicated (as the real parser keeps them)
};

class LabelSelector {
 public:
  LabelSelector() = default;  // matches everything

  // Parses the query syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
  // `a>3`, `a<3`, joined by commas. Failures are 400 BadRequest with the parser's message.
  static ApiResult<LabelSelector> Parse(std::string_view text);
  // Converts a metav1.LabelSelector object ({matchLabels, matchExpressions}). An empty
  // object matches everything. Failures are 400 BadRequest.
  static ApiResult<LabelSelector> FromJson(const boost::json::object& selector);

  bool Empty() const { return requirements_.empty(); }
  // `labels` is the metadata.labels object, or nullptr when the object has none.
  bool MatchesLabels(const boost::json::object* labels) const;
  // Matches a whole object by its metadata.labels.
  bool Matches(const boost::json::object& object) const;
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // Canonical text form (e.g. "app=web,tier in (a,b)").
  std::string ToString() const;

 private:
  std::vector<LabelRequirement> requirements_;
};

struct FieldRequirement {
  std::string field;  // e.g. "metadata.name", "spec.nodeName"
  bool negated = false;  // true for !=
  std::string value;
};

class FieldSelector {
 public:
  FieldSelector() = default;  // matches everything

  // Parses `f=v`, `f==v`, `f!=v` joined by commas; `\` escapes `,`, `=`, `!` and `\` in values.
  static ApiResult<FieldSelector> Parse(std::string_view text);

  bool Empty() const { return requirements_.empty(); }
  // 400 `field label not supported: <field>` for the first field not in `supported`
  // (metadata.name and metadata.namespace are always supported). nullopt when all are.
  std::optional<ApiStatus> CheckSupported(const std::vector<std::string>& supported) const;
  bool Matches(const boost::json::object& object) const;
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }

 private:
  std::vector<FieldRequirement> requirements_;
};

// The value a field selector compares for `path` ("spec.nodeName"): strings as they are,
// booleans and numbers in their JSON text, missing or null fields as "".
std::string FieldValue(const boost::json::object& object, std::string_view path);

}  // namespace airunway::kubesim
