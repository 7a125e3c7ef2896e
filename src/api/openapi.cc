#include "api/openapi.h"

namespace airunway::api {

void RegisterOpenApiRoutes(http::Router& router) {
  router.Get("/api/openapi.json", [](http::Request&) {
    return http::Response::Text(200, std::string(OpenApiDocument()), "application/json");
  });
}

}  // namespace airunway::api
