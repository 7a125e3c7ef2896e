#include "kubesim/store.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "common/time.h"
#include "kubesim/names.h"

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

constexpr std::string_view kForegroundFinalizer = "foregroundDeletion";
constexpr std::string_view kNamespaceFinalizer = "kubernetes";
constexpr std::string_view kContinueVersion = "meta.k8s.io/v1";
constexpr std::string_view kContinueExpired =
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter.";

// ---- small JSON accessors over objects the store itself keeps well-formed ----

const json::object* MetaPtr(const json::object& object) {
  const json::value* m = object.if_contains("metadata");
  return m && m->is_object() ? &m->get_object() : nullptr;
}

json::object& MetaOf(json::object& object) {
  json::value& m = object["metadata"];
  if (!m.is_object()) m = json::object();
  return m.get_object();
}

std::string_view StringAt(const json::object* object, std::string_view key) {
  if (!object) return {};
  const json::value* v = object->if_contains(key);
  return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::string_view MetaString(const json::object& object, std::string_view key) {
  return StringAt(MetaPtr(object), key);
}

std::string_view UidOf(const json::object& object) { return MetaString(object, "uid"); }
std::string_view RvOf(const json::object& object) { return MetaString(object, "resourceVersion"); }

bool BeingDeleted(const json::object& object) {
  const json::object* meta = MetaPtr(object);
  const json::value* ts = meta ? meta->if_contains("deletionTimestamp") : nullptr;
  return ts && !ts->is_null();
}

std::vector<std::string> FinalizersOf(const json::object& object) {
  std::vector<std::string> out;
  const json::object* meta = MetaPtr(object);
  const json::value* list = meta ? meta->if_contains("finalizers") : nullptr;
  if (list && list->is_array()) {
    for (const auto& f : list->get_array()) {
      if (f.is_string()) out.emplace_back(f.get_string());
    }
  }
  return out;
}

void SetFinalizers(json::object& object, const std::vector<std::string>& finalizers) {
  json::object& meta = MetaOf(object);
  if (finalizers.empty()) {
    meta.erase("finalizers");
    return;
  }
  json::array list;
  for (const auto& f : finalizers) list.emplace_back(f);
  meta["finalizers"] = std::move(list);
}

bool HasFinalizer(const json::object& object, std::string_view name) {
  auto list = FinalizersOf(object);
  return std::find(list.begin(), list.end(), name) != list.end();
}

struct OwnerRef {
  std::string uid;
  bool block_owner_deletion = false;
};

std::vector<OwnerRef> OwnersOf(const json::object& object) {
  std::vector<OwnerRef> out;
  const json::object* meta = MetaPtr(object);
  const json::value* refs = meta ? meta->if_contains("ownerReferences") : nullptr;
  if (!refs || !refs->is_array()) return out;
  for (const auto& ref : refs->get_array()) {
    if (!ref.is_object()) continue;
    OwnerRef owner;
    owner.uid = std::string(StringAt(&ref.get_object(), "uid"));
    if (owner.uid.empty()) continue;
    if (const auto* b = ref.get_object().if_contains("blockOwnerDeletion"); b && b->is_bool()) {
      owner.block_owner_deletion = b->get_bool();
    }
    out.push_back(std::move(owner));
  }
  return out;
}

std::int64_t GenerationOf(const json::object& object) {
  const json::object* meta = MetaPtr(object);
  const json::value* g = meta ? meta->if_contains("generation") : nullptr;
  return g && g->is_int64() ? g->get_int64() : 0;
}

std::string ApiVersionOf(const StoreResource& resource) {
  return resource.group.empty() ? resource.version : resource.group + "/" + resource.version;
}

bool IsNamespaceResource(const StoreResource& resource) {
  return resource.group.empty() && resource.resource == "namespaces";
}

// True when anything but metadata and status differs: the rule for bumping generation.
bool SpecChanged(const json::object& a, const json::object& b) {
  auto ignored = [](std::string_view key) {
    return key == "metadata" || key == "status" || key == "apiVersion" || key == "kind";
  };
  for (const auto& [key, value] : a) {
    if (ignored(key)) continue;
    const json::value* other = b.if_contains(key);
    if (!other || *other != value) return true;
  }
  for (const auto& [key, value] : b) {
    if (!ignored(key) && !a.if_contains(key)) return true;
  }
  return false;
}

bool SameResource(const StoreResource& a, const StoreResource& b) {
  return a.group == b.group && a.version == b.version && a.resource == b.resource && a.kind == b.kind &&
         a.namespaced == b.namespaced && a.has_status_subresource == b.has_status_subresource &&
         a.extra_field_selectors == b.extra_field_selectors;
}

std::optional<std::uint64_t> ParseRv(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

ApiStatus PreconditionFailed(const StoreResource& resource, std::string_view name, std::string detail) {
  ApiStatus s;
  s.code = 409;
  s.reason = "Conflict";
  s.message = fmt::format("Operation cannot be fulfilled on {} \"{}\": Precondition failed: {}",
                          QualifiedResource(resource.resource, resource.group), name, detail);
  s.name = name;
  s.group = resource.group;
  s.kind = resource.resource;
  return s;
}

// ---- continue tokens: base64url (no padding) of {"v":"meta.k8s.io/v1","rv":N,"start":K} ----

constexpr std::string_view kBase64Chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Chars[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kBase64Chars[(buffer << (6 - bits)) & 0x3f];
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    std::size_t index = kBase64Chars.find(c);
    if (c == '+') index = 62;  // tolerate the standard alphabet too
    if (c == '/') index = 63;
    if (index == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::string EncodeContinue(std::uint64_t rv, std::string_view ns, std::string_view name) {
  json::object token;
  token["v"] = kContinueVersion;
  token["rv"] = rv;
  std::string start = ns.empty() ? std::string(name) : fmt::format("{}/{}", ns, name);
  start.push_back('\0');
  token["start"] = start;
  return Base64UrlEncode(json::serialize(token));
}

struct ContinuePoint {
  std::uint64_t rv = 0;
  std::string ns;
  std::string name;
};

ApiResult<ContinuePoint> DecodeContinue(std::string_view token) {
  auto invalid = [](std::string_view why) {
    return BadRequest(fmt::format("invalid continue token: continue key is not valid: {}", why));
  };
  auto raw = Base64UrlDecode(token);
  if (!raw) return invalid("illegal base64 data");
  boost::system::error_code ec;
  json::value parsed = json::parse(*raw, ec);
  if (ec || !parsed.is_object()) return invalid("the token is not a JSON object");
  const json::object& o = parsed.get_object();
  const json::value* v = o.if_contains("v");
  const json::value* rv = o.if_contains("rv");
  if (!v || !v->is_string() || v->get_string() != kContinueVersion || !rv ||
      !(rv->is_int64() || rv->is_uint64()) || rv->to_number<std::int64_t>() <= 0) {
    return invalid(fmt::format("incorrect encoded start resourceVersion (version {})", kContinueVersion));
  }
  std::string_view start = StringAt(&o, "start");
  if (start.empty()) return invalid("encoded start key empty");
  if (start.back() == '\0') start.remove_suffix(1);
  ContinuePoint point;
  point.rv = rv->to_number<std::uint64_t>();
  std::size_t slash = start.find('/');
  if (slash == std::string_view::npos) {
    point.name = std::string(start);
  } else {
    point.ns = std::string(start.substr(0, slash));
    point.name = std::string(start.substr(slash + 1));
  }
  return point;
}

// Runs a user callback; an exception ends the subscription instead of escaping the store.
template <typename F>
bool SafeCall(F&& f) {
  try {
    return f();
  } catch (...) {
    return false;
  }
}

}  // namespace

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
  }
  return "ERROR";
}

ApiResult<PropagationPolicy> ParsePropagationPolicy(std::string_view text) {
  if (text.empty()) return PropagationPolicy::kDefault;
  if (text == "Background") return PropagationPolicy::kBackground;
  if (text == "Foreground") return PropagationPolicy::kForeground;
  if (text == "Orphan") return PropagationPolicy::kOrphan;
  return Invalid("DeleteOptions", "meta.k8s.io", "",
                 {StatusCause{"FieldValueNotSupported",
                              fmt::format("Unsupported value: \"{}\": supported values: \"Foreground\", "
                                          "\"Background\", \"Orphan\"",
                                          text),
                              "propagationPolicy"}});
}

struct Store::Watcher {
  WatchId id = 0;
  std::uint32_t resource_id = 0;
  std::string api_version;
  std::string kind;
  std::string ns;  // "" = all namespaces
  LabelSelector labels;
  FieldSelector fields;
  bool allow_bookmarks = false;
  WatchCallback callback;
  bool alive = true;

  bool Matches(const json::object& object) const {
    if (!ns.empty() && MetaString(object, "namespace") != ns) return false;
    return labels.Matches(object) && fields.Matches(object);
  }
  bool Send(WatchEventType type, ObjectPtr object) {
    if (!alive) return false;
    WatchEvent event{type, std::move(object)};
    alive = SafeCall([&] { return callback(event); });
    return alive;
  }
};

Store::Store(StoreOptions options) : options_(std::move(options)), random_(std::random_device{}()) {}

Store::~Store() = default;

std::chrono::system_clock::time_point Store::Now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

std::string Store::NewUid() {
  std::uint64_t hi = random_();
  std::uint64_t lo = random_();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                     lo >> 48, lo & 0xffffffffffffULL);
}

