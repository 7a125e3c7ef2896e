#include "kubesim/api_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
#include <thread>

#include "common/json.h"
#include "common/logging.h"
#include "common/time.h"
#include "http/server.h"
#include "kubesim/discovery.h"
#include "kubesim/kubeconfig_writer.h"
#include "kubesim/openapi.h"
#include "kubesim/patch.h"
#include "kubesim/pki.h"
#include "kubesim/protobuf.h"
#include "kubesim/request_info.h"
#include "kubesim/server_side_apply.h"
#include "kubesim/structural_schema.h"
#include "kubesim/table.h"

namespace airunway::kubesim {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// A real API server accepts request bodies up to 3 MiB.
constexpr std::size_t kMaxRequestBody = 3 * 1024 * 1024;

http::Response StatusResponse(const ApiStatus& status) {
  return http::Response::Json(status.code, status.ToJson());
}

http::Response ObjectResponse(int code, const json::object& object,
                              std::string content_type = "application/json") {
  http::Response response = http::Response::Json(code, object);
  response.headers.Set("Content-Type", std::move(content_type));
  return response;
}

// Maps a failure from the HTTP layer (limits, malformed targets) to a Status.
ApiStatus FromHttpError(const common::Error& error) {
  ApiStatus status;
  status.code = common::HttpStatusOf(error.code);
  status.message = error.message;
  switch (error.code) {
    case common::ErrorCode::kPayloadTooLarge:
      status.reason = "RequestEntityTooLarge";
      status.message = "Request entity too large: limit is 3145728";
      break;
    case common::ErrorCode::kNotFound:
      status.reason = "NotFound";
      status.message = "the server could not find the requested resource";
      break;
    case common::ErrorCode::kMethodNotAllowed:
      status.reason = "MethodNotAllowed";
      status.message = "the server does not allow this method on the requested resource";
      break;
    default:
      status.reason = std::string(common::DefaultReason(error.code));
  }
  return status;
}

template <typename T>
bool Failed(const ApiResult<T>& result) {
  return result.index() == 1;
}
template <typename T>
const ApiStatus& ErrorOf(const ApiResult<T>& result) {
  return std::get<1>(result);
}
template <typename T>
T& ValueOf(ApiResult<T>& result) {
  return std::get<0>(result);
}

std::optional<std::string_view> BearerToken(const http::Request& request) {
  auto header = request.Header("Authorization");
  if (!header) return std::nullopt;
  std::string_view value = *header;
  if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
    return value.substr(7);
  }
  return std::nullopt;
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

ApiResult<std::optional<std::int64_t>> IntParam(const http::Request& request, std::string_view name) {
  auto value = request.Query(name);
  if (!value || value->empty()) return std::optional<std::int64_t>();
  auto parsed = ParseInt(*value);
  if (!parsed) {
    return BadRequest(fmt::format("invalid value for {}: strconv.ParseInt: parsing \"{}\": invalid syntax", name,
                                  *value));
  }
  return std::optional<std::int64_t>(*parsed);
}

bool BoolParam(const http::Request& request, std::string_view name) {
  auto value = request.Query(name);
  return value && (*value == "true" || *value == "1");
}

bool IsYaml(std::string_view content_type) {
  return content_type.find("yaml") != std::string_view::npos;
}

// Decodes a JSON (or YAML) request body into an object.
ApiResult<json::object> DecodeBody(const http::Request& request) {
  std::string_view type = request.Header("Content-Type").value_or("application/json");
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return BadRequest("the body of the request was empty: send the object as JSON");
  }
  if (IsKubernetesProtobufContentType(type)) return DecodeKubernetesProtobuf(request.body);
  if (IsYaml(type)) {
    auto parsed = YamlToJson(request.body);
    if (Failed(parsed)) return ErrorOf(parsed);
    if (!ValueOf(parsed).is_object()) return BadRequest("the body of the request must be a single object");
    return std::move(ValueOf(parsed).as_object());
  }
  if (type.find("json") == std::string_view::npos) return UnsupportedMediaType(type);
  auto parsed = common::ParseJson(request.body);
  if (!parsed) return BadRequest("the body of the request could not be decoded: " + parsed.error().message);
  if (!parsed->is_object()) return BadRequest("the body of the request must be a JSON object");
  return std::move(parsed->as_object());
}

std::string_view MetaString(const json::object& object, std::string_view key) {
  const auto* meta = common::GetObject(object, "metadata");
  if (meta == nullptr) return {};
  return common::GetString(*meta, key).value_or("");
}

json::object& MetaOf(json::object& object) {
  auto& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  return meta.as_object();
}

// Fills in or checks apiVersion and kind against the endpoint's type.
std::optional<ApiStatus> CheckTypeMeta(json::object& object, const ResourceType& type) {
  std::string expected_version = type.GroupVersion();
  auto version = common::GetString(object, "apiVersion");
  auto kind = common::GetString(object, "kind");
  if (version && !version->empty() && *version != expected_version) {
    return BadRequest(fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                                  *version, expected_version));
  }
  if (kind && !kind->empty() && *kind != type.kind) {
    return BadRequest(fmt::format("the object provided is unrecognized (must be of type {}): kind \"{}\" was sent "
                                  "to the {} endpoint",
                                  type.kind, *kind, type.resource));
  }
  object["apiVersion"] = expected_version;
  object["kind"] = type.kind;
  return std::nullopt;
}

// Paths of fields present in `original` but absent from `pruned` (what pruning removed).
void CollectPrunedFields(const json::value& original, const json::value& pruned, const std::string& prefix,
                         std::vector<std::string>& out) {
  if (original.is_object() && pruned.is_object()) {
    for (const auto& [key, value] : original.as_object()) {
      std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
      const auto* kept = pruned.as_object().if_contains(key);
      if (kept == nullptr) {
        out.push_back(path);
      } else {
        CollectPrunedFields(value, *kept, path, out);
      }
    }
  } else if (original.is_array() && pruned.is_array()) {
    const auto& a = original.as_array();
    const auto& b = pruned.as_array();
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
      CollectPrunedFields(a[i], b[i], fmt::format("{}[{}]", prefix, i), out);
    }
  }
}

