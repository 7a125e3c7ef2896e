#include "http/json_body.h"

#include <algorithm>
#include <cctype>

#include "common/json.h"

namespace airunway::http {

namespace {

bool IsJsonContentType(std::string_view value) {
  std::string type(value.substr(0, value.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type == "application/json" || (type.starts_with("application/") && type.ends_with("+json"));
}

}  // namespace

common::Result<boost::json::value> ParseJsonBody(const Request& request) {
  auto type = request.Header("Content-Type");
  if (!type || !IsJsonContentType(*type)) {
    return common::MakeError(common::ErrorCode::kUnsupportedMediaType,
                             "the request body must be JSON: send it with Content-Type: application/json",
                             "UnsupportedMediaType");
  }
  auto parsed = common::ParseJson(request.body);
  if (!parsed) {
    common::Error error = parsed.error();
    error.message = "Malformed JSON in request body: " + error.message;
    return error;
  }
  return parsed;
}

}  // namespace airunway::http
