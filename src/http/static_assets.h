// StaticAssets: the web UI's files, embedded in the binary at build time, served with the
// right Content-Type and caching, with the single-page-app fallback to index.html.
//
//   - "/assets/index-3f9a1c2b.js" (a content-hashed name) → Cache-Control: public, max-age=1y,
//     immutable; index.html and everything else → no-cache, with an ETag so revalidation is a 304.
//   - Any other GET/HEAD path outside /api/ → index.html (client-side routes), except paths
//     under /assets/ (a missing asset is a 404, not HTML) and paths with a ".." segment or
//     an encoded traversal (404).
//
// Thread-safety: immutable after construction; Serve is safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/message.h"

namespace airunway::http {

struct EmbeddedFile {
  std::string_view path;  // URL path, "/index.html"
  std::string_view data;
};

class StaticAssets {
 public:
  explicit StaticAssets(std::span<const EmbeddedFile> files);

  // The response for a non-API request, or nullopt when no UI is embedded at all.
  std::optional<Response> Serve(const Request& request) const;

  bool has_index() const { return files_.contains("/index.html"); }
  std::size_t size() const { return files_.size(); }

 private:
  struct File {
    std::string_view data;
    std::string content_type;
    std::string etag;
    bool immutable;
  };
  Response Send(const Request& request, const File& file) const;

  std::unordered_map<std::string, File> files_;
};

// Content-Type by file extension ("application/octet-stream" when unknown).
std::string_view ContentTypeForPath(std::string_view path);
// True for build outputs whose names carry a content hash ("index-3f9a1c2b.js").
bool LooksContentHashed(std::string_view path);

}  // namespace airunway::http