std::uint32_t Store::ResourceIdLocked(const StoreResource& resource) {
  auto [it, inserted] = resource_ids_.try_emplace(QualifiedResource(resource.resource, resource.group),
                                                  static_cast<std::uint32_t>(resource_ids_.size() + 1));
  return it->second;
}

Store::Table& Store::TableFor(const StoreResource& resource) {
  std::string key = QualifiedResource(resource.resource, resource.group);
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    auto table = std::make_unique<Table>();
    table->resource = resource;
    table->id = ResourceIdLocked(resource);
    it = tables_.emplace(std::move(key), std::move(table)).first;
  } else if (!SameResource(it->second->resource, resource)) {
    it->second->resource = resource;
  }
  return *it->second;
}

const Store::Table* Store::FindTable(const StoreResource& resource) const {
  auto it = tables_.find(QualifiedResource(resource.resource, resource.group));
  return it == tables_.end() ? nullptr : it->second.get();
}

Store::Table* Store::FindTableByKey(std::string_view key) {
  auto it = tables_.find(std::string(key));
  return it == tables_.end() ? nullptr : it->second.get();
}

ObjectPtr Store::LookupLocked(const Table& table, std::string_view ns, std::string_view name) const {
  auto it = table.by_key.find(KeyView{ns, name});
  return it == table.by_key.end() ? nullptr : it->second;
}

std::vector<std::pair<StoreResource, std::vector<ObjectPtr>>> Store::Snapshot() const {
  std::shared_lock lock(mu_);
  // Namespaces first (everything else needs them on restore), then in first-write order.
  std::vector<const Table*> tables;
  for (const auto& entry : tables_) tables.push_back(entry.second.get());
  std::sort(tables.begin(), tables.end(), [](const Table* a, const Table* b) {
    bool a_ns = IsNamespaceResource(a->resource);
    bool b_ns = IsNamespaceResource(b->resource);
    return a_ns != b_ns ? a_ns : a->id < b->id;
  });
  std::vector<std::pair<StoreResource, std::vector<ObjectPtr>>> out;
  out.reserve(tables.size());
  for (const Table* table : tables) {
    std::vector<ObjectPtr> objects;
    objects.reserve(table->ordered.size());
    for (const auto& [object_key, object] : table->ordered) objects.push_back(object);
    out.emplace_back(table->resource, std::move(objects));
  }
  return out;
}

std::string Store::CurrentResourceVersion() const {
  std::shared_lock lock(mu_);
  return std::to_string(rv_);
}

std::size_t Store::WatcherCount() const {
  std::shared_lock lock(mu_);
  return watchers_.size();
}

// ---------------------------------------------------------------------------------------
// Writes, indexes and events

void Store::IndexLocked(Table& table, const ObjectKey& key, const ObjectPtr& object, const ObjectPtr& previous) {
  table.ordered[key] = object;
  table.by_key[key] = object;
  std::string uid(UidOf(*object));
  by_uid_[uid] = Location{&table, key};
  if (previous) {
    for (const auto& owner : OwnersOf(*previous)) {
      if (auto it = dependents_.find(owner.uid); it != dependents_.end()) {
        it->second.erase(uid);
        if (it->second.empty()) dependents_.erase(it);
      }
    }
  }
  for (const auto& owner : OwnersOf(*object)) dependents_[owner.uid].insert(uid);
}

