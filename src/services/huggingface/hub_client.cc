#include "services/huggingface/hub_client.h"

#include <boost/json.hpp>
#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include "common/json.h"
#include "common/logging.h"
#include "kube/encoding.h"
#include "services/huggingface/compatibility.h"

namespace airunway::huggingface {

using common::ErrorCode;
using common::MakeError;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

struct HubClient::Call {
  std::string method = "GET";
  std::string path;  // absolute path with query, e.g. "/api/models?search=x"
  std::string token;
  std::string body;
  std::string content_type;
  std::string what;  // what the request is for, in messages: "model search"
  // A single-use request (OAuth code) is retried only when the Hub never received it.
  bool idempotent = true;
};

namespace {

constexpr std::size_t kMaxBody = 32 * 1024 * 1024;
constexpr std::string_view kPipelineTags[] = {"text-generation", "image-text-to-text"};
constexpr std::string_view kExpand[] = {"safetensors", "gated", "config", "pipeline_tag",
                                        "library_name", "tags", "downloads", "likes"};

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per worker thread, so connections to the Hub are kept alive between calls.
class ThreadHandle {
 public:
  ThreadHandle() : easy_(curl_easy_init()) {}
  ~ThreadHandle() {
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
  }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
  CURL* get() { return easy_; }

 private:
  CURL* easy_;
};

struct Sink {
  std::string body;
  std::optional<milliseconds> retry_after;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t bytes = size * count;
  if (sink->body.size() + bytes > kMaxBody) {
    sink->too_large = true;
    return 0;  // aborts the transfer
  }
  sink->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == kName) {
      if (auto seconds = kube::ParseRetryAfter(kube::TrimSpace(line.substr(kName.size())))) {
        sink->retry_after = std::chrono::duration_cast<milliseconds>(*seconds);
      }
    }
  }
  return size * count;
}

struct Attempt {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  long status = 0;
  Sink sink;
};

std::string Seconds(milliseconds duration) {
  if (duration.count() < 1000) return fmt::format("{} ms", duration.count());
  return fmt::format("{:.1f} s", static_cast<double>(duration.count()) / 1000.0);
}

// The Hub's own words about an error, when its body says them ({"error": "..."}).
std::string HubMessage(std::string_view body) {
  auto parsed = common::ParseJson(body);
  if (!parsed || !parsed->is_object()) return {};
  if (auto error = common::GetString(parsed->get_object(), "error")) return std::string(*error);
  if (auto message = common::GetString(parsed->get_object(), "message")) return std::string(*message);
  return {};
}

bool IsRetryableStatus(long status) { return status == 429 || (status >= 500 && status != 501); }

bool NeverReachedServer(CURLcode code) {
  return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY;
}

std::string TokenKey(std::string_view token) { return token.empty() ? std::string("-") : Sha256Hex(token); }

// Splits "owner/name" into escaped path segments.
std::string RepoPath(std::string_view repo_id) {
  auto slash = repo_id.find('/');
  if (slash == std::string_view::npos) return kube::UrlEscape(repo_id);
  return kube::UrlEscape(repo_id.substr(0, slash)) + "/" + kube::UrlEscape(repo_id.substr(slash + 1));
}

std::optional<std::int64_t> IntField(const boost::json::object& object, std::string_view key) {
  const auto* value = common::Find(object, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return static_cast<std::int64_t>(value->to_number<double>());
}

}  // namespace

std::string EndpointFromEnvironment() {
  const char* env = std::getenv("HF_ENDPOINT");
  std::string endpoint = env != nullptr && *env != '\0' ? std::string(env) : std::string(kDefaultEndpoint);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) return {};
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

boost::json::object HubUser::ToJson() const {
  boost::json::object user;
  user["id"] = id;
  user["name"] = name;
  user["fullname"] = fullname;
  if (email) user["email"] = *email;
  if (avatar_url) user["avatarUrl"] = *avatar_url;
  return user;
}

HubClient::HubClient(HubOptions options)
    : options_(std::move(options)),
      search_cache_(options_.cache_entries, options_.cache_ttl, options_.clock),
      gguf_cache_(options_.cache_entries, options_.cache_ttl, options_.clock),
      architecture_cache_(options_.architecture_entries, options_.architecture_ttl, options_.clock) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  InitCurlOnce();
}

HubClient::~HubClient() = default;

