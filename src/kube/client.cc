#include "kube/client.h"

#include <curl/curl.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "common/json.h"
#include "kube/encoding.h"
#include "kube/errors.h"

namespace airunway::kube {

using common::ErrorCode;
using common::MakeError;
using SteadyClock = std::chrono::steady_clock;

// ---- ResourceRef -------------------------------------------------------------------------------

std::string ResourceRef::ApiVersion() const { return group.empty() ? version : group + "/" + version; }

std::string ResourceRef::Path(std::string_view ns, std::string_view name, std::string_view subresource) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) path.append("/namespaces/").append(UrlEscape(ns));
  path.append("/").append(resource);
  if (!name.empty()) path.append("/").append(UrlEscape(name));
  if (!subresource.empty()) path.append("/").append(subresource);
  return path;
}

namespace {

// Builds "?a=1&b=2" from the parameters that are set.
class Query {
 public:
  void Add(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    text_ += text_.empty() ? '?' : '&';
    text_.append(key).append("=").append(UrlEscape(value));
  }
  void Add(std::string_view key, std::int64_t value) { Add(key, std::to_string(value)); }
  void AddBool(std::string_view key, bool value) {
    if (value) Add(key, "true");
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct ServerUrl {
  std::string base;        // what requests are addressed to
  std::string connect_to;  // CURLOPT_CONNECT_TO entry for tls-server-name; empty otherwise
};

// With tls-server-name, requests name that host (so SNI and certificate checks use it) and
// CURLOPT_CONNECT_TO sends them to the real address.
ServerUrl ParseServer(const std::string& server, const std::string& server_name) {
  ServerUrl out{server, {}};
  auto scheme_end = server.find("://");
  if (scheme_end == std::string::npos || server_name.empty()) return out;
  const std::string scheme = server.substr(0, scheme_end);
  const auto authority_start = scheme_end + 3;
  auto path_start = server.find('/', authority_start);
  std::string authority = server.substr(authority_start, path_start == std::string::npos ? std::string::npos
                                                                                          : path_start - authority_start);
  std::string prefix = path_start == std::string::npos ? "" : server.substr(path_start);
  std::string host = authority;
  std::string port = scheme == "https" ? "443" : "80";
  auto colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host == server_name) return out;
  out.base = scheme + "://" + server_name + ":" + port + prefix;
  out.connect_to = server_name + ":" + port + ":" + host + ":" + port;
  return out;
}

bool DefaultRetryable(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE";
}

bool IsTransportRetryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
      return true;
    default:
      return false;
  }
}

common::Error TransportError(CURLcode code, const char* detail, const std::string& server) {
  std::string why = detail != nullptr && detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return MakeError(ErrorCode::kTimeout, "the Kubernetes API server at " + server + " did not answer in time: " + why,
                       "Timeout");
    case CURLE_SSL_CONNECT_ERROR:
      // Also what a connection cut during the handshake looks like: treated as unreachable.
      return MakeError(ErrorCode::kUnavailable,
                       "the TLS handshake with the Kubernetes API server at " + server + " failed: " + why,
                       "ServiceUnavailable");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return MakeError(ErrorCode::kUnavailable,
                       "TLS with the Kubernetes API server at " + server + " failed: " + why +
                           " (check certificate-authority, tls-server-name and the client certificate)",
                       "TLSError");
    default:
      return MakeError(ErrorCode::kUnavailable, "cannot reach the Kubernetes API server at " + server + ": " + why,
                       "ServiceUnavailable");
  }
}

