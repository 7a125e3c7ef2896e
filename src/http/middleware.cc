#include "http/middleware.h"

#include <openssl/rand.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <random>

namespace airunway::http {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool IsCompressible(std::string_view content_type) {
  std::string type = Lower(content_type);
  return type.starts_with("application/json") || type.starts_with("text/") ||
         type.starts_with("application/javascript") || type.starts_with("image/svg+xml") ||
         type.starts_with("application/yaml");
}

}  // namespace

bool IsLoopbackOrigin(std::string_view origin) {
  std::string_view rest;
  if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else if (origin.starts_with("https://")) {
    rest = origin.substr(8);
  } else {
    return false;
  }
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) return false;
  std::string_view host = rest;
  if (host.starts_with("[")) {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') return false;
    host = host.substr(1, close - 1);
  } else if (std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return false;
    }
    host = host.substr(0, colon);
  }
  std::string lower = Lower(host);
  return lower == "localhost" || lower == "127.0.0.1" || lower == "::1";
}

CorsPolicy CorsPolicy::FromSetting(std::optional<std::string_view> setting, std::string* warning) {
  CorsPolicy policy;
  if (!setting) return policy;
  std::string_view value = Trim(*setting);
  if (value == "*") {
    policy.any_ = true;
    return policy;
  }
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (!item.empty()) policy.origins_.emplace_back(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  if (policy.origins_.empty() && warning != nullptr) {
    *warning = "CORS_ORIGIN is set but names no origin; only loopback origins are allowed";
  }
  return policy;
}

std::optional<std::string> CorsPolicy::AllowedOrigin(std::string_view origin) const {
  if (any_) return std::string("*");
  if (origins_.empty()) {
    if (IsLoopbackOrigin(origin)) return std::string(origin);
    return std::nullopt;
  }
  if (std::find(origins_.begin(), origins_.end(), origin) != origins_.end()) return std::string(origin);
  return std::nullopt;
}

BeforeHook MakeCorsPreflightHook(CorsPolicy policy) {
  return [policy](Request& request) -> std::optional<Response> {
    if (request.method != "OPTIONS" || !request.Header("Access-Control-Request-Method")) return std::nullopt;
    Response response;
    response.status = 204;
    if (auto origin = request.Header("Origin")) {
      if (auto allowed = policy.AllowedOrigin(*origin)) {
        response.headers.Set("Access-Control-Allow-Origin", *allowed);
      }
    }
    response.headers.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,POST,DELETE,PATCH");
    if (auto requested = request.Header("Access-Control-Request-Headers")) {
      response.headers.Set("Access-Control-Allow-Headers", std::string(*requested));
      response.headers.Add("Vary", "Access-Control-Request-Headers");
    }
    return response;
  };
}

AfterHook MakeCorsHook(CorsPolicy policy) {
  return [policy](const Request& request, Response& response) {
    response.headers.Set("Access-Control-Expose-Headers", "X-Airunway-Auth-Error");
    if (!policy.any_origin()) response.headers.Add("Vary", "Origin");
    if (response.headers.Has("Access-Control-Allow-Origin")) return;
    if (auto origin = request.Header("Origin")) {
      if (auto allowed = policy.AllowedOrigin(*origin)) {
        response.headers.Set("Access-Control-Allow-Origin", *allowed);
      }
    }
  };
}

AfterHook MakeSecurityHeadersHook() {
  return [](const Request&, Response& response) {
    response.headers.Set("X-Content-Type-Options", "nosniff");
    response.headers.Set("X-Frame-Options", "DENY");
    response.headers.Set("Referrer-Policy", "no-referrer");
    auto type = response.headers.Get("Content-Type");
    if (type && Lower(*type).starts_with("text/html")) {
      response.headers.Set("Content-Security-Policy",
                           "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                           "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'");
    }
  };
}

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    std::size_t comma = accept_encoding.find(',');
    std::string_view item = Trim(accept_encoding.substr(0, comma));
    accept_encoding = comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    std::size_t semi = item.find(';');
    std::string coding = Lower(Trim(item.substr(0, semi)));
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = Trim(item.substr(semi + 1));
    if (params.starts_with("q=")) {
      return std::strtod(std::string(params.substr(2)).c_str(), nullptr) > 0.0;
    }
    return true;
  }
  return false;
}

std::optional<std::string> GzipCompress(std::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(stream.total_out);
  return out;
}

AfterHook MakeGzipHook(std::size_t min_bytes) {
  return [min_bytes](const Request& request, Response& response) {
    if (response.stream || response.body.size() < min_bytes || request.method == "HEAD") return;
    if (response.headers.Has("Content-Encoding")) return;
    auto accept = request.Header("Accept-Encoding");
    auto type = response.headers.Get("Content-Type");
    if (!accept || !type || !AcceptsGzip(*accept) || !IsCompressible(*type)) return;
    if (auto cache = response.headers.Get("Cache-Control"); cache && cache->find("no-transform") != std::string_view::npos) {
      return;
    }
    auto compressed = GzipCompress(response.body);
    if (!compressed) return;
    response.body = std::move(*compressed);
    response.headers.Set("Content-Encoding", "gzip");
    response.headers.Add("Vary", "Accept-Encoding");
  };
}

namespace {

// A per-thread xoshiro256** generator seeded from the OS: request ids need to be unique and
// unguessable enough for tracing, not secret, and a CSPRNG call per request is measurable.
class RequestIdGenerator {
 public:
  RequestIdGenerator() {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(state_), sizeof state_) != 1) {
      std::random_device device;
      for (auto& word : state_) word = (static_cast<std::uint64_t>(device()) << 32) | device();
    }
    if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0) state_[0] = 1;
  }
  std::uint64_t Next() {
    std::uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4];
};

}  // namespace

std::string ChooseRequestId(std::optional<std::string_view> client_value) {
  if (client_value && !client_value->empty() && client_value->size() <= 128 &&
      std::all_of(client_value->begin(), client_value->end(),
                  [](char c) { return c > 0x20 && c < 0x7f; })) {
    return std::string(*client_value);
  }
  thread_local RequestIdGenerator generator;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(24, '0');
  std::uint64_t high = generator.Next();
  std::uint64_t low = generator.Next();
  for (int i = 0; i < 16; ++i) id[static_cast<std::size_t>(i)] = kHex[(high >> (60 - 4 * i)) & 0xf];
  for (int i = 0; i < 8; ++i) id[static_cast<std::size_t>(16 + i)] = kHex[(low >> (28 - 4 * i)) & 0xf];
  return id;
}

}  // namespace airunway::http
