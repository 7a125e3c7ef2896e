// Structural-schema handling of custom resources: what the apiextensions-apiserver does with
// a CRD version's `openAPIV3Schema` when a custom object is created or updated.
//
//   1. nulls in non-nullable fields without a default are dropped,
//   2. `default` values are applied (deep: defaults of nested properties apply inside objects
//      that exist, including objects that were just defaulted),
//   3. unknown fields are pruned unless `x-kubernetes-preserve-unknown-fields` keeps them
//      (apiVersion, kind and metadata of the root and of embedded resources always stay),
//   4. the object is validated; failures are StatusCauses with the real reason, message and
//      field path ("spec.replicas", "spec.items[0].name"), ready for api_status.h Invalid().
//
// ValidateStructuralSchema checks a CRD's schema itself (every specified node has a type, the
// root is an object, ...) with the apiextensions messages, for the CRD create/update path.
//
// Schemas are plain boost::json::objects as stored in the CRD; nothing is cached between
// calls except compiled `pattern` regexes (thread-local). Patterns use std::regex ECMAScript
// syntax, which agrees with Go's RE2 on the patterns CRDs use in practice.
//
// Thread-safety: free functions; safe from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string_view>
#include <vector>

#include "kubesim/api_status.h"

namespace airunway::kubesim {

// Step 1 and 2: drops non-nullable nulls that have no default, then applies defaults.
void ApplySchemaDefaults(boost::json::object& object, const boost::json::object& schema);

// Step 3: removes fields the schema does not specify.
void PruneUnknownFields(boost::json::object& object, const boost::json::object& schema);

// Step 4: value validation, x-kubernetes-embedded-resource checks and list-type (map/set)
// duplicate detection, in the apiserver's order. Empty when valid.
std::vector<StatusCause> ValidateCustomObject(const boost::json::object& object,
                                              const boost::json::object& schema);

// Steps 1-4 in order, as a create or update of a custom object runs them. `object` is left
// defaulted and pruned; the result lists the validation failures.
std::vector<StatusCause> NormalizeCustomObject(boost::json::object& object,
                                               const boost::json::object& schema);

// Checks that `schema` is structural enough to serve. `field_path` is where the schema sits in
// the CRD, e.g. "spec.versions[0].schema.openAPIV3Schema"; causes name fields below it, sorted
// as the apiserver sorts them.
std::vector<StatusCause> ValidateStructuralSchema(const boost::json::object& schema,
                                                  std::string_view field_path);

}  // namespace airunway::kubesim