ObjectPtr Store::CommitLocked(Table& table, const ObjectKey& key, json::object object, ObjectPtr previous) {
  const std::uint64_t rv = ++rv_;
  MetaOf(object)["resourceVersion"] = std::to_string(rv);
  auto stored = std::make_shared<const json::object>(std::move(object));
  IndexLocked(table, key, stored, previous);
  EmitLocked(table, previous ? WatchEventType::kModified : WatchEventType::kAdded, stored, previous, rv);
  return stored;
}

ObjectPtr Store::RemoveLocked(Table& table, const ObjectKey& key, json::object last_state) {
  const std::uint64_t rv = ++rv_;
  MetaOf(last_state)["resourceVersion"] = std::to_string(rv);
  auto removed = std::make_shared<const json::object>(std::move(last_state));
  auto it = table.ordered.find(key);
  if (it != table.ordered.end()) {
    ObjectPtr previous = it->second;
    std::string uid(UidOf(*previous));
    for (const auto& owner : OwnersOf(*previous)) {
      if (auto d = dependents_.find(owner.uid); d != dependents_.end()) {
        d->second.erase(uid);
        if (d->second.empty()) dependents_.erase(d);
      }
    }
    by_uid_.erase(uid);
    table.by_key.erase(key);
    table.ordered.erase(it);
  }
  EmitLocked(table, WatchEventType::kDeleted, removed, nullptr, rv);
  gc_queue_.push_back(removed);
  return removed;
}

void Store::EmitLocked(Table& table, WatchEventType type, ObjectPtr object, ObjectPtr previous, std::uint64_t rv) {
  history_.push_back(HistoryEvent{rv, table.id, type, object, previous});
  const std::size_t limit = std::max<std::size_t>(options_.history_limit, 1);
  while (history_.size() > limit) {
    history_floor_ = history_.front().rv;
    history_.pop_front();
  }
  const HistoryEvent& event = history_.back();
  if (auto it = watchers_by_resource_.find(table.id); it != watchers_by_resource_.end()) {
    ObjectPtr deleted_view;
    bool any_gone = false;
    for (const auto& watcher : it->second) {
      if (watcher->alive && !DeliverLocked(*watcher, event, deleted_view)) any_gone = true;
    }
    if (any_gone) {
      auto& list = it->second;
      for (const auto& w : list) {
        if (!w->alive) watchers_.erase(w->id);
      }
      list.erase(std::remove_if(list.begin(), list.end(), [](const auto& w) { return !w->alive; }), list.end());
    }
  }
  for (const auto& [id, listener] : listeners_) {
    ChangeEvent change{table.resource, type, object, previous};
    try {
      listener(change);
    } catch (...) {
      // A listener's failure must not break the write that triggered it.
    }
  }
}

bool Store::DeliverLocked(Watcher& watcher, const HistoryEvent& event, ObjectPtr& deleted_view) {
  bool now_matches = false;
  bool before_matched = false;
  switch (event.type) {
    case WatchEventType::kAdded: now_matches = watcher.Matches(*event.object); break;
    case WatchEventType::kModified:
      now_matches = watcher.Matches(*event.object);
      before_matched = event.previous && watcher.Matches(*event.previous);
      break;
    case WatchEventType::kDeleted: before_matched = watcher.Matches(*event.object); break;
    case WatchEventType::kBookmark: return true;
  }
  if (now_matches && before_matched) return watcher.Send(WatchEventType::kModified, event.object);
  if (now_matches) return watcher.Send(WatchEventType::kAdded, event.object);
  if (!before_matched) return true;
  if (event.type == WatchEventType::kDeleted) return watcher.Send(WatchEventType::kDeleted, event.object);
  // The object left this watcher's selection: it sees a deletion of the state it knew,
  // stamped with the event's resourceVersion (as the real watch cache does).
  if (!deleted_view) {
    json::object copy = *event.previous;
    MetaOf(copy)["resourceVersion"] = std::to_string(event.rv);
    deleted_view = std::make_shared<const json::object>(std::move(copy));
  }
  return watcher.Send(WatchEventType::kDeleted, deleted_view);
}

// ---------------------------------------------------------------------------------------
// Create

std::optional<ApiStatus> Store::CheckNamespaceForCreateLocked(const StoreResource& resource, std::string_view ns,
                                                              std::string_view name) {
  Table* namespaces = FindTableByKey("namespaces");
  ObjectPtr ns_object = namespaces ? LookupLocked(*namespaces, "", ns) : nullptr;
  if (!ns_object) return NotFound("namespaces", "", ns);
  const json::value* status = ns_object->if_contains("status");
  std::string_view phase = status && status->is_object() ? StringAt(&status->get_object(), "phase") : "";
  if (BeingDeleted(*ns_object) || phase == "Terminating") {
    ApiStatus s;
    s.code = 403;
    s.reason = "Forbidden";
    s.message = fmt::format(
        "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is being terminated",
        QualifiedResource(resource.resource, resource.group), name, ns);
    s.name = name;
    s.group = resource.group;
    s.kind = resource.resource;
    s.causes.push_back(StatusCause{"NamespaceTerminating", fmt::format("namespace {} is being terminated", ns),
                                   "metadata.namespace"});
    return s;
  }
  return std::nullopt;
}

ApiResult<ObjectPtr> Store::Create(const StoreResource& resource, std::string_view ns, json::object object,
                                   const CreateOptions& options) {
  std::unique_lock lock(mu_);
  auto result = CreateLocked(resource, ns, std::move(object), options);
  DrainGcLocked();
  return result;
}

