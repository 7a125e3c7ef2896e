// minimal_beast_server: the baseline the HTTP core is measured against.
//
// The smallest server we would still call reasonable: Boost.Beast HTTP/1.1 with keep-alive,
// one coroutine per connection on its own strand, a timeout on every read, a bounded request
// size, and one io_context run by `--threads` threads — the same architecture as
// airunway's http::Server, minus routing, middleware, logging and error rendering. So the
// ratio airunway/minimal prices exactly what those layers cost.
//
// It answers GET /api/health with {"status":"healthy","timestamp":"<ISO 8601, ms, Z>"}, the
// same shape and size as airunway's, and 404 for anything else.
//
// Thread-safety: sessions share nothing; each lives on its own strand.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <csignal>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <fmt/core.h>

namespace airunway::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kReadTimeout = std::chrono::seconds(30);
constexpr std::uint64_t kBodyLimit = 64 * 1024;

// "2026-01-01T00:00:00.000Z", like JavaScript's toISOString().
std::string IsoTimestampMillis() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds).count();
  const std::time_t time = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&time, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                     utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
}

http::response<http::string_body> Handle(const http::request<http::string_body>& request) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  response.set(http::field::content_type, "application/json");
  if (request.target() == "/api/health" && request.method() == http::verb::get) {
    response.result(http::status::ok);
    response.body() = fmt::format(R"({{"status":"healthy","timestamp":"{}"}})", IsoTimestampMillis());
  } else {
    response.result(http::status::not_found);
    response.body() = R"({"error":{"message":"Route not found","statusCode":404}})";
  }
  response.prepare_payload();
  return response;
}

asio::awaitable<void> Session(beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  boost::system::error_code error;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    stream.expires_after(kReadTimeout);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      break;  // end of stream, timeout, or a malformed request: close either way
    }
    http::response<http::string_body> response = Handle(parser.get());
    const bool keep_alive = response.keep_alive();
    stream.expires_never();
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, error));
    if (error || !keep_alive) {
      break;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, error);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor) {
  boost::system::error_code error;
  while (acceptor.is_open()) {
    // A strand per connection: tcp_stream's timer and the session's I/O must not run at once.
    tcp::socket socket = co_await acceptor.async_accept(
        asio::make_strand(acceptor.get_executor()), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (error == asio::error::operation_aborted) {
        break;
      }
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    socket.set_option(tcp::no_delay(true), error);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Session(beast::tcp_stream(std::move(socket))), asio::detached);
  }
}

int Main(int argc, char** argv) {
  CLI::App app{"Minimal Boost.Beast HTTP/1.1 server: the baseline for bench/run_http_bench.sh"};
  std::uint16_t port = 0;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  app.add_option("--port", port, "Port on 127.0.0.1 (0 picks a free one)")->capture_default_str();
  app.add_option("--threads", threads, "Threads running the io_context")
      ->capture_default_str()->check(CLI::Range(1U, 256U));
  CLI11_PARSE(app, argc, argv);

  asio::io_context io(static_cast<int>(threads));
  tcp::acceptor acceptor(io);
  boost::system::error_code error;
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) {
    acceptor.set_option(asio::socket_base::reuse_address(true), error);
  }
  if (!error) {
    acceptor.bind(endpoint, error);
  }
  if (!error) {
    acceptor.listen(asio::socket_base::max_listen_connections, error);
  }
  if (error) {
    fmt::print(stderr, "minimal_beast_server: cannot listen on 127.0.0.1:{}: {}\n", port, error.message());
    return 1;
  }
  fmt::print("listening on 127.0.0.1:{}\n", acceptor.local_endpoint().port());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  // Stopping the io_context is enough: a benchmark baseline has no requests worth draining.
  signals.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });
  asio::co_spawn(io, Accept(acceptor), asio::detached);

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) {
    pool.emplace_back([&io] { io.run(); });
  }
  io.run();
  for (std::thread& thread : pool) {
    thread.join();
  }
  return 0;
}

}  // namespace
}  // namespace airunway::bench

int main(int argc, char** argv) { return airunway::bench::Main(argc, argv); }
