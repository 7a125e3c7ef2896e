// Middleware: the cross-cutting steps of the AI Runway request pipeline, as hooks for
// http::Server (see server.h for the order they run in).
//
//   - CORS (env CORS_ORIGIN): unset → only loopback browser origins (http(s)://localhost,
//     127.0.0.1, [::1]) are echoed; "*" → any origin; "a,b" → an exact list. An unusable value
//     falls back to the loopback rule. Preflight OPTIONS → 204 and never reaches a handler.
//   - security headers: nosniff, frame denial, referrer policy, and a Content-Security-Policy
//     that only allows our own origin (the UI needs nothing from other hosts).
//   - gzip: JSON and text responses of at least 1 KiB when the client accepts gzip.
//   - request id: X-Request-Id accepted (when it is short and printable) or generated, and
//     returned on the response.
//
// Thread-safety: the policies are immutable after construction; hooks are safe to run on any
// number of threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "http/server.h"

namespace airunway::http {

class CorsPolicy {
 public:
  // Parses the CORS_ORIGIN value (nullopt = unset). `warning` is filled when the value was
  // set but unusable and the loopback rule is used instead.
  static CorsPolicy FromSetting(std::optional<std::string_view> setting, std::string* warning = nullptr);

  // The Access-Control-Allow-Origin value for `origin`, or nullopt when it is not allowed.
  std::optional<std::string> AllowedOrigin(std::string_view origin) const;
  bool any_origin() const { return any_; }

 private:
  bool any_ = false;
  std::vector<std::string> origins_;  // empty and !any_ → loopback rule
};

// True for http(s) origins whose host is localhost, 127.0.0.1 or ::1.
bool IsLoopbackOrigin(std::string_view origin);

BeforeHook MakeCorsPreflightHook(CorsPolicy policy);
AfterHook MakeCorsHook(CorsPolicy policy);
AfterHook MakeSecurityHeadersHook();
AfterHook MakeGzipHook(std::size_t min_bytes = 1024);

// Compresses `data` as a gzip member. Returns nullopt on a zlib failure.
std::optional<std::string> GzipCompress(std::string_view data);
// True when an Accept-Encoding header value admits gzip (q>0).
bool AcceptsGzip(std::string_view accept_encoding);

// A request id for a request: the client's X-Request-Id when it is 1–128 printable
// characters without spaces, otherwise a fresh random one.
std::string ChooseRequestId(std::optional<std::string_view> client_value);

}  // namespace airunway::http
