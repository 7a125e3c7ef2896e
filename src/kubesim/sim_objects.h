// Shared plumbing of the simulated controllers: the StoreResources they read and write, small
// never-throwing JSON accessors for Kubernetes objects, and an EventRecorder that writes
// core/v1 Events the way the real components do (one Event per involved object, reason and
// message, its count bumped on repeats).
//
// Ownership: SimResources is a plain value. EventRecorder borrows the Store (which must
// outlive it) and owns a small cache of recent events.
//
// Thread-safety: the free functions are pure. EventRecorder::Record may be called from any
// thread (a mutex guards its cache); it writes to the Store and so must never be called from
// a store listener.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "kubesim/registry.h"
#include "kubesim/store.h"

namespace airunway::kubesim {

// Converts a served type into the StoreResource the store keys it by. The HTTP front's
// ApiServer::StoreResourceFor is the authority; SimStoreResourceFor is an equivalent used
// until (and unless) the owner passes that one in.
using StoreResourceFn = std::function<StoreResource(const ResourceType&)>;
StoreResource SimStoreResourceFor(const ResourceType& type);

// The resources the simulation touches.
struct SimResources {
  StoreResource namespaces, nodes, pods, events, services, endpoints, configmaps;
  StoreResource deployments, replicasets, statefulsets, daemonsets, jobs;

  // Looks every resource up in `registry` (built-in types) and converts it with `convert`
  // (default SimStoreResourceFor).
  static SimResources From(const Registry& registry, const StoreResourceFn& convert = {});
  // From a fresh built-in Registry: for tests and tools without an ApiServer.
  static SimResources Builtin();
};

// ---- JSON accessors: never throw, "" / nullptr / fallback when a step is missing ----
namespace simjson {

const boost::json::object* Obj(const boost::json::object& o, std::string_view key);
const boost::json::array* Arr(const boost::json::object& o, std::string_view key);
std::string Str(const boost::json::object& o, std::string_view key);
std::int64_t Int(const boost::json::object& o, std::string_view key, std::int64_t fallback);
// Object at a dotted-free key path ("spec", "template"); nullptr when missing.
const boost::json::object* ObjAt(const boost::json::object& o, std::initializer_list<std::string_view> path);
// Creates the object at `key` when missing (or not an object) and returns it.
boost::json::object& EnsureObj(boost::json::object& o, std::string_view key);

const boost::json::object& Meta(const boost::json::object& o);  // empty object when missing
std::string Name(const boost::json::object& o);
std::string Namespace(const boost::json::object& o);
std::string Uid(const boost::json::object& o);
std::int64_t Generation(const boost::json::object& o);
bool BeingDeleted(const boost::json::object& o);
const boost::json::object* Labels(const boost::json::object& o);
// The uid of the controller owner reference (controller: true) of `kind`, or "".
std::string ControllerUid(const boost::json::object& o, std::string_view kind);
// The name of that owner, or "".
std::string ControllerName(const boost::json::object& o, std::string_view kind);
// An ownerReferences entry making `owner` the controller of a dependent.
boost::json::object ControllerRef(const boost::json::object& owner);
// A condition of status.conditions by type; nullptr when absent.
const boost::json::object* Condition(const boost::json::object& o, std::string_view type);
// Sets (or replaces) a condition in `status`. An identical condition (status, reason and
// message) is left untouched; a changed one keeps lastTransitionTime when the status string
// is unchanged. Extra fields (lastUpdateTime, lastProbeTime) come from `fields`.
void SetCondition(boost::json::object& status, std::string_view type, std::string_view condition_status,
                  std::string_view reason, std::string_view message, const std::string& now,
                  boost::json::object fields = {});
bool PodReady(const boost::json::object& pod);
std::string PodPhase(const boost::json::object& pod);
// A pod that still counts toward its controller: not Succeeded/Failed, not being deleted.
bool PodActive(const boost::json::object& pod);
// Simple glob: '*' matches any run, '?' one character.
bool GlobMatch(std::string_view pattern, std::string_view text);
// A stable short hash, encoded with the alphabet Kubernetes uses for generated names
// ("bcdfghjklmnpqrstvwxz2456789"), for pod-template-hash and controller revisions.
std::string ShortHash(std::string_view text, std::size_t length = 10);
// Five random characters of that alphabet (generated pod-name suffixes).
std::string RandomSuffix();

}  // namespace simjson

std::string NowRfc3339();

// Who reports an event: the component ("kubelet", "default-scheduler",
// "deployment-controller") and, for node-local components, the node.
struct EventSource {
  std::string component;
  std::string host;
};

class EventRecorder {
 public:
  EventRecorder(Store& store, StoreResource events);

  // Records `reason`/`message` (type "Normal" or "Warning") about `involved` (a full object:
  // kind, apiVersion, metadata.name/namespace/uid/resourceVersion are copied). A repeat of the
  // same (object, reason, message, fieldPath) bumps count and lastTimestamp. Failures (the
  // namespace is gone) are ignored: events are best-effort in Kubernetes too.
  void Record(const boost::json::object& involved, std::string_view type, std::string_view reason,
              std::string_view message, const EventSource& source, std::string_view field_path = "");

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  Store& store_;
  const StoreResource events_;
  std::mutex mu_;
  std::map<Key, std::string> recent_;  // guarded by mu_: key -> name of the Event
};

}  // namespace airunway::kubesim
