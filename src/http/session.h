// Internal to src/http: the per-connection HTTP/1.1 session, written once as a template over
// the stream type so that the same code serves plain TCP, TLS, and Beast's in-memory test
// streams (session_test.cc drives it through a stream that fails at every step).
//
// Include only from server.cc and tests: it pulls in Beast.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "common/logging.h"
#include "http/middleware.h"
#include "http/server.h"

namespace airunway::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Shared by every session of one server.
struct SessionContext {
  const ServerOptions* options = nullptr;
  const Router* router = nullptr;
  std::atomic<std::size_t>* in_flight = nullptr;
  std::atomic<bool>* stopping = nullptr;
};

// Per-connection state the owning server uses during shutdown.
struct SessionControl {
  std::atomic<bool> busy{false};  // a request has been read and is not yet answered; written on the strand
  bool alive = true;              // the stream object exists; read and written on the strand only

  void SetStream(std::shared_ptr<BodyStream> stream) {
    std::lock_guard lock(mutex_);
    stream_ = std::move(stream);
  }
  // Ends an open stream cleanly (the server is shutting down).
  void EndStream() {
    std::shared_ptr<BodyStream> stream;
    {
      std::lock_guard lock(mutex_);
      stream = stream_;
    }
    if (stream) stream->Shutdown();
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<BodyStream> stream_;  // guarded by mutex_
};

// Closes the transport under `stream` so that pending operations complete with an error.
template <typename Stream>
void AbortStream(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (requires { lowest.socket(); }) {
    boost::system::error_code ignored;
    lowest.socket().shutdown(asio::socket_base::shutdown_both, ignored);
    lowest.socket().close(ignored);
  } else if constexpr (requires { lowest.close_remote(); }) {
    lowest.close_remote();
    lowest.close();
  }
}

// Closes an idle connection for the server's shutdown, which posts this to the session's
// strand from its own thread. Idleness is judged here, on the strand, and not only where this
// was posted: a request read in between is answered in full (then the connection closes, as
// the server is stopping) instead of being cut off mid-response — which clients report as a
// truncated transfer.
template <typename Stream>
void CloseIfIdle(Stream& stream, const SessionControl& control) {
  if (control.alive && !control.busy.load()) AbortStream(stream);
}

// Makes pending reads on `stream` complete (with operation_aborted) without closing the
// transport, so that the connection can still be closed cleanly (TLS close_notify, FIN).
// Streams without a way to cancel are closed instead.
template <typename Stream>
void CancelReads(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  if constexpr (requires { lowest.cancel(); }) {
    lowest.cancel();
  } else {
    AbortStream(stream);
  }
}

// Runs the pipeline for one parsed request: hooks, routing, handler, error rendering.
asio::awaitable<Response> HandleRequest(const SessionContext& ctx, Request& request);
// The after-hooks and X-Request-Id, for responses built outside HandleRequest.
void FinishResponse(const SessionContext& ctx, const Request& request, Response& response);

// Writes one access-log line.
void LogAccess(const Request& request, const Response& response, std::size_t bytes,
               std::chrono::steady_clock::duration elapsed);

template <typename Stream>
void SetTimeout(Stream& stream, std::chrono::milliseconds timeout) {
  if constexpr (requires { beast::get_lowest_layer(stream).expires_after(timeout); }) {
    beast::get_lowest_layer(stream).expires_after(timeout);
  }
}

template <typename Stream>
void ClearTimeout(Stream& stream) {
  if constexpr (requires { beast::get_lowest_layer(stream).expires_never(); }) {
    beast::get_lowest_layer(stream).expires_never();
  }
}

inline Request ToRequest(bhttp::request<bhttp::string_body>&& message) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.version = message.version();
  for (const auto& field : message) {
    request.headers.Add(field.name_string(), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

// Appends `value` without CR or LF, so that no header can ever split the message.
inline void AppendHeaderText(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

// Serialises a complete (non-streamed) response into its wire bytes in one buffer: one
// allocation and one write per response, instead of a node per header field.
inline std::string SerializeResponse(const Request& request, Response& response, bool keep_alive) {
  std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  bool head = request.method == "HEAD";
  bool has_body = response.status >= 200 && response.status != 204 && response.status != 304;
  std::string wire;
  wire.reserve(256 + response.body.size());
  wire += request.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  wire += std::to_string(response.status);
  wire += ' ';
  wire += reason;
  wire += "\r\n";
  for (const auto& [name, value] : response.headers.fields()) {
    AppendHeaderText(wire, name);
    wire += ": ";
    AppendHeaderText(wire, value);
    wire += "\r\n";
  }
  if (has_body) {
    wire += "Content-Length: ";
    wire += std::to_string(response.body.size());
    wire += "\r\n";
  }
  if (!keep_alive) {
    wire += "Connection: close\r\n";
  } else if (request.version == 10) {
    wire += "Connection: keep-alive\r\n";
  }
  wire += "\r\n";
  if (has_body && !head) wire += response.body;
  return wire;
}

// Streams `response.stream` as a chunked body. The connection is closed afterwards: when the
// body ended properly (the producer closed it, or the server is shutting down) the transport is
// left open for the session to close cleanly — TLS close_notify, then FIN — so that clients
// see a complete transfer; when the client went away or a write failed, it is aborted.
template <typename Stream>
asio::awaitable<std::size_t> WriteStreamed(Stream& stream, const Request& request, Response& response,
                                           SessionControl& control) {
  auto body = response.stream;
  bhttp::response<bhttp::empty_body> header{static_cast<bhttp::status>(response.status), request.version};
  for (const auto& [name, value] : response.headers.fields()) header.insert(name, value);
  header.chunked(true);
  header.keep_alive(false);
  header.set(bhttp::field::cache_control, header[bhttp::field::cache_control].empty()
                                              ? "no-cache"
                                              : std::string(header[bhttp::field::cache_control]));
  bhttp::response_serializer<bhttp::empty_body> serializer{header};
  std::size_t bytes = 0;
  auto executor = co_await asio::this_coro::executor;
  control.SetStream(body);

  // A reader on the same strand notices the client going away while we wait for data to
  // send. It must finish before this frame (and `stream`) goes away: see the end.
  // `stop_reading` covers a read that completed just before CancelReads: the reader must not
  // start another one.
  bool reader_done = false;
  bool stop_reading = false;
  asio::steady_timer reader_finished(executor, asio::steady_timer::time_point::max());
  asio::co_spawn(
      executor,
      [&stream, body, &reader_done, &stop_reading, &reader_finished]() -> asio::awaitable<void> {
        char scratch[512];
        for (;;) {
          auto [read_ec, n] =
              co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
          if (read_ec || stop_reading) break;
        }
        reader_done = true;
        reader_finished.cancel();
        body->Cancel();
      },
      asio::detached);

  ClearTimeout(stream);
  auto [ec, n] = co_await bhttp::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
  bytes += n;
  asio::steady_timer wake(executor);
  bool complete = false;  // the last chunk went out
  while (!ec) {
    bool closed = false;
    std::string chunk = body->Take(closed);
    if (body->Cancelled() && chunk.empty() && !closed) break;  // the client went away
    if (!chunk.empty()) {
      auto [write_ec, written] = co_await asio::async_write(
          stream, bhttp::make_chunk(asio::buffer(chunk)), asio::as_tuple(asio::use_awaitable));
      ec = write_ec;
      bytes += written;
      continue;
    }
    if (closed) {
      auto [last_ec, written] = co_await asio::async_write(stream, bhttp::make_chunk_last(),
                                                           asio::as_tuple(asio::use_awaitable));
      ec = last_ec;
      bytes += written;
      complete = !last_ec;
      break;
    }
    wake.expires_at(asio::steady_timer::time_point::max());
    // The waker runs on a producer thread: hop onto our strand before touching the timer.
    bool armed = body->SetWaker([&wake, executor, body] {
      asio::post(executor, [&wake, body] { wake.cancel(); });
    });
    if (armed) co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  body->Cancel();
  control.SetStream(nullptr);
  stop_reading = true;
  if (complete) {
    CancelReads(stream);
  } else {
    AbortStream(stream);
  }
  while (!reader_done) {
    co_await reader_finished.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return bytes;
}

// After refusing a body, reads and discards what the client is still sending (briefly and up
// to a bound) so that it can finish its write and read our answer instead of seeing a reset.
template <typename Stream>
asio::awaitable<void> DrainBeforeClose(Stream& stream) {
  constexpr std::size_t kMaxDrain = 16 * 1024 * 1024;
  char scratch[16 * 1024];
  std::size_t drained = 0;
  SetTimeout(stream, std::chrono::milliseconds(1000));
  while (drained < kMaxDrain) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    drained += n;
  }
}

// The session loop: read a request, handle it, write the response, until the peer closes,
// an error occurs, keep-alive ends, or the server stops.
template <typename Stream>
asio::awaitable<void> RunSession(Stream& stream, const SessionContext& ctx, SessionControl& control,
                                 std::string remote_address,
                                 std::optional<ClientCertificate> client_certificate) {
  const ServerOptions& options = *ctx.options;
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    if (ctx.stopping->load()) break;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.body_limit(options.body_limit);
    SetTimeout(stream, first ? options.read_timeout : options.idle_timeout);
    first = false;
    auto [header_ec, header_bytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    // A Content-Length over the limit is refused while parsing the header.
    bool declared_too_large = header_ec == bhttp::error::body_limit;
    if (header_ec && !declared_too_large) {
      if (header_ec == bhttp::error::header_limit) {
        Request request;
        request.method = "GET";
        request.target = "/";
        Response response = RenderError(options, request, common::MakeError(
            common::ErrorCode::kBadRequest, "the request headers are too large", "HeadersTooLarge"));
        response.status = 431;
        std::string wire = SerializeResponse(request, response, false);
        SetTimeout(stream, options.read_timeout);
        co_await asio::async_write(stream, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
      }
      break;  // closed, timed out, or garbage: drop the connection
    }
    control.busy.store(true);
    auto started = std::chrono::steady_clock::now();
    const auto& header = parser.get();
    Request request;
    bool keep_alive = header.keep_alive();
    bool too_large = declared_too_large;
    bool bad_body = false;
    if (too_large || (parser.content_length() && *parser.content_length() > options.body_limit)) {
      too_large = true;
    } else if (!parser.is_done()) {
      if (bhttp::token_list(header[bhttp::field::expect]).exists("100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, header.version()};
        co_await bhttp::async_write(stream, go_on, asio::as_tuple(asio::use_awaitable));
      }
      SetTimeout(stream, options.read_timeout);
      auto [body_ec, body_bytes] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (body_ec == bhttp::error::body_limit) {
        too_large = true;
      } else if (body_ec) {
        bad_body = true;
      }
    }
    if (bad_body) {
      control.busy.store(false);
      break;  // the client went away or timed out mid-body
    }
    Response response;
    if (too_large) {
      request.method = std::string(header.method_string());
      request.target = std::string(header.target());
      request.version = header.version();
      if (!ParseTarget(request)) request.path = "/";
      request.remote_address = remote_address;
      auto client_id = header.find("X-Request-Id");
      request.request_id = ChooseRequestId(
          client_id == header.end() ? std::nullopt : std::optional<std::string_view>(client_id->value()));
      response = RenderError(options, request, common::MakeError(
          common::ErrorCode::kPayloadTooLarge,
          fmt::format("the request body is larger than the limit of {} bytes; send a smaller body",
                      options.body_limit),
          "RequestEntityTooLarge"));
      FinishResponse(ctx, request, response);
      keep_alive = false;  // the rest of the body is still on the wire
    } else {
      request = ToRequest(parser.release());
      request.remote_address = remote_address;
      request.client_certificate = client_certificate;
      ctx.in_flight->fetch_add(1);
      response = co_await HandleRequest(ctx, request);
      ctx.in_flight->fetch_sub(1);
    }
    if (ctx.stopping->load()) keep_alive = false;

    std::size_t bytes = 0;
    if (response.stream && request.method != "HEAD") {
      bytes = co_await WriteStreamed(stream, request, response, control);
      if (options.access_log) LogAccess(request, response, bytes, std::chrono::steady_clock::now() - started);
      control.busy.store(false);
      break;
    }
    response.stream.reset();
    std::string wire = SerializeResponse(request, response, keep_alive);
    SetTimeout(stream, options.read_timeout);
    auto [write_ec, written] = co_await asio::async_write(stream, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
    bytes = written;
    if (options.access_log) LogAccess(request, response, bytes, std::chrono::steady_clock::now() - started);
    control.busy.store(false);
    if (too_large && !write_ec) co_await DrainBeforeClose(stream);
    if (write_ec || !keep_alive) break;
  }
}

}  // namespace airunway::http::detail
