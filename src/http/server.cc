#include "http/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/x509.h>

#include <cmath>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>

#include "common/time.h"
#include "http/session.h"

namespace airunway::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

Response RenderError(const ServerOptions& options, const Request& request, const common::Error& error) {
  if (options.error_renderer) return options.error_renderer(request, error);
  return Response::Error(error);
}

namespace detail {

void FinishResponse(const SessionContext& ctx, const Request& request, Response& response) {
  for (const auto& hook : ctx.options->after) hook(request, response);
  response.headers.Set("X-Request-Id", request.request_id);
  if (!response.headers.Has("Server")) response.headers.Set("Server", ctx.options->server_name);
}

asio::awaitable<Response> HandleRequest(const SessionContext& ctx, Request& request) {
  const ServerOptions& options = *ctx.options;
  request.request_id = ChooseRequestId(request.Header("X-Request-Id"));
  Response response;
  auto fail = [&](common::Error error) { return RenderError(options, request, error); };
  try {
    if (auto parsed = ParseTarget(request); !parsed) {
      response = fail(parsed.error());
    } else {
      std::optional<Response> early;
      for (const auto& hook : options.before) {
        early = hook(request);
        if (early) break;
      }
      if (early) {
        response = std::move(*early);
      } else {
        auto match = ctx.router->Find(request.method, request.raw_path);
        if (match.route != nullptr) {
          request.params = std::move(match.params);
          if (const auto* handler = std::get_if<Handler>(&match.route->handler)) {
            response = (*handler)(request);
          } else {
            response = co_await std::get<AsyncHandler>(match.route->handler)(request);
          }
        } else if (match.path_matched) {
          std::string allow;
          for (const auto& method : match.allowed_methods) {
            if (!allow.empty()) allow += ", ";
            allow += method;
          }
          response = fail(common::MakeError(
              common::ErrorCode::kMethodNotAllowed,
              fmt::format("{} is not allowed on {}; allowed: {}", request.method, request.path, allow),
              "MethodNotAllowed"));
          response.headers.Set("Allow", allow);
        } else if (options.not_found) {
          response = options.not_found(request);
        } else {
          response = fail(common::MakeError(common::ErrorCode::kNotFound,
                                            fmt::format("Route not found: {} {}", request.method, request.path),
                                            "RouteNotFound"));
        }
      }
    }
  } catch (const std::exception& e) {
    common::LogError("handler failed", {{"requestId", request.request_id}, {"path", request.path}, {"error", e.what()}});
    response = fail(common::MakeError(common::ErrorCode::kInternal,
                                      "Internal Server Error: the failure was logged with request id " +
                                          request.request_id,
                                      "InternalError"));
  }
  FinishResponse(ctx, request, response);
  co_return response;
}

void LogAccess(const Request& request, const Response& response, std::size_t bytes,
               std::chrono::steady_clock::duration elapsed) {
  if (!common::LogEnabled(common::LogLevel::kInfo)) return;
  // Formatted by hand: this runs once per request. The path only (query strings may carry
  // tokens); headers are never logged.
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  std::string line;
  line.reserve(256);
  line += R"({"time":")";
  line += common::FormatRfc3339Millis(std::chrono::system_clock::now());
  line += R"(","level":"info","msg":"request","method":)";
  common::AppendJsonString(line, request.method);
  line += R"(,"path":)";
  common::AppendJsonString(line, request.path);
  fmt::format_to(std::back_inserter(line), R"(,"status":{},"durationUs":{},"bytes":{},"requestId":)", response.status,
                 micros, bytes);
  common::AppendJsonString(line, request.request_id);
  line += R"(,"remote":)";
  common::AppendJsonString(line, request.remote_address);
  line += '}';
  common::LogJsonLine(common::LogLevel::kInfo, line);
}

}  // namespace detail

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  asio::io_context io;
  // The acceptor lives on its own strand: the accept loop and Shutdown's close must not run
  // at once on two I/O threads.
  asio::strand<asio::io_context::executor_type> accept_strand{io.get_executor()};
  tcp::acceptor acceptor{accept_strand};
  std::optional<asio::ssl::context> tls;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  detail::SessionContext ctx;

  std::mutex mutex;
  std::condition_variable stopped_cv;
  std::list<std::shared_ptr<detail::SessionControl>> sessions;  // guarded by mutex
  std::list<std::function<void()>> closers;               // guarded by mutex; parallel to sessions
  std::vector<std::thread> threads;  // Start()ed runner
  std::thread shutdown_thread;
  std::uint16_t bound_port = 0;

  Impl(ServerOptions o, std::shared_ptr<const Router> r) : options(std::move(o)), router(std::move(r)) {
    ctx.options = &options;
    ctx.router = router.get();
    ctx.in_flight = &in_flight;
    ctx.stopping = &stopping;
  }

  common::Status SetUpTls() {
    if (!options.tls) return common::Status::Ok();
    try {
      tls.emplace(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
      tls->use_certificate_chain(asio::buffer(options.tls->certificate_chain_pem));
      tls->use_private_key(asio::buffer(options.tls->private_key_pem), asio::ssl::context::pem);
      if (!options.tls->client_ca_pem.empty()) {
        tls->add_certificate_authority(asio::buffer(options.tls->client_ca_pem));
        // Ask for a client certificate, but accept clients without one (bearer tokens).
        tls->set_verify_mode(asio::ssl::verify_peer);
        BIO* bio = BIO_new_mem_buf(options.tls->client_ca_pem.data(), static_cast<int>(options.tls->client_ca_pem.size()));
        X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
        BIO_free(bio);
        if (ca != nullptr) {
          STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
          sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca)));
          SSL_CTX_set_client_CA_list(tls->native_handle(), names);
          X509_free(ca);
        }
      }
    } catch (const std::exception& e) {
      return common::MakeError(common::ErrorCode::kInvalid,
                               std::string("cannot use the TLS certificate or key: ") + e.what(), "BadTls");
    }
    return common::Status::Ok();
  }

  static std::optional<ClientCertificate> PeerCertificate(SSL* ssl) {
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (cert == nullptr) return std::nullopt;
    std::optional<ClientCertificate> identity;
    if (SSL_get_verify_result(ssl) == X509_V_OK) {
      identity.emplace();
      X509_NAME* subject = X509_get_subject_name(cert);
      for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
        X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
        unsigned char* utf8 = nullptr;
        int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
        if (len < 0) continue;
        std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
        OPENSSL_free(utf8);
        if (nid == NID_commonName) identity->common_name = value;
        if (nid == NID_organizationName) identity->organizations.push_back(value);
      }
    }
    X509_free(cert);
    return identity;
  }

  // Registers a session so that shutdown can reach it.
  std::list<std::shared_ptr<detail::SessionControl>>::iterator Register(
      std::shared_ptr<detail::SessionControl> control, std::function<void()> closer) {
    std::lock_guard lock(mutex);
    closers.push_back(std::move(closer));
    sessions.push_back(std::move(control));
    return std::prev(sessions.end());
  }

  void Deregister(std::list<std::shared_ptr<detail::SessionControl>>::iterator it) {
    std::lock_guard lock(mutex);
    auto closer = closers.begin();
    std::advance(closer, std::distance(sessions.begin(), it));
    closers.erase(closer);
    sessions.erase(it);
    if (sessions.empty()) stopped_cv.notify_all();
  }

  // A closer for `stream`: posted to the session's strand; a no-op once the session ended or
  // when a request arrived after Shutdown saw the session idle (CloseIfIdle).
  template <typename Stream>
  static std::function<void()> MakeCloser(Stream& stream, std::shared_ptr<detail::SessionControl> control,
                                          asio::any_io_executor executor) {
    return [&stream, control, executor] {
      asio::post(executor, [&stream, control] { detail::CloseIfIdle(stream, *control); });
    };
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    std::string remote;
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    if (!ec) remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    auto control = std::make_shared<detail::SessionControl>();
    asio::any_io_executor executor = socket.get_executor();
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      auto handle = Register(control, MakeCloser(stream, control, executor));
      co_await detail::RunSession(stream, ctx, *control, remote, std::nullopt);
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      control->alive = false;
      Deregister(handle);
    } else {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
      auto handle = Register(control, MakeCloser(stream, control, executor));
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                     asio::as_tuple(asio::use_awaitable));
      if (!hs_ec) {
        auto identity = PeerCertificate(stream.native_handle());
        co_await detail::RunSession(stream, ctx, *control, remote, identity);
        if (beast::get_lowest_layer(stream).socket().is_open()) {
          beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
          co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
        }
      }
      control->alive = false;
      Deregister(handle);
    }
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, Session(std::move(socket)), [](std::exception_ptr error) {
        if (!error) return;
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          common::LogError("connection failed", {{"error", e.what()}});
        }
      });
    }
  }

  // Stops accepting, then repeatedly closes idle connections and ends streams until every
  // session has finished or the grace period is over; then stops the I/O threads.
  void Shutdown() {
    asio::post(accept_strand, [this] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
    });
    auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
    std::unique_lock lock(mutex);
    while (!sessions.empty() && std::chrono::steady_clock::now() < deadline) {
      auto closer = closers.begin();
      for (auto& session : sessions) {
        session->EndStream();
        if (!session->busy.load()) (*closer)();
        ++closer;
      }
      stopped_cv.wait_for(lock, std::chrono::milliseconds(20));
    }
    lock.unlock();
    io.stop();
  }
};

