// Store: kubesim's object store — the etcd + generic-registry layer of the simulated API
// server. It keeps every object of every resource, assigns resourceVersions from one
// store-wide counter, and implements the storage semantics real clients depend on:
// create/get/update/delete with optimistic concurrency, status subresources, finalizers,
// owner-reference garbage collection (background, foreground, orphan), namespace
// termination, list with label/field selectors and pagination, and watch with replay from a
// bounded event history, selector transitions and bookmarks.
//
// The HTTP front turns requests into calls here; every failure is an ApiStatus carrying the
// real Kubernetes code, reason and message. Resources are described by the caller
// (StoreResource, owned by the registry); the store keeps one table per (group, resource),
// created on first write and removed by DropResource.
//
// Namespaced objects can only be created in an existing, non-terminating namespace: whoever
// starts the simulated server must create "default", "kube-system", ... first.
//
// Ownership: objects are handed out as shared_ptr<const boost::json::object> snapshots; the
// store never mutates an object it has handed out (each write stores a new object), so
// callers may keep snapshots as long as they like and must copy before modifying.
//
// Thread-safety: every method may be called from any thread. One std::shared_mutex guards
// all state: Get/List/CurrentResourceVersion take it shared, everything else exclusively.
// Watch callbacks and change listeners run UNDER the exclusive lock, in resourceVersion
// order, on the thread that made the write; they must be cheap (queue bytes, post work) and
// must never call back into the Store (that deadlocks). A watch callback unsubscribes by
// returning false.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <deque>
#include <vector>

#include "kubesim/api_status.h"
#include "kubesim/selectors.h"

namespace airunway::kubesim {

// What the store needs to know about a resource. Owned by the registry; passed by reference
// on every call (the store keeps its own copy per table).
struct StoreResource {
  std::string group;     // "" for the core group
  std::string version;   // the version objects are stored and served as, e.g. "v1"
  std::string resource;  // plural, e.g. "pods"
  std::string kind;      // e.g. "Pod"
  bool namespaced = true;
  bool has_status_subresource = false;
  // Field selectors accepted besides metadata.name and metadata.namespace, e.g.
  // "spec.nodeName", "status.phase" for pods.
  std::vector<std::string> extra_field_selectors;
};

using ObjectPtr = std::shared_ptr<const boost::json::object>;

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };
// "ADDED", "MODIFIED", "DELETED", "BOOKMARK": the wire names.
std::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // The object as the watcher must see it; for BOOKMARK only kind, apiVersion and
  // metadata.resourceVersion (plus the initial-events-end annotation when asked for).
  ObjectPtr object;
};

// Returns false to unsubscribe. Runs under the store lock: queue, do not block.
using WatchCallback = std::function<bool(const WatchEvent&)>;
using WatchId = std::uint64_t;

// A change of any object of any resource, for in-process consumers (simulated controllers,
// the CRD registry). `previous` is the stored object before a MODIFIED (null otherwise).
// `resource` is valid only during the call.
struct ChangeEvent {
  const StoreResource& resource;
  WatchEventType type;
  ObjectPtr object;
  ObjectPtr previous;
};
using ChangeListener = std::function<void(const ChangeEvent&)>;
using ListenerId = std::uint64_t;

struct CreateOptions {
  bool dry_run = false;
  // With a status subresource, create normally drops `status` (as the real registries do);
  // set this for resources whose create may carry status (nodes) or for seeding.
  bool keep_status = false;
  // Restoring a saved cluster: keep the object's uid, creationTimestamp, generation and
  // deletionTimestamp instead of assigning new ones (a new resourceVersion is still given).
  bool restore = false;
};

struct UpdateOptions {
  bool dry_run = false;
  // PUT on a missing object creates it (the apiserver's AllowCreateOnUpdate).
  bool allow_create = false;
};

enum class PropagationPolicy { kDefault, kBackground, kForeground, kOrphan };
// "" → kDefault; "Background", "Foreground", "Orphan"; anything else → 422 Invalid.
ApiResult<PropagationPolicy> ParsePropagationPolicy(std::string_view text);

struct DeleteOptions {
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  PropagationPolicy propagation = PropagationPolicy::kDefault;  // default = background
  bool dry_run = false;
};

struct DeleteResult {
  // The last state: the removed object (resourceVersion = the deletion's), or the object
  // still held by finalizers (with metadata.deletionTimestamp).
  ObjectPtr object;
  bool removed = false;  // true when the object is gone; false when finalizers keep it
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;  // 0 = all
  std::string continue_token;
};

