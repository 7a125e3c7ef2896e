// Server: the HTTP/1.1 server every AI Runway component serves through (the REST API and UI,
// the controller's health and metrics port, and kubesim's simulated API server).
//
// Boost.Beast over Asio with C++20 coroutines: one io_context, `threads` threads running it,
// one coroutine per connection on its own strand. Keep-alive; a timeout on every read; header
// and body limits; plain TCP or TLS (with optional client certificates). Streaming responses
// (Response::stream) are written chunk by chunk without holding a thread.
//
// The request pipeline, in order: request id -> before-hooks (e.g. CORS preflight, auth) ->
// router (405 with Allow, 404) -> handler -> after-hooks (CORS, security headers, gzip) ->
// access log line. Every failure is rendered by `error_renderer` (AI Runway's JSON envelope
// by default; kubesim renders Kubernetes Status objects).
//
// Graceful shutdown (Stop): stop accepting at once (new connections are refused), let
// in-flight requests finish up to `shutdown_grace`, open streams are ended cleanly (last chunk,
// then TLS close_notify), then Run returns.
//
// Thread-safety: Listen/Run/Stop may be called from different threads; Stop is safe from a
// signal-handling thread. Handlers run on I/O threads and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "http/router.h"

namespace airunway::http {

struct TlsOptions {
  std::string certificate_chain_pem;
  std::string private_key_pem;
  // When set, clients may present a certificate signed by this CA; it is verified and its
  // subject lands in Request::client_certificate. Clients without one are still accepted.
  std::string client_ca_pem;
};

// Runs before routing. Returning a Response short-circuits the request (CORS preflight, 401).
using BeforeHook = std::function<std::optional<Response>(Request&)>;
// Runs on every response, including errors, before it is written.
using AfterHook = std::function<void(const Request&, Response&)>;
using ErrorRenderer = std::function<Response(const Request&, const common::Error&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 picks a free port
  unsigned threads = 0;    // 0 = one per core
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds read_timeout{30'000};   // per read (headers and body)
  std::chrono::milliseconds idle_timeout{75'000};   // keep-alive idle
  std::chrono::milliseconds shutdown_grace{10'000};
  std::optional<TlsOptions> tls;
  bool access_log = true;
  std::string server_name = "airunway";
  std::vector<BeforeHook> before;
  std::vector<AfterHook> after;
  ErrorRenderer error_renderer;  // empty: Response::Error
  // Renders a 404 for paths no route matched (e.g. SPA fallback). Empty: "Route not found".
  std::function<Response(Request&)> not_found;
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const Router> router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Errors name the address and the cause ("address already in use").
  common::Status Listen();
  // The bound port (after Listen).
  std::uint16_t port() const;
  // Runs the I/O threads until Stop() completes the shutdown. Blocks.
  void Run();
  // Starts Run's threads in the background and returns (tests, in-process simulators).
  void Start();
  // Graceful stop, see the file comment. Idempotent; returns at once. Join with Wait().
  void Stop();
  // Waits until a Start()ed server has fully stopped.
  void Wait();

  // Requests currently being handled (not counting idle keep-alive connections).
  std::size_t InFlight() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Builds the response an error gets under `options` (used by hooks and handlers that need
// to render an error exactly as the server would).
Response RenderError(const ServerOptions& options, const Request& request, const common::Error& error);

}  // namespace airunway::http