common::Result<HubClient::Reply> HubClient::Send(const Call& call) {
  thread_local ThreadHandle handle;
  CURL* easy = handle.get();
  if (easy == nullptr) return MakeError(ErrorCode::kInternal, "could not set up an HTTP client for HuggingFace");

  const auto started = steady_clock::now();
  const auto deadline = started + options_.deadline;
  const std::string url = options_.endpoint + call.path;
  kube::Backoff backoff(options_.backoff);
  std::optional<Reply> last_reply;
  std::optional<Attempt> last_failure;
  int attempts = 0;

  while (attempts < options_.max_attempts) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (remaining.count() <= 0) break;
    auto timeout = std::min(options_.attempt_timeout, remaining);

    Attempt attempt;
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_reset(easy);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // Renamed repos redirect; libcurl only sends our Authorization header to the original host.
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(easy, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::max<std::int64_t>(1, std::min(options_.connect_timeout, timeout).count())));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, timeout.count())));
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    std::string authorization;
    if (!call.token.empty()) {
      authorization = "Authorization: Bearer " + call.token;
      headers = curl_slist_append(headers, authorization.c_str());
    }
    std::string content_type;
    if (call.method == "POST") {
      content_type = "Content-Type: " + call.content_type;
      headers = curl_slist_append(headers, content_type.c_str());
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, call.body.c_str());
    } else {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &attempt.sink);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &attempt.sink);

    ++attempts;
    upstream_requests_.fetch_add(1);
    const auto sent = steady_clock::now();
    attempt.code = curl_easy_perform(easy);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &attempt.status);
    attempt.curl_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(attempt.code);
    auto elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - sent).count();

    std::optional<milliseconds> delay;
    if (attempt.code == CURLE_OK) {
      common::LogDebug("huggingface request", {{"method", call.method},
                                               {"path", call.path},
                                               {"status", attempt.status},
                                               {"attempt", attempts},
                                               {"ms", elapsed}});
      Reply reply{attempt.status, std::move(attempt.sink.body)};
      if (!IsRetryableStatus(reply.status) || !call.idempotent) return reply;
      delay = attempt.sink.retry_after;
      last_reply = std::move(reply);
      last_failure.reset();
    } else {
      if (attempt.sink.too_large) {
        return MakeError(ErrorCode::kBadGateway,
                         fmt::format("HuggingFace sent more than {} MB for the {}; refusing it", kMaxBody >> 20, call.what),
                         "HuggingFaceResponseTooLarge");
      }
      common::LogWarn("huggingface request failed", {{"method", call.method},
                                                     {"path", call.path},
                                                     {"error", attempt.curl_error},
                                                     {"attempt", attempts},
                                                     {"ms", elapsed}});
      if (!call.idempotent && !NeverReachedServer(attempt.code)) {
        last_failure = std::move(attempt);
        break;
      }
      last_failure = std::move(attempt);
      last_reply.reset();
    }
    if (attempts >= options_.max_attempts) break;
    auto wait = delay.value_or(backoff.Next());
    if (steady_clock::now() + wait >= deadline) break;  // no time left to try again
    std::this_thread::sleep_for(wait);
  }

  if (last_reply) return std::move(*last_reply);
  auto spent = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  std::string tries = attempts == 1 ? "1 attempt" : fmt::format("{} attempts", attempts);
  if (!last_failure) {
    return MakeError(ErrorCode::kTimeout,
                     fmt::format("HuggingFace ({}) did not answer the {} within {}; it may be down or unreachable "
                                 "from here. Try again later.",
                                 options_.endpoint, call.what, Seconds(options_.deadline)),
                     "HuggingFaceTimeout");
  }
  if (last_failure->code == CURLE_OPERATION_TIMEDOUT) {
    return MakeError(ErrorCode::kTimeout,
                     fmt::format("HuggingFace ({}) did not answer the {} in time ({}, {}); it may be down or "
                                 "unreachable from here. Try again later.",
                                 options_.endpoint, call.what, tries, Seconds(spent)),
                     "HuggingFaceTimeout");
  }
  return MakeError(ErrorCode::kBadGateway,
                   fmt::format("Cannot reach HuggingFace at {} for the {} ({}; {}). Check the network or "
                               "HF_ENDPOINT, then try again.",
                               options_.endpoint, call.what, last_failure->curl_error, tries),
                   "HuggingFaceUnreachable");
}