struct ListResult {
  std::vector<ObjectPtr> items;  // sorted by namespace, then name
  std::string resource_version;
  std::string continue_token;  // empty on the last page
  std::optional<std::int64_t> remaining_item_count;  // set on cut pages without selectors
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  // "" or "0": synthetic ADDED events for the current objects, then live events.
  // A number: replay every event after it from history, then live events.
  std::string resource_version;
  bool allow_bookmarks = false;
  // sendInitialEvents=true: initial ADDED events whatever resource_version says, followed
  // (when allow_bookmarks) by a BOOKMARK annotated "k8s.io/initial-events-end": "true".
  bool send_initial_events = false;
};

struct StoreOptions {
  std::size_t history_limit = 10000;  // events kept for watch replay / continue tokens
  std::function<std::chrono::system_clock::time_point()> clock;  // default: system clock
};

class Store {
 public:
  explicit Store(StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // `ns` is ignored for cluster-scoped resources. For namespaced ones an empty `ns` falls
  // back to object.metadata.namespace.
  ApiResult<ObjectPtr> Create(const StoreResource& resource, std::string_view ns,
                              boost::json::object object, const CreateOptions& options = {});
  ApiResult<ObjectPtr> Get(const StoreResource& resource, std::string_view ns,
                           std::string_view name) const;
  // Full replacement (PUT). A non-empty metadata.resourceVersion must equal the stored one
  // (else 409 Conflict); on a resource with a status subresource, status changes are
  // ignored. Removing the last finalizer of an object being deleted removes it.
  ApiResult<ObjectPtr> Update(const StoreResource& resource, std::string_view ns,
                              std::string_view name, boost::json::object object,
                              const UpdateOptions& options = {});
  // PUT on /status: only status changes; everything else is kept from the stored object.
  ApiResult<ObjectPtr> UpdateStatus(const StoreResource& resource, std::string_view ns,
                                    std::string_view name, boost::json::object object,
                                    const UpdateOptions& options = {});
  // Atomic read-modify-write (for PATCH and in-process controllers): `mutate` gets the
  // stored object and returns the full new object, then the Update (or UpdateStatus, with
  // `status_only`) rules apply. `mutate` runs under the store lock: no store calls inside.
  using Mutator = std::function<ApiResult<boost::json::object>(const boost::json::object& current)>;
  ApiResult<ObjectPtr> Mutate(const StoreResource& resource, std::string_view ns,
                              std::string_view name, const Mutator& mutate, bool status_only = false,
                              const UpdateOptions& options = {});
  ApiResult<DeleteResult> Delete(const StoreResource& resource, std::string_view ns,
                                 std::string_view name, const DeleteOptions& options = {});
  // Deletes every object matching the selectors in `ns` ("" = all namespaces); `limit` and
  // `continue_token` are ignored. Returns the DeleteResult objects.
  ApiResult<std::vector<ObjectPtr>> DeleteCollection(const StoreResource& resource, std::string_view ns,
                                                     const ListOptions& list,
                                                     const DeleteOptions& options = {});
  // `ns` "" = all namespaces.
  ApiResult<ListResult> List(const StoreResource& resource, std::string_view ns,
                             const ListOptions& options = {}) const;

  // Registers a watcher; initial or replayed events are delivered before this returns.
  // Errors: 400 (selectors, resourceVersion), 410 Expired (too old), 504 (too new).
  ApiResult<WatchId> Watch(const StoreResource& resource, std::string_view ns,
                           const WatchOptions& options, WatchCallback callback);
  void StopWatch(WatchId id);  // unknown ids are ignored
  // Sends a BOOKMARK at the current resourceVersion to one watcher (if it asked for
  // bookmarks); false when the watcher is gone.
  bool SendBookmark(WatchId id);
  void SendBookmarks();  // to every watcher that asked for bookmarks
  std::size_t WatcherCount() const;

  // Every change of every resource, in order. Register before listing to miss nothing.
  ListenerId AddListener(ChangeListener listener);
  void RemoveListener(ListenerId id);

  // Removes every object of the resource (DELETED events, garbage collection of their
  // dependents), ignoring finalizers, and forgets the table. For CRD deletion.
  void DropResource(std::string_view group, std::string_view resource);

  std::string CurrentResourceVersion() const;

  // Every stored object of every resource (a consistent view), for saving a simulated
  // cluster: each table's description with its objects in namespace/name order; namespaces
  // first, then tables in the order they were first written.
  std::vector<std::pair<StoreResource, std::vector<ObjectPtr>>> Snapshot() const;

 private:
  struct ObjectKey {
    std::string ns;
    std::string name;
    auto operator<=>(const ObjectKey&) const = default;
  };
  struct KeyView {
    std::string_view ns;
    std::string_view name;
  };
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      int c = std::string_view(a.ns).compare(std::string_view(b.ns));
      return c != 0 ? c < 0 : std::string_view(a.name) < std::string_view(b.name);
    }
  };
  struct KeyHash {
    using is_transparent = void;
    template <typename K>
    std::size_t operator()(const K& k) const {
      std::size_t h = std::hash<std::string_view>()(std::string_view(k.ns));
      return h ^ (std::hash<std::string_view>()(std::string_view(k.name)) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
    }
  };
  struct KeyEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::string_view(a.ns) == std::string_view(b.ns) && std::string_view(a.name) == std::string_view(b.name);
    }
  };
  struct Table {
    StoreResource resource;
    std::uint32_t id = 0;
    std::map<ObjectKey, ObjectPtr, KeyLess> ordered;                 // for lists
    std::unordered_map<ObjectKey, ObjectPtr, KeyHash, KeyEq> by_key;  // for gets
  };
  struct Location {
    Table* table = nullptr;
    ObjectKey key;
  };
  struct HistoryEvent {
    std::uint64_t rv = 0;
    std::uint32_t resource_id = 0;
    WatchEventType type = WatchEventType::kAdded;
    ObjectPtr object;    // DELETED: the last state carrying the deletion's resourceVersion
    ObjectPtr previous;  // MODIFIED: the state before
  };
  struct Watcher;

  Table& TableFor(const StoreResource& resource);
  const Table* FindTable(const StoreResource& resource) const;
  Table* FindTableByKey(std::string_view key);
  std::uint32_t ResourceIdLocked(const StoreResource& resource);
  std::chrono::system_clock::time_point Now() const;
  std::string NewUid();

  ApiResult<ObjectPtr> CreateLocked(const StoreResource& resource, std::string_view ns,
                                    boost::json::object object, const CreateOptions& options);
  ApiResult<ObjectPtr> MutateLocked(const StoreResource& resource, std::string_view ns, std::string_view name,
                                    const Mutator& mutate, bool status_only, const UpdateOptions& options);
  ApiResult<DeleteResult> DeleteLocked(Table& table, const ObjectKey& key, const DeleteOptions& options);
  // Writes `object` (resourceVersion assigned here) and emits ADDED or MODIFIED.
  ObjectPtr CommitLocked(Table& table, const ObjectKey& key, boost::json::object object, ObjectPtr previous);
  // Removes the object for good, emits DELETED and queues garbage collection.
  ObjectPtr RemoveLocked(Table& table, const ObjectKey& key, boost::json::object last_state);
  void IndexLocked(Table& table, const ObjectKey& key, const ObjectPtr& object, const ObjectPtr& previous);
  void EmitLocked(Table& table, WatchEventType type, ObjectPtr object, ObjectPtr previous, std::uint64_t rv);
  bool DeliverLocked(Watcher& watcher, const HistoryEvent& event, ObjectPtr& deleted_view);
  void DrainGcLocked();
  void MaybeFinishForegroundLocked(const std::string& uid);
  void MaybeFinishNamespaceLocked(const std::string& ns);
  void DeleteNamespaceContentLocked(const std::string& ns);
  void RemoveOwnerReferenceLocked(const std::string& dependent_uid, const std::set<std::string>& owner_uids);
  ObjectPtr FindDeletedLocked(std::string_view uid) const;  // the newest DELETED event of `uid`
  ObjectPtr MakeBookmark(const Watcher& watcher, bool initial_events_end) const;
  ObjectPtr LookupLocked(const Table& table, std::string_view ns, std::string_view name) const;
  std::optional<ApiStatus> CheckNamespaceForCreateLocked(const StoreResource& resource, std::string_view ns,
                                                         std::string_view name);

  const StoreOptions options_;
  mutable std::shared_mutex mu_;
  std::uint64_t rv_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Table>> tables_;  // by QualifiedResource
  std::unordered_map<std::string, std::uint32_t> resource_ids_;     // outlive dropped tables
  std::unordered_map<std::string, Location> by_uid_;
  std::unordered_map<std::string, std::set<std::string>> dependents_;  // owner uid -> dependent uids
  std::deque<HistoryEvent> history_;
  std::uint64_t history_floor_ = 0;  // the newest resourceVersion evicted from history_
  std::deque<ObjectPtr> gc_queue_;   // removed objects whose dependents need attention
  std::unordered_map<WatchId, std::shared_ptr<Watcher>> watchers_;
  std::unordered_map<std::uint32_t, std::vector<std::shared_ptr<Watcher>>> watchers_by_resource_;
  WatchId next_watch_id_ = 1;
  std::map<ListenerId, ChangeListener> listeners_;
  ListenerId next_listener_id_ = 1;
  std::mt19937_64 random_;
};

}  // namespace airunway::kubesim