ApiResult<ObjectPtr> Store::CreateLocked(const StoreResource& resource, std::string_view ns, json::object object,
                                         const CreateOptions& options) {
  json::object& meta = MetaOf(object);
  std::string namespace_name;
  if (resource.namespaced) {
    std::string_view body_ns = StringAt(&meta, "namespace");
    if (!ns.empty() && !body_ns.empty() && body_ns != ns) {
      return BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    namespace_name = std::string(ns.empty() ? body_ns : ns);
    if (namespace_name.empty()) return BadRequest("the namespace of the object is required");
  }
  if (options.restore) MetaOf(object).erase("resourceVersion");
  if (!RvOf(object).empty()) return BadRequest("resourceVersion should not be set on objects to be created");

  std::string name(StringAt(&meta, "name"));
  std::string generate_name(StringAt(&meta, "generateName"));
  if (resource.namespaced) {
    if (auto refused = CheckNamespaceForCreateLocked(resource, namespace_name, name.empty() ? generate_name : name)) {
      return *refused;
    }
  }
  Table& table = TableFor(resource);
  if (name.empty()) {
    if (generate_name.empty()) {
      return Invalid(resource.kind, resource.group, "",
                     {RequiredCause("metadata.name", "name or generateName is required")});
    }
    static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    std::string prefix = generate_name.substr(0, std::min(generate_name.size(), kMaxGeneratedNamePrefix));
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::string candidate = prefix;
      for (int i = 0; i < 5; ++i) candidate += kAlphabet[random_() % kAlphabet.size()];
      if (!LookupLocked(table, namespace_name, candidate)) {
        name = std::move(candidate);
        break;
      }
    }
    if (name.empty()) return AlreadyExists(resource.resource, resource.group, prefix);
  }

  std::vector<StatusCause> causes;
  for (auto& message : CheckName(NameRuleFor(resource.group, resource.resource), name)) {
    causes.push_back(InvalidCause("metadata.name", name, message));
  }
  ValidateLabelsAndAnnotations(meta, causes);
  if (!causes.empty()) return Invalid(resource.kind, resource.group, name, std::move(causes));
  if (LookupLocked(table, namespace_name, name)) return AlreadyExists(resource.resource, resource.group, name);

  if (!object.if_contains("apiVersion")) object["apiVersion"] = ApiVersionOf(resource);
  if (!object.if_contains("kind")) object["kind"] = resource.kind;
  json::object& m = MetaOf(object);
  m["name"] = name;
  if (resource.namespaced) {
    m["namespace"] = namespace_name;
  } else {
    m.erase("namespace");
  }
  bool restoring = options.restore && !StringAt(&m, "uid").empty();
  if (!restoring) {
    m["uid"] = NewUid();
    m["creationTimestamp"] = common::FormatRfc3339Seconds(Now());
    m["generation"] = 1;
    m.erase("deletionTimestamp");
    m.erase("deletionGracePeriodSeconds");
  }
  m.erase("resourceVersion");
  if (resource.has_status_subresource && !options.keep_status) object.erase("status");

  if (IsNamespaceResource(resource)) {
    json::value& spec = object["spec"];
    if (!spec.is_object()) spec = json::object();
    if (!spec.get_object().if_contains("finalizers")) spec.get_object()["finalizers"] = json::array{kNamespaceFinalizer};
    json::object status;
    status["phase"] = "Active";
    object["status"] = std::move(status);
    // Inserting into `object` may have moved its members: look metadata up again.
    json::value& labels = MetaOf(object)["labels"];
    if (!labels.is_object()) labels = json::object();
    labels.get_object()["kubernetes.io/metadata.name"] = name;
  }

  if (options.dry_run) return std::make_shared<const json::object>(std::move(object));
  return CommitLocked(table, ObjectKey{namespace_name, name}, std::move(object), nullptr);
}

// ---------------------------------------------------------------------------------------
// Get / update

ApiResult<ObjectPtr> Store::Get(const StoreResource& resource, std::string_view ns, std::string_view name) const {
  std::shared_lock lock(mu_);
  const Table* table = FindTable(resource);
  ObjectPtr found = table ? LookupLocked(*table, resource.namespaced ? ns : std::string_view(), name) : nullptr;
  if (!found) return NotFound(resource.resource, resource.group, name);
  return found;
}

ApiResult<ObjectPtr> Store::Update(const StoreResource& resource, std::string_view ns, std::string_view name,
                                   json::object object, const UpdateOptions& options) {
  return Mutate(
      resource, ns, name, [&](const json::object&) -> ApiResult<json::object> { return std::move(object); }, false,
      options);
}

ApiResult<ObjectPtr> Store::UpdateStatus(const StoreResource& resource, std::string_view ns, std::string_view name,
                                         json::object object, const UpdateOptions& options) {
  UpdateOptions status_options = options;
  status_options.allow_create = false;
  return Mutate(
      resource, ns, name, [&](const json::object&) -> ApiResult<json::object> { return std::move(object); }, true,
      status_options);
}

ApiResult<ObjectPtr> Store::Mutate(const StoreResource& resource, std::string_view ns, std::string_view name,
                                   const Mutator& mutate, bool status_only, const UpdateOptions& options) {
  std::unique_lock lock(mu_);
  auto result = MutateLocked(resource, ns, name, mutate, status_only, options);
  DrainGcLocked();
  return result;
}

