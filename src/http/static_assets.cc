#include "http/static_assets.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

namespace airunway::http {

namespace {

bool HasTraversal(std::string_view path) {
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) return true;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    std::string_view segment = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (segment == ".." || segment == ".") return true;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return false;
}

// FNV-1a, enough for a weak validator of build output.
std::string EtagOf(std::string_view data) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("\"{:016x}-{:x}\"", hash, data.size());
}

}  // namespace

std::string_view ContentTypeForPath(std::string_view path) {
  std::size_t dot = path.rfind('.');
  std::size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string ext(path.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "application/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "ico") return "image/x-icon";
  if (ext == "webp") return "image/webp";
  if (ext == "woff") return "font/woff";
  if (ext == "woff2") return "font/woff2";
  if (ext == "ttf") return "font/ttf";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "wasm") return "application/wasm";
  return "application/octet-stream";
}

bool LooksContentHashed(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view stem = name.substr(0, dot);
  std::size_t dash = stem.rfind('-');
  if (dash == std::string_view::npos) return false;
  std::string_view hash = stem.substr(dash + 1);
  return hash.size() >= 8 && std::all_of(hash.begin(), hash.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

StaticAssets::StaticAssets(std::span<const EmbeddedFile> files) {
  for (const auto& file : files) {
    files_.emplace(std::string(file.path),
                   File{file.data, std::string(ContentTypeForPath(file.path)), EtagOf(file.data),
                        file.path.starts_with("/assets/") && LooksContentHashed(file.path)});
  }
}

Response StaticAssets::Send(const Request& request, const File& file) const {
  Response response;
  response.headers.Set("Content-Type", file.content_type);
  response.headers.Set("Cache-Control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  response.headers.Set("ETag", file.etag);
  if (auto match = request.Header("If-None-Match"); match && *match == file.etag) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.body.assign(file.data);
  return response;
}

std::optional<Response> StaticAssets::Serve(const Request& request) const {
  if (files_.empty()) return std::nullopt;
  auto not_found = [] { return Response::Text(404, "Not Found\n"); };
  if (HasTraversal(request.path) || HasTraversal(request.raw_path)) return not_found();
  if (request.method != "GET" && request.method != "HEAD") {
    Response response = Response::Error(common::MakeError(
        common::ErrorCode::kMethodNotAllowed,
        fmt::format("{} is not allowed on {}: the web UI is read-only", request.method, request.path)));
    response.headers.Set("Allow", "GET, HEAD");
    return response;
  }
  if (auto it = files_.find(request.path); it != files_.end()) return Send(request, it->second);
  if (request.path.starts_with("/assets/")) return not_found();
  auto index = files_.find("/index.html");
  if (index == files_.end()) return not_found();
  return Send(request, index->second);
}

}  // namespace airunway::http
