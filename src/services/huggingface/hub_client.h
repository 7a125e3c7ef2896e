// HubClient: AI Runway's client of the HuggingFace Hub (HF_ENDPOINT, by default
// https://huggingface.co): model search with compatibility processing, GGUF file lists,
// model architectures (config.json), token validation (whoami) and the OAuth code exchange.
//
// Reliability: every request has a per-attempt timeout and every call a deadline that bounds
// all its attempts; connection failures, timeouts, 429 and 5xx are retried with exponential
// backoff and jitter (honouring Retry-After when it fits in the deadline); other 4xx are not.
// When the Hub stays unreachable the call fails with kTimeout (-> 504) or kBadGateway (-> 502)
// and a message that says HuggingFace is the problem, within the deadline.
//
// Caching: successful searches, GGUF lists and architectures are kept in TTL + LRU caches
// keyed by what was asked and by a SHA-256 of the caller's token (so one user's gated
// results are never served to another). Token validation and OAuth are never cached.
//
// Secrets: the caller's HF token is sent only to the configured endpoint, as
// `Authorization: Bearer`, and never appears in logs or error messages. (libcurl drops the
// header if the Hub redirects to another host.)
//
// Every call blocks; run it on an http::WorkerPool.
// Thread-safety: all methods are safe from any number of threads.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/backoff.h"
#include "services/huggingface/ttl_cache.h"

namespace airunway::huggingface {

inline constexpr std::string_view kDefaultEndpoint = "https://huggingface.co";
// AI Runway's public OAuth application on huggingface.co (PKCE; there is no client secret).
inline constexpr std::string_view kDefaultOAuthClientId = "e05817a1-7053-4b9e-b292-29cd219fccf8";

struct HubOptions {
  std::string endpoint{kDefaultEndpoint};  // scheme://host[:port], no trailing slash needed
  std::chrono::milliseconds attempt_timeout{8'000};
  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds deadline{10'000};  // one call, all attempts and waits included
  int max_attempts = 3;
  kube::BackoffPolicy backoff{std::chrono::milliseconds(250), std::chrono::milliseconds(2'000)};
  std::chrono::milliseconds cache_ttl{std::chrono::minutes(5)};
  std::size_t cache_entries = 512;
  std::chrono::milliseconds architecture_ttl{std::chrono::hours(1)};
  std::size_t architecture_entries = 500;
  std::string user_agent = "airunway";
  SteadyClock clock;  // for the caches; empty = steady_clock::now
};

// HF_ENDPOINT from the environment, else the default; trailing slashes removed.
std::string EndpointFromEnvironment();

struct SearchRequest {
  std::string query;
  int limit = 20;
  int offset = 0;
  std::string token;  // the caller's X-HF-Token; empty = anonymous (gated models hidden)
};

// HfUserInfo.
struct HubUser {
  std::string id;
  std::string name;
  std::string fullname;
  std::optional<std::string> email;
  std::optional<std::string> avatar_url;
  boost::json::object ToJson() const;
};

struct OAuthToken {
  std::string access_token;
  std::optional<std::int64_t> expires_in;
  std::optional<std::string> scope;
};

// What the engines need from a model's config.json.
struct ModelArchitecture {
  std::optional<std::int64_t> num_layers;
  std::optional<std::int64_t> num_kv_heads;
  std::optional<std::int64_t> head_dim;
  std::optional<std::int64_t> max_position_embeddings;
  std::optional<std::string> torch_dtype;
};

class HubClient {
 public:
  explicit HubClient(HubOptions options = {});
  ~HubClient();
  HubClient(const HubClient&) = delete;
  HubClient& operator=(const HubClient&) = delete;

  const HubOptions& options() const { return options_; }
  const std::string& endpoint() const { return options_.endpoint; }

  // HfModelSearchResponse {models, total, hasMore, query}: both pipeline tags searched in
  // parallel, merged without duplicates, compatible models only, gated ones only with a
  // token, then paginated. A rejected token is kUnauthorized; an unreachable Hub is
  // kBadGateway/kTimeout. Other 4xx answers for one tag count as "no results".
  common::Result<boost::json::object> Search(const SearchRequest& request);

  // The .gguf files of a repo, sorted. kBadRequest for an invalid repo id, kNotFound when
  // the Hub has no such repo (or hides it from this token).
  common::Result<std::vector<std::string>> GgufFiles(std::string_view repo_id, std::string_view token);

  // config.json of a repo, reduced to what memory and throughput estimates need.
  common::Result<ModelArchitecture> Architecture(std::string_view repo_id, std::string_view token);

  // Validates a token: the user it belongs to, or kUnauthorized when the Hub rejects it.
  common::Result<HubUser> WhoAmI(std::string_view token);

  // Exchanges an OAuth authorization code (PKCE). Not retried once the Hub has answered: a
  // code is single-use. kBadRequest when the Hub refuses the code.
  common::Result<OAuthToken> ExchangeCode(std::string_view client_id, std::string_view code,
                                          std::string_view code_verifier, std::string_view redirect_uri);

  // Requests actually sent to the Hub (attempts included); for tests and metrics.
  std::size_t upstream_requests() const { return upstream_requests_.load(); }

  struct Reply {
    long status = 0;
    std::string body;
  };
  struct Call;

 private:
  common::Result<Reply> Send(const Call& call);
  // The raw Hub list for one pipeline tag; nullopt when the Hub answered a 4xx that means
  // "nothing for you here" (counted as no results, and not cached).
  common::Result<std::optional<boost::json::array>> SearchTag(const SearchRequest& request, int fetch_limit,
                                                              std::string_view tag);

  HubOptions options_;
  std::atomic<std::size_t> upstream_requests_{0};
  TtlCache<std::shared_ptr<const boost::json::array>> search_cache_;
  TtlCache<std::shared_ptr<const std::vector<std::string>>> gguf_cache_;
  TtlCache<ModelArchitecture> architecture_cache_;
};

// SHA-256 of `text` as lower-case hex (cache keys for tokens).
std::string Sha256Hex(std::string_view text);

}  // namespace airunway::huggingface
