// Request and Response: the HTTP messages handlers see, independent of Beast so that API
// code does not pull Beast into its translation units.
//
// A Response either carries its whole body in `body`, or a BodyStream (`stream`) whose chunks
// the server writes with chunked transfer encoding as they are produced (watch streams, log
// follow). Streams never hold a thread: the producer writes from wherever its data comes from
// and the connection's coroutine is woken to send it.
//
// Thread-safety: Request/Response are plain values owned by one connection. BodyStream is
// fully thread-safe: producers may Write/Close from any thread.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/result.h"

namespace airunway::http {

// An ordered list of header fields with case-insensitive lookup.
class Headers {
 public:
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Replaces every field named `name` with one field.
  void Set(std::string_view name, std::string value);
  // Appends a field (for repeated headers such as Vary or Set-Cookie).
  void Add(std::string_view name, std::string value);
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Identity of a TLS client that presented a certificate our CA signed.
struct ClientCertificate {
  std::string common_name;
  std::vector<std::string> organizations;
};

struct Request {
  std::string method;       // upper case: "GET"
  std::string target;       // as received: "/api/x%2Fy?q=1"
  std::string raw_path;     // target without the query, still percent-encoded
  std::string path;         // percent-decoded path
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  int version = 11;  // 10 or 11

  // Filled by the server and router.
  std::vector<std::pair<std::string, std::string>> params;  // path parameters, decoded
  std::string request_id;
  std::string remote_address;
  std::optional<ClientCertificate> client_certificate;

  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
  // The first value of a query parameter.
  std::optional<std::string_view> Query(std::string_view name) const;
  // How many times a query parameter occurs.
  std::size_t QueryCount(std::string_view name) const;
  // A path parameter ("" when absent).
  std::string_view Param(std::string_view name) const;
};

// A chunked response body produced incrementally. See the file comment.
class BodyStream {
 public:
  // Most bytes queued but not yet sent before the stream is cancelled as too slow.
  static constexpr std::size_t kDefaultMaxBuffered = 16 * 1024 * 1024;

  explicit BodyStream(std::size_t max_buffered = kDefaultMaxBuffered);
  BodyStream(const BodyStream&) = delete;
  BodyStream& operator=(const BodyStream&) = delete;

  // Producer side. Write returns false (and drops the data) once the stream is closed or
  // cancelled; producers should then stop.
  bool Write(std::string chunk);
  void Close();
  bool Cancelled() const;
  // Runs `callback` once when the consumer goes away (client disconnect, server shutdown, or
  // too much unsent data). Runs immediately if that already happened. Keep it short.
  void OnCancel(std::function<void()> callback);

  // Consumer side (the server). Takes what is queued; `closed` is set when the producer has
  // closed and everything has been taken.
  std::string Take(bool& closed);
  // Registers a one-shot waker called when data arrives or the stream closes. Returns false
  // (and does not register) if data or close is already pending.
  bool SetWaker(std::function<void()> waker);
  // The consumer is gone: drop pending data, refuse writes, tell the producer.
  void Cancel();
  // The server is shutting down: refuse further writes and tell the producer, but let the
  // consumer send what is queued and end the body properly.
  void Shutdown();

 private:
  mutable std::mutex mutex_;
  std::string pending_;                       // guarded by mutex_
  bool closed_ = false;                       // guarded by mutex_
  bool cancelled_ = false;                    // guarded by mutex_
  std::function<void()> waker_;               // guarded by mutex_
  std::vector<std::function<void()>> on_cancel_;  // guarded by mutex_
  std::size_t max_buffered_;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::shared_ptr<BodyStream> stream;  // when set, `body` is ignored

  static Response Json(int status, const boost::json::value& value);
  static Response Text(int status, std::string text,
                       std::string content_type = "text/plain; charset=UTF-8");
  // The AI Runway error envelope {"error":{"message","statusCode","reason"}}.
  static Response Error(const common::Error& error);
  static Response Streaming(int status, std::shared_ptr<BodyStream> stream, std::string content_type);
};

// Percent-decodes `text`. With `plus_as_space`, '+' becomes ' ' (query strings).
// Returns nullopt when an escape is malformed.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space = false);

// Splits a target into raw path and decoded query pairs. Malformed escapes are kBadRequest.
// Fills raw_path, path and query of `request` from its target.
common::Status ParseTarget(Request& request);

}  // namespace airunway::http
