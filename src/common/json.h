// JSON helpers on top of Boost.JSON: parsing that reports where a document broke, and small
// typed accessors that never throw.
//
// Thread-safety: free functions over values; safe from any thread.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace airunway::common {

// Parses `text` as one JSON document. On failure the Error (kBadRequest) says what broke and
// where: "malformed JSON at line 3, column 7: expected ':' ...".
Result<boost::json::value> ParseJson(std::string_view text);

// Compact serialisation.
std::string ToJson(const boost::json::value& value);

// Accessors: nullopt when the key is absent or of another type.
const boost::json::value* Find(const boost::json::object& object, std::string_view key);
std::optional<std::string_view> GetString(const boost::json::object& object, std::string_view key);
std::optional<std::int64_t> GetInt(const boost::json::object& object, std::string_view key);
std::optional<bool> GetBool(const boost::json::object& object, std::string_view key);
const boost::json::object* GetObject(const boost::json::object& object, std::string_view key);
const boost::json::array* GetArray(const boost::json::object& object, std::string_view key);

// Follows a path of object keys ("metadata", "name"); nullptr when any step is missing.
const boost::json::value* FindPath(const boost::json::value& root,
                                   std::initializer_list<std::string_view> path);
// The same from an object (without this overload an object would be copied into a
// temporary value and the result would dangle).
const boost::json::value* FindPath(const boost::json::object& root,
                                   std::initializer_list<std::string_view> path);
// The string at `path`, or "" when any step is missing or the value is not a string. The view
// points into `root`.
std::string_view StringAt(const boost::json::object& root, std::initializer_list<std::string_view> path);

}  // namespace airunway::common
