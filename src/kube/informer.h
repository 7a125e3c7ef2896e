// Informer: a cache of one resource (optionally one namespace, label or field selector),
// kept current by list-then-watch, with change handlers and indexes.
//
//   kube::Informer pods(client, {.resource = kube::kPods, .namespace_name = "default"});
//   pods.AddHandlers({.on_add = [](const kube::ObjectPtr& pod) { queue.Add(KeyOf(*pod)); }});
//   pods.Start();
//   if (!pods.WaitForSync(5s)) ...;
//   auto pod = pods.Get("default", "web-0");   // kUnavailable "not synced" before the first list
//
// The cache lists (in pages), then watches from the list's resourceVersion, resuming from
// the last seen version (bookmarks included) whenever a stream ends or drops — the server
// replays what was missed. A 410 Gone (history too short) re-lists at once; other watch
// failures re-list; failed lists and dropped streams are retried with exponential backoff
// and jitter. A re-list replaces
// the cache and reports the difference through the handlers — deletes for objects that
// vanished while the informer was not watching, updates for changed ones — so after an
// API-server outage the cache converges to the server's state, and every delete is reported
// exactly once (a key is deleted only if it is in the cache).
//
// Objects are stored with metadata.managedFields removed (InformerOptions::storage: a compact
// parsed object, or the JSON text parsed again on each read) and handed out as immutable
// shared_ptr<const object> snapshots: copy before modifying. With compact storage every read
// of an unchanged object returns the same pointer; with text storage each read is a new one.
//
// Indexes: by namespace, by label (key=value), by owner UID (metadata.ownerReferences),
// and by node name (spec.nodeName).
//
// Ownership: the Informer owns its thread(s); it holds a shared_ptr to the Client.
// HasSynced turns true once the first list is in the cache AND its objects have been
// delivered to the handlers (so a controller that waits for sync has every key queued);
// until then reads answer kUnavailable — also from handlers during that first delivery.
//
// Thread-safety: reads (Get, List, ByIndex, HasSynced) are safe from any thread at any time
// (a shared mutex guards the cache). Handlers run on the informer's thread (resync calls on
// the resync thread), one at a time, after the cache has been updated and outside its lock,
// so they may read the cache; they must not call Stop(). AddHandlers must be called before
// Start.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "kube/backoff.h"
#include "kube/client.h"
#include "kube/watch.h"

namespace airunway::kube {

// How an informer keeps its objects. kCompactObject: a parsed object in one arena (reads cost
// nothing; about 3.5x the JSON text for small pods). kJsonText: the JSON text (about 1x; every
// read parses it, a few microseconds per KiB) — for large caches read rarely or through a cache
// of derived results, such as the REST server's pods.
enum class ObjectStorage { kCompactObject, kJsonText };

struct InformerOptions {
  ResourceRef resource;
  ObjectStorage storage = ObjectStorage::kCompactObject;
  std::string namespace_name;  // empty: all namespaces
  std::string label_selector;
  std::string field_selector;
  std::chrono::milliseconds resync_period{0};  // 0: no periodic resync
  std::int64_t page_size = 500;
  std::int64_t watch_timeout_seconds = 300;  // the server ends each watch after this
  BackoffPolicy backoff{std::chrono::milliseconds(100), std::chrono::milliseconds(10'000)};
};

struct InformerHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr& last_state)> on_delete;
};

// kLabel indexes "key=value"; kLabelKey indexes the key alone (label existence selectors).
enum class IndexKind { kNamespace, kLabel, kLabelKey, kOwnerUid, kNodeName };

struct InformerStats {
  std::uint64_t lists = 0;    // completed (re)lists
  std::uint64_t watches = 0;  // watch streams started
  std::uint64_t gone = 0;     // 410s that forced a re-list
};

class Informer {
 public:
  Informer(std::shared_ptr<Client> client, InformerOptions options);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void AddHandlers(InformerHandlers handlers);
  void Start();
  void Stop();  // idempotent; joins the thread(s)