// Per-request state the curl callbacks write into.
struct Sink {
  CURL* easy = nullptr;
  const DataCallback* on_data = nullptr;  // streaming when set
  std::string body;                       // whole body, or the error body of a stream
  std::string content_type;
  std::optional<std::string> retry_after;
  long status = 0;
  bool consumer_stopped = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  if (sink->on_data == nullptr) {
    sink->body.append(data, bytes);
    return bytes;
  }
  if (sink->status == 0) curl_easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &sink->status);
  if (sink->status < 200 || sink->status >= 300) {
    if (sink->body.size() < (1 << 20)) sink->body.append(data, bytes);
    return bytes;
  }
  if (!(*sink->on_data)(std::string_view(data, bytes))) {
    sink->consumer_stopped = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = TrimSpace(line.substr(colon + 1));
    if (name == "content-type") sink->content_type = value;
    if (name == "retry-after") sink->retry_after = value;
  } else if (line.starts_with("HTTP/")) {
    sink->content_type.clear();  // a new response (after 100 Continue)
    sink->retry_after.reset();
  }
  return bytes;
}

curl_blob Blob(const std::string& pem) {
  return curl_blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};  // NOLINT
}

}  // namespace

// ---- Impl ---------------------------------------------------------------------------------------

struct DiscoveryEntry {
  std::map<std::string, DiscoveredResource> resources;
  SteadyClock::time_point fetched;
};

struct Client::Impl {
  ServerUrl url;
  std::mutex pool_mutex;
  std::condition_variable pool_cv;
  std::vector<CURL*> idle;  // guarded by pool_mutex
  std::size_t in_use = 0;   // guarded by pool_mutex
  std::mutex discovery_mutex;
  std::map<std::string, DiscoveryEntry> discovery;  // guarded by discovery_mutex
  std::atomic<std::uint64_t> seed{std::random_device{}()};

  ~Impl() {
    for (CURL* easy : idle) curl_easy_cleanup(easy);
  }
};

namespace {

struct Attempt {
  common::Result<Response> result = Response{};
  bool retryable = false;
  bool unauthorized = false;
  std::optional<std::chrono::seconds> retry_after;
};

class EasyConfig {
 public:
  EasyConfig(CURL* easy, const Config& config, const ClientOptions& options, const ServerUrl& url)
      : easy_(easy), config_(config), options_(options), url_(url) {}
  ~EasyConfig() {
    if (headers_ != nullptr) curl_slist_free_all(headers_);
    if (connect_to_ != nullptr) curl_slist_free_all(connect_to_);
  }
  EasyConfig(const EasyConfig&) = delete;
  EasyConfig& operator=(const EasyConfig&) = delete;

  void Apply(const Request& request, const Credential& credential, Sink& sink, std::optional<long> total_ms) {
    curl_easy_reset(easy_);
    const std::string url = url_.base + request.path;
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
    error_[0] = '\0';
    curl_easy_setopt(easy_, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<std::int64_t>(options_.connect_timeout.count(),
                                                              total_ms.value_or(options_.connect_timeout.count()))));
    if (total_ms) curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, std::max(1L, *total_ms));
    curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
    // Only the kubeconfig's proxy-url: proxy variables of the environment are not used, so
    // a cluster is reached the same way whoever starts the process.
    curl_easy_setopt(easy_, CURLOPT_PROXY, config_.proxy_url.c_str());
    if (!url_.connect_to.empty()) {
      connect_to_ = curl_slist_append(nullptr, url_.connect_to.c_str());
      curl_easy_setopt(easy_, CURLOPT_CONNECT_TO, connect_to_);
    }