namespace {

// The error for a final non-2xx answer of the Hub.
common::Error UpstreamError(const HubClient::Reply& reply, std::string_view what, bool had_token) {
  std::string hub = HubMessage(reply.body);
  std::string detail = hub.empty() ? std::string() : ": " + hub;
  if (reply.status == 401 && had_token) {
    return MakeError(ErrorCode::kUnauthorized,
                     "HuggingFace rejected the access token (401). Sign in to HuggingFace again or use a "
                     "valid token.",
                     "HuggingFaceTokenRejected");
  }
  if (reply.status == 401 || reply.status == 404) {
    return MakeError(ErrorCode::kNotFound,
                     fmt::format("HuggingFace has no {} for this (answered {}{}); check the model id, or sign in "
                                 "if the model is private or gated",
                                 what, reply.status, detail),
                     "HuggingFaceNotFound");
  }
  if (reply.status == 403) {
    return MakeError(ErrorCode::kForbidden,
                     fmt::format("HuggingFace refused the {} (403{}); a gated model needs its terms accepted on "
                                 "huggingface.co by the account of the token",
                                 what, detail),
                     "HuggingFaceForbidden");
  }
  if (reply.status == 429) {
    return MakeError(ErrorCode::kBadGateway,
                     fmt::format("HuggingFace is rate-limiting requests (429) and kept refusing the {}; wait a "
                                 "minute and try again, or sign in for a higher limit",
                                 what),
                     "HuggingFaceRateLimited");
  }
  if (reply.status >= 500) {
    return MakeError(ErrorCode::kBadGateway,
                     fmt::format("HuggingFace failed the {} with {}{}; the Hub may be having an outage. Try again "
                                 "later.",
                                 what, reply.status, detail),
                     "HuggingFaceUnavailable");
  }
  return MakeError(ErrorCode::kBadGateway,
                   fmt::format("HuggingFace answered {} to the {}{}", reply.status, what, detail), "HuggingFaceError");
}

}  // namespace

common::Result<std::optional<boost::json::array>> HubClient::SearchTag(const SearchRequest& request,
                                                                       int fetch_limit, std::string_view tag) {
  Call call;
  call.what = "model search";
  call.token = request.token;
  call.path = fmt::format("/api/models?search={}&full=true&config=true&limit={}&filter={}",
                          kube::UrlEscape(request.query), fetch_limit, kube::UrlEscape(tag));
  for (auto field : kExpand) call.path += fmt::format("&expand%5B%5D={}", field);
  auto reply = Send(call);
  if (!reply) return reply.error();
  if (reply->status >= 200 && reply->status < 300) {
    auto parsed = common::ParseJson(reply->body);
    if (!parsed || !parsed->is_array()) {
      return MakeError(ErrorCode::kBadGateway, "HuggingFace answered the model search with something other than a "
                                               "list of models", "HuggingFaceBadAnswer");
    }
    return std::optional<boost::json::array>(std::move(parsed->get_array()));
  }
  if ((reply->status == 401 && !request.token.empty()) || IsRetryableStatus(reply->status)) {
    return UpstreamError(*reply, call.what, !request.token.empty());
  }
  common::LogWarn("huggingface search answered an error; treating it as no results",
                  {{"filter", tag}, {"status", reply->status}});
  return std::optional<boost::json::array>();
}

common::Result<boost::json::object> HubClient::Search(const SearchRequest& request) {
  const int fetch_limit = request.limit + request.offset + 10;
  const std::string key = fmt::format("search\n{}\n{}\n{}", request.query, fetch_limit, TokenKey(request.token));

  std::shared_ptr<const boost::json::array> compatible;
  if (auto cached = search_cache_.Get(key)) {
    compatible = *cached;
  } else {
    using TagResult = common::Result<std::optional<boost::json::array>>;
    std::vector<TagResult> results;
    // The second tag runs on its own thread so the two searches overlap; if no thread can be
    // had, it simply runs after the first.
    std::future<TagResult> second;
    try {
      second = std::async(std::launch::async, [&] { return SearchTag(request, fetch_limit, kPipelineTags[1]); });
    } catch (const std::exception&) {
    }
    results.push_back(SearchTag(request, fetch_limit, kPipelineTags[0]));
    results.push_back(second.valid() ? second.get() : SearchTag(request, fetch_limit, kPipelineTags[1]));

    const common::Error* failure = nullptr;
    bool complete = true;
    bool any_answer = false;
    for (const auto& result : results) {
      if (!result) {
        complete = false;
        if (failure == nullptr || result.error().code == ErrorCode::kUnauthorized) failure = &result.error();
      } else {
        any_answer = true;
        if (!result->has_value()) complete = false;
      }
    }
    // A rejected token is the caller's to fix; an outage of both searches is the Hub's.
    if (failure != nullptr && (failure->code == ErrorCode::kUnauthorized || !any_answer)) return *failure;
    if (failure != nullptr) {
      common::LogWarn("huggingface search is partial", {{"error", failure->message}});
    }

    auto list = std::make_shared<boost::json::array>();
    std::unordered_set<std::string> seen;
    for (const auto& result : results) {
      if (!result || !result->has_value()) continue;
      for (const auto& item : **result) {
        if (!item.is_object()) continue;
        const auto& model = item.get_object();
        auto id = common::GetString(model, "id");
        if (!id || !seen.emplace(*id).second) continue;
        auto processed = ToSearchResult(model);
        if (processed.at("compatible").as_bool()) list->emplace_back(std::move(processed));
      }
    }
    compatible = list;
    if (complete) search_cache_.Put(key, compatible);
  }

  boost::json::array models;
  std::int64_t total = 0;
  const bool anonymous = request.token.empty();
  for (const auto& model : *compatible) {
    if (anonymous && model.as_object().at("gated").as_bool()) continue;
    if (total >= request.offset && total < static_cast<std::int64_t>(request.offset) + request.limit) {
      models.push_back(model);
    }
    ++total;
  }
  boost::json::object response;
  auto returned = static_cast<std::int64_t>(models.size());
  response["models"] = std::move(models);
  response["total"] = total;
  response["hasMore"] = request.offset + returned < total;
  response["query"] = request.query;
  return response;
}