ApiResult<ObjectPtr> Store::MutateLocked(const StoreResource& resource, std::string_view ns, std::string_view name,
                                         const Mutator& mutate, bool status_only, const UpdateOptions& options) {
  const std::string namespace_name(resource.namespaced ? ns : std::string_view());
  Table* table = tables_.count(QualifiedResource(resource.resource, resource.group)) ? &TableFor(resource) : nullptr;
  ObjectPtr current = table ? LookupLocked(*table, namespace_name, name) : nullptr;
  if (!current) {
    if (!options.allow_create || status_only) return NotFound(resource.resource, resource.group, name);
    ApiResult<json::object> body = mutate(json::object());
    if (!IsOk(body)) return std::get<1>(std::move(body));
    json::object& created = std::get<0>(body);
    std::string_view body_name = MetaString(created, "name");
    if (!body_name.empty() && body_name != name) {
      return BadRequest(
          fmt::format("the name of the object ({}) does not match the name on the URL ({})", body_name, name));
    }
    if (!RvOf(created).empty()) return NotFound(resource.resource, resource.group, name);
    MetaOf(created)["name"] = std::string(name);
    return CreateLocked(resource, namespace_name, std::move(created), CreateOptions{options.dry_run, false});
  }

  ApiResult<json::object> mutated = mutate(*current);
  if (!IsOk(mutated)) return std::get<1>(std::move(mutated));
  json::object& body = std::get<0>(mutated);
  {
    std::string_view body_name = MetaString(body, "name");
    if (!body_name.empty() && body_name != name) {
      return BadRequest(
          fmt::format("the name of the object ({}) does not match the name on the URL ({})", body_name, name));
    }
    std::string_view body_ns = MetaString(body, "namespace");
    if (resource.namespaced && !body_ns.empty() && body_ns != namespace_name) {
      return BadRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    std::string_view body_rv = RvOf(body);
    if (!body_rv.empty() && body_rv != RvOf(*current)) return ConflictStale(resource.resource, resource.group, name);
  }

  json::object next;
  if (status_only) {
    next = *current;
    if (const json::value* status = body.if_contains("status"); status && !status->is_null()) {
      next["status"] = *status;
    } else {
      next.erase("status");
    }
  } else {
    next = std::move(body);
    json::object& meta = MetaOf(next);
    const json::object* stored_meta = MetaPtr(*current);
    for (std::string_view key : {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                                 "deletionGracePeriodSeconds", "generation"}) {
      const json::value* kept = stored_meta ? stored_meta->if_contains(key) : nullptr;
      if (kept) {
        meta[key] = *kept;
      } else {
        meta.erase(key);
      }
    }
    if (resource.has_status_subresource) {
      if (const json::value* status = current->if_contains("status")) {
        next["status"] = *status;
      } else {
        next.erase("status");
      }
    }
    if (!next.if_contains("apiVersion")) {
      if (const json::value* v = current->if_contains("apiVersion")) next["apiVersion"] = *v;
    }
    if (!next.if_contains("kind")) {
      if (const json::value* v = current->if_contains("kind")) next["kind"] = *v;
    }

    std::vector<StatusCause> causes;
    ValidateLabelsAndAnnotations(MetaOf(next), causes);
    if (BeingDeleted(*current)) {
      auto before = FinalizersOf(*current);
      std::vector<std::string> added;
      for (const auto& f : FinalizersOf(next)) {
        if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back(f);
      }
      if (!added.empty()) {
        std::string list;
        for (const auto& f : added) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", f);
        causes.push_back(ForbiddenCause(
            "metadata.finalizers",
            fmt::format("no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                        list)));
      }
    }
    if (!causes.empty()) return Invalid(resource.kind, resource.group, name, std::move(causes));
    if (SpecChanged(*current, next)) MetaOf(next)["generation"] = GenerationOf(*current) + 1;
  }
  MetaOf(next)["resourceVersion"] = std::string(RvOf(*current));

  if (next == *current) return current;  // a no-op write keeps the resourceVersion, as etcd3 does
  if (options.dry_run) return std::make_shared<const json::object>(std::move(next));
  ObjectKey key{namespace_name, std::string(name)};
  if (BeingDeleted(next) && FinalizersOf(next).empty()) return RemoveLocked(*table, key, std::move(next));
  return CommitLocked(*table, key, std::move(next), current);
}

// ---------------------------------------------------------------------------------------
// Delete and garbage collection

ApiResult<DeleteResult> Store::Delete(const StoreResource& resource, std::string_view ns, std::string_view name,
                                      const DeleteOptions& options) {
  std::unique_lock lock(mu_);
  const std::string namespace_name(resource.namespaced ? ns : std::string_view());
  if (!tables_.count(QualifiedResource(resource.resource, resource.group))) {
    return NotFound(resource.resource, resource.group, name);
  }
  Table& table = TableFor(resource);
  auto result = DeleteLocked(table, ObjectKey{namespace_name, std::string(name)}, options);
  DrainGcLocked();
  return result;
}

ApiResult<DeleteResult> Store::DeleteLocked(Table& table, const ObjectKey& key, const DeleteOptions& options) {
  const StoreResource& resource = table.resource;
  ObjectPtr current = LookupLocked(table, key.ns, key.name);
  if (!current) return NotFound(resource.resource, resource.group, key.name);
  if (options.precondition_uid && *options.precondition_uid != UidOf(*current)) {
    return PreconditionFailed(resource, key.name,
                              fmt::format("UID in precondition: {}, UID in object meta: {}",
                                          *options.precondition_uid, UidOf(*current)));
  }
  if (options.precondition_resource_version && *options.precondition_resource_version != RvOf(*current)) {
    return PreconditionFailed(resource, key.name,
                              fmt::format("ResourceVersion in precondition: {}, ResourceVersion in object meta: {}",
                                          *options.precondition_resource_version, RvOf(*current)));
  }
  if (BeingDeleted(*current)) return DeleteResult{current, false};  // deletion already under way

  const bool is_namespace = IsNamespaceResource(resource);
  PropagationPolicy policy =
      options.propagation == PropagationPolicy::kDefault ? PropagationPolicy::kBackground : options.propagation;
  if (is_namespace) policy = PropagationPolicy::kBackground;
  const bool keeps_object = policy == PropagationPolicy::kForeground || is_namespace || !FinalizersOf(*current).empty();
  if (options.dry_run) return DeleteResult{current, !keeps_object};

  const std::string uid(UidOf(*current));
  auto mark_deleted = [&](json::object& copy) {
    json::object& meta = MetaOf(copy);
    meta["deletionTimestamp"] = common::FormatRfc3339Seconds(Now());
    meta["deletionGracePeriodSeconds"] = 0;
    if (GenerationOf(copy) > 0) meta["generation"] = GenerationOf(copy) + 1;
  };

  if (is_namespace) {
    json::object copy = *current;
    mark_deleted(copy);
    json::value& status = copy["status"];
    if (!status.is_object()) status = json::object();
    status.get_object()["phase"] = "Terminating";
    json::value& spec = copy["spec"];
    if (!spec.is_object()) spec = json::object();
    if (!spec.get_object().if_contains("finalizers")) spec.get_object()["finalizers"] = json::array{kNamespaceFinalizer};
    ObjectPtr marked = CommitLocked(table, key, std::move(copy), current);
    DeleteNamespaceContentLocked(key.name);
    DrainGcLocked();
    MaybeFinishNamespaceLocked(key.name);
    if (ObjectPtr still = LookupLocked(table, key.ns, key.name)) return DeleteResult{still, false};
    ObjectPtr removed = FindDeletedLocked(uid);
    return DeleteResult{removed ? removed : marked, true};
  }

  if (policy == PropagationPolicy::kOrphan) {
    if (auto it = dependents_.find(uid); it != dependents_.end()) {
      std::set<std::string> dependents = it->second;
      for (const auto& dependent : dependents) RemoveOwnerReferenceLocked(dependent, {uid});
    }
  }

  if (policy == PropagationPolicy::kForeground) {
    json::object copy = *current;
    mark_deleted(copy);
    auto finalizers = FinalizersOf(copy);
    if (std::find(finalizers.begin(), finalizers.end(), kForegroundFinalizer) == finalizers.end()) {
      finalizers.emplace_back(kForegroundFinalizer);
    }
    SetFinalizers(copy, finalizers);
    ObjectPtr marked = CommitLocked(table, key, std::move(copy), current);
    std::set<std::string> dependents;
    if (auto it = dependents_.find(uid); it != dependents_.end()) dependents = it->second;
    for (const auto& dependent_uid : dependents) {
      auto loc = by_uid_.find(dependent_uid);
      if (loc == by_uid_.end()) continue;
      Table& dep_table = *loc->second.table;
      ObjectKey dep_key = loc->second.key;
      ObjectPtr dependent = LookupLocked(dep_table, dep_key.ns, dep_key.name);
      if (!dependent) continue;
      // A dependent that still has a live owner is not ours to delete: just let go of it.
      bool other_live_owner = false;
      for (const auto& owner : OwnersOf(*dependent)) {
        if (owner.uid == uid) continue;
        auto other = by_uid_.find(owner.uid);
        if (other == by_uid_.end()) continue;
        ObjectPtr other_obj = LookupLocked(*other->second.table, other->second.key.ns, other->second.key.name);
        if (other_obj && !BeingDeleted(*other_obj)) other_live_owner = true;
      }
      if (other_live_owner) {
        RemoveOwnerReferenceLocked(dependent_uid, {uid});
      } else {
        DeleteOptions cascade;
        cascade.propagation = PropagationPolicy::kForeground;
        (void)DeleteLocked(dep_table, dep_key, cascade);
      }
    }
    DrainGcLocked();
    if (ObjectPtr still = LookupLocked(table, key.ns, key.name)) {
      if (HasFinalizer(*still, kForegroundFinalizer)) MaybeFinishForegroundLocked(uid);
    }
    if (ObjectPtr still = LookupLocked(table, key.ns, key.name)) return DeleteResult{still, false};
    ObjectPtr removed = FindDeletedLocked(uid);
    return DeleteResult{removed ? removed : marked, true};
  }

  if (!FinalizersOf(*current).empty()) {
    json::object copy = *current;
    mark_deleted(copy);
    return DeleteResult{CommitLocked(table, key, std::move(copy), current), false};
  }
  return DeleteResult{RemoveLocked(table, key, *current), true};
}

ObjectPtr Store::FindDeletedLocked(std::string_view uid) const {
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (it->type == WatchEventType::kDeleted && UidOf(*it->object) == uid) return it->object;
  }
  return nullptr;
}

void Store::RemoveOwnerReferenceLocked(const std::string& dependent_uid, const std::set<std::string>& owner_uids) {
  auto loc = by_uid_.find(dependent_uid);
  if (loc == by_uid_.end()) return;
  Table& table = *loc->second.table;
  ObjectKey key = loc->second.key;
  ObjectPtr current = LookupLocked(table, key.ns, key.name);
  if (!current) return;
  json::object copy = *current;
  json::object& meta = MetaOf(copy);
  json::value* refs = meta.if_contains("ownerReferences");
  if (!refs || !refs->is_array()) return;
  json::array kept;
  for (const auto& ref : refs->get_array()) {
    std::string_view uid = ref.is_object() ? StringAt(&ref.get_object(), "uid") : std::string_view();
    if (!owner_uids.count(std::string(uid))) kept.push_back(ref);
  }
  if (kept.size() == refs->get_array().size()) return;
  if (kept.empty()) {
    meta.erase("ownerReferences");
  } else {
    *refs = std::move(kept);
  }
  CommitLocked(table, key, std::move(copy), current);
}

void Store::DrainGcLocked() {
  while (!gc_queue_.empty()) {
    ObjectPtr removed = std::move(gc_queue_.front());
    gc_queue_.pop_front();
    const std::string uid(UidOf(*removed));

    // Dependents whose every owner is gone are deleted; those with a live owner only drop
    // the dangling references (what the real garbage collector does).
    std::set<std::string> dependents;
    if (auto it = dependents_.find(uid); it != dependents_.end()) {
      dependents = std::move(it->second);
      dependents_.erase(it);
    }
    for (const auto& dependent_uid : dependents) {
      auto loc = by_uid_.find(dependent_uid);
      if (loc == by_uid_.end()) continue;
      Table& table = *loc->second.table;
      ObjectKey key = loc->second.key;
      ObjectPtr dependent = LookupLocked(table, key.ns, key.name);
      if (!dependent) continue;
      bool solid_owner = false;
      bool owner_in_foreground = false;
      std::set<std::string> dangling;
      for (const auto& owner : OwnersOf(*dependent)) {
        auto other = by_uid_.find(owner.uid);
        if (other == by_uid_.end()) {
          dangling.insert(owner.uid);
          continue;
        }
        ObjectPtr owner_obj = LookupLocked(*other->second.table, other->second.key.ns, other->second.key.name);
        if (owner_obj && BeingDeleted(*owner_obj) && HasFinalizer(*owner_obj, kForegroundFinalizer)) {
          owner_in_foreground = true;
        } else {
          solid_owner = true;
        }
      }
      if (solid_owner) {
        RemoveOwnerReferenceLocked(dependent_uid, dangling);
      } else {
        DeleteOptions cascade;
        cascade.propagation = owner_in_foreground ? PropagationPolicy::kForeground : PropagationPolicy::kBackground;
        (void)DeleteLocked(table, key, cascade);
      }
    }

    // Owners deleting in the foreground may have been waiting for this dependent.
    for (const auto& owner : OwnersOf(*removed)) MaybeFinishForegroundLocked(owner.uid);

    // A terminating namespace goes once its last object has.
    std::string ns(MetaString(*removed, "namespace"));
    if (!ns.empty()) MaybeFinishNamespaceLocked(ns);
  }
}

void Store::MaybeFinishForegroundLocked(const std::string& uid) {
  auto loc = by_uid_.find(uid);
  if (loc == by_uid_.end()) return;
  Table& table = *loc->second.table;
  ObjectKey key = loc->second.key;
  ObjectPtr owner = LookupLocked(table, key.ns, key.name);
  if (!owner || !BeingDeleted(*owner) || !HasFinalizer(*owner, kForegroundFinalizer)) return;
  if (auto it = dependents_.find(uid); it != dependents_.end()) {
    for (const auto& dependent_uid : it->second) {
      auto dep = by_uid_.find(dependent_uid);
      if (dep == by_uid_.end()) continue;
      ObjectPtr dependent = LookupLocked(*dep->second.table, dep->second.key.ns, dep->second.key.name);
      if (!dependent) continue;
      for (const auto& ref : OwnersOf(*dependent)) {
        if (ref.uid == uid && ref.block_owner_deletion) return;  // still blocked
      }
    }
  }
  json::object copy = *owner;
  auto finalizers = FinalizersOf(copy);
  finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), kForegroundFinalizer), finalizers.end());
  SetFinalizers(copy, finalizers);
  if (finalizers.empty()) {
    RemoveLocked(table, key, std::move(copy));
  } else {
    CommitLocked(table, key, std::move(copy), owner);
  }
}