    // TLS.
    if (config_.tls.insecure_skip_verify) {
      curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!config_.tls.ca_pem.empty()) {
      curl_blob ca = Blob(config_.tls.ca_pem);
      curl_easy_setopt(easy_, CURLOPT_CAINFO_BLOB, &ca);
    }
    const std::string& cert = credential.client_cert_pem.empty() ? config_.tls.client_cert_pem : credential.client_cert_pem;
    const std::string& key = credential.client_cert_pem.empty() ? config_.tls.client_key_pem : credential.client_key_pem;
    if (!cert.empty()) {
      curl_blob cert_blob = Blob(cert);
      curl_blob key_blob = Blob(key);
      curl_easy_setopt(easy_, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(easy_, CURLOPT_SSLCERT_BLOB, &cert_blob);
      curl_easy_setopt(easy_, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(easy_, CURLOPT_SSLKEY_BLOB, &key_blob);
    }

    // Method and body.
    if (request.method == "GET") {
      curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method == "POST") {
        curl_easy_setopt(easy_, CURLOPT_POST, 1L);
      } else {
        curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      if (!request.body.empty() || request.method != "DELETE") {
        curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request.body.c_str());
      }
    }

    // Headers. Credentials go only into headers, never into anything that is logged.
    AddHeader("Accept: " + request.accept);
    if (!request.body.empty()) {
      AddHeader("Content-Type: " + (request.content_type.empty() ? std::string("application/json") : request.content_type));
    }
    AddHeader("Expect:");
    for (const auto& [name, value] : request.headers) AddHeader(name + ": " + value);
    if (!credential.bearer_token.empty()) {
      AddHeader("Authorization: Bearer " + credential.bearer_token);
    } else if (!credential.username.empty()) {
      curl_easy_setopt(easy_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(easy_, CURLOPT_USERNAME, credential.username.c_str());
      curl_easy_setopt(easy_, CURLOPT_PASSWORD, credential.password.c_str());
    }
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);

    sink.easy = easy_;
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, &sink);
  }

  const char* error() const { return error_; }

 private:
  void AddHeader(const std::string& line) { headers_ = curl_slist_append(headers_, line.c_str()); }

  CURL* easy_;
  const Config& config_;
  const ClientOptions& options_;
  const ServerUrl& url_;
  curl_slist* headers_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
};

std::string Describe(const Request& request) {
  auto query = request.path.find('?');
  return request.method + " " + request.path.substr(0, query);
}

// Turns a finished transfer into a Response or an Error.
Attempt Finish(CURLcode code, const EasyConfig& easy_config, Sink& sink, const Request& request,
               const std::string& server, bool raw_status) {
  Attempt attempt;
  if (code != CURLE_OK) {
    attempt.result = TransportError(code, easy_config.error(), server);
    attempt.retryable = IsTransportRetryable(code);
    return attempt;
  }
  curl_easy_getinfo(sink.easy, CURLINFO_RESPONSE_CODE, &sink.status);
  Response response{sink.status, std::move(sink.body), std::move(sink.content_type)};
  if ((response.status >= 200 && response.status < 300) || raw_status) {
    attempt.result = std::move(response);
    return attempt;
  }
  attempt.result = ErrorFromResponse(response.status, response.body, Describe(request));
  attempt.unauthorized = response.status == 401;
  attempt.retryable = response.status == 429 || (response.status >= 500 && response.status != 501);
  if (sink.retry_after) attempt.retry_after = ParseRetryAfter(*sink.retry_after);
  return attempt;
}

// The proxy answers with an API Status for its own failures; anything else is the service's.
bool IsApiStatus(const Response& response) {
  if (response.content_type.find("json") == std::string::npos) return false;
  boost::json::error_code ec;
  auto parsed = boost::json::parse(response.body, ec);
  return !ec && parsed.is_object() && common::GetString(parsed.as_object(), "kind").value_or("") == "Status";
}

}  // namespace

// ---- Client -------------------------------------------------------------------------------------

Client::Client(Config config, ClientOptions options)
    : config_(std::move(config)), options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  InitCurlOnce();
  if (!config_.credentials) config_.credentials = AnonymousCredentials();
  if (options_.max_connections == 0) options_.max_connections = 1;
  if (options_.max_attempts < 1) options_.max_attempts = 1;
  impl_->url = ParseServer(config_.server, config_.tls.server_name);
}

Client::~Client() = default;

