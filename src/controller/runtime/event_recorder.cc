#include "controller/runtime/event_recorder.h"

#include <unistd.h>

#include <cstdio>

#include "common/json.h"
#include "common/logging.h"
#include "common/time.h"
#include "kube/errors.h"

namespace airunway::controller::runtime {

namespace {

std::string Hostname() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "unknown";
  return host;
}

std::string MetaString(const boost::json::object& object, std::string_view key) {
  const auto* value = common::FindPath(object, {"metadata", key});
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

void SetIfPresent(boost::json::object& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

}  // namespace

EventRecorder::EventRecorder(std::shared_ptr<kube::Client> client, EventRecorderOptions options)
    : client_(std::move(client)), options_(std::move(options)) {
  if (options_.host.empty()) options_.host = Hostname();
  if (options_.reporting_instance.empty()) options_.reporting_instance = options_.component + "-" + options_.host;
  if (options_.metrics != nullptr) {
    dropped_metric_ = &options_.metrics
                           ->AddCounter("airunway_events_dropped_total",
                                        "Kubernetes Events dropped because the recorder's queue was full")
                           .WithLabels(std::vector<std::string>{});
  }
}

EventRecorder::~EventRecorder() { Stop(); }

void EventRecorder::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

void EventRecorder::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  queue_.clear();
}

std::size_t EventRecorder::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + (busy_ ? 1 : 0);
}

void EventRecorder::Record(const boost::json::object& object, EventType type, std::string reason,
                           std::string message) {
  Pending event;
  const std::string api_version(common::GetString(object, "apiVersion").value_or(""));
  SetIfPresent(event.involved, "apiVersion", api_version);
  SetIfPresent(event.involved, "kind", std::string(common::GetString(object, "kind").value_or("")));
  const std::string ns = MetaString(object, "namespace");
  SetIfPresent(event.involved, "namespace", ns);
  SetIfPresent(event.involved, "name", MetaString(object, "name"));
  SetIfPresent(event.involved, "uid", MetaString(object, "uid"));
  SetIfPresent(event.involved, "resourceVersion", MetaString(object, "resourceVersion"));
  event.ns = ns.empty() ? "default" : ns;
  event.type = type == EventType::kWarning ? "Warning" : "Normal";
  event.reason = std::move(reason);
  event.message = std::move(message);
  event.when = std::chrono::system_clock::now();

  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < options_.queue_capacity) {
      queue_.push_back(std::move(event));
      cv_.notify_one();
      return;
    }
  }
  dropped_++;
  if (dropped_metric_ != nullptr) dropped_metric_->Inc();
}

void EventRecorder::Loop(std::stop_token stop) {
  std::optional<std::chrono::steady_clock::time_point> drain_deadline;
  while (!stop.stop_requested()) {
    Pending event;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, stop, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_ && !drain_deadline) drain_deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
      if (queue_.empty()) {
        if (stopping_) return;
        continue;
      }
      if (drain_deadline && std::chrono::steady_clock::now() >= *drain_deadline) return;
      event = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    Write(event);
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
}

void EventRecorder::Remember(const std::string& key, Seen seen) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    lru_.erase(it->second.lru);
    cache_.erase(it);
  }
  lru_.push_front(key);
  seen.lru = lru_.begin();
  cache_.emplace(key, std::move(seen));
  while (cache_.size() > options_.cache_size && !lru_.empty()) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

bool EventRecorder::Create(const Pending& event, const std::string& aggregation_key) {
  const std::string timestamp = common::FormatRfc3339Seconds(event.when);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(event.when.time_since_epoch()).count();
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), ".%llx", static_cast<unsigned long long>(nanos));
  std::string base(common::GetString(event.involved, "name").value_or(""));
  if (base.empty()) base = "event";
  const std::string name = base + suffix;

  boost::json::object body{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", name}, {"namespace", event.ns}}},
      {"involvedObject", event.involved},
      {"reason", event.reason},
      {"message", event.message},
      {"type", event.type},
      {"source", {{"component", options_.component}, {"host", options_.host}}},
      {"reportingComponent", options_.component},
      {"reportingInstance", options_.reporting_instance},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1}};
  auto created = client_->Create(kube::kEvents, event.ns, body);
  if (!created) {
    failed_++;
    common::LogWarn("cannot write event", {{"reason", event.reason}, {"object", base}, {"error", created.error().message}});
    return false;
  }
  written_++;
  Remember(aggregation_key, Seen{name, event.ns, 1, timestamp, {}});
  return true;
}

void EventRecorder::Write(const Pending& event) {
  std::string key;
  for (const auto* field : {"kind", "namespace", "name", "uid"}) {
    key += common::GetString(event.involved, field).value_or("");
    key += '\x1f';
  }
  key += event.type + '\x1f' + event.reason + '\x1f' + event.message;

  auto it = cache_.find(key);
  if (it == cache_.end()) {
    Create(event, key);
    return;
  }
  Seen seen = it->second;
  const std::int64_t count = seen.count + 1;
  boost::json::object patch{{"count", count}, {"lastTimestamp", common::FormatRfc3339Seconds(event.when)}};
  auto patched = client_->Patch(kube::kEvents, seen.ns, seen.event_name, kube::PatchType::kMerge,
                                common::ToJson(patch));
  if (patched) {
    written_++;
    seen.count = count;
    Remember(key, std::move(seen));
    return;
  }
  if (kube::IsNotFound(patched.error())) {
    Create(event, key);  // the aggregated Event expired or was deleted: start a new one
    return;
  }
  failed_++;
  common::LogWarn("cannot update event", {{"reason", event.reason}, {"event", seen.event_name},
                                          {"error", patched.error().message}});
}

}  // namespace airunway::controller::runtime