  bool HasSynced() const { return synced_.load(); }
  // True once synced; false if `timeout` passes first or the informer stops.
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // kUnavailable (reason "CacheNotSynced") before the first list completes — the API layer
  // answers 503 instead of serving half a cache; kNotFound for an absent object.
  common::Result<ObjectPtr> Get(std::string_view ns, std::string_view name) const;
  // Every cached object (or of one namespace), sorted by namespace/name.
  common::Result<std::vector<ObjectPtr>> List(std::string_view ns = {}) const;
  // For kLabel the value is "key=value"; for kLabelKey just "key".
  common::Result<std::vector<ObjectPtr>> ByIndex(IndexKind kind, std::string_view value) const;

  // A counter that changes whenever an object of namespace `ns` ("" for cluster-scoped
  // objects) is added, changed or deleted in the cache; 0 before any. Lets a reader keep
  // results derived from one namespace's objects until the next change there. A change is
  // counted under the same lock that makes it visible, so a reader that sees the old count
  // before deriving its result may keep that result only until it sees a newer count.
  std::uint64_t Revision(std::string_view ns) const;

  // The same over every namespace (and cluster-scoped objects).
  std::uint64_t Revision() const;

  std::string last_resource_version() const;
  InformerStats stats() const;
  const InformerOptions& options() const { return options_; }

 public:
  using IndexValueList = std::vector<std::pair<IndexKind, std::string>>;

 private:
  using Key = std::string;  // "namespace/name" or "name"
  // One cached object, in the informer's storage form: exactly one of the two is set.
  struct Stored {
    ObjectPtr object;  // kCompactObject
    std::string text;  // kJsonText
  };
  // Index lists point at objects_ entries (stable until erased) and are sorted by key.
  using IndexEntry = const std::pair<const Key, Stored>*;

  void Run(std::stop_token stop);
  void Resync(std::stop_token stop);
  common::Status ListAll(std::stop_token stop);
  void Apply(const WatchEvent& event);
  Stored Store(const boost::json::object& object) const;
  ObjectPtr Materialize(const Stored& stored) const;
  static bool SameVersion(const Stored& a, const Stored& b);
  IndexValueList IndexValuesOf(const Stored& stored) const;
  std::string_view NamespaceOf(const Key& key) const;
  // Cache edits; return the previous state (what handlers must hear about). Caller holds
  // mutex_ exclusively.
  std::optional<Stored> Upsert(const Key& key, Stored stored, const IndexValueList& values);
  std::optional<Stored> Erase(const Key& key);
  void IndexAdd(IndexEntry entry, const IndexValueList& values);
  void IndexRemove(IndexEntry entry, const IndexValueList& values);
  void BumpRevision(std::string_view ns);
  common::Status NotSynced() const;
  bool SleepFor(std::chrono::milliseconds delay, std::stop_token stop);

  const std::shared_ptr<Client> client_;
  const InformerOptions options_;
  std::vector<InformerHandlers> handlers_;  // fixed after Start
  std::mutex handler_mutex_;                // one handler call at a time

  mutable std::shared_mutex mutex_;
  std::map<Key, Stored> objects_;                                          // guarded by mutex_
  // Index value -> the matching cache entries, sorted by key: one hash lookup per index read,
  // and eight bytes per indexed object and value.
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using IndexEntries = std::unordered_map<std::string, std::vector<IndexEntry>, StringHash, std::equal_to<>>;
  std::map<IndexKind, IndexEntries> index_;  // guarded by mutex_
  std::unordered_map<std::string, std::uint64_t, StringHash, std::equal_to<>> revisions_;  // by namespace; mutex_
  std::uint64_t total_revision_ = 0;                                                       // guarded by mutex_
  std::string resource_version_;                                              // guarded by mutex_
  InformerStats stats_;                                                       // guarded by mutex_

  std::atomic<bool> synced_{false};
  std::atomic<bool> stopped_{false};
  mutable std::mutex sync_mutex_;
  mutable std::condition_variable sync_cv_;
  std::mutex sleep_mutex_;
  std::condition_variable_any sleep_cv_;
  std::jthread thread_;
  std::jthread resync_thread_;
};

// "namespace/name" for namespaced objects, "name" otherwise.
std::string ObjectKey(const boost::json::object& object);
// A copy without metadata.managedFields.
boost::json::object StripManagedFields(boost::json::object object);

}  // namespace airunway::kube
