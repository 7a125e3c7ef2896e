#include "kube/watch.h"

#include <boost/json.hpp>

#include "common/json.h"
#include "kube/encoding.h"
#include "kube/errors.h"

namespace airunway::kube {

using common::ErrorCode;
using common::MakeError;

namespace {

std::optional<WatchEventType> TypeOf(std::string_view name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  return std::nullopt;
}

}  // namespace

common::Status WatchStream(Client& client, const ResourceRef& ref, std::string_view ns, const WatchOptions& options,
                           const WatchEventCallback& on_event, std::stop_token stop) {
  std::string query = "?watch=true";
  auto add = [&](std::string_view key, std::string_view value) {
    if (!value.empty()) query.append("&").append(key).append("=").append(UrlEscape(value));
  };
  add("labelSelector", options.label_selector);
  add("fieldSelector", options.field_selector);
  add("resourceVersion", options.resource_version);
  if (options.allow_bookmarks) add("allowWatchBookmarks", "true");
  if (options.timeout_seconds) add("timeoutSeconds", std::to_string(*options.timeout_seconds));
  Request request;
  request.path = ref.Path(ns) + query;

  std::string pending;
  std::optional<common::Error> failure;
  auto on_data = [&](std::string_view data) {
    pending.append(data);
    std::size_t start = 0;
    for (;;) {
      auto newline = pending.find('\n', start);
      if (newline == std::string::npos) break;
      std::string_view line(pending.data() + start, newline - start);
      start = newline + 1;
      if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
      boost::json::error_code ec;
      auto parsed = boost::json::parse(line, ec);
      const boost::json::object* event = (!ec && parsed.is_object()) ? &parsed.as_object() : nullptr;
      auto type_name = event != nullptr ? common::GetString(*event, "type") : std::nullopt;
      auto* object = event != nullptr ? parsed.as_object().if_contains("object") : nullptr;
      if (!type_name || object == nullptr || !object->is_object()) {
        failure = MakeError(ErrorCode::kBadGateway, "the watch stream carried a malformed event", "InvalidResponse");
        return false;
      }
      if (*type_name == "ERROR") {
        auto code = common::GetInt(object->as_object(), "code").value_or(500);
        failure = ErrorFromResponse(code, boost::json::serialize(*object), "watch " + ref.resource);
        return false;
      }
      auto type = TypeOf(*type_name);
      if (!type) continue;  // a type from a newer server: skip it
      on_event(WatchEvent{*type, std::make_shared<const boost::json::object>(std::move(object->as_object()))});
    }
    pending.erase(0, start);
    return true;
  };
  auto status = client.Stream(std::move(request), on_data, std::move(stop));
  if (failure) return *failure;
  return status;
}

Watch::Watch(std::shared_ptr<Client> client, ResourceRef ref, std::string ns, WatchOptions options,
             WatchEventCallback on_event, std::function<void(common::Status)> on_closed)
    : client_(std::move(client)) {
  thread_ = std::jthread([client = client_, ref = std::move(ref), ns = std::move(ns), options = std::move(options),
                          on_event = std::move(on_event), on_closed = std::move(on_closed)](std::stop_token stop) {
    auto status = WatchStream(*client, ref, ns, options, on_event, stop);
    if (on_closed) on_closed(std::move(status));
  });
}

Watch::~Watch() { Stop(); }

void Watch::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace airunway::kube