void Store::DeleteNamespaceContentLocked(const std::string& ns) {
  std::vector<std::pair<Table*, ObjectKey>> victims;
  for (auto& [name, table] : tables_) {
    if (!table->resource.namespaced) continue;
    for (auto it = table->ordered.lower_bound(KeyView{ns, ""}); it != table->ordered.end() && it->first.ns == ns;
         ++it) {
      victims.emplace_back(table.get(), it->first);
    }
  }
  for (const auto& [table, key] : victims) {
    if (!LookupLocked(*table, key.ns, key.name)) continue;  // already collected
    (void)DeleteLocked(*table, key, DeleteOptions{});
  }
}

void Store::MaybeFinishNamespaceLocked(const std::string& ns) {
  Table* namespaces = FindTableByKey("namespaces");
  if (!namespaces) return;
  ObjectPtr ns_object = LookupLocked(*namespaces, "", ns);
  if (!ns_object || !BeingDeleted(*ns_object)) return;
  for (const auto& [name, table] : tables_) {
    if (!table->resource.namespaced) continue;
    auto it = table->ordered.lower_bound(KeyView{ns, ""});
    if (it != table->ordered.end() && it->first.ns == ns) return;  // content remains
  }
  json::object copy = *ns_object;
  if (json::value* spec = copy.if_contains("spec"); spec && spec->is_object()) {
    spec->get_object()["finalizers"] = json::array();
  }
  ObjectKey key{"", ns};
  if (FinalizersOf(copy).empty()) {
    RemoveLocked(*namespaces, key, std::move(copy));
  } else if (copy != *ns_object) {
    CommitLocked(*namespaces, key, std::move(copy), ns_object);
  }
}