namespace {

common::Result<Response> Execute(Client::Impl& impl, const Config& config, const ClientOptions& options,
                                 const Request& request, bool raw_status) {
  const auto timeout = request.timeout.value_or(options.timeout);
  const auto deadline = SteadyClock::now() + timeout;
  const bool retryable_request = request.retryable.value_or(DefaultRetryable(request.method));
  Backoff backoff(options.retry_backoff, impl.seed.fetch_add(0x9E3779B97F4A7C15ULL));
  bool refreshed = false;
  for (int attempt_number = 1;; ++attempt_number) {
    auto credential = config.credentials->Get();
    if (!credential) return credential.error();

    CURL* easy = nullptr;
    {
      std::unique_lock lock(impl.pool_mutex);
      if (!impl.pool_cv.wait_until(lock, deadline, [&] { return impl.in_use < options.max_connections; })) {
        return MakeError(ErrorCode::kTimeout,
                         "no free connection to the Kubernetes API server within " + std::to_string(timeout.count()) +
                             "ms (" + Describe(request) + ")",
                         "Timeout");
      }
      ++impl.in_use;
      if (!impl.idle.empty()) {
        easy = impl.idle.back();
        impl.idle.pop_back();
      }
    }
    if (easy == nullptr) easy = curl_easy_init();

    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    Attempt attempt;
    if (easy == nullptr) {
      attempt.result = MakeError(ErrorCode::kInternal, "cannot create a curl handle");
    } else if (left.count() <= 0) {
      attempt.result = MakeError(ErrorCode::kTimeout, Describe(request) + ": deadline exceeded", "Timeout");
    } else {
      Sink sink;
      EasyConfig easy_config(easy, config, options, impl.url);
      easy_config.Apply(request, *credential, sink, static_cast<long>(left.count()));
      CURLcode code = curl_easy_perform(easy);
      attempt = Finish(code, easy_config, sink, request, config.server, raw_status);
    }
    {
      std::lock_guard lock(impl.pool_mutex);
      --impl.in_use;
      if (easy != nullptr) impl.idle.push_back(easy);
    }
    impl.pool_cv.notify_one();

    if (attempt.result) return std::move(attempt.result);
    if (attempt.unauthorized && !refreshed && config.credentials->Invalidate()) {
      refreshed = true;  // a rejected request was not acted on, so any verb may be resent
      continue;
    }
    if (!retryable_request || !attempt.retryable || attempt_number >= options.max_attempts) {
      return std::move(attempt.result);
    }
    std::chrono::milliseconds delay = backoff.Next();
    if (attempt.retry_after) delay = std::max<std::chrono::milliseconds>(delay, *attempt.retry_after);
    if (SteadyClock::now() + delay >= deadline) return std::move(attempt.result);
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace

common::Result<Response> Client::Do(Request request) {
  return Execute(*impl_, config_, options_, request, false);
}

common::Status Client::Stream(Request request, const DataCallback& on_data, std::stop_token stop) {
  bool refreshed = false;
  for (;;) {
    auto credential = config_.credentials->Get();
    if (!credential) return credential.error();
    CURL* easy = curl_easy_init();
    CURLM* multi = curl_multi_init();
    if (easy == nullptr || multi == nullptr) {
      if (easy != nullptr) curl_easy_cleanup(easy);
      if (multi != nullptr) curl_multi_cleanup(multi);
      return MakeError(ErrorCode::kInternal, "cannot create a curl handle");
    }
    Sink sink;
    sink.on_data = &on_data;
    CURLcode code = CURLE_OK;
    bool stopped = false;
    EasyConfig easy_config(easy, config_, options_, impl_->url);
    easy_config.Apply(request, *credential, sink, std::nullopt);
    curl_multi_add_handle(multi, easy);
    {
      std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
      for (;;) {
        if (stop.stop_requested()) {
          stopped = true;
          break;
        }
        int running = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK) break;
        if (running == 0) break;
        curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
      }
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE) code = message->data.result;
    }
    curl_multi_remove_handle(multi, easy);
    Attempt attempt;
    if (!stopped && !sink.consumer_stopped) {
      attempt = Finish(code, easy_config, sink, request, config_.server, false);
    }
    curl_easy_cleanup(easy);
    curl_multi_cleanup(multi);
    if (stopped || sink.consumer_stopped || attempt.result) return common::Status::Ok();
    if (attempt.unauthorized && !refreshed && config_.credentials->Invalidate()) {
      refreshed = true;
      continue;
    }
    return attempt.result.error();
  }
}

// ---- verbs ----------------------------------------------------------------------------------------

namespace {

common::Result<boost::json::object> ObjectOf(common::Result<Response> response) {
  if (!response) return response.error();
  boost::json::error_code ec;
  auto parsed = boost::json::parse(response->body, ec);
  if (ec || !parsed.is_object()) {
    return MakeError(ErrorCode::kBadGateway, "the Kubernetes API server answered with something that is not a JSON object",
                     "InvalidResponse");
  }
  return std::move(parsed.as_object());
}

common::Result<std::string> NameOf(const boost::json::object& object) {
  const auto* name = common::FindPath(object, {"metadata", "name"});
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    return MakeError(ErrorCode::kInvalid, "the object has no metadata.name", "Invalid");
  }
  return std::string(name->as_string());
}

std::string WriteQuery(const WriteOptions& options) {
  Query query;
  query.Add("fieldManager", options.field_manager);
  if (options.dry_run) query.Add("dryRun", "All");
  return query.str();
}

}  // namespace

