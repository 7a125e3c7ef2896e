// Watch: one Kubernetes watch stream, read on its own thread and delivered as events.
//
//   kube::Watch watch(client, kube::kPods, "default", {.resource_version = list.resource_version},
//                     [](const kube::WatchEvent& e) { ... },           // on the watch thread
//                     [](common::Status end) { ... });                // once, at the end
//   ...
//   watch.Stop();   // interrupts the stream at once and joins the thread
//
// The stream ends when the server closes it (timeoutSeconds; on_closed gets ok), when the
// server sends an ERROR event (410 Expired → kGone: the caller must re-list), on a broken
// connection (kUnavailable), or on Stop (ok). Objects are parsed once and handed out as
// immutable shared_ptr<const object> snapshots.
//
// WatchStream is the same thing without the thread, for owners that already have one
// (the informer).
//
// Ownership: Watch owns its thread; the Client must outlive it (it holds a shared_ptr).
// Thread-safety: callbacks run on the watch thread, one at a time. Stop() may be called from
// any thread except from inside a callback; the destructor calls Stop().
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "common/result.h"
#include "kube/client.h"

namespace airunway::kube {

using ObjectPtr = std::shared_ptr<const boost::json::object>;

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  ObjectPtr object;  // for BOOKMARK only apiVersion, kind and metadata.resourceVersion
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  // "" = start from the current state (ADDED for every object first); a version from a
  // list = changes after it.
  std::string resource_version;
  bool allow_bookmarks = true;
  std::optional<std::int64_t> timeout_seconds;  // server-side; the server closes the stream
};

using WatchEventCallback = std::function<void(const WatchEvent&)>;

// Blocks until the stream ends (see above). Events go to on_event on the calling thread.
common::Status WatchStream(Client& client, const ResourceRef& ref, std::string_view ns, const WatchOptions& options,
                           const WatchEventCallback& on_event, std::stop_token stop);

class Watch {
 public:
  Watch(std::shared_ptr<Client> client, ResourceRef ref, std::string ns, WatchOptions options,
        WatchEventCallback on_event, std::function<void(common::Status)> on_closed);
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  void Stop();

 private:
  std::shared_ptr<Client> client_;
  std::jthread thread_;
};

}  // namespace airunway::kube
