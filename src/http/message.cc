#include "http/message.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <strings.h>

namespace airunway::http {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void Headers::Set(std::string_view name, std::string value) {
  Remove(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::Add(std::string_view name, std::string value) {
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::Remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::size_t Request::QueryCount(std::string_view name) const {
  std::size_t count = 0;
  for (const auto& entry : query) count += entry.first == name ? 1 : 0;
  return count;
}

std::string_view Request::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

BodyStream::BodyStream(std::size_t max_buffered) : max_buffered_(max_buffered) {}

bool BodyStream::Write(std::string chunk) {
  std::function<void()> waker;
  bool overflow = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || cancelled_) return false;
    if (pending_.size() + chunk.size() > max_buffered_) {
      overflow = true;
    } else {
      pending_ += chunk;
      waker = std::move(waker_);
      waker_ = nullptr;
    }
  }
  if (overflow) {
    Cancel();  // the client is not reading: drop it rather than grow without bound
    return false;
  }
  if (waker) waker();
  return true;
}

void BodyStream::Close() {
  std::function<void()> waker;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    waker = std::move(waker_);
    waker_ = nullptr;
  }
  if (waker) waker();
}

bool BodyStream::Cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void BodyStream::OnCancel(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (!cancelled_) {
      on_cancel_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

std::string BodyStream::Take(bool& closed) {
  std::lock_guard lock(mutex_);
  std::string out;
  out.swap(pending_);
  closed = closed_ && out.empty();
  return out;
}

bool BodyStream::SetWaker(std::function<void()> waker) {
  std::lock_guard lock(mutex_);
  if (!pending_.empty() || closed_ || cancelled_) return false;
  waker_ = std::move(waker);
  return true;
}

void BodyStream::Cancel() {
  std::vector<std::function<void()>> callbacks;
  std::function<void()> waker;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    cancelled_ = true;
    pending_.clear();
    callbacks.swap(on_cancel_);
    waker = std::move(waker_);
    waker_ = nullptr;
  }
  if (waker) waker();
  for (auto& callback : callbacks) callback();
}

void BodyStream::Shutdown() {
  std::vector<std::function<void()>> callbacks;
  std::function<void()> waker;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    closed_ = true;
    cancelled_ = true;  // producers see Cancelled() and stop
    callbacks.swap(on_cancel_);
    waker = std::move(waker_);
    waker_ = nullptr;
  }
  if (waker) waker();
  for (auto& callback : callbacks) callback();
}

Response Response::Json(int status, const boost::json::value& value) {
  Response response;
  response.status = status;
  response.headers.Set("Content-Type", "application/json");
  response.body = boost::json::serialize(value);
  return response;
}

Response Response::Text(int status, std::string text, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.Set("Content-Type", std::move(content_type));
  response.body = std::move(text);
  return response;
}

Response Response::Error(const common::Error& error) {
  int status = common::HttpStatusOf(error.code);
  boost::json::object inner;
  inner["message"] = error.message;
  inner["statusCode"] = status;
  inner["reason"] = common::ReasonOf(error);
  boost::json::object envelope;
  envelope["error"] = std::move(inner);
  return Json(status, envelope);
}

Response Response::Streaming(int status, std::shared_ptr<BodyStream> stream, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.Set("Content-Type", std::move(content_type));
  response.stream = std::move(stream);
  return response;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

common::Status ParseTarget(Request& request) {
  std::string_view target = request.target;
  std::size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  std::string_view raw_query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (std::size_t hash = raw_query.find('#'); hash != std::string_view::npos) raw_query = raw_query.substr(0, hash);
  if (raw_path.empty() || raw_path.front() != '/') {
    return common::MakeError(common::ErrorCode::kBadRequest,
                             "the request target must be an absolute path starting with '/'", "BadRequest");
  }
  auto decoded = PercentDecode(raw_path);
  if (!decoded || decoded->find('\0') != std::string::npos) {
    return common::MakeError(common::ErrorCode::kBadRequest,
                             "the request path has a malformed percent-escape", "BadRequest");
  }
  request.raw_path = std::string(raw_path);
  request.path = std::move(*decoded);
  request.query.clear();
  while (!raw_query.empty()) {
    std::size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) {
      return common::MakeError(common::ErrorCode::kBadRequest,
                               "the query string has a malformed percent-escape", "BadRequest");
    }
    request.query.emplace_back(std::move(*key), std::move(*value));
  }
  return common::Status::Ok();
}

}  // namespace airunway::http