common::Result<boost::json::object> Client::Get(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                                std::optional<std::chrono::milliseconds> timeout) {
  Request request;
  request.path = ref.Path(ns, name);
  request.timeout = timeout;
  return ObjectOf(Do(std::move(request)));
}

common::Result<ObjectList> Client::List(const ResourceRef& ref, std::string_view ns, const ListOptions& options) {
  Query query;
  query.Add("labelSelector", options.label_selector);
  query.Add("fieldSelector", options.field_selector);
  if (options.limit > 0) query.Add("limit", options.limit);
  query.Add("continue", options.continue_token);
  query.Add("resourceVersion", options.resource_version);
  Request request;
  request.path = ref.Path(ns) + query.str();
  request.timeout = options.timeout;
  auto object = ObjectOf(Do(std::move(request)));
  if (!object) return object.error();
  ObjectList list;
  if (const auto* metadata = common::GetObject(*object, "metadata")) {
    list.resource_version = std::string(common::GetString(*metadata, "resourceVersion").value_or(""));
    list.continue_token = std::string(common::GetString(*metadata, "continue").value_or(""));
    list.remaining_item_count = common::GetInt(*metadata, "remainingItemCount");
  }
  if (auto* items = object->if_contains("items"); items != nullptr && items->is_array()) {
    list.items.reserve(items->as_array().size());
    for (auto& item : items->as_array()) {
      if (item.is_object()) list.items.push_back(std::move(item.as_object()));
    }
  }
  return list;
}

common::Result<boost::json::object> Client::Create(const ResourceRef& ref, std::string_view ns,
                                                   const boost::json::object& object, const WriteOptions& options) {
  Request request;
  request.method = "POST";
  request.path = ref.Path(ns) + WriteQuery(options);
  request.body = boost::json::serialize(object);
  request.timeout = options.timeout;
  return ObjectOf(Do(std::move(request)));
}

common::Result<boost::json::object> Client::Update(const ResourceRef& ref, std::string_view ns,
                                                   const boost::json::object& object, const WriteOptions& options) {
  auto name = NameOf(object);
  if (!name) return name.error();
  Request request;
  request.method = "PUT";
  request.path = ref.Path(ns, *name) + WriteQuery(options);
  request.body = boost::json::serialize(object);
  request.timeout = options.timeout;
  return ObjectOf(Do(std::move(request)));
}

common::Result<boost::json::object> Client::UpdateStatus(const ResourceRef& ref, std::string_view ns,
                                                         const boost::json::object& object,
                                                         const WriteOptions& options) {
  auto name = NameOf(object);
  if (!name) return name.error();
  Request request;
  request.method = "PUT";
  request.path = ref.Path(ns, *name, "status") + WriteQuery(options);
  request.body = boost::json::serialize(object);
  request.timeout = options.timeout;
  return ObjectOf(Do(std::move(request)));
}

