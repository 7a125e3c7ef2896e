#include "common/json.h"

#include <boost/json/stream_parser.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>

namespace airunway::common {

namespace {

// Line and column (both 1-based) of byte offset `offset` in `text`.
std::pair<std::size_t, std::size_t> LineAndColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

Result<boost::json::value> ParseJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::json::stream_parser parser({}, options);
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) {
    ec = boost::json::make_error_code(boost::json::error::extra_data);
  }
  if (!ec) parser.finish(ec);
  if (ec) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return MakeError(ErrorCode::kBadRequest, "malformed JSON: the body is empty", "MalformedJson");
    }
    auto [line, column] = LineAndColumn(text, consumed);
    return MakeError(ErrorCode::kBadRequest,
                     fmt::format("malformed JSON at line {}, column {}: {}", line, column, ec.message()),
                     "MalformedJson");
  }
  return parser.release();
}

std::string ToJson(const boost::json::value& value) { return boost::json::serialize(value); }

const boost::json::value* Find(const boost::json::object& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->value();
}

std::optional<std::string_view> GetString(const boost::json::object& object, std::string_view key) {
  const auto* v = Find(object, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

std::optional<std::int64_t> GetInt(const boost::json::object& object, std::string_view key) {
  const auto* v = Find(object, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::optional<bool> GetBool(const boost::json::object& object, std::string_view key) {
  const auto* v = Find(object, key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

const boost::json::object* GetObject(const boost::json::object& object, std::string_view key) {
  const auto* v = Find(object, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const boost::json::array* GetArray(const boost::json::object& object, std::string_view key) {
  const auto* v = Find(object, key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

const boost::json::value* FindPath(const boost::json::value& root,
                                   std::initializer_list<std::string_view> path) {
  const boost::json::value* current = &root;
  for (std::string_view key : path) {
    if (!current->is_object()) return nullptr;
    current = Find(current->get_object(), key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

const boost::json::value* FindPath(const boost::json::object& root,
                                   std::initializer_list<std::string_view> path) {
  if (path.size() == 0) return nullptr;
  auto it = path.begin();
  const boost::json::value* current = Find(root, *it);
  for (++it; current != nullptr && it != path.end(); ++it) {
    if (!current->is_object()) return nullptr;
    current = Find(current->get_object(), *it);
  }
  return current;
}

std::string_view StringAt(const boost::json::object& root, std::initializer_list<std::string_view> path) {
  const auto* value = FindPath(root, path);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string()) : std::string_view();
}

}  // namespace airunway::common