common::Result<std::vector<std::string>> HubClient::GgufFiles(std::string_view repo_id, std::string_view token) {
  if (!IsValidRepoId(repo_id)) return MakeError(ErrorCode::kBadRequest, "Invalid Hugging Face model id", "InvalidModelId");
  const std::string key = fmt::format("gguf\n{}\n{}", repo_id, TokenKey(token));
  if (auto cached = gguf_cache_.Get(key)) return **cached;

  Call call;
  call.what = "model file list";
  call.token = std::string(token);
  call.path = "/api/models/" + RepoPath(repo_id);
  auto reply = Send(call);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status >= 300) return UpstreamError(*reply, call.what, !token.empty());
  auto parsed = common::ParseJson(reply->body);
  if (!parsed || !parsed->is_object()) {
    return MakeError(ErrorCode::kBadGateway, "HuggingFace answered the model lookup with something other than a "
                                             "model", "HuggingFaceBadAnswer");
  }
  std::vector<std::string> files;
  if (const auto* siblings = common::GetArray(parsed->get_object(), "siblings")) {
    for (const auto& sibling : *siblings) {
      if (!sibling.is_object()) continue;
      auto name = common::GetString(sibling.get_object(), "rfilename");
      if (name && name->size() > 5 && name->substr(name->size() - 5) == ".gguf") files.emplace_back(*name);
    }
  }
  std::sort(files.begin(), files.end());
  gguf_cache_.Put(key, std::make_shared<const std::vector<std::string>>(files));
  return files;
}

common::Result<ModelArchitecture> HubClient::Architecture(std::string_view repo_id, std::string_view token) {
  if (!IsValidRepoId(repo_id)) return MakeError(ErrorCode::kBadRequest, "Invalid Hugging Face model id", "InvalidModelId");
  const std::string key = token.empty() ? std::string(repo_id) : fmt::format("{}:{}", repo_id, Sha256Hex(token));
  if (auto cached = architecture_cache_.Get(key)) return *cached;

  Call call;
  call.what = "model configuration";
  call.token = std::string(token);
  call.path = "/" + RepoPath(repo_id) + "/resolve/main/config.json";
  auto reply = Send(call);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status >= 300) return UpstreamError(*reply, call.what, !token.empty());
  auto parsed = common::ParseJson(reply->body);
  if (!parsed || !parsed->is_object()) {
    return MakeError(ErrorCode::kBadGateway, "the model's config.json is not a JSON object", "HuggingFaceBadAnswer");
  }
  const auto& top = parsed->get_object();
  // Multimodal configs keep the language model's figures in a nested section.
  const boost::json::object* section = &top;
  if (common::Find(top, "num_hidden_layers") == nullptr) {
    for (std::string_view nested : {"text_config", "llm_config", "language_config"}) {
      const auto* candidate = common::GetObject(top, nested);
      if (candidate != nullptr && common::Find(*candidate, "num_hidden_layers") != nullptr) {
        section = candidate;
        break;
      }
    }
  }
  ModelArchitecture architecture;
  architecture.num_layers = IntField(*section, "num_hidden_layers");
  auto heads = IntField(*section, "num_attention_heads");
  architecture.num_kv_heads = IntField(*section, "num_key_value_heads");
  if (!architecture.num_kv_heads) architecture.num_kv_heads = heads;
  architecture.head_dim = IntField(*section, "head_dim");
  if (!architecture.head_dim) {
    auto hidden = IntField(*section, "hidden_size");
    if (hidden && heads && *heads > 0) architecture.head_dim = *hidden / *heads;
  }
  architecture.max_position_embeddings = IntField(*section, "max_position_embeddings");
  if (auto dtype = common::GetString(*section, "torch_dtype")) {
    architecture.torch_dtype = std::string(*dtype);
  } else if (auto top_dtype = common::GetString(top, "torch_dtype")) {
    architecture.torch_dtype = std::string(*top_dtype);
  }
  architecture_cache_.Put(key, architecture);
  return architecture;
}