common::Result<boost::json::object> Client::Patch(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                                  PatchType type, std::string_view patch, const PatchOptions& options) {
  Request request;
  request.method = "PATCH";
  Query query;
  query.Add("fieldManager", options.field_manager);
  if (options.dry_run) query.Add("dryRun", "All");
  switch (type) {
    case PatchType::kMerge: request.content_type = "application/merge-patch+json"; break;
    case PatchType::kJson: request.content_type = "application/json-patch+json"; break;
    case PatchType::kStrategicMerge: request.content_type = "application/strategic-merge-patch+json"; break;
    case PatchType::kApply:
      request.content_type = "application/apply-patch+yaml";
      query.AddBool("force", options.force);
      break;
  }
  request.path = ref.Path(ns, name, options.subresource) + query.str();
  request.body = std::string(patch);
  request.timeout = options.timeout;
  // A patch may be resent only when it cannot apply twice: it names the resourceVersion it
  // was computed against (a JSON patch would need a "test" op, which we do not look for).
  request.retryable = false;
  if (type != PatchType::kJson) {
    boost::json::error_code ec;
    auto parsed = boost::json::parse(patch, ec);
    if (!ec && parsed.is_object()) {
      const auto* rv = common::FindPath(parsed, {"metadata", "resourceVersion"});
      request.retryable = rv != nullptr && rv->is_string() && !rv->as_string().empty();
    }
  }
  return ObjectOf(Do(std::move(request)));
}

common::Result<boost::json::object> Client::Delete(const ResourceRef& ref, std::string_view ns, std::string_view name,
                                                   const DeleteOptions& options) {
  boost::json::object body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  switch (options.propagation) {
    case PropagationPolicy::kDefault: break;
    case PropagationPolicy::kBackground: body["propagationPolicy"] = "Background"; break;
    case PropagationPolicy::kForeground: body["propagationPolicy"] = "Foreground"; break;
    case PropagationPolicy::kOrphan: body["propagationPolicy"] = "Orphan"; break;
  }
  if (options.precondition_uid || options.precondition_resource_version) {
    boost::json::object preconditions;
    if (options.precondition_uid) preconditions["uid"] = *options.precondition_uid;
    if (options.precondition_resource_version) preconditions["resourceVersion"] = *options.precondition_resource_version;
    body["preconditions"] = std::move(preconditions);
  }
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (options.dry_run) body["dryRun"] = boost::json::array{"All"};
  Request request;
  request.method = "DELETE";
  request.path = ref.Path(ns, name);
  request.body = boost::json::serialize(body);
  request.timeout = options.timeout;
  return ObjectOf(Do(std::move(request)));
}

// ---- logs and proxy -------------------------------------------------------------------------------

namespace {

Request LogRequest(std::string_view ns, std::string_view pod, const LogOptions& options, bool follow) {
  Query query;
  query.Add("container", options.container);
  if (options.tail_lines) query.Add("tailLines", *options.tail_lines);
  if (options.since_seconds) query.Add("sinceSeconds", *options.since_seconds);
  if (options.limit_bytes) query.Add("limitBytes", *options.limit_bytes);
  query.AddBool("timestamps", options.timestamps);
  query.AddBool("previous", options.previous);
  query.AddBool("follow", follow);
  Request request;
  request.path = kPods.Path(ns, pod, "log") + query.str();
  request.accept = "text/plain, */*";
  request.timeout = options.timeout;
  return request;
}

std::string ProxyPath(std::string_view ns, std::string_view service, std::string_view port, std::string_view rest) {
  std::string name(service);
  if (!port.empty()) name.append(":").append(port);
  std::string path = kServices.Path(ns, name, "proxy");
  if (rest.empty() || rest.front() != '/') path += '/';
  path.append(rest);
  return path;
}

}  // namespace

