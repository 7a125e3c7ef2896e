// EventRecorder: writes core/v1 Events about objects ("provider selected", "Deployment
// created", "validation failed") the way client-go's recorder does, without ever blocking
// the reconciler that records them.
//
//   EventRecorder events(client, {.component = "airunway-controller"});
//   events.Start();
//   events.Record(md, EventType::kNormal, "ProviderSelected", "selected provider vllm: ...");
//   ...
//   events.Stop();   // writes what is queued (bounded by drain_timeout), then joins
//
// Each Event carries involvedObject (apiVersion, kind, namespace, name, uid,
// resourceVersion of the object), reason, message, type, source.component/host,
// reportingComponent/reportingInstance, firstTimestamp, lastTimestamp and count, and lives
// in the object's namespace ("default" for cluster-scoped objects). It is named
// "<object name>.<hex nanoseconds>", as client-go names them.
//
// Aggregation: a repeat of the same (object, type, reason, message) within the recorder's
// memory PATCHes the existing Event's count and lastTimestamp instead of creating a new one
// (a level-based reconciler that says the same thing every pass makes one Event with a
// growing count). If that Event is gone (expired, deleted), a new one is created. The memory
// is an LRU of `cache_size` entries.
//
// Never blocking: Record only copies what it needs into a bounded queue; a background thread
// does the API calls. When the queue is full the event is dropped and counted (dropped(),
// and the metric airunway_events_dropped_total when a Registry is given). Write failures
// are logged and counted, never retried into the caller.
//
// Thread-safety: Record from any thread at any time (before Start it queues; after Stop it
// drops). Start/Stop from the owner.
#pragma once

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "controller/runtime/metrics.h"
#include "kube/client.h"

namespace airunway::controller::runtime {

enum class EventType { kNormal, kWarning };

struct EventRecorderOptions {
  std::string component = "airunway-controller";  // source.component, reportingComponent
  std::string host;                 // source.host; empty: this machine's hostname
  std::string reporting_instance;   // empty: component + "-" + host
  std::size_t queue_capacity = 1000;
  std::size_t cache_size = 4096;
  std::chrono::milliseconds drain_timeout{5'000};
  Registry* metrics = nullptr;      // optional; must outlive the recorder
};

class EventRecorder {
 public:
  EventRecorder(std::shared_ptr<kube::Client> client, EventRecorderOptions options = {});
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void Start();
  // Writes what is already queued (up to drain_timeout), then stops. Idempotent.
  void Stop();

  // Never blocks on the network. `object` is the involved object (apiVersion, kind and
  // metadata are read from it).
  void Record(const boost::json::object& object, EventType type, std::string reason, std::string message);

  std::uint64_t dropped() const { return dropped_.load(); }
  std::uint64_t written() const { return written_.load(); }    // creates + patches that succeeded
  std::uint64_t failed() const { return failed_.load(); }      // writes the API refused
  // Events queued but not yet written.
  std::size_t pending() const;

 private:
  struct Pending {
    boost::json::object involved;  // the involvedObject reference
    std::string ns;
    std::string type;
    std::string reason;
    std::string message;
    std::chrono::system_clock::time_point when;
  };
  struct Seen {
    std::string event_name;
    std::string ns;
    std::int64_t count = 0;
    std::string first_timestamp;
    std::list<std::string>::iterator lru;
  };

  void Loop(std::stop_token stop);
  void Write(const Pending& event);
  bool Create(const Pending& event, const std::string& aggregation_key);
  void Remember(const std::string& key, Seen seen);  // LRU insert; caller owns cache (loop thread)

  const std::shared_ptr<kube::Client> client_;
  EventRecorderOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable_any cv_;
  std::deque<Pending> queue_;  // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_
  bool busy_ = false;          // guarded by mutex_; the loop is writing one event

  // Touched only by the loop thread.
  std::unordered_map<std::string, Seen> cache_;
  std::list<std::string> lru_;  // most recent first

  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> failed_{0};
  Counter* dropped_metric_ = nullptr;
  std::jthread thread_;
};

}  // namespace airunway::controller::runtime
