// Request helpers shared by the models, OAuth and secrets areas: validation errors that name
// the field and the rule, JavaScript-style integer parsing of query values (as the reference
// does: "5abc" is 5, "abc" is invalid), a JSON-object body, and the caller's HF token.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/url/parse.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/json.h"
#include "common/result.h"
#include "http/json_body.h"
#include "http/message.h"

namespace airunway::api::hf {

// 400 "<field>: <rule>".
inline common::Error ValidationError(std::string_view field, std::string_view rule) {
  return common::MakeError(common::ErrorCode::kBadRequest, std::string(field) + ": " + std::string(rule),
                           "ValidationFailed");
}

// parseInt: optional leading spaces and sign, then as many digits as there are.
inline std::optional<std::int64_t> ParseIntPrefix(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::int64_t value = 0;
  std::size_t digits = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0; ++i, ++digits) {
    if (value > 1'000'000'000'000) return std::nullopt;  // far past any range we accept
    value = value * 10 + (text[i] - '0');
  }
  if (digits == 0) return std::nullopt;
  return negative ? -value : value;
}

// Code points in UTF-8 text (what a person counts as characters).
inline std::size_t CharacterCount(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

inline common::Result<boost::json::object> ObjectBody(const http::Request& request) {
  auto body = http::ParseJsonBody(request);
  if (!body) return body.error();
  if (!body->is_object()) return ValidationError("body", "must be a JSON object");
  return std::move(body->get_object());
}

// A required string field of at least `min_length` characters.
inline common::Result<std::string> RequiredString(const boost::json::object& body, std::string_view field,
                                                  std::size_t min_length = 1) {
  auto value = common::GetString(body, field);
  if (!value) return ValidationError(field, "is required and must be a string");
  if (CharacterCount(*value) < min_length) {
    return ValidationError(field, min_length == 1 ? std::string("must not be empty")
                                                  : "must be at least " + std::to_string(min_length) + " characters");
  }
  return std::string(*value);
}

inline bool IsAbsoluteUrl(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  return url.has_value() && !url->scheme().empty();
}

// The caller's HuggingFace token (X-HF-Token); `Authorization` is the cluster's.
inline std::string HfToken(const http::Request& request) {
  auto token = request.Header("X-HF-Token");
  return token ? std::string(*token) : std::string();
}

}  // namespace airunway::api::hf