common::Result<std::string> Client::Logs(std::string_view ns, std::string_view pod, const LogOptions& options) {
  auto response = Do(LogRequest(ns, pod, options, false));
  if (!response) return response.error();
  return std::move(response->body);
}

common::Status Client::StreamLogs(std::string_view ns, std::string_view pod, const LogOptions& options,
                                  const DataCallback& on_data, std::stop_token stop) {
  return Stream(LogRequest(ns, pod, options, true), on_data, std::move(stop));
}

common::Result<Response> Client::ProxyService(std::string_view ns, std::string_view service, std::string_view port,
                                              Request request) {
  request.path = ProxyPath(ns, service, port, request.path);
  auto response = Execute(*impl_, config_, options_, request, true);
  if (!response) return response;
  if ((response->status < 200 || response->status >= 300) && IsApiStatus(*response)) {
    return ErrorFromResponse(response->status, response->body, Describe(request));
  }
  return response;
}

common::Status Client::StreamProxyService(std::string_view ns, std::string_view service, std::string_view port,
                                          Request request, const DataCallback& on_data, std::stop_token stop) {
  request.path = ProxyPath(ns, service, port, request.path);
  return Stream(std::move(request), on_data, std::move(stop));
}

// ---- discovery ------------------------------------------------------------------------------------

common::Result<std::optional<DiscoveredResource>> Client::Discover(std::string_view group, std::string_view version,
                                                                   std::string_view resource) {
  const std::string key = std::string(group) + "/" + std::string(version);
  {
    std::lock_guard lock(impl_->discovery_mutex);
    auto it = impl_->discovery.find(key);
    if (it != impl_->discovery.end()) {
      auto found = it->second.resources.find(std::string(resource));
      if (found != it->second.resources.end()) return std::optional<DiscoveredResource>(found->second);
      if (SteadyClock::now() - it->second.fetched < options_.discovery_miss_ttl) {
        return std::optional<DiscoveredResource>();
      }
    }
  }
  Request request;
  request.path = group.empty() ? "/api/" + std::string(version) : "/apis/" + key;
  auto document = ObjectOf(Do(std::move(request)));
  DiscoveryEntry entry;
  entry.fetched = SteadyClock::now();
  if (!document && !IsNotFound(document.error())) return document.error();
  if (document) {
    if (const auto* list = common::GetArray(*document, "resources")) {
      for (const auto& item : *list) {
        const auto* object = item.if_object();
        if (object == nullptr) continue;
        DiscoveredResource found;
        found.ref.group = std::string(group);
        found.ref.version = std::string(version);
        found.ref.resource = std::string(common::GetString(*object, "name").value_or(""));
        found.ref.namespaced = common::GetBool(*object, "namespaced").value_or(false);
        found.kind = std::string(common::GetString(*object, "kind").value_or(""));
        if (const auto* verbs = common::GetArray(*object, "verbs")) {
          for (const auto& verb : *verbs) {
            if (verb.is_string()) found.verbs.emplace_back(verb.as_string());
          }
        }
        if (!found.ref.resource.empty()) entry.resources.emplace(found.ref.resource, std::move(found));
      }
    }
  }
  std::lock_guard lock(impl_->discovery_mutex);
  auto& slot = impl_->discovery[key];
  slot = std::move(entry);
  auto found = slot.resources.find(std::string(resource));
  if (found == slot.resources.end()) return std::optional<DiscoveredResource>();
  return std::optional<DiscoveredResource>(found->second);
}

common::Result<bool> Client::IsServed(std::string_view group, std::string_view version, std::string_view resource) {
  auto found = Discover(group, version, resource);
  if (!found) return found.error();
  return found->has_value();
}

void Client::InvalidateDiscovery() {
  std::lock_guard lock(impl_->discovery_mutex);
  impl_->discovery.clear();
}

}  // namespace airunway::kube