std::string ListKindOf(const ResourceType& type) {
  return type.list_kind.empty() ? type.kind + "List" : type.list_kind;
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  // Requests served (probes included), so tests can prove a client makes none.
  std::atomic<std::uint64_t> request_count{0};
  Registry registry;
  Store store;
  LogBuffers logs;
  Authenticator authenticator;
  Authorizer authorizer;
  std::unique_ptr<DiscoveryService> discovery;
  std::unique_ptr<OpenApiService> openapi;
  std::unique_ptr<http::Server> server;
  CertificateAndKey ca;
  std::string url;

  // Housekeeping: watch timeouts, periodic bookmarks, and work that must not run on a
  // thread holding the store or log lock (unsubscribing a watcher whose client went away).
  asio::io_context house;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> house_work;
  std::thread house_thread;
  std::unique_ptr<asio::steady_timer> bookmark_timer;
  std::atomic<std::uint64_t> next_cluster_ip{1};

  // Fault injection and outages (sim_faults.h; ApiServer::SetFaults/Pause/Resume).
  FaultInjector faults;
  std::atomic<bool> house_running{false};              // delayed responses need the house loop
  std::optional<http::ServerOptions> listen_options;   // as Start built them, for Resume
  std::uint16_t paused_port = 0;                       // owner thread only
  bool paused = false;                                 // owner thread only

  explicit Impl(ApiServerOptions o)
      : options(std::move(o)),
        store(options.store),
        authorizer(options.authorization.value_or(AuthorizationPolicy{})),
        discovery(std::make_unique<DiscoveryService>(registry)),
        openapi(std::make_unique<OpenApiService>(registry)) {
    SeedNamespaces();
  }

  // ---------------------------------------------------------------- lifecycle

  // The namespaces every cluster has.
  void SeedNamespaces() {
    auto type = registry.Find("", "v1", "namespaces");
    for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      json::object ns{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", json::object{{"name", name}}}};
      (void)store.Create(ApiServer::StoreResourceFor(*type), "", std::move(ns));
    }
  }

  common::Status Start() {
    http::ServerOptions server_options;
    server_options.host = options.host;
    server_options.port = options.port;
    server_options.threads = options.threads;
    server_options.body_limit = kMaxRequestBody;
    server_options.access_log = options.access_log;
    server_options.server_name = "kubesim";
    server_options.shutdown_grace = std::chrono::seconds(5);
    server_options.error_renderer = [](const http::Request&, const common::Error& error) {
      return StatusResponse(FromHttpError(error));
    };
    server_options.not_found = [this](http::Request& request) { return HandleWithFaults(request); };
    if (options.tls) {
      auto generated_ca = GenerateCa("kubesim-ca");
      if (!generated_ca) return generated_ca.error();
      ca = *generated_ca;
      std::vector<std::string> dns_names;
      std::vector<std::string> ips;
      if (options.host != "127.0.0.1" && options.host != "localhost" && options.host != "::1") {
        (options.host.find_first_not_of("0123456789.:") == std::string::npos ? ips : dns_names)
            .push_back(options.host);
      }
      auto serving = IssueServerCertificate(ca, dns_names, ips);
      if (!serving) return serving.error();
      server_options.tls = http::TlsOptions{serving->cert_pem, serving->key_pem, ca.cert_pem};
    }
    listen_options = server_options;
    server = std::make_unique<http::Server>(std::move(server_options), std::make_shared<http::Router>());
    if (auto listening = server->Listen(); !listening) return listening;
    std::string host = options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    url = fmt::format("{}://{}:{}", options.tls ? "https" : "http", host, server->port());
    // Now that the address is known (nothing is served before Start returns).
    discovery = std::make_unique<DiscoveryService>(registry, fmt::format("{}:{}", host, server->port()));

    if (!options.kubeconfig_out.empty()) {
      if (auto written = WriteKubeconfig(options.kubeconfig_out, KubeconfigOptionsFor(authenticator.admin_token()));
          !written) {
        server->Stop();
        return written;
      }
    }
    house_work.emplace(house.get_executor());
    house_thread = std::thread([this] { house.run(); });
    house_running = true;
    ScheduleBookmarks();
    server->Start();
    return common::Status::Ok();
  }

  void Stop() {
    if (server) server->Stop();
    asio::post(house, [this] {
      if (bookmark_timer) bookmark_timer->cancel();
      house_work.reset();
    });
  }

  void Wait() {
    if (server) server->Wait();
    if (house_thread.joinable()) house_thread.join();
  }

  KubeconfigOptions KubeconfigOptionsFor(const std::string& token) const {
    KubeconfigOptions kubeconfig;
    kubeconfig.server_url = url;
    kubeconfig.ca_pem = ca.cert_pem;
    kubeconfig.token = token;
    return kubeconfig;
  }

  void ScheduleBookmarks() {
    bookmark_timer = std::make_unique<asio::steady_timer>(house, options.bookmark_interval);
    bookmark_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      store.SendBookmarks();
      ScheduleBookmarks();
    });
  }

  // ---------------------------------------------------------------- dispatch

  http::Response Handle(http::Request& request) {
    const std::string& path = request.path;
    if (path == "/healthz" || path == "/livez" || path == "/readyz" || path.starts_with("/healthz/") ||
        path.starts_with("/livez/") || path.starts_with("/readyz/")) {
      return http::Response::Text(200, "ok");
    }
    std::optional<CertificateSubject> subject;
    if (request.client_certificate) {
      subject = CertificateSubject{request.client_certificate->common_name,
                                   request.client_certificate->organizations};
    }
    // Plain HTTP behaves like the API server's old insecure port: a request without any
    // credentials acts as the admin (kubectl does not send tokens over http). Credentials that
    // are sent are still checked.
    bool anonymous_insecure = !options.tls && !request.Header("Authorization") && !subject;
    auto user = anonymous_insecure ? Authenticate(authenticator.admin_token())
                                   : authenticator.Authenticate(BearerToken(request), subject);
    if (Failed(user)) return StatusResponse(ErrorOf(user));

    std::string watch_param(request.Query("watch").value_or(""));
    RequestInfo info = ParseRequestInfo(request.method, path, watch_param);
    if (!info.resource_request) return HandleNonResource(request, ValueOf(user));
    if (info.verb.empty()) {
      return StatusResponse(MethodNotSupported(info.resource, info.group, request.method));
    }

    AuthorizationAttributes attributes;
    attributes.verb = info.verb;
    attributes.api_group = info.group;
    attributes.resource = info.resource;
    attributes.subresource = info.subresource;
    attributes.namespace_name = info.namespace_name;
    attributes.name = info.name;
    if (auto denied = authorizer.Authorize(ValueOf(user), attributes)) return StatusResponse(*denied);
    return WithFaults(info, [&] { return HandleAuthorized(request, info, ValueOf(user)); });
  }

  // A resource request from an authenticated, authorized user.
  http::Response HandleAuthorized(http::Request& request, const RequestInfo& info, const UserInfo& user) {
    const std::string& path = request.path;
    auto type = registry.Find(info.group, info.version, info.resource);
    if (!type) return StatusResponse(NotFound("", "", ""));
    if (!info.subresource.empty() && type->FindSubresource(info.subresource) == nullptr) {
      return StatusResponse(NotFound("", "", ""));
    }
    bool named_verb = info.verb == "get" || info.verb == "update" || info.verb == "patch" || info.verb == "delete";
    if ((!type->namespaced && !info.namespace_name.empty()) ||
        (type->namespaced && info.namespace_name.empty() && (named_verb || info.verb == "create") &&
         !IsReview(*type))) {
      return StatusResponse(NotFound("", "", ""));
    }
    if (info.subresource.empty() && !type->HasVerb(info.verb)) {
      return StatusResponse(MethodNotSupported(type->resource, type->group, info.verb));
    }
    try {
      return Dispatch(request, info, *type, user);
    } catch (const std::exception& e) {
      common::LogError("kubesim request failed", {{"path", path}, {"error", e.what()}});
      return StatusResponse(InternalError("an internal error occurred while handling the request"));
    }
  }

  // ---------------------------------------------------------------- faults (sim_faults.h)

  static FaultRequest FaultRequestOf(const RequestInfo& info) {
    return FaultRequest{info.verb, info.group, info.resource, info.subresource, info.namespace_name, info.name};
  }

  // The entry point. Counted here, before anything can answer, so that requests refused or
  // answered with an injected fault count too: tests read the count to see how often a
  // client retried.
  http::Response HandleWithFaults(http::Request& request) {
    request_count.fetch_add(1, std::memory_order_relaxed);
    return Handle(request);
  }

  // The configured faults in front of `serve`. Called only once the request is authenticated
  // and authorized, as a real API server's storage failures reach only requests it would
  // serve: a bad token still gets its 401, a forbidden verb its 403. Only resource requests
  // get here, so discovery keeps working; with no rules this is one atomic load.
  template <typename Serve>
  http::Response WithFaults(const RequestInfo& info, Serve&& serve) {
    if (!faults.Active()) return serve();
    FaultDecision decision = faults.Decide(FaultRequestOf(info));
    http::Response response;
    if (decision.error) {
      response = StatusResponse(*decision.error);
      if (decision.error->retry_after_seconds > 0) {
        response.headers.Set("Retry-After", std::to_string(decision.error->retry_after_seconds));
      }
    } else {
      response = serve();
    }
    if (decision.latency.count() > 0 && !response.stream && house_running) {
      return Delayed(std::move(response), decision.latency);
    }
    return response;
  }

  // Latency without holding an I/O thread: the handlers are synchronous, so the answer is
  // computed now and its body handed to a stream that the housekeeping loop fills when the
  // delay is over. Status line and headers go out at once; clients that read the body (all
  // Kubernetes clients) see the whole delay, and their request timeouts fire as they would.
  http::Response Delayed(http::Response response, std::chrono::milliseconds delay) {
    auto stream = std::make_shared<http::BodyStream>();
    auto timer = std::make_shared<asio::steady_timer>(house, delay);
    timer->async_wait([timer, stream, body = std::move(response.body)](boost::system::error_code ec) mutable {
      if (ec == asio::error::operation_aborted) return;
      stream->Write(std::move(body));
      stream->Close();
    });
    stream->OnCancel([this, timer] { asio::post(house, [timer] { timer->cancel(); }); });
    response.body.clear();
    response.stream = std::move(stream);
    return response;
  }

  ApiResult<UserInfo> Authenticate(std::string_view token) const {
    return authenticator.Authenticate(token, std::nullopt);
  }

  static bool IsReview(const ResourceType& type) {
    return type.group == "authentication.k8s.io" || type.group == "authorization.k8s.io";
  }

  http::Response HandleNonResource(const http::Request& request, const UserInfo& user) {
    AuthorizationAttributes attributes;
    attributes.resource_request = false;
    attributes.path = request.path;
    attributes.verb = request.method == "GET" || request.method == "HEAD" ? "get" : "post";
    if (auto denied = authorizer.Authorize(user, attributes)) return StatusResponse(*denied);
    std::string_view accept = request.Header("Accept").value_or("");
    if (request.path == "/version" || DiscoveryService::Handles(request.path)) {
      auto document = discovery->Get(request.path, accept);
      if (Failed(document)) return StatusResponse(ErrorOf(document));
      return DocumentResponse(ValueOf(document));
    }
    if (OpenApiService::Handles(request.path)) {
      auto hash = request.Query("hash");
      auto document = openapi->Get(request.path, accept);
      if (Failed(document)) return StatusResponse(ErrorOf(document));
      auto& doc = ValueOf(document);
      std::string_view prefix = "/openapi/v3/";
      if (hash && request.path.starts_with(prefix) && !doc.etag.empty() && *hash != doc.etag) {
        // A stale hash: send the client to the current document, as the real server does.
        if (auto current = openapi->ServerRelativeUrl(std::string_view(request.path).substr(prefix.size()))) {
          http::Response redirect;
          redirect.status = 301;
          redirect.headers.Set("Location", *current);
          return redirect;
        }
      }
      http::Response response = DocumentResponse(doc);
      if (hash && *hash == doc.etag) response.headers.Set("Cache-Control", "public, immutable");
      return response;
    }
    return StatusResponse(NotFound("", "", ""));
  }

  static http::Response DocumentResponse(const Document& document) {
    http::Response response;
    response.status = 200;
    response.headers.Set("Content-Type", document.content_type);
    if (!document.etag.empty()) response.headers.Set("ETag", "\"" + document.etag + "\"");
    response.body = document.body;
    return response;
  }

  http::Response Dispatch(http::Request& request, const RequestInfo& info, const ResourceType& type,
                          const UserInfo& user) {
    const std::string& sub = info.subresource;
    if (IsReview(type)) return HandleReview(request, type, user);
    if (sub.empty()) {
      if (info.verb == "get") return HandleGet(request, info, type);
      if (info.verb == "list") return HandleList(request, info, type);
      if (info.verb == "watch") return HandleWatch(request, info, type);
      if (info.verb == "create") return HandleCreate(request, info, type);
      if (info.verb == "update") return HandleUpdate(request, info, type, false);
      if (info.verb == "patch") return HandlePatch(request, info, type, false);
      if (info.verb == "delete") return HandleDelete(request, info, type);
      if (info.verb == "deletecollection") return HandleDeleteCollection(request, info, type);
    } else if (sub == "status") {
      if (info.verb == "get") return HandleGet(request, info, type);
      if (info.verb == "update") return HandleUpdate(request, info, type, true);
      if (info.verb == "patch") return HandlePatch(request, info, type, true);
    } else if (sub == "scale") {
      return HandleScale(request, info, type);
    } else if (sub == "log" && info.verb == "get") {
      return HandleLog(request, info);
    } else if (sub == "binding" && info.verb == "create") {
      return HandleBinding(request, info);
    } else if (sub == "finalize" && info.verb == "update") {
      return HandleUpdate(request, info, type, false);
    } else if (sub == "proxy") {
      return HandleProxy(request, info);
    }
    return StatusResponse(MethodNotSupported(type.resource + "/" + sub, type.group, info.verb));
  }

  // ---------------------------------------------------------------- reads

  bool WantsTable(const http::Request& request, TableOptions& table) const {
    auto format = NegotiateTable(request.Header("Accept").value_or(""));
    if (!format) return false;
    table.api_version = format->api_version;
    table.now = std::chrono::system_clock::now();
    if (auto include = request.Query("includeObject")) {
      auto parsed = ParseIncludeObject(*include);
      if (!Failed(parsed)) table.include_object = ValueOf(parsed);
    }
    return true;
  }

  http::Response HandleGet(const http::Request& request, const RequestInfo& info, const ResourceType& type) {
    auto object = store.Get(ApiServer::StoreResourceFor(type), info.namespace_name, info.name);
    if (Failed(object)) return StatusResponse(ErrorOf(object));
    TableOptions table;
    if (WantsTable(request, table)) {
      return ObjectResponse(200, ObjectToTable(type, *ValueOf(object), table),
                            std::string(NegotiateTable(request.Header("Accept").value_or(""))->content_type));
    }
    return ObjectResponse(200, *ValueOf(object));
  }

  static ApiResult<ListOptions> ListOptionsFrom(const http::Request& request) {
    ListOptions list;
    list.label_selector = std::string(request.Query("labelSelector").value_or(""));
    list.field_selector = std::string(request.Query("fieldSelector").value_or(""));
    list.continue_token = std::string(request.Query("continue").value_or(""));
    auto limit = IntParam(request, "limit");
    if (Failed(limit)) return ErrorOf(limit);
    list.limit = ValueOf(limit).value_or(0);
    if (list.limit < 0) list.limit = 0;
    return list;
  }

  http::Response HandleList(const http::Request& request, const RequestInfo& info, const ResourceType& type) {
    auto list_options = ListOptionsFrom(request);
    if (Failed(list_options)) return StatusResponse(ErrorOf(list_options));
    auto result = store.List(ApiServer::StoreResourceFor(type), info.namespace_name, ValueOf(list_options));
    if (Failed(result)) return StatusResponse(ErrorOf(result));
    auto& list = ValueOf(result);
    TableOptions table;
    if (WantsTable(request, table)) {
      json::array items;
      items.reserve(list.items.size());
      for (const auto& item : list.items) items.push_back(*item);
      auto rendered = ListToTable(type, items, {list.resource_version, list.continue_token, list.remaining_item_count},
                                  table);
      return ObjectResponse(200, rendered,
                            std::string(NegotiateTable(request.Header("Accept").value_or(""))->content_type));
    }
    // Serialise item by item: no copy of the stored objects into a new document.
    std::string body = fmt::format(R"({{"kind":"{}","apiVersion":"{}","metadata":{{"resourceVersion":"{}")",
                                   ListKindOf(type), type.GroupVersion(), list.resource_version);
    if (!list.continue_token.empty()) body += fmt::format(R"(,"continue":{})", json::serialize(json::value(list.continue_token)));
    if (list.remaining_item_count) body += fmt::format(R"(,"remainingItemCount":{})", *list.remaining_item_count);
    body += R"(},"items":[)";
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      if (i > 0) body += ',';
      body += json::serialize(*list.items[i]);
    }
    body += "]}";
    http::Response response;
    response.headers.Set("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
  }

  // ---------------------------------------------------------------- watch

  struct WatchState {
    std::shared_ptr<http::BodyStream> stream;
    std::optional<TableOptions> table;
    std::shared_ptr<const ResourceType> type;
    bool headers_sent = false;
    std::atomic<WatchId> id{0};
  };

  static std::string EncodeEvent(WatchState& state, const WatchEvent& event) {
    json::object envelope;
    envelope["type"] = WatchEventTypeName(event.type);
    if (state.table && event.type != WatchEventType::kBookmark) {
      TableOptions options = *state.table;
      options.no_headers = state.headers_sent;
      options.now = std::chrono::system_clock::now();
      state.headers_sent = true;
      envelope["object"] = ObjectToTable(*state.type, *event.object, options);
    } else {
      envelope["object"] = *event.object;
    }
    std::string line = json::serialize(envelope);
    line += '\n';
    return line;
  }

  http::Response HandleWatch(const http::Request& request, const RequestInfo& info, const ResourceType& type) {
    WatchOptions watch;
    watch.label_selector = std::string(request.Query("labelSelector").value_or(""));
    watch.field_selector = std::string(request.Query("fieldSelector").value_or(""));
    watch.resource_version = std::string(request.Query("resourceVersion").value_or(""));
    watch.allow_bookmarks = BoolParam(request, "allowWatchBookmarks");
    watch.send_initial_events = BoolParam(request, "sendInitialEvents");
    if (!info.name.empty()) {
      // GET .../pods/x?watch=1 watches one object.
      watch.field_selector = watch.field_selector.empty() ? "metadata.name=" + info.name
                                                          : watch.field_selector + ",metadata.name=" + info.name;
    }
    auto timeout = IntParam(request, "timeoutSeconds");
    if (Failed(timeout)) return StatusResponse(ErrorOf(timeout));

    auto state = std::make_shared<WatchState>();
    state->stream = std::make_shared<http::BodyStream>();
    state->type = registry.Find(type.group, type.version, type.resource);
    TableOptions table;
    std::string content_type = "application/json";
    if (WantsTable(request, table)) {
      state->table = table;
      content_type = NegotiateTable(request.Header("Accept").value_or(""))->content_type;
    }
    // A resume from history an injected compaction dropped is refused like an expired one.
    auto compacted = faults.Active() ? faults.CheckWatchResume(watch.resource_version, store.CurrentResourceVersion())
                                     : std::nullopt;
    auto id = compacted ? ApiResult<WatchId>(*compacted)
                        : store.Watch(ApiServer::StoreResourceFor(type), info.namespace_name, watch,
                                      [state](const WatchEvent& event) {
                                        return state->stream->Write(EncodeEvent(*state, event));
                                      });
    if (Failed(id)) {
      const ApiStatus& status = ErrorOf(id);
      if (status.code != 410) return StatusResponse(status);
      // An expired resourceVersion is reported inside the stream, as the real server does.
      json::object envelope;
      envelope["type"] = "ERROR";
      envelope["object"] = status.ToJson();
      state->stream->Write(json::serialize(envelope) + "\n");
      state->stream->Close();
      return http::Response::Streaming(200, state->stream, content_type);
    }
    WatchId watch_id = ValueOf(id);
    state->id = watch_id;
    ArmWatchFaults(info, state, watch_id, watch.resource_version);
    // The client went away or the server is stopping: unsubscribe off the writing thread
    // (this callback may run inside a store callback, under the store lock).
    state->stream->OnCancel([this, watch_id] { asio::post(house, [this, watch_id] { store.StopWatch(watch_id); }); });
    if (ValueOf(timeout) && *ValueOf(timeout) > 0) {
      auto timer = std::make_shared<asio::steady_timer>(house, std::chrono::seconds(*ValueOf(timeout)));
      timer->async_wait([this, timer, state, watch_id](boost::system::error_code ec) {
        if (ec == asio::error::operation_aborted) return;
        store.StopWatch(watch_id);
        state->stream->Close();
      });
      // A pending timer keeps the housekeeping loop (and so Wait) alive: drop it as soon as
      // the client is gone, or a watch kubectl left behind delays shutdown by its timeout.
      state->stream->OnCancel([this, timer] { asio::post(house, [timer] { timer->cancel(); }); });
    }
    http::Response response = http::Response::Streaming(200, state->stream, content_type);
    return response;
  }

  // Injected watch faults: the stream is dropped (ends as on a server-side timeout), or
  // expires with an in-stream 410 that also compacts history so the client must re-list.
  void ArmWatchFaults(const RequestInfo& info, const std::shared_ptr<WatchState>& state, WatchId watch_id,
                      const std::string& from_version) {
    if (!faults.Active()) return;
    WatchFaults limits = faults.WatchLimits(FaultRequestOf(info));
    auto arm = [&](std::chrono::milliseconds after, bool expire) {
      if (after.count() <= 0) return;
      auto timer = std::make_shared<asio::steady_timer>(house, after);
      timer->async_wait([this, timer, state, watch_id, expire, from_version](boost::system::error_code ec) {
        if (ec == asio::error::operation_aborted) return;
        store.StopWatch(watch_id);
        if (expire) {
          std::string current = store.CurrentResourceVersion();
          faults.MarkCompacted(current);
          json::object envelope;
          envelope["type"] = "ERROR";
          envelope["object"] = Gone(fmt::format("too old resource version: {} ({})",
                                                from_version.empty() ? "0" : from_version, current))
                                   .ToJson();
          state->stream->Write(json::serialize(envelope) + "\n");
        }
        state->stream->Close();
      });
      state->stream->OnCancel([this, timer] { asio::post(house, [timer] { timer->cancel(); }); });
    };
    arm(limits.drop_after, false);
    arm(limits.expire_after, true);
  }

  // ---------------------------------------------------------------- writes

  // Validation a custom object gets on every write: defaults, pruning, schema. With
  // fieldValidation=Strict, unknown fields are refused instead of silently pruned.
  std::optional<ApiStatus> NormalizeCustom(json::object& object, const ResourceType& type,
                                           const http::Request& request, http::Headers& warnings) {
    if (!type.is_crd || !type.schema.is_object()) return std::nullopt;
    json::object before = object;
    auto causes = NormalizeCustomObject(object, type.schema.as_object());
    std::vector<std::string> pruned;
    CollectPrunedFields(before, object, "", pruned);
    std::erase_if(pruned, [](const std::string& p) { return p.starts_with("metadata."); });
    if (!pruned.empty()) {
      std::string_view mode = request.Query("fieldValidation").value_or("");
      std::string list;
      for (const auto& p : pruned) {
        if (!list.empty()) list += ", ";
        list += fmt::format("unknown field \"{}\"", p);
      }
      if (mode == "Strict") return BadRequest("strict decoding error: " + list);
      if (mode == "Warn") warnings.Add("Warning", fmt::format("299 - \"{}\"", list));
    }
    if (!causes.empty()) {
      return Invalid(type.kind, type.group, MetaString(before, "name"), std::move(causes));
    }
    return std::nullopt;
  }

  // Defaults the real registries apply on create.
  void PrepareForCreate(json::object& object, const ResourceType& type) {
    if (type.group.empty() && type.resource == "pods") {
      auto& status = object["status"];
      if (!status.is_object()) status = json::object();
      if (!status.as_object().contains("phase")) status.as_object()["phase"] = "Pending";
      if (!status.as_object().contains("qosClass")) status.as_object()["qosClass"] = "BestEffort";
    }
    if (type.group.empty() && type.resource == "services") {
      auto& spec = object["spec"];
      if (!spec.is_object()) spec = json::object();
      auto& s = spec.as_object();
      if (!s.contains("type")) s["type"] = "ClusterIP";
      if (!s.contains("clusterIP") && s["type"] != "ExternalName") {
        std::uint64_t n = next_cluster_ip++;
        s["clusterIP"] = fmt::format("10.96.{}.{}", (n / 250) % 250, 10 + n % 240);
        s["clusterIPs"] = json::array{s["clusterIP"]};
      }
      if (!s.contains("sessionAffinity")) s["sessionAffinity"] = "None";
    }
  }

  // The create path shared by HTTP and CreateObject.
  ApiResult<ObjectPtr> CreateTyped(const ResourceType& type, std::string_view ns, json::object object,
                                   bool dry_run, const std::string& manager, const http::Request* request,
                                   http::Headers& warnings) {
    if (auto bad = CheckTypeMeta(object, type)) return *bad;
    auto& meta = MetaOf(object);
    if (type.namespaced) {
      auto body_ns = common::GetString(meta, "namespace");
      if (body_ns && !body_ns->empty() && !ns.empty() && *body_ns != ns) {
        return BadRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      if (ns.empty() && body_ns) ns = *body_ns;
      if (ns.empty()) ns = "default";
      meta["namespace"] = ns;
    } else {
      meta.erase("namespace");
    }
    if (request != nullptr) {
      if (auto bad = NormalizeCustom(object, type, *request, warnings)) return *bad;
    } else if (type.is_crd && type.schema.is_object()) {
      auto causes = NormalizeCustomObject(object, type.schema.as_object());
      if (!causes.empty()) return Invalid(type.kind, type.group, MetaString(object, "name"), std::move(causes));
    }
    bool is_crd_definition = type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions";
    // Status is the server's to set on create (nodes and seeded objects excepted); the
    // registries then fill in their defaults (a new pod is Pending).
    bool client_status_allowed = type.resource == "nodes" || request == nullptr;
    if (type.FindSubresource("status") != nullptr && !client_status_allowed) object.erase("status");
    PrepareForCreate(object, type);
    object = RecordUpdate(nullptr, std::move(object), KeysFor(type),
                          {manager, type.GroupVersion(), "", std::chrono::system_clock::now()});
    CreateOptions create;
    create.dry_run = dry_run;
    create.keep_status = true;
    if (is_crd_definition) {
      if (auto bad = AdmitCrd(object, dry_run)) return *bad;
    }
    return store.Create(ApiServer::StoreResourceFor(type), ns, std::move(object), create);
  }

  // Registers a CRD's types and stores its status. Runs before the CRD object is written.
  std::optional<ApiStatus> AdmitCrd(json::object& crd, bool dry_run) {
    std::vector<StatusCause> causes;
    if (const auto* spec = common::GetObject(crd, "spec")) {
      if (const auto* versions = common::GetArray(*spec, "versions")) {
        for (std::size_t i = 0; i < versions->size(); ++i) {
          const auto* schema = (*versions)[i].is_object()
                                   ? common::FindPath((*versions)[i], {"schema", "openAPIV3Schema"})
                                   : nullptr;
          if (schema != nullptr && schema->is_object()) {
            auto found = ValidateStructuralSchema(schema->as_object(),
                                                  fmt::format("spec.versions[{}].schema.openAPIV3Schema", i));
            causes.insert(causes.end(), found.begin(), found.end());
          }
        }
      }
    }
    if (!causes.empty()) {
      return Invalid("CustomResourceDefinition", "apiextensions.k8s.io", MetaString(crd, "name"), std::move(causes));
    }
    if (dry_run) return std::nullopt;
    auto admission = registry.AddCrd(crd, std::chrono::system_clock::now());
    if (Failed(admission)) return ErrorOf(admission);
    crd["status"] = ValueOf(admission).status;
    return std::nullopt;
  }

  static MergeKeys KeysFor(const ResourceType& type) {
    if (type.is_crd && type.schema.is_object()) return MergeKeys::FromSchema(type.schema.as_object());
    return MergeKeys::ForKind(type.kind);
  }

  static std::string ManagerOf(const http::Request& request) {
    return ManagerFromRequest(request.Query("fieldManager").value_or(""), request.Header("User-Agent").value_or(""));
  }

  static bool DryRun(const http::Request& request) { return request.Query("dryRun").has_value(); }

  static http::Response WithWarnings(http::Response response, const http::Headers& warnings) {
    for (const auto& [name, value] : warnings.fields()) response.headers.Add(name, value);
    return response;
  }

  http::Response HandleCreate(http::Request& request, const RequestInfo& info, const ResourceType& type) {
    auto body = DecodeBody(request);
    if (Failed(body)) return StatusResponse(ErrorOf(body));
    http::Headers warnings;
    auto created = CreateTyped(type, info.namespace_name, std::move(ValueOf(body)), DryRun(request),
                               ManagerOf(request), &request, warnings);
    if (Failed(created)) return WithWarnings(StatusResponse(ErrorOf(created)), warnings);
    return WithWarnings(ObjectResponse(201, *ValueOf(created)), warnings);
  }

  http::Response HandleUpdate(http::Request& request, const RequestInfo& info, const ResourceType& type,
                              bool status_only) {
    auto body = DecodeBody(request);
    if (Failed(body)) return StatusResponse(ErrorOf(body));
    json::object object = std::move(ValueOf(body));
    if (auto bad = CheckTypeMeta(object, type)) return StatusResponse(*bad);
    std::string_view body_name = MetaString(object, "name");
    if (!body_name.empty() && body_name != info.name) {
      return StatusResponse(BadRequest(fmt::format(
          "the name of the object ({}) does not match the name on the URL ({})", body_name, info.name)));
    }
    MetaOf(object)["name"] = info.name;
    if (type.namespaced) MetaOf(object)["namespace"] = info.namespace_name;
    http::Headers warnings;
    if (!status_only) {
      if (auto bad = NormalizeCustom(object, type, request, warnings)) return StatusResponse(*bad);
    }
    bool is_crd_definition = type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions";
    if (is_crd_definition && !status_only) {
      if (auto bad = AdmitCrd(object, DryRun(request))) return StatusResponse(*bad);
    }
    UpdateOptions update;
    update.dry_run = DryRun(request);
    std::string manager = ManagerOf(request);
    auto keys = KeysFor(type);
    auto result = store.Mutate(
        ApiServer::StoreResourceFor(type), info.namespace_name, info.name,
        [&](const json::object& current) -> ApiResult<json::object> {
          return RecordUpdate(&current, object, keys,
                              {manager, type.GroupVersion(), status_only ? "status" : "",
                               std::chrono::system_clock::now()});
        },
        status_only, update);
    if (Failed(result)) return WithWarnings(StatusResponse(ErrorOf(result)), warnings);
    return WithWarnings(ObjectResponse(200, *ValueOf(result)), warnings);
  }

  http::Response HandlePatch(http::Request& request, const RequestInfo& info, const ResourceType& type,
                             bool status_only) {
    auto patch_type = CheckPatchType(request.Header("Content-Type").value_or(""), type.is_crd);
    if (Failed(patch_type)) return StatusResponse(ErrorOf(patch_type));
    std::string field_manager(request.Query("fieldManager").value_or(""));
    if (auto bad = CheckPatchOptions(ValueOf(patch_type), field_manager, request.Query("force").has_value())) {
      return StatusResponse(*bad);
    }
    auto resource = ApiServer::StoreResourceFor(type);
    auto keys = KeysFor(type);
    http::Headers warnings;
    bool is_crd_definition = type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions";

    if (ValueOf(patch_type) == PatchType::kApply) {
      auto config = ParseApplyBody(request.body);
      if (Failed(config)) return StatusResponse(ErrorOf(config));
      ApplyOptions apply;
      apply.field_manager = field_manager;
      apply.force = BoolParam(request, "force");
      apply.api_version = type.GroupVersion();
      apply.status_is_subresource = type.FindSubresource("status") != nullptr;
      apply.subresource = status_only ? "status" : "";
      auto live = store.Get(resource, info.namespace_name, info.name);
      if (Failed(live) && ErrorOf(live).code != 404) return StatusResponse(ErrorOf(live));
      const json::object* current = Failed(live) ? nullptr : ValueOf(live).get();
      auto applied = ServerSideApply(current, ValueOf(config), keys, apply);
      if (Failed(applied)) return StatusResponse(ErrorOf(applied));
      auto& outcome = ValueOf(applied);
      if (outcome.created) {
        MetaOf(outcome.object)["name"] = info.name;
        if (auto bad = CheckTypeMeta(outcome.object, type)) return StatusResponse(*bad);
        if (auto bad = NormalizeCustom(outcome.object, type, request, warnings)) return StatusResponse(*bad);
        if (type.FindSubresource("status") != nullptr && type.resource != "nodes") outcome.object.erase("status");
        PrepareForCreate(outcome.object, type);
        if (is_crd_definition) {
          if (auto bad = AdmitCrd(outcome.object, DryRun(request))) return StatusResponse(*bad);
        }
        CreateOptions create;
        create.dry_run = DryRun(request);
        create.keep_status = true;
        auto created = store.Create(resource, info.namespace_name, std::move(outcome.object), create);
        if (Failed(created)) return StatusResponse(ErrorOf(created));
        return WithWarnings(ObjectResponse(201, *ValueOf(created)), warnings);
      }
      if (!outcome.changed) return ObjectResponse(200, *current);
      if (!status_only) {
        if (auto bad = NormalizeCustom(outcome.object, type, request, warnings)) return StatusResponse(*bad);
      }
      if (is_crd_definition && !status_only) {
        if (auto bad = AdmitCrd(outcome.object, DryRun(request))) return StatusResponse(*bad);
      }
      json::object next = std::move(outcome.object);
      UpdateOptions update;
      update.dry_run = DryRun(request);
      auto result = store.Mutate(
          resource, info.namespace_name, info.name,
          [&](const json::object&) -> ApiResult<json::object> { return next; }, status_only, update);
      if (Failed(result)) return StatusResponse(ErrorOf(result));
      return WithWarnings(ObjectResponse(200, *ValueOf(result)), warnings);
    }

    auto patch = ParsePatchBody(request.body);
    if (Failed(patch)) return StatusResponse(ErrorOf(patch));
    std::string manager = ManagerOf(request);
    UpdateOptions update;
    update.dry_run = DryRun(request);
    PatchType kind = ValueOf(patch_type);
    const json::value& patch_value = ValueOf(patch);
    auto result = store.Mutate(
        resource, info.namespace_name, info.name,
        [&](const json::object& current) -> ApiResult<json::object> {
          json::object patched;
          if (kind == PatchType::kJson) {
            auto applied = ApplyJsonPatch(current, patch_value);
            if (Failed(applied)) return ErrorOf(applied);
            if (!ValueOf(applied).is_object()) return BadRequest("the patch must leave an object");
            patched = std::move(ValueOf(applied).as_object());
          } else if (kind == PatchType::kMerge) {
            auto applied = ApplyMergePatch(current, patch_value);
            if (Failed(applied)) return ErrorOf(applied);
            patched = std::move(ValueOf(applied));
          } else {
            if (!patch_value.is_object()) return BadRequest("a strategic merge patch must be a JSON object");
            auto applied = ApplyStrategicMergePatch(current, patch_value.as_object(), keys);
            if (Failed(applied)) return ErrorOf(applied);
            patched = std::move(ValueOf(applied));
          }
          if (auto bad = CheckTypeMeta(patched, type)) return *bad;
          if (!status_only) {
            if (auto bad = NormalizeCustom(patched, type, request, warnings)) return *bad;
          }
          return RecordUpdate(&current, std::move(patched), keys,
                              {manager, type.GroupVersion(), status_only ? "status" : "",
                               std::chrono::system_clock::now()});
        },
        status_only, update);
    if (Failed(result)) return WithWarnings(StatusResponse(ErrorOf(result)), warnings);
    if (is_crd_definition && !status_only && !update.dry_run) {
      json::object crd = *ValueOf(result);
      if (auto bad = AdmitCrd(crd, false); !bad) {
        auto with_status = store.UpdateStatus(resource, "", info.name, crd);
        if (!Failed(with_status)) return ObjectResponse(200, *ValueOf(with_status));
      }
    }
    return WithWarnings(ObjectResponse(200, *ValueOf(result)), warnings);
  }

  static ApiResult<DeleteOptions> DeleteOptionsFrom(const http::Request& request) {
    DeleteOptions result;
    std::string propagation(request.Query("propagationPolicy").value_or(""));
    result.dry_run = DryRun(request);
    if (auto orphan = request.Query("orphanDependents"); orphan && *orphan == "true") propagation = "Orphan";
    if (request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      auto parsed = common::ParseJson(request.body);
      if (!parsed || !parsed->is_object()) {
        return BadRequest("the DeleteOptions in the request body could not be decoded");
      }
      const auto& body = parsed->as_object();
      if (auto p = common::GetString(body, "propagationPolicy")) propagation = std::string(*p);
      if (auto orphan = common::GetBool(body, "orphanDependents"); orphan && *orphan) propagation = "Orphan";
      if (const auto* pre = common::GetObject(body, "preconditions")) {
        if (auto uid = common::GetString(*pre, "uid")) result.precondition_uid = std::string(*uid);
        if (auto rv = common::GetString(*pre, "resourceVersion")) {
          result.precondition_resource_version = std::string(*rv);
        }
      }
      if (const auto* dry = common::GetArray(body, "dryRun"); dry && !dry->empty()) result.dry_run = true;
    }
    auto policy = ParsePropagationPolicy(propagation);
    if (Failed(policy)) return ErrorOf(policy);
    result.propagation = ValueOf(policy);
    return result;
  }

  http::Response HandleDelete(http::Request& request, const RequestInfo& info, const ResourceType& type) {
    auto delete_options = DeleteOptionsFrom(request);
    if (Failed(delete_options)) return StatusResponse(ErrorOf(delete_options));
    auto deleted =
        store.Delete(ApiServer::StoreResourceFor(type), info.namespace_name, info.name, ValueOf(delete_options));
    if (Failed(deleted)) return StatusResponse(ErrorOf(deleted));
    const auto& outcome = ValueOf(deleted);
    if (outcome.removed && !ValueOf(delete_options).dry_run) AfterRemoval(type, *outcome.object);
    if (!outcome.removed) return ObjectResponse(200, *outcome.object);
    // Removed at once: answer a Success status, as the real server does for most kinds.
    json::object status;
    status["kind"] = "Status";
    status["apiVersion"] = "v1";
    status["metadata"] = json::object();
    status["status"] = "Success";
    json::object details;
    details["name"] = info.name;
    if (!type.group.empty()) details["group"] = type.group;
    details["kind"] = type.resource;
    details["uid"] = MetaString(*outcome.object, "uid");
    status["details"] = std::move(details);
    return ObjectResponse(200, status);
  }

  // Side effects of an object being gone for good.
  void AfterRemoval(const ResourceType& type, const json::object& object) {
    if (type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions") {
      std::string name(MetaString(object, "name"));
      if (const auto* spec = common::GetObject(object, "spec")) {
        std::string group(common::GetString(*spec, "group").value_or(""));
        const auto* names = common::GetObject(*spec, "names");
        std::string plural(names != nullptr ? common::GetString(*names, "plural").value_or("") : "");
        registry.RemoveCrd(name);
        store.DropResource(group, plural);
      }
    } else if (type.group.empty() && type.resource == "pods") {
      logs.RemovePod(MetaString(object, "namespace"), MetaString(object, "name"));
    }
  }

  http::Response HandleDeleteCollection(http::Request& request, const RequestInfo& info, const ResourceType& type) {
    auto list_options = ListOptionsFrom(request);
    if (Failed(list_options)) return StatusResponse(ErrorOf(list_options));
    auto delete_options = DeleteOptionsFrom(request);
    if (Failed(delete_options)) return StatusResponse(ErrorOf(delete_options));
    auto deleted = store.DeleteCollection(ApiServer::StoreResourceFor(type), info.namespace_name,
                                          ValueOf(list_options), ValueOf(delete_options));
    if (Failed(deleted)) return StatusResponse(ErrorOf(deleted));
    json::array items;
    for (const auto& object : ValueOf(deleted)) {
      if (!common::FindPath(*object, {"metadata", "deletionTimestamp"}) && !ValueOf(delete_options).dry_run) {
        AfterRemoval(type, *object);
      }
      items.push_back(*object);
    }
    json::object list;
    list["kind"] = ListKindOf(type);
    list["apiVersion"] = type.GroupVersion();
    list["metadata"] = json::object{{"resourceVersion", store.CurrentResourceVersion()}};
    list["items"] = std::move(items);
    return ObjectResponse(200, list);
  }

  // ---------------------------------------------------------------- subresources

  // The scale subresource: autoscaling/v1 Scale built from the object's replica fields.
  http::Response HandleScale(http::Request& request, const RequestInfo& info, const ResourceType& type) {
    std::string spec_path = "spec.replicas";
    std::string status_path = "status.replicas";
    if (type.scale) {
      spec_path = type.scale->spec_replicas_path.substr(type.scale->spec_replicas_path.starts_with(".") ? 1 : 0);
      status_path = type.scale->status_replicas_path.substr(type.scale->status_replicas_path.starts_with(".") ? 1 : 0);
    }
    auto get_path = [](const json::object& object, const std::string& dotted) -> std::int64_t {
      const json::value* v = nullptr;
      const json::object* current = &object;
      std::size_t start = 0;
      while (current != nullptr) {
        std::size_t dot = dotted.find('.', start);
        auto key = std::string_view(dotted).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        v = current->if_contains(key);
        if (v == nullptr || dot == std::string::npos) break;
        current = v->is_object() ? &v->as_object() : nullptr;
        start = dot + 1;
      }
      return v != nullptr && v->is_int64() ? v->as_int64() : 0;
    };
    auto set_path = [](json::object& object, const std::string& dotted, std::int64_t value) {
      json::object* current = &object;
      std::size_t start = 0;
      while (true) {
        std::size_t dot = dotted.find('.', start);
        std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (dot == std::string::npos) {
          (*current)[key] = value;
          return;
        }
        auto& next = (*current)[key];
        if (!next.is_object()) next = json::object();
        current = &next.as_object();
        start = dot + 1;
      }
    };
    auto to_scale = [&](const json::object& object) {
      json::object scale;
      scale["kind"] = "Scale";
      scale["apiVersion"] = "autoscaling/v1";
      json::object meta;
      meta["name"] = MetaString(object, "name");
      meta["namespace"] = MetaString(object, "namespace");
      meta["uid"] = MetaString(object, "uid");
      meta["resourceVersion"] = MetaString(object, "resourceVersion");
      meta["creationTimestamp"] = MetaString(object, "creationTimestamp");
      scale["metadata"] = std::move(meta);
      scale["spec"] = json::object{{"replicas", get_path(object, spec_path)}};
      scale["status"] = json::object{{"replicas", get_path(object, status_path)}};
      return scale;
    };
    auto resource = ApiServer::StoreResourceFor(type);
    if (info.verb == "get") {
      auto object = store.Get(resource, info.namespace_name, info.name);
      if (Failed(object)) return StatusResponse(ErrorOf(object));
      return ObjectResponse(200, to_scale(*ValueOf(object)));
    }
    if (info.verb != "update" && info.verb != "patch") {
      return StatusResponse(MethodNotSupported(type.resource + "/scale", type.group, info.verb));
    }
    std::optional<json::value> patch;
    std::optional<PatchType> patch_kind;
    if (info.verb == "patch") {
      auto patch_type = CheckPatchType(request.Header("Content-Type").value_or(""), true);
      if (Failed(patch_type)) return StatusResponse(ErrorOf(patch_type));
      patch_kind = ValueOf(patch_type);
      if (*patch_kind == PatchType::kApply) {
        // An applied Scale is merged into the current one (only spec.replicas matters).
        auto applied = ParseApplyBody(request.body);
        if (Failed(applied)) return StatusResponse(ErrorOf(applied));
        patch = json::value(ValueOf(applied));
        patch_kind = PatchType::kMerge;
      } else {
        auto parsed = ParsePatchBody(request.body);
        if (Failed(parsed)) return StatusResponse(ErrorOf(parsed));
        patch = ValueOf(parsed);
      }
    }
    std::optional<json::object> body;
    if (info.verb == "update") {
      auto decoded = DecodeBody(request);
      if (Failed(decoded)) return StatusResponse(ErrorOf(decoded));
      body = std::move(ValueOf(decoded));
    }
    auto result = store.Mutate(resource, info.namespace_name, info.name,
                               [&](const json::object& current) -> ApiResult<json::object> {
                                 json::object scale = body ? *body : to_scale(current);
                                 if (patch) {
                                   if (*patch_kind == PatchType::kJson) {
                                     auto applied = ApplyJsonPatch(scale, *patch);
                                     if (Failed(applied)) return ErrorOf(applied);
                                     scale = ValueOf(applied).as_object();
                                   } else {
                                     auto applied = ApplyMergePatch(scale, *patch);
                                     if (Failed(applied)) return ErrorOf(applied);
                                     scale = ValueOf(applied);
                                   }
                                 }
                                 const auto* replicas = common::FindPath(scale, {"spec", "replicas"});
                                 if (replicas == nullptr || !replicas->is_int64() || replicas->as_int64() < 0) {
                                   return Invalid("Scale", "autoscaling", info.name,
                                                  {{"FieldValueInvalid", "must be greater than or equal to 0",
                                                    "spec.replicas"}});
                                 }
                                 json::object next = current;
                                 set_path(next, spec_path, replicas->as_int64());
                                 return next;
                               });
    if (Failed(result)) return StatusResponse(ErrorOf(result));
    return ObjectResponse(200, to_scale(*ValueOf(result)));
  }

  http::Response HandleLog(const http::Request& request, const RequestInfo& info) {
    auto pod_type = registry.Find("", "v1", "pods");
    auto pod = store.Get(ApiServer::StoreResourceFor(*pod_type), info.namespace_name, info.name);
    if (Failed(pod)) return StatusResponse(ErrorOf(pod));
    const json::object& object = *ValueOf(pod);
    std::vector<std::string> containers;
    if (const auto* list = common::FindPath(object, {"spec", "containers"}); list && list->is_array()) {
      for (const auto& c : list->as_array()) {
        if (c.is_object()) containers.emplace_back(common::GetString(c.as_object(), "name").value_or(""));
      }
    }
    std::string container(request.Query("container").value_or(""));
    if (container.empty()) {
      if (containers.size() != 1) {
        std::string names;
        for (const auto& c : containers) names += (names.empty() ? "" : " ") + c;
        return StatusResponse(BadRequest(fmt::format(
            "a container name must be specified for pod {}, choose one of: [{}]", info.name, names)));
      }
      container = containers.front();
    } else if (std::find(containers.begin(), containers.end(), container) == containers.end()) {
      return StatusResponse(BadRequest(fmt::format("container {} is not valid for pod {}", container, info.name)));
    }
    // A container that has not started has no logs yet.
    if (const auto* statuses = common::FindPath(object, {"status", "containerStatuses"}); statuses && statuses->is_array()) {
      for (const auto& s : statuses->as_array()) {
        if (!s.is_object() || common::GetString(s.as_object(), "name").value_or("") != container) continue;
        const auto* waiting = common::FindPath(s, {"state", "waiting"});
        if (waiting != nullptr && waiting->is_object() && !logs.Has(info.namespace_name, info.name, container)) {
          std::string reason(common::GetString(waiting->as_object(), "reason").value_or("ContainerCreating"));
          return StatusResponse(BadRequest(fmt::format("container \"{}\" in pod \"{}\" is waiting to start: {}",
                                                       container, info.name, reason)));
        }
      }
    }
    LogReadOptions read;
    for (auto [name, slot] : {std::pair{"tailLines", &read.tail_lines}, std::pair{"sinceSeconds", &read.since_seconds},
                              std::pair{"limitBytes", &read.limit_bytes}}) {
      auto value = IntParam(request, name);
      if (Failed(value)) return StatusResponse(ErrorOf(value));
      *slot = ValueOf(value);
    }
    if (auto since = request.Query("sinceTime")) {
      auto parsed = common::ParseRfc3339(*since);
      if (!parsed) return StatusResponse(BadRequest(fmt::format("invalid sinceTime \"{}\": use RFC 3339", *since)));
      read.since_time = *parsed;
    }
    read.timestamps = BoolParam(request, "timestamps");
    if (!BoolParam(request, "follow")) {
      auto text = logs.Read(info.namespace_name, info.name, container, read);
      return http::Response::Text(200, text.value_or(""), "text/plain");
    }
    auto stream = std::make_shared<http::BodyStream>();
    LogFollower follower;
    follower.on_data = [stream](std::string_view text) { return stream->Write(std::string(text)); };
    follower.on_end = [stream] { stream->Close(); };
    LogFollowId id = logs.Follow(info.namespace_name, info.name, container, read, std::move(follower));
    stream->OnCancel([this, id] { asio::post(house, [this, id] { logs.Unfollow(id); }); });
    return http::Response::Streaming(200, stream, "text/plain");
  }

  http::Response HandleBinding(http::Request& request, const RequestInfo& info) {
    auto body = DecodeBody(request);
    if (Failed(body)) return StatusResponse(ErrorOf(body));
    const auto* node = common::FindPath(ValueOf(body), {"target", "name"});
    if (node == nullptr || !node->is_string() || node->as_string().empty()) {
      return StatusResponse(Invalid("Binding", "", info.name, {{"FieldValueRequired", "Required value", "target.name"}}));
    }
    std::string node_name(node->as_string());
    auto pod_type = registry.Find("", "v1", "pods");
    auto result = store.Mutate(ApiServer::StoreResourceFor(*pod_type), info.namespace_name, info.name,
                               [&](const json::object& current) -> ApiResult<json::object> {
                                 const auto* bound = common::FindPath(current, {"spec", "nodeName"});
                                 if (bound != nullptr && bound->is_string() && !bound->as_string().empty()) {
                                   ApiStatus conflict = ConflictStale("pods", "", info.name);
                                   conflict.message = fmt::format("pod {} is already assigned to node \"{}\"",
                                                                  info.name, std::string(bound->as_string()));
                                   return conflict;
                                 }
                                 json::object next = current;
                                 auto& spec = next["spec"];
                                 if (!spec.is_object()) spec = json::object();
                                 spec.as_object()["nodeName"] = node_name;
                                 return next;
                               });
    if (Failed(result)) return StatusResponse(ErrorOf(result));
    json::object status{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}};
    return ObjectResponse(201, status);
  }

  http::Response HandleProxy(const http::Request& request, const RequestInfo& info) {
    std::function<http::Response(const ProxyRequest&)> proxy;
    {
      std::lock_guard lock(proxy_mutex);
      proxy = service_proxy;
    }
    if (!proxy || info.resource != "services") {
      return StatusResponse(
          ApiStatus{503, "ServiceUnavailable",
                    fmt::format("no endpoints available for service \"{}\"", info.name)});
    }
    ProxyRequest proxied{info.namespace_name, info.name, request.method, info.rest, request.body,
                         std::string(request.Header("Accept").value_or(""))};
    return proxy(proxied);
  }

  // ---------------------------------------------------------------- reviews

  http::Response HandleReview(http::Request& request, const ResourceType& type, const UserInfo& user) {
    auto body = DecodeBody(request);
    if (Failed(body)) return StatusResponse(ErrorOf(body));
    json::value document = std::move(ValueOf(body));
    ApiResult<json::object> result = json::object();
    if (type.resource == "tokenreviews") {
      result = HandleTokenReview(authenticator, document);
    } else if (type.resource == "selfsubjectreviews") {
      result = HandleSelfSubjectReview(user, document);
    } else if (type.resource == "selfsubjectaccessreviews") {
      result = HandleSelfSubjectAccessReview(authorizer, user, document);
    } else if (type.resource == "subjectaccessreviews") {
      result = HandleSubjectAccessReview(authorizer, document);
    } else {
      return StatusResponse(MethodNotSupported(type.resource, type.group, "create"));
    }
    if (Failed(result)) return StatusResponse(ErrorOf(result));
    return ObjectResponse(201, ValueOf(result));
  }

  std::mutex proxy_mutex;
  std::function<http::Response(const ProxyRequest&)> service_proxy;  // guarded by proxy_mutex
};

