#include "api/models.h"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <cstdlib>

#include "api/hf_request.h"
#include "api/oauth.h"
#include "api/secrets.h"
#include "services/huggingface/compatibility.h"

namespace airunway::api {

namespace {

using boost::asio::awaitable;
using http::Response;

constexpr std::string_view kGgufSuffix = "/gguf-files";
constexpr std::size_t kMaxQueryCharacters = 200;
// The Hub is asked for limit + offset + 10 results per tag; deeper pages are not useful and
// would make every search fetch thousands of models.
constexpr std::int64_t kMaxOffset = 1000;

common::Result<huggingface::SearchRequest> ParseSearch(const http::Request& request) {
  huggingface::SearchRequest search;
  for (std::string_view name : {"q", "limit", "offset"}) {
    if (request.QueryCount(name) > 1) return hf::ValidationError(name, "must be given once");
  }
  auto q = request.Query("q");
  if (!q || hf::CharacterCount(*q) < 2) {
    return hf::ValidationError("q", "must be at least 2 characters (Search query must be at least 2 characters)");
  }
  if (hf::CharacterCount(*q) > kMaxQueryCharacters) return hf::ValidationError("q", "must be at most 200 characters");
  search.query = std::string(*q);
  if (auto limit = request.Query("limit")) {
    auto value = hf::ParseIntPrefix(*limit);
    if (!value || *value < 1 || *value > 50) return hf::ValidationError("limit", "must be an integer from 1 to 50");
    search.limit = static_cast<int>(*value);
  }
  if (auto offset = request.Query("offset")) {
    auto value = hf::ParseIntPrefix(*offset);
    if (!value || *value < 0 || *value > kMaxOffset) {
      return hf::ValidationError("offset", "must be an integer from 0 to 1000");
    }
    search.offset = static_cast<int>(*value);
  }
  search.token = hf::HfToken(request);
  return search;
}

}  // namespace

common::Result<ModelsAreaDeps> MakeModelsAreaDeps(const ModelsAreaConfig& config,
                                                  std::shared_ptr<kube::Client> kube, http::WorkerPool& pool) {
  auto catalog = config.catalog_path.empty() ? catalog::Catalog::LoadEmbedded()
                                             : catalog::Catalog::LoadFile(config.catalog_path);
  if (!catalog) return catalog.error();

  huggingface::HubOptions options = config.hub;
  options.endpoint = config.hf_endpoint.empty() ? huggingface::EndpointFromEnvironment() : config.hf_endpoint;
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  auto url = boost::urls::parse_absolute_uri(options.endpoint);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty() ||
      (!url->encoded_path().empty() && url->encoded_path() != "/") || url->has_query()) {
    return common::MakeError(common::ErrorCode::kInvalid,
                             "HF_ENDPOINT \"" + options.endpoint +
                                 "\" is not a HuggingFace address like https://huggingface.co (scheme and host only)",
                             "InvalidConfiguration");
  }

  ModelsAreaDeps deps;
  deps.catalog = std::make_shared<const catalog::Catalog>(std::move(*catalog));
  deps.hub = std::make_shared<huggingface::HubClient>(std::move(options));
  deps.oauth_sessions = std::make_shared<oauth::Sessions>();
  if (!config.oauth_client_id.empty()) {
    deps.oauth_client_id = config.oauth_client_id;
  } else if (const char* env = std::getenv("HF_CLIENT_ID"); env != nullptr && *env != '\0') {
    deps.oauth_client_id = env;
  } else {
    deps.oauth_client_id = std::string(huggingface::kDefaultOAuthClientId);
  }
  if (kube) {
    auto hub = deps.hub;
    deps.secrets = std::make_shared<secrets::HfTokenSecrets>(
        std::move(kube), [hub](std::string_view token) -> common::Result<boost::json::object> {
          auto user = hub->WhoAmI(token);
          if (!user) return user.error();
          return user->ToJson();
        });
  }
  deps.pool = &pool;
  return deps;
}

void RegisterModelsRoutes(http::Router& router, std::shared_ptr<const catalog::Catalog> catalog,
                          std::shared_ptr<huggingface::HubClient> hub, http::WorkerPool& pool) {
  router.Get("/api/models", [catalog](http::Request&) {
    return Response::Json(200, boost::json::object{{"models", catalog->models()}});
  });

  router.AddAsync("GET", "/api/models/search", [hub, &pool](http::Request& request) -> awaitable<Response> {
    auto search = ParseSearch(request);
    if (!search) co_return Response::Error(search.error());
    // Only references in the closure: g++ 12 mis-copies closures with owning members into
    // the coroutine frame of WorkerPool::Run.
    auto result = co_await pool.Run([&] { return hub->Search(*search); });
    if (!result) co_return Response::Error(result.error());
    if (!*result) co_return Response::Error(result->error());
    co_return Response::Json(200, **result);
  });

  // One greedy route for both the catalog entry and the GGUF list: ids contain '/', so the
  // "/gguf-files" suffix is recognised here rather than by the router.
  router.AddAsync("GET", "/api/models/*id", [catalog, hub, &pool](http::Request& request) -> awaitable<Response> {
    std::string id(request.Param("id"));
    if (id.size() > kGgufSuffix.size() && id.ends_with(kGgufSuffix)) {
      std::string repo = id.substr(0, id.size() - kGgufSuffix.size());
      if (!huggingface::IsValidRepoId(repo)) {
        co_return Response::Error(common::MakeError(common::ErrorCode::kBadRequest, "Invalid Hugging Face model id",
                                                    "InvalidModelId"));
      }
      std::string token = hf::HfToken(request);
      auto result = co_await pool.Run([&] { return hub->GgufFiles(repo, token); });
      if (!result) co_return Response::Error(result.error());
      if (!*result) co_return Response::Error(result->error());
      boost::json::array files;
      for (const auto& file : **result) files.emplace_back(file);
      co_return Response::Json(200, boost::json::object{{"files", std::move(files)}});
    }
    if (const auto* model = catalog->Find(id)) co_return Response::Json(200, *model);
    co_return Response::Error(common::MakeError(common::ErrorCode::kNotFound, "Model not found", "ModelNotFound"));
  });
}

void RegisterModelsArea(http::Router& router, const ModelsAreaDeps& deps) {
  RegisterModelsRoutes(router, deps.catalog, deps.hub, *deps.pool);
  RegisterOAuthRoutes(router, deps.hub, deps.oauth_sessions, deps.oauth_client_id, *deps.pool);
  RegisterSecretsRoutes(router, deps.secrets, *deps.pool);
}

}  // namespace airunway::api