common::Result<HubUser> HubClient::WhoAmI(std::string_view token) {
  if (token.empty()) return MakeError(ErrorCode::kUnauthorized, "no HuggingFace token was given", "HuggingFaceTokenMissing");
  Call call;
  call.what = "token check";
  call.token = std::string(token);
  call.path = "/api/whoami-v2";
  auto reply = Send(call);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status >= 300) {
    if (reply->status == 401 || reply->status == 403) {
      return MakeError(ErrorCode::kUnauthorized,
                       fmt::format("HuggingFace rejected the token ({}). Create a new access token at "
                                   "{}/settings/tokens or sign in again.",
                                   reply->status, options_.endpoint),
                       "HuggingFaceTokenRejected");
    }
    return UpstreamError(*reply, call.what, true);
  }
  auto parsed = common::ParseJson(reply->body);
  if (!parsed || !parsed->is_object()) {
    return MakeError(ErrorCode::kBadGateway, "HuggingFace answered the token check with something other than a user",
                     "HuggingFaceBadAnswer");
  }
  const auto& object = parsed->get_object();
  HubUser user;
  if (const auto* id = common::Find(object, "id"); id != nullptr) {
    user.id = id->is_string() ? std::string(id->get_string()) : common::ToJson(*id);
  }
  user.name = std::string(common::GetString(object, "name").value_or(""));
  auto fullname = common::GetString(object, "fullname");
  user.fullname = fullname && !fullname->empty() ? std::string(*fullname) : user.name;
  if (auto email = common::GetString(object, "email")) user.email = std::string(*email);
  if (auto avatar = common::GetString(object, "avatarUrl")) {
    user.avatar_url = avatar->starts_with("/") ? options_.endpoint + std::string(*avatar) : std::string(*avatar);
  }
  return user;
}

common::Result<OAuthToken> HubClient::ExchangeCode(std::string_view client_id, std::string_view code,
                                                   std::string_view code_verifier, std::string_view redirect_uri) {
  Call call;
  call.what = "sign-in code exchange";
  call.method = "POST";
  call.path = "/oauth/token";
  call.content_type = "application/x-www-form-urlencoded";
  call.idempotent = false;
  call.body = fmt::format("grant_type=authorization_code&client_id={}&code={}&redirect_uri={}&code_verifier={}",
                          kube::UrlEscape(client_id), kube::UrlEscape(code), kube::UrlEscape(redirect_uri),
                          kube::UrlEscape(code_verifier));
  auto reply = Send(call);
  if (!reply) return reply.error();
  if (reply->status < 200 || reply->status >= 300) {
    if (reply->status >= 400 && reply->status < 500) {
      std::string hub = HubMessage(reply->body);
      return MakeError(ErrorCode::kBadRequest,
                       fmt::format("OAuth token exchange failed: HuggingFace refused the authorization code ({}{})",
                                   reply->status, hub.empty() ? std::string() : ": " + hub),
                       "OAuthExchangeFailed");
    }
    return UpstreamError(*reply, call.what, false);
  }
  auto parsed = common::ParseJson(reply->body);
  const boost::json::object* object = parsed && parsed->is_object() ? &parsed->get_object() : nullptr;
  auto access_token = object != nullptr ? common::GetString(*object, "access_token") : std::nullopt;
  if (!access_token || access_token->empty()) {
    return MakeError(ErrorCode::kBadGateway, "HuggingFace answered the code exchange without an access token",
                     "HuggingFaceBadAnswer");
  }
  OAuthToken token;
  token.access_token = std::string(*access_token);
  token.expires_in = IntField(*object, "expires_in");
  if (auto scope = common::GetString(*object, "scope")) token.scope = std::string(*scope);
  return token;
}

}  // namespace airunway::huggingface