ApiServer::ApiServer(ApiServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

ApiServer::~ApiServer() {
  Stop();
  Wait();
}

common::Status ApiServer::Start() { return impl_->Start(); }
void ApiServer::Stop() { impl_->Stop(); }
void ApiServer::Wait() { impl_->Wait(); }
std::uint64_t ApiServer::request_count() const { return impl_->request_count.load(std::memory_order_relaxed); }

std::uint16_t ApiServer::port() const { return impl_->server ? impl_->server->port() : impl_->paused_port; }
std::string ApiServer::url() const { return impl_->url; }
const std::string& ApiServer::admin_token() const { return impl_->authenticator.admin_token(); }
const std::string& ApiServer::ca_pem() const { return impl_->ca.cert_pem; }

std::string ApiServer::KubeconfigYaml() const {
  auto rendered = RenderKubeconfig(impl_->KubeconfigOptionsFor(impl_->authenticator.admin_token()));
  return rendered ? *rendered : std::string();
}

std::string ApiServer::KubeconfigForToken(const std::string& token) const {
  auto options = impl_->KubeconfigOptionsFor(token);
  options.user_name = "kubesim-user";
  auto rendered = RenderKubeconfig(options);
  return rendered ? *rendered : std::string();
}

Store& ApiServer::store() { return impl_->store; }
Registry& ApiServer::registry() { return impl_->registry; }
LogBuffers& ApiServer::logs() { return impl_->logs; }
Authenticator& ApiServer::authenticator() { return impl_->authenticator; }
Authorizer& ApiServer::authorizer() { return impl_->authorizer; }

http::Response ApiServer::Serve(http::Request& request) { return impl_->HandleWithFaults(request); }

void ApiServer::SetServiceProxy(std::function<http::Response(const ProxyRequest&)> proxy) {
  std::lock_guard lock(impl_->proxy_mutex);
  impl_->service_proxy = std::move(proxy);
}

void ApiServer::SetFaults(FaultRules rules) { impl_->faults.SetRules(std::move(rules)); }
FaultRules ApiServer::faults() const { return impl_->faults.rules(); }
bool ApiServer::paused() const { return impl_->paused; }

void ApiServer::Pause() {
  Impl& impl = *impl_;
  if (impl.paused || !impl.server || !impl.listen_options) return;
  // The HTTP server is replaced on Resume; the Store, LogBuffers and tokens live in Impl.
  impl.paused_port = impl.server->port();
  impl.server->Stop();
  impl.server->Wait();
  impl.server.reset();  // the listening socket closes only with the Server object
  impl.paused = true;
}

common::Status ApiServer::Resume() {
  Impl& impl = *impl_;
  if (!impl.paused) return common::Status::Ok();
  http::ServerOptions options = *impl.listen_options;
  options.port = impl.paused_port;
  auto next = std::make_unique<http::Server>(std::move(options), std::make_shared<http::Router>());
  if (auto listening = next->Listen(); !listening) {
    return common::MakeError(listening.error().code, fmt::format("resuming kubesim on port {}: {}", impl.paused_port,
                                                                 listening.error().message));
  }
  next->Start();
  impl.server = std::move(next);
  impl.paused = false;
  return common::Status::Ok();
}

common::Status ApiServer::Restart() {
  Pause();
  return Resume();
}

common::Result<CertificateAndKey> ApiServer::IssueClientCertificate(const std::string& user,
                                                                    const std::vector<std::string>& groups) const {
  if (impl_->ca.key_pem.empty()) {
    return common::MakeError(common::ErrorCode::kUnavailable,
                             "kubesim issues client certificates only with TLS, after Start (there is no CA yet)");
  }
  if (user.empty()) return common::MakeError(common::ErrorCode::kInvalid, "a client certificate needs a user name (CN)");
  return kubesim::IssueClientCertificate(impl_->ca, user, groups);
}

std::string ApiServer::KubeconfigForClientCertificate(const CertificateAndKey& certificate,
                                                      const std::string& user_name) const {
  auto options = impl_->KubeconfigOptionsFor("");
  options.user_name = user_name;
  options.client_cert_pem = certificate.cert_pem;
  options.client_key_pem = certificate.key_pem;
  auto rendered = RenderKubeconfig(options);
  return rendered ? *rendered : std::string();
}

StoreResource ApiServer::StoreResourceFor(const ResourceType& type) {
  StoreResource resource;
  resource.group = type.group;
  resource.version = type.version;
  resource.resource = type.resource;
  resource.kind = type.kind;
  resource.namespaced = type.namespaced;
  resource.has_status_subresource = type.FindSubresource("status") != nullptr;
  if (type.group.empty() && type.resource == "pods") {
    resource.extra_field_selectors = {"spec.nodeName", "status.phase", "spec.restartPolicy", "spec.schedulerName",
                                      "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName"};
  } else if ((type.group.empty() || type.group == "events.k8s.io") && type.resource == "events") {
    resource.extra_field_selectors = {"involvedObject.kind",      "involvedObject.namespace", "involvedObject.name",
                                      "involvedObject.uid",       "involvedObject.apiVersion",
                                      "involvedObject.resourceVersion", "involvedObject.fieldPath",
                                      "reason",                   "reportingComponent",        "source",
                                      "type",                     "regarding.name",            "regarding.kind",
                                      "regarding.namespace"};
  } else if (type.group.empty() && type.resource == "secrets") {
    resource.extra_field_selectors = {"type"};
  } else if (type.group.empty() && type.resource == "namespaces") {
    resource.extra_field_selectors = {"status.phase"};
  } else if (type.group.empty() && type.resource == "nodes") {
    resource.extra_field_selectors = {"spec.unschedulable"};
  } else if (type.group == "apps" && type.resource == "replicasets") {
    resource.extra_field_selectors = {"status.replicas"};
  } else if (type.group == "batch" && type.resource == "jobs") {
    resource.extra_field_selectors = {"status.successful"};
  }
  return resource;
}

ApiResult<ObjectPtr> ApiServer::CreateObject(json::object object) {
  std::string api_version(common::GetString(object, "apiVersion").value_or(""));
  std::string kind(common::GetString(object, "kind").value_or(""));
  std::string group;
  std::string version = api_version;
  if (auto slash = api_version.find('/'); slash != std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  auto type = impl_->registry.FindByKind(group, version, kind);
  if (!type) {
    return BadRequest(fmt::format("no resource serves kind \"{}\" in \"{}\": create its CustomResourceDefinition first",
                                  kind, api_version));
  }
  std::string ns(MetaString(object, "namespace"));
  http::Headers warnings;
  return impl_->CreateTyped(*type, ns, std::move(object), false, "kubesim", nullptr, warnings);
}

}  // namespace airunway::kubesim