ApiResult<std::vector<ObjectPtr>> Store::DeleteCollection(const StoreResource& resource, std::string_view ns,
                                                          const ListOptions& list, const DeleteOptions& options) {
  ListOptions all = list;
  all.limit = 0;
  all.continue_token.clear();
  auto listed = List(resource, ns, all);
  if (!IsOk(listed)) return std::get<1>(std::move(listed));
  std::unique_lock lock(mu_);
  std::vector<ObjectPtr> deleted;
  if (!tables_.count(QualifiedResource(resource.resource, resource.group))) return deleted;
  Table& table = TableFor(resource);
  for (const auto& item : std::get<0>(listed).items) {
    ObjectKey key{std::string(MetaString(*item, "namespace")), std::string(MetaString(*item, "name"))};
    ObjectPtr current = LookupLocked(table, key.ns, key.name);
    if (!current || UidOf(*current) != UidOf(*item)) continue;  // changed since the listing
    auto result = DeleteLocked(table, key, options);
    if (IsOk(result)) deleted.push_back(std::get<0>(result).object);
  }
  DrainGcLocked();
  return deleted;
}

void Store::DropResource(std::string_view group, std::string_view resource) {
  std::unique_lock lock(mu_);
  auto it = tables_.find(QualifiedResource(resource, group));
  if (it == tables_.end()) return;
  Table& table = *it->second;
  std::vector<ObjectKey> keys;
  keys.reserve(table.ordered.size());
  for (const auto& [key, object] : table.ordered) keys.push_back(key);
  for (const auto& key : keys) {
    if (ObjectPtr current = LookupLocked(table, key.ns, key.name)) RemoveLocked(table, key, *current);
  }
  DrainGcLocked();
  // Garbage collection cannot have re-created objects of this resource; forget the table.
  tables_.erase(QualifiedResource(resource, group));
}

// ---------------------------------------------------------------------------------------
// List

