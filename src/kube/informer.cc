#include "kube/informer.h"

#include <boost/json.hpp>

#include "common/json.h"
#include "kube/compact_object.h"
#include "common/logging.h"
#include "kube/errors.h"

namespace airunway::kube {

using common::ErrorCode;
using common::MakeError;

std::string ObjectKey(const boost::json::object& object) {
  const auto* ns = common::FindPath(object, {"metadata", "namespace"});
  const auto* name = common::FindPath(object, {"metadata", "name"});
  std::string key;
  if (ns != nullptr && ns->is_string() && !ns->as_string().empty()) {
    key.append(ns->as_string()).append("/");
  }
  if (name != nullptr && name->is_string()) key.append(name->as_string());
  return key;
}

boost::json::object StripManagedFields(boost::json::object object) {
  if (auto* metadata = object.if_contains("metadata"); metadata != nullptr && metadata->is_object()) {
    metadata->as_object().erase("managedFields");
  }
  return object;
}

namespace {

std::string ResourceVersionOf(const boost::json::object& object) {
  const auto* rv = common::FindPath(object, {"metadata", "resourceVersion"});
  return rv != nullptr && rv->is_string() ? std::string(rv->as_string()) : std::string();
}

Informer::IndexValueList IndexValues(const boost::json::object& object) {
  Informer::IndexValueList values;
  if (const auto* ns = common::FindPath(object, {"metadata", "namespace"}); ns != nullptr && ns->is_string()) {
    values.emplace_back(IndexKind::kNamespace, std::string(ns->as_string()));
  }
  if (const auto* labels = common::FindPath(object, {"metadata", "labels"}); labels != nullptr && labels->is_object()) {
    for (const auto& [key, value] : labels->as_object()) {
      if (value.is_string()) {
        values.emplace_back(IndexKind::kLabel, std::string(key) + "=" + std::string(value.as_string()));
        values.emplace_back(IndexKind::kLabelKey, std::string(key));
      }
    }
  }
  if (const auto* owners = common::FindPath(object, {"metadata", "ownerReferences"}); owners != nullptr && owners->is_array()) {
    for (const auto& owner : owners->as_array()) {
      if (!owner.is_object()) continue;
      if (auto uid = common::GetString(owner.as_object(), "uid")) values.emplace_back(IndexKind::kOwnerUid, std::string(*uid));
    }
  }
  if (const auto* node = common::FindPath(object, {"spec", "nodeName"}); node != nullptr && node->is_string() &&
                                                                         !node->as_string().empty()) {
    values.emplace_back(IndexKind::kNodeName, std::string(node->as_string()));
  }
  return values;
}

}  // namespace

Informer::Informer(std::shared_ptr<Client> client, InformerOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

Informer::~Informer() { Stop(); }

void Informer::AddHandlers(InformerHandlers handlers) { handlers_.push_back(std::move(handlers)); }

void Informer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  if (options_.resync_period.count() > 0) {
    resync_thread_ = std::jthread([this](std::stop_token stop) { Resync(stop); });
  }
}

void Informer::Stop() {
  {
    std::lock_guard lock(sync_mutex_);
    stopped_ = true;
  }
  sync_cv_.notify_all();
  for (auto* thread : {&thread_, &resync_thread_}) {
    if (thread->joinable()) {
      thread->request_stop();
      thread->join();
    }
  }
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(sync_mutex_);
  sync_cv_.wait_for(lock, timeout, [this] { return synced_.load() || stopped_.load(); });
  return synced_.load();
}

bool Informer::SleepFor(std::chrono::milliseconds delay, std::stop_token stop) {
  std::unique_lock lock(sleep_mutex_);
  sleep_cv_.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

void Informer::Run(std::stop_token stop) {
  Backoff backoff(options_.backoff);
  bool need_list = true;
  const std::string what = options_.resource.ApiVersion() + "/" + options_.resource.resource;
  while (!stop.stop_requested()) {
    if (need_list) {
      auto listed = ListAll(stop);
      if (stop.stop_requested()) break;
      if (!listed) {
        common::LogWarn("informer list failed", {{"resource", what}, {"error", listed.error().message}});
        if (!SleepFor(backoff.Next(), stop)) break;
        continue;
      }
      need_list = false;
      backoff.Reset();
    }
    WatchOptions watch_options;
    watch_options.label_selector = options_.label_selector;
    watch_options.field_selector = options_.field_selector;
    watch_options.resource_version = last_resource_version();
    watch_options.allow_bookmarks = true;
    watch_options.timeout_seconds = options_.watch_timeout_seconds;
    {
      std::unique_lock lock(mutex_);
      ++stats_.watches;
    }
    bool received = false;
    auto ended = WatchStream(*client_, options_.resource, options_.namespace_name, watch_options,
                             [&](const WatchEvent& event) {
                               received = true;
                               Apply(event);
                             },
                             stop);
    if (stop.stop_requested()) break;
    if (ended) {
      // The server closed the stream (its timeout): resume from the last version. A stream
      // that closes at once without events is not allowed to spin.
      if (received) {
        backoff.Reset();
      } else if (!SleepFor(backoff.Next(), stop)) {
        break;
      }
      continue;
    }
    if (IsGone(ended.error())) {
      std::unique_lock lock(mutex_);
      ++stats_.gone;
      need_list = true;
      continue;  // the version is older than the server's history: re-list at once
    }
    // A dropped or refused stream is resumed from the last version once the server is
    // back (it replays what was missed, or answers 410 and we re-list); any other failure
    // (a version the server does not know, a denied watch) re-lists.
    need_list = ended.error().code != ErrorCode::kUnavailable;
    common::LogWarn("informer watch failed", {{"resource", what}, {"error", ended.error().message}});
    if (!SleepFor(backoff.Next(), stop)) break;
  }
}

common::Status Informer::ListAll(std::stop_token stop) {
  struct Fresh {
    Stored stored;
    IndexValueList values;
    ObjectPtr object;  // for the handlers, when there are any
  };
  std::map<Key, Fresh> fresh;
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.field_selector = options_.field_selector;
  list_options.limit = options_.page_size;
  std::string resource_version;
  bool restarted = false;
  const bool keep_objects = !handlers_.empty();
  do {
    auto page = client_->List(options_.resource, options_.namespace_name, list_options);
    if (!page) {
      // A continue token can expire between pages; start over once with a full list.
      if (IsGone(page.error()) && !list_options.continue_token.empty() && !restarted) {
        restarted = true;
        fresh.clear();
        list_options.continue_token.clear();
        continue;
      }
      return page.error();
    }
    for (auto& item : page->items) {
      // List items may lack apiVersion/kind (built-in types); watch events carry them.
      Key key = ObjectKey(item);
      Fresh entry{Store(item), IndexValues(item), nullptr};
      if (keep_objects) entry.object = Materialize(entry.stored);
      fresh.insert_or_assign(std::move(key), std::move(entry));
    }
    resource_version = page->resource_version;
    list_options.continue_token = page->continue_token;
  } while (!list_options.continue_token.empty() && !stop.stop_requested());
  if (stop.stop_requested()) return common::Status::Ok();

  struct Change {
    std::optional<Stored> old_stored;
    ObjectPtr new_object;
  };
  std::vector<Change> changes;
  {
    std::unique_lock lock(mutex_);
    for (auto& [key, old] : objects_) {
      if (!fresh.contains(key)) {
        BumpRevision(NamespaceOf(key));
        changes.push_back({std::move(old), nullptr});
      }
    }
    std::map<Key, Stored> next;
    for (auto& [key, entry] : fresh) {
      auto it = objects_.find(key);
      if (it == objects_.end()) {
        BumpRevision(NamespaceOf(key));
        changes.push_back({std::nullopt, entry.object});
      } else if (!SameVersion(it->second, entry.stored)) {
        BumpRevision(NamespaceOf(key));
        changes.push_back({std::move(it->second), entry.object});
      } else {
        entry.stored = std::move(it->second);  // unchanged: keep the object readers already hold
      }
      next.emplace_hint(next.end(), key, std::move(entry.stored));
    }
    objects_ = std::move(next);
    index_.clear();
    // objects_ is in key order, so every index list is built by appending.
    for (const auto& item : objects_) IndexAdd(&item, fresh.at(item.first).values);
    resource_version_ = resource_version;
    ++stats_.lists;
  }
  if (keep_objects) {
    std::lock_guard handler_lock(handler_mutex_);
    for (const auto& change : changes) {
      ObjectPtr old_object = change.old_stored ? Materialize(*change.old_stored) : nullptr;
      for (const auto& handlers : handlers_) {
        if (!change.new_object) {
          if (handlers.on_delete) handlers.on_delete(old_object);
        } else if (!old_object) {
          if (handlers.on_add) handlers.on_add(change.new_object);
        } else if (handlers.on_update) {
          handlers.on_update(old_object, change.new_object);
        }
      }
    }
  }
  // Synced only once the handlers have seen the first list, so that a controller that
  // waits for sync has every object queued (as client-go's HasSynced means).
  {
    std::lock_guard lock(sync_mutex_);
    synced_ = true;
  }
  sync_cv_.notify_all();
  return common::Status::Ok();
}

void Informer::Apply(const WatchEvent& event) {
  const std::string version = ResourceVersionOf(*event.object);
  if (event.type == WatchEventType::kBookmark) {
    std::unique_lock lock(mutex_);
    if (!version.empty()) resource_version_ = version;
    return;
  }
  Stored stored = Store(*event.object);
  IndexValueList values = IndexValues(*event.object);
  const Key key = ObjectKey(*event.object);
  const bool deleted = event.type == WatchEventType::kDeleted;
  // What handlers receive: the cached form (parsed from text storage only when someone listens).
  ObjectPtr object = stored.object ? stored.object : (handlers_.empty() ? nullptr : Materialize(stored));
  std::optional<Stored> previous;
  {
    std::unique_lock lock(mutex_);
    previous = deleted ? Erase(key) : Upsert(key, std::move(stored), values);
    if (!version.empty()) resource_version_ = version;
  }
  if (handlers_.empty()) return;
  std::lock_guard handler_lock(handler_mutex_);
  ObjectPtr previous_object = previous && !deleted ? Materialize(*previous) : nullptr;
  for (const auto& handlers : handlers_) {
    if (deleted) {
      // Only what the cache held can be deleted, so a delete is never reported twice.
      if (previous && handlers.on_delete) handlers.on_delete(object);
    } else if (previous) {
      if (handlers.on_update) handlers.on_update(previous_object, object);
    } else if (handlers.on_add) {
      handlers.on_add(object);
    }
  }
}

std::string_view Informer::NamespaceOf(const Key& key) const {
  if (!options_.resource.namespaced) return {};
  auto slash = key.find('/');
  return slash == Key::npos ? std::string_view() : std::string_view(key).substr(0, slash);
}

void Informer::BumpRevision(std::string_view ns) {
  ++total_revision_;
  auto it = revisions_.find(ns);
  if (it == revisions_.end()) it = revisions_.emplace(std::string(ns), 0).first;
  ++it->second;
}

std::uint64_t Informer::Revision(std::string_view ns) const {
  std::shared_lock lock(mutex_);
  auto it = revisions_.find(ns);
  return it == revisions_.end() ? 0 : it->second;
}

std::uint64_t Informer::Revision() const {
  std::shared_lock lock(mutex_);
  return total_revision_;
}

Informer::Stored Informer::Store(const boost::json::object& object) const {
  if (options_.storage == ObjectStorage::kJsonText) {
    Stored stored{nullptr, CompactJsonText(object)};
    stored.text.shrink_to_fit();  // the serializer's growth slack would be kept for the object's life
    return stored;
  }
  return Stored{MakeCompactObject(object), {}};
}

ObjectPtr Informer::Materialize(const Stored& stored) const {
  if (stored.object) return stored.object;
  boost::system::error_code error;
  auto parsed = boost::json::parse(stored.text, error);
  // The text was written by CompactJsonText from an object, so it always parses back.
  if (error || !parsed.is_object()) return std::make_shared<const boost::json::object>();
  return std::make_shared<const boost::json::object>(std::move(parsed.as_object()));
}

bool Informer::SameVersion(const Stored& a, const Stored& b) {
  if (a.object && b.object) return ResourceVersionOf(*a.object) == ResourceVersionOf(*b.object);
  return a.text == b.text;
}

Informer::IndexValueList Informer::IndexValuesOf(const Stored& stored) const {
  if (stored.object) return IndexValues(*stored.object);
  return IndexValues(*Materialize(stored));
}

std::optional<Informer::Stored> Informer::Upsert(const Key& key, Stored stored, const IndexValueList& values) {
  BumpRevision(NamespaceOf(key));
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    std::optional<Stored> previous = std::move(it->second);
    IndexRemove(&*it, IndexValuesOf(*previous));
    it->second = std::move(stored);
    IndexAdd(&*it, values);
    return previous;
  }
  it = objects_.emplace(key, std::move(stored)).first;
  IndexAdd(&*it, values);
  return std::nullopt;
}

std::optional<Informer::Stored> Informer::Erase(const Key& key) {
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  BumpRevision(NamespaceOf(key));
  IndexRemove(&*it, IndexValuesOf(it->second));
  std::optional<Stored> previous = std::move(it->second);
  objects_.erase(it);
  return previous;
}

void Informer::IndexAdd(IndexEntry entry, const IndexValueList& values) {
  for (const auto& [kind, value] : values) {
    auto& list = index_[kind][value];
    // Lists stay sorted by key; appending is the common case (lists are built in key order).
    if (list.empty() || list.back()->first < entry->first) {
      list.push_back(entry);
      continue;
    }
    auto at = std::lower_bound(list.begin(), list.end(), entry,
                               [](IndexEntry a, IndexEntry b) { return a->first < b->first; });
    if (at == list.end() || *at != entry) list.insert(at, entry);
  }
}

void Informer::IndexRemove(IndexEntry entry, const IndexValueList& values) {
  for (const auto& [kind, value] : values) {
    auto& by_value = index_[kind];
    auto it = by_value.find(value);
    if (it == by_value.end()) continue;
    auto& list = it->second;
    auto at = std::lower_bound(list.begin(), list.end(), entry,
                               [](IndexEntry a, IndexEntry b) { return a->first < b->first; });
    if (at != list.end() && *at == entry) list.erase(at);
    if (list.empty()) by_value.erase(it);
  }
}

void Informer::Resync(std::stop_token stop) {
  while (SleepFor(options_.resync_period, stop)) {
    if (!synced_) continue;
    std::vector<ObjectPtr> snapshot;
    {
      std::shared_lock lock(mutex_);
      snapshot.reserve(objects_.size());
      for (const auto& [key, stored] : objects_) snapshot.push_back(Materialize(stored));
    }
    std::lock_guard handler_lock(handler_mutex_);
    for (const auto& object : snapshot) {
      if (stop.stop_requested()) return;
      for (const auto& handlers : handlers_) {
        if (handlers.on_update) handlers.on_update(object, object);
      }
    }
  }
}

common::Status Informer::NotSynced() const {
  return MakeError(ErrorCode::kUnavailable,
                   "the cache of " + options_.resource.resource + " has not synced with the Kubernetes API yet; try again shortly",
                   "CacheNotSynced");
}

common::Result<ObjectPtr> Informer::Get(std::string_view ns, std::string_view name) const {
  if (!synced_) return NotSynced().error();
  Key key = options_.resource.namespaced ? std::string(ns) + "/" + std::string(name) : std::string(name);
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return MakeError(ErrorCode::kNotFound, options_.resource.resource + " \"" + std::string(name) + "\" not found",
                     "NotFound");
  }
  return Materialize(it->second);
}

common::Result<std::vector<ObjectPtr>> Informer::List(std::string_view ns) const {
  if (ns.empty()) {
    if (!synced_) return NotSynced().error();
    std::shared_lock lock(mutex_);
    std::vector<ObjectPtr> out;
    out.reserve(objects_.size());
    for (const auto& [key, stored] : objects_) out.push_back(Materialize(stored));
    return out;
  }
  return ByIndex(IndexKind::kNamespace, ns);
}

common::Result<std::vector<ObjectPtr>> Informer::ByIndex(IndexKind kind, std::string_view value) const {
  if (!synced_) return NotSynced().error();
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  auto by_kind = index_.find(kind);
  if (by_kind == index_.end()) return out;
  auto entries = by_kind->second.find(value);
  if (entries == by_kind->second.end()) return out;
  out.reserve(entries->second.size());
  for (IndexEntry entry : entries->second) out.push_back(Materialize(entry->second));
  return out;
}

std::string Informer::last_resource_version() const {
  std::shared_lock lock(mutex_);
  return resource_version_;
}

InformerStats Informer::stats() const {
  std::shared_lock lock(mutex_);
  return stats_;
}

}  // namespace airunway::kube
