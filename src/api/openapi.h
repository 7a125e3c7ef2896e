// The OpenAPI 3.1 description of the REST API (docs/openapi.json, embedded at build time),
// served at GET /api/openapi.json. A test checks that it documents exactly the routes the
// router has.
//
// Thread-safety: the document is an immutable string.
#pragma once

#include <string_view>

#include "http/router.h"

namespace airunway::api {

std::string_view OpenApiDocument();

void RegisterOpenApiRoutes(http::Router& router);

}  // namespace airunway::api
