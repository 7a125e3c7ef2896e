// A small blocking HTTP/1.1 client for integration tests: real sockets to 127.0.0.1, one
// connection per client object (so keep-alive can be observed), raw-bytes sends for
// malformed or slow requests.
//
// Thread-safety: one thread per client object.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace airunway::testing {

struct HttpResult {
  int status = 0;  // 0 when the exchange failed (refused, reset, timeout)
  std::string error;
  std::map<std::string, std::string> headers;  // lower-case names; repeated names joined by ", "
  std::string body;
  bool keep_alive = false;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();

  HttpResult Request(const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers = {},
                     const std::string& body = {});
  HttpResult Get(const std::string& target) { return Request("GET", target); }

  // Connects (if needed) and writes raw bytes; returns false if that fails.
  bool SendRaw(const std::string& bytes);
  // Reads one response after SendRaw.
  HttpResult ReadResponse();
  // The local port of the current connection (to tell connections apart), or 0.
  int LocalPort() const;
  bool Connect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace airunway::testing