ApiResult<ListResult> Store::List(const StoreResource& resource, std::string_view ns,
                                  const ListOptions& options) const {
  auto labels = LabelSelector::Parse(options.label_selector);
  if (!IsOk(labels)) return std::get<1>(std::move(labels));
  auto fields = FieldSelector::Parse(options.field_selector);
  if (!IsOk(fields)) return std::get<1>(std::move(fields));
  if (auto unsupported = std::get<0>(fields).CheckSupported(resource.extra_field_selectors)) return *unsupported;
  std::optional<ContinuePoint> from;
  if (!options.continue_token.empty()) {
    auto decoded = DecodeContinue(options.continue_token);
    if (!IsOk(decoded)) return std::get<1>(std::move(decoded));
    from = std::get<0>(std::move(decoded));
  }
  if (options.limit < 0) return BadRequest("limit must be a non-negative number");
  const LabelSelector& label_selector = std::get<0>(labels);
  const FieldSelector& field_selector = std::get<0>(fields);
  const std::string_view scope = resource.namespaced ? ns : std::string_view();

  std::shared_lock lock(mu_);
  ListResult result;
  if (from) {
    if (from->rv < history_floor_) return Gone(std::string(kContinueExpired));
    // Later pages report the first page's version, so a client that watches from it
    // replays whatever changed while it paged and converges.
    result.resource_version = std::to_string(from->rv);
  } else {
    result.resource_version = std::to_string(rv_);
  }
  const Table* table = FindTable(resource);
  if (!table) return result;

  auto it = table->ordered.begin();
  if (from) {
    it = table->ordered.upper_bound(KeyView{from->ns, from->name});
    if (!scope.empty() && it != table->ordered.end() && it->first.ns < scope) it = table->ordered.lower_bound(KeyView{scope, ""});
  } else if (!scope.empty()) {
    it = table->ordered.lower_bound(KeyView{scope, ""});
  }
  const bool filtered = !label_selector.Empty() || !field_selector.Empty();
  const auto limit = static_cast<std::size_t>(options.limit);
  for (; it != table->ordered.end(); ++it) {
    if (!scope.empty() && it->first.ns != scope) break;
    const json::object& object = *it->second;
    if (filtered && !(label_selector.Matches(object) && field_selector.Matches(object))) continue;
    if (limit > 0 && result.items.size() == limit) break;  // one more match: cut the page here
    result.items.push_back(it->second);
  }
  if (limit > 0 && result.items.size() == limit && it != table->ordered.end() &&
      (scope.empty() || it->first.ns == scope)) {
    const json::object& last = *result.items.back();
    std::uint64_t token_rv = from ? from->rv : rv_;
    result.continue_token = EncodeContinue(token_rv, resource.namespaced ? MetaString(last, "namespace") : "",
                                           MetaString(last, "name"));
    if (!filtered) {
      std::int64_t remaining = 0;
      for (auto rest = it; rest != table->ordered.end() && (scope.empty() || rest->first.ns == scope); ++rest) {
        ++remaining;
      }
      result.remaining_item_count = remaining;
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Watch

ObjectPtr Store::MakeBookmark(const Watcher& watcher, bool initial_events_end) const {
  json::object bookmark;
  bookmark["kind"] = watcher.kind;
  bookmark["apiVersion"] = watcher.api_version;
  json::object meta;
  meta["resourceVersion"] = std::to_string(rv_);
  if (initial_events_end) {
    json::object annotations;
    annotations["k8s.io/initial-events-end"] = "true";
    meta["annotations"] = std::move(annotations);
  }
  bookmark["metadata"] = std::move(meta);
  return std::make_shared<const json::object>(std::move(bookmark));
}

ApiResult<WatchId> Store::Watch(const StoreResource& resource, std::string_view ns, const WatchOptions& options,
                                WatchCallback callback) {
  auto labels = LabelSelector::Parse(options.label_selector);
  if (!IsOk(labels)) return std::get<1>(std::move(labels));
  auto fields = FieldSelector::Parse(options.field_selector);
  if (!IsOk(fields)) return std::get<1>(std::move(fields));
  if (auto unsupported = std::get<0>(fields).CheckSupported(resource.extra_field_selectors)) return *unsupported;

  std::unique_lock lock(mu_);
  const bool initial = options.send_initial_events || options.resource_version.empty() ||
                       options.resource_version == "0";
  std::uint64_t from = 0;
  if (!initial) {
    auto parsed = ParseRv(options.resource_version);
    if (!parsed) return BadRequest(fmt::format("invalid resource version: {}", options.resource_version));
    from = *parsed;
    if (from < history_floor_) {
      return Gone(fmt::format("too old resource version: {} ({})", from, history_floor_));
    }
    if (from > rv_) {
      ApiStatus s;
      s.code = 504;
      s.reason = "Timeout";
      s.message = fmt::format("Too large resource version: {}, current: {}", from, rv_);
      s.causes.push_back(StatusCause{"ResourceVersionTooLarge", "Too large resource version", ""});
      s.retry_after_seconds = 1;
      return s;
    }
  }

  auto watcher = std::make_shared<Watcher>();
  watcher->id = next_watch_id_++;
  watcher->resource_id = ResourceIdLocked(resource);
  watcher->api_version = ApiVersionOf(resource);
  watcher->kind = resource.kind;
  watcher->ns = resource.namespaced ? std::string(ns) : std::string();
  watcher->labels = std::get<0>(std::move(labels));
  watcher->fields = std::get<0>(std::move(fields));
  watcher->allow_bookmarks = options.allow_bookmarks;
  watcher->callback = std::move(callback);

  bool alive = true;
  if (initial) {
    if (const Table* table = FindTable(resource)) {
      auto it = watcher->ns.empty() ? table->ordered.begin() : table->ordered.lower_bound(KeyView{watcher->ns, ""});
      for (; alive && it != table->ordered.end(); ++it) {
        if (!watcher->ns.empty() && it->first.ns != watcher->ns) break;
        if (watcher->Matches(*it->second)) alive = watcher->Send(WatchEventType::kAdded, it->second);
      }
    }
    if (alive && options.send_initial_events && options.allow_bookmarks) {
      alive = watcher->Send(WatchEventType::kBookmark, MakeBookmark(*watcher, true));
    }
  } else {
    auto it = std::upper_bound(history_.begin(), history_.end(), from,
                               [](std::uint64_t rv, const HistoryEvent& e) { return rv < e.rv; });
    for (; alive && it != history_.end(); ++it) {
      if (it->resource_id != watcher->resource_id) continue;
      ObjectPtr deleted_view;
      alive = DeliverLocked(*watcher, *it, deleted_view);
    }
  }
  if (alive) {
    watchers_.emplace(watcher->id, watcher);
    watchers_by_resource_[watcher->resource_id].push_back(watcher);
  }
  return watcher->id;
}

void Store::StopWatch(WatchId id) {
  std::unique_lock lock(mu_);
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return;
  std::shared_ptr<Watcher> watcher = it->second;
  watcher->alive = false;
  watchers_.erase(it);
  auto& list = watchers_by_resource_[watcher->resource_id];
  list.erase(std::remove(list.begin(), list.end(), watcher), list.end());
}

bool Store::SendBookmark(WatchId id) {
  std::unique_lock lock(mu_);
  auto it = watchers_.find(id);
  if (it == watchers_.end()) return false;
  std::shared_ptr<Watcher> watcher = it->second;
  if (!watcher->allow_bookmarks) return true;
  if (watcher->Send(WatchEventType::kBookmark, MakeBookmark(*watcher, false))) return true;
  watchers_.erase(it);
  auto& list = watchers_by_resource_[watcher->resource_id];
  list.erase(std::remove(list.begin(), list.end(), watcher), list.end());
  return false;
}

void Store::SendBookmarks() {
  std::unique_lock lock(mu_);
  std::vector<std::shared_ptr<Watcher>> gone;
  for (const auto& [id, watcher] : watchers_) {
    if (watcher->allow_bookmarks && !watcher->Send(WatchEventType::kBookmark, MakeBookmark(*watcher, false))) {
      gone.push_back(watcher);
    }
  }
  for (const auto& watcher : gone) {
    watchers_.erase(watcher->id);
    auto& list = watchers_by_resource_[watcher->resource_id];
    list.erase(std::remove(list.begin(), list.end(), watcher), list.end());
  }
}

ListenerId Store::AddListener(ChangeListener listener) {
  std::unique_lock lock(mu_);
  ListenerId id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Store::RemoveListener(ListenerId id) {
  std::unique_lock lock(mu_);
  listeners_.erase(id);
}

}  // namespace airunway::kubesim
