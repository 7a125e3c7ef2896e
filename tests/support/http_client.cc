#include "tests/support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace airunway::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct HttpClient::Impl {
  int port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(int port, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

bool HttpClient::Connect() {
  if (impl_->stream && impl_->stream->socket().is_open()) return true;
  impl_->stream.emplace(impl_->io);
  impl_->buffer.clear();
  boost::system::error_code ec;
  impl_->stream->socket().connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(impl_->port)), ec);
  if (ec) {
    impl_->stream.reset();
    return false;
  }
  return true;
}

int HttpClient::LocalPort() const {
  if (!impl_->stream) return 0;
  boost::system::error_code ec;
  auto endpoint = impl_->stream->socket().local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

bool HttpClient::SendRaw(const std::string& bytes) {
  if (!Connect()) return false;
  boost::system::error_code ec;
  asio::write(impl_->stream->socket(), asio::buffer(bytes), ec);
  return !ec;
}

HttpResult HttpClient::ReadResponse() {
  HttpResult result;
  if (!impl_->stream) {
    result.error = "not connected";
    return result;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  boost::system::error_code ec;
  // A blocking read with a deadline: run the async read on our private io_context.
  impl_->stream->expires_after(impl_->timeout);
  bhttp::async_read(*impl_->stream, impl_->buffer, parser, [&](boost::system::error_code e, std::size_t) { ec = e; });
  impl_->io.restart();
  impl_->io.run();
  if (ec) {
    result.error = ec.message();
    impl_->stream.reset();
    return result;
  }
  auto message = parser.release();
  result.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto& slot = result.headers[name];
    if (!slot.empty()) slot += ", ";
    slot += std::string(field.value());
  }
  result.body = std::move(message.body());
  result.keep_alive = message.keep_alive();
  if (!result.keep_alive) impl_->stream.reset();
  return result;
}

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) {
  std::string wire = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(impl_->port) + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    wire += name + ": " + value + "\r\n";
    if (name == "Content-Length" || name == "Transfer-Encoding") has_length = true;
  }
  if (!has_length && (!body.empty() || method == "POST" || method == "PUT")) {
    wire += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  wire += "\r\n" + body;
  if (!SendRaw(wire)) {
    HttpResult refused;
    refused.error = "connection refused";
    return refused;
  }
  return ReadResponse();
}

}  // namespace airunway::testing