Server::Server(ServerOptions options, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {
  if (impl_->options.threads == 0) {
    impl_->options.threads = std::max(1u, std::thread::hardware_concurrency());
  }
}

Server::~Server() {
  Stop();
  Wait();
  if (impl_->shutdown_thread.joinable()) impl_->shutdown_thread.join();
}

common::Status Server::Listen() {
  if (auto tls = impl_->SetUpTls(); !tls) return tls;
  const auto& options = impl_->options;
  std::string where = fmt::format("{}:{}", options.host, options.port);
  boost::system::error_code ec;
  tcp::resolver resolver(impl_->io);
  auto results = resolver.resolve(options.host, std::to_string(options.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return common::MakeError(common::ErrorCode::kInvalid,
                             fmt::format("cannot listen on {}: the host does not resolve ({})", where, ec.message()),
                             "BadListenAddress");
  }
  tcp::endpoint endpoint = results.begin()->endpoint();
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return common::MakeError(common::ErrorCode::kUnavailable,
                             fmt::format("cannot listen on {}: {}", where, ec.message()), "ListenFailed");
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->accept_strand, impl_->AcceptLoop(), asio::detached);
  return common::Status::Ok();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::Run() {
  auto work = asio::make_work_guard(impl_->io);
  std::vector<std::thread> extra;
  for (unsigned i = 1; i < impl_->options.threads; ++i) {
    extra.emplace_back([this] { impl_->io.run(); });
  }
  impl_->io.run();
  for (auto& thread : extra) thread.join();
}

void Server::Start() {
  impl_->threads.emplace_back([this] { Run(); });
}

void Server::Stop() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopping.exchange(true)) return;
  impl_->shutdown_thread = std::thread([impl = impl_.get()] { impl->Shutdown(); });
}

void Server::Wait() {
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  impl_->threads.clear();
}

std::size_t Server::InFlight() const { return impl_->in_flight.load(); }

}  // namespace airunway::http
