#include "kubesim/sim_scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;
using namespace simjson;

struct Taint {
  std::string key, value, effect;
};

std::vector<Taint> EffectiveTaints(const json::object& node) {
  std::vector<Taint> out;
  bool has_not_ready = false;
  if (const json::object* spec = Obj(node, "spec")) {
    if (const json::array* taints = Arr(*spec, "taints")) {
      for (const json::value& v : *taints) {
        if (!v.is_object()) continue;
        Taint t{Str(v.get_object(), "key"), Str(v.get_object(), "value"), Str(v.get_object(), "effect")};
        if (t.key == "node.kubernetes.io/not-ready") has_not_ready = true;
        out.push_back(std::move(t));
      }
    }
  }
  const json::object* ready = Condition(node, "Ready");
  if (!has_not_ready && (!ready || Str(*ready, "status") != "True")) {
    // What the node lifecycle controller would add for a NotReady node.
    out.push_back({"node.kubernetes.io/not-ready", "", "NoSchedule"});
  }
  return out;
}

bool Tolerates(const json::object& toleration, const Taint& taint) {
  const std::string effect = Str(toleration, "effect");
  if (!effect.empty() && effect != taint.effect) return false;
  const std::string key = Str(toleration, "key");
  std::string op = Str(toleration, "operator");
  if (op.empty()) op = "Equal";
  if (key.empty()) return op == "Exists";
  if (key != taint.key) return false;
  if (op == "Exists") return true;
  return op == "Equal" && Str(toleration, "value") == taint.value;
}

bool ToleratesAll(const json::object& pod_spec, const Taint& taint) {
  const json::array* tolerations = Arr(pod_spec, "tolerations");
  if (!tolerations) return false;
  for (const json::value& v : *tolerations) {
    if (v.is_object() && Tolerates(v.get_object(), taint)) return true;
  }
  return false;
}

bool MatchExpression(const json::object& expr, const json::object* labels, std::string_view field_name = {},
                     bool fields = false) {
  const std::string key = Str(expr, "key");
  const std::string op = Str(expr, "operator");
  std::optional<std::string> value;
  if (fields) {
    if (key == "metadata.name") value = std::string(field_name);
  } else if (labels) {
    if (const json::value* v = labels->if_contains(key); v && v->is_string()) value = std::string(v->get_string());
  }
  std::vector<std::string> values;
  if (const json::array* vs = Arr(expr, "values")) {
    for (const json::value& v : *vs) {
      if (v.is_string()) values.emplace_back(v.get_string());
    }
  }
  auto in = [&] { return value && std::find(values.begin(), values.end(), *value) != values.end(); };
  if (op == "In") return in();
  if (op == "NotIn") return !in();
  if (op == "Exists") return value.has_value();
  if (op == "DoesNotExist") return !value.has_value();
  if (op == "Gt" || op == "Lt") {
    if (!value || values.size() != 1) return false;
    try {
      long long have = std::stoll(*value), want = std::stoll(values[0]);
      return op == "Gt" ? have > want : have < want;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

bool MatchesNodeAffinity(const json::object& pod_spec, const json::object& node) {
  const json::object* labels = Labels(node);
  if (const json::object* selector = Obj(pod_spec, "nodeSelector")) {
    for (const auto& [k, v] : *selector) {
      const json::value* have = labels ? labels->if_contains(k) : nullptr;
      if (!have || !v.is_string() || !have->is_string() || have->get_string() != v.get_string()) return false;
    }
  }
  const json::object* required =
      ObjAt(pod_spec, {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (!required) return true;
  const json::array* terms = Arr(*required, "nodeSelectorTerms");
  if (!terms) return true;
  const std::string name = Name(node);
  for (const json::value& tv : *terms) {
    if (!tv.is_object()) continue;
    const json::array* exprs = Arr(tv.get_object(), "matchExpressions");
    const json::array* fields = Arr(tv.get_object(), "matchFields");
    if ((!exprs || exprs->empty()) && (!fields || fields->empty())) continue;  // matches nothing
    bool ok = true;
    if (exprs) {
      for (const json::value& e : *exprs) ok = ok && e.is_object() && MatchExpression(e.get_object(), labels);
    }
    if (fields) {
      for (const json::value& e : *fields) ok = ok && e.is_object() && MatchExpression(e.get_object(), nullptr, name, true);
    }
    if (ok) return true;
  }
  return false;
}

void AddRequests(std::map<std::string, Quantity>& into, const json::object& container) {
  const json::object* resources = Obj(container, "resources");
  if (!resources) return;
  const json::object* requests = Obj(*resources, "requests");
  const json::object* limits = Obj(*resources, "limits");
  std::set<std::string> names;
  if (requests) for (const auto& [k, _] : *requests) names.insert(std::string(k));
  if (limits) for (const auto& [k, _] : *limits) names.insert(std::string(k));
  for (const std::string& name : names) {
    const json::value* v = requests ? requests->if_contains(name) : nullptr;
    if (!v && limits) v = limits->if_contains(name);
    std::optional<Quantity> q;
    if (v && v->is_string()) q = ParseQuantity(v->get_string());
    if (v && v->is_int64()) q = Quantity{v->get_int64() * 1000};
    if (q) into[name] = into[name] + *q;
  }
}

std::map<std::string, Quantity> Allocatable(const json::object& node) {
  std::map<std::string, Quantity> out;
  const json::object* status = Obj(node, "status");
  const json::object* alloc = status ? Obj(*status, "allocatable") : nullptr;
  if (!alloc && status) alloc = Obj(*status, "capacity");
  if (!alloc) return out;
  for (const auto& [k, v] : *alloc) {
    std::optional<Quantity> q;
    if (v.is_string()) q = ParseQuantity(v.get_string());
    if (v.is_int64()) q = Quantity{v.get_int64() * 1000};
    if (q) out[std::string(k)] = *q;
  }
  return out;
}

// The resources in the order the NodeResourcesFit plugin reports them.
int ResourceOrder(const std::string& name) {
  if (name == "cpu") return 0;
  if (name == "memory") return 1;
  if (name == "ephemeral-storage") return 2;
  return 3;
}

}  // namespace

bool MatchesNodeSelection(const json::object& pod_spec, const json::object& node) {
  return MatchesNodeAffinity(pod_spec, node);
}

bool ToleratesNodeTaints(const json::object& pod_spec, const json::object& node) {
  for (const Taint& t : EffectiveTaints(node)) {
    if ((t.effect == "NoSchedule" || t.effect == "NoExecute") && !ToleratesAll(pod_spec, t)) return false;
  }
  return true;
}

std::map<std::string, Quantity> PodRequests(const json::object& pod) {
  std::map<std::string, Quantity> sum;
  const json::object* spec = Obj(pod, "spec");
  if (!spec) return sum;
  if (const json::array* containers = Arr(*spec, "containers")) {
    for (const json::value& c : *containers) {
      if (c.is_object()) AddRequests(sum, c.get_object());
    }
  }
  if (const json::array* init = Arr(*spec, "initContainers")) {
    for (const json::value& c : *init) {
      if (!c.is_object()) continue;
      std::map<std::string, Quantity> one;
      AddRequests(one, c.get_object());
      for (const auto& [k, q] : one) sum[k] = std::max(sum[k], q);
    }
  }
  return sum;
}

ClusterUsage UsageOf(const std::vector<ObjectPtr>& pods, std::string_view except_uid) {
  ClusterUsage usage;
  for (const ObjectPtr& p : pods) {
    const json::object* ps = Obj(*p, "spec");
    std::string node = ps ? Str(*ps, "nodeName") : std::string();
    if (node.empty() || !PodActive(*p) || (!except_uid.empty() && Uid(*p) == except_uid)) continue;
    NodeUsage& on_node = usage[node];
    for (const auto& [k, q] : PodRequests(*p)) on_node.requested[k] = on_node.requested[k] + q;
    ++on_node.pods;
  }
  return usage;
}

ScheduleDecision SchedulePod(const json::object& pod, const std::vector<ObjectPtr>& nodes,
                             const std::vector<ObjectPtr>& pods) {
  return SchedulePodWithUsage(pod, nodes, UsageOf(pods, Uid(pod)));
}

ScheduleDecision SchedulePodWithUsage(const json::object& pod, const std::vector<ObjectPtr>& nodes,
                                      const ClusterUsage& usage) {
  static const json::object kEmpty;
  static const NodeUsage kUnused;
  const json::object* spec_ptr = Obj(pod, "spec");
  const json::object& spec = spec_ptr ? *spec_ptr : kEmpty;
  const std::map<std::string, Quantity> requests = PodRequests(pod);
  auto usage_of = [&](const std::string& node) -> const NodeUsage& {
    auto it = usage.find(node);
    return it == usage.end() ? kUnused : it->second;
  };

  std::map<std::string, int> reasons;
  std::string best;
  int best_pods = 0;
  for (const ObjectPtr& node_ptr : nodes) {
    const json::object& node = *node_ptr;
    const std::string name = Name(node);
    const json::object* node_spec = Obj(node, "spec");
    const json::value* unschedulable = node_spec ? node_spec->if_contains("unschedulable") : nullptr;
    if (unschedulable && unschedulable->is_bool() && unschedulable->get_bool() &&
        !ToleratesAll(spec, Taint{"node.kubernetes.io/unschedulable", "", "NoSchedule"})) {
      ++reasons["node(s) were unschedulable"];
      continue;
    }
    std::optional<std::string> taint_reason;
    for (const Taint& t : EffectiveTaints(node)) {
      if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
      if (!ToleratesAll(spec, t)) {
        taint_reason = fmt::format("node(s) had untolerated taint {{{}: {}}}", t.key, t.value);
        break;
      }
    }
    if (taint_reason) {
      ++reasons[*taint_reason];
      continue;
    }
    if (!MatchesNodeAffinity(spec, node)) {
      ++reasons["node(s) didn't match Pod's node affinity/selector"];
      continue;
    }
    const std::map<std::string, Quantity> alloc = Allocatable(node);
    const NodeUsage& used = usage_of(name);
    std::vector<std::string> insufficient;
    auto pods_alloc = alloc.find("pods");
    if (pods_alloc != alloc.end() && used.pods + 1 > pods_alloc->second.CeilValue()) {
      insufficient.push_back("Too many pods");
    }
    std::vector<std::pair<int, std::string>> missing;
    for (const auto& [resource, want] : requests) {
      if (want.milli <= 0) continue;
      auto have = alloc.find(resource);
      auto taken = used.requested.find(resource);
      Quantity free = have == alloc.end() ? Quantity{}
                                          : have->second - (taken == used.requested.end() ? Quantity{} : taken->second);
      if (want > free) missing.emplace_back(ResourceOrder(resource), "Insufficient " + resource);
    }
    std::stable_sort(missing.begin(), missing.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [_, text] : missing) insufficient.push_back(std::move(text));
    if (!insufficient.empty()) {
      for (const std::string& r : insufficient) ++reasons[r];
      continue;
    }
    if (best.empty() || used.pods < best_pods || (used.pods == best_pods && name < best)) {
      best = name;
      best_pods = used.pods;
    }
  }
  if (!best.empty()) return {best, ""};
  std::vector<std::string> parts;
  for (const auto& [reason, count] : reasons) parts.push_back(fmt::format("{} {}", count, reason));
  std::sort(parts.begin(), parts.end());
  std::string message = fmt::format("0/{} nodes are available", nodes.size());
  message += ":";
  if (!parts.empty()) message += " " + fmt::format("{}", fmt::join(parts, ", ")) + ".";
  return {"", message};
}

namespace {

bool SchedulerOwns(const json::object& pod) {
  const json::object* spec = Obj(pod, "spec");
  if (!spec || !Str(*spec, "nodeName").empty() || BeingDeleted(pod)) return false;
  const std::string scheduler = Str(*spec, "schedulerName");
  return (scheduler.empty() || scheduler == "default-scheduler") && PodActive(pod);
}

bool SpecOrLabelsChanged(const json::object& a, const json::object& b) {
  const json::value* sa = a.if_contains("spec");
  const json::value* sb = b.if_contains("spec");
  if ((sa == nullptr) != (sb == nullptr) || (sa && *sa != *sb)) return true;
  const json::object* la = Labels(a);
  const json::object* lb = Labels(b);
  if ((la == nullptr) != (lb == nullptr)) return true;
  return la && *la != *lb;
}

class Scheduler final : public SimController {
 public:
  explicit Scheduler(SimContext& context) : SimController("scheduler"), ctx_(context) {}
  ~Scheduler() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    if (r.group.empty() && r.resource == "nodes") {
      RetryUnschedulable();
      return;
    }
    if (!r.group.empty() || r.resource != "pods") return;
    const json::object& pod = *event.object;
    const std::string key = ObjectKeyOf(Namespace(pod), Name(pod));
    {
      std::lock_guard lock(mu_);
      Account(key, ContributionOf(pod, event.type == WatchEventType::kDeleted));
    }
    if (event.type == WatchEventType::kDeleted || !PodActive(pod)) {
      // A pod that leaves a node frees room for the pods waiting.
      const json::object* spec = Obj(pod, "spec");
      if (spec && !Str(*spec, "nodeName").empty()) RetryUnschedulable();
      if (event.type == WatchEventType::kDeleted) Enqueue(key);  // forgets it
      return;
    }
    if (!SchedulerOwns(pod)) return;
    if (event.type == WatchEventType::kAdded || !event.previous || SpecOrLabelsChanged(*event.previous, pod)) {
      EnqueueAfter(key, ctx_.scenario()->timing.schedule);
    }
  }

  void Resync() override {
    {
      std::lock_guard lock(mu_);
      rebuilding_ = true;  // deletes seen from now on leave tombstones until the list is in
    }
    auto pods = ctx_.store.List(ctx_.res.pods, "");
    if (!IsOk(pods)) return;
    const ListResult& listed = std::get<ListResult>(pods);
    RebuildUsage(listed);
    for (const ObjectPtr& p : listed.items) {
      if (SchedulerOwns(*p)) Enqueue(ObjectKeyOf(Namespace(*p), Name(*p)));
    }
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.pods, ns, name);
    if (!IsOk(got) || !SchedulerOwns(*std::get<ObjectPtr>(got))) {
      std::lock_guard lock(mu_);
      unschedulable_.erase(key);
      return;
    }
    ObjectPtr pod = std::get<ObjectPtr>(got);
    auto nodes = ctx_.store.List(ctx_.res.nodes, "");
    if (!IsOk(nodes)) return;
    ScheduleDecision decision;
    {
      // The pod being placed is unbound, so the usage holds nothing of it.
      std::lock_guard lock(mu_);
      decision = SchedulePodWithUsage(*pod, std::get<ListResult>(nodes).items, usage_);
    }
    const std::string uid = Uid(*pod);
    const std::string now = NowRfc3339();
    if (decision.node.empty()) {
      {
        std::lock_guard lock(mu_);
        unschedulable_.insert(key);
      }
      ctx_.store.Mutate(
          ctx_.res.pods, ns, name,
          [&](const json::object& current) -> ApiResult<json::object> {
            json::object next = current;
            json::object& status = EnsureObj(next, "status");
            status["phase"] = "Pending";
            SetCondition(status, "PodScheduled", "False", "Unschedulable", decision.message, now,
                         json::object{{"lastProbeTime", nullptr}});
            return next;
          },
          /*status_only=*/true);
      ctx_.events.Record(*pod, "Warning", "FailedScheduling", decision.message, {"default-scheduler", ""});
      return;
    }
    {
      std::lock_guard lock(mu_);
      unschedulable_.erase(key);
    }
    bool bound = false;
    auto result = ctx_.store.Mutate(ctx_.res.pods, ns, name, [&](const json::object& current) -> ApiResult<json::object> {
      json::object next = current;
      json::object& spec = EnsureObj(next, "spec");
      if (Uid(current) != uid || !Str(spec, "nodeName").empty()) {
        return next;  // raced with a delete/recreate or another binder: leave it
      }
      spec["nodeName"] = decision.node;
      bound = true;
      return next;
    });
    if (!IsOk(result) || !bound) return;
    ctx_.store.Mutate(
        ctx_.res.pods, ns, name,
        [&](const json::object& current) -> ApiResult<json::object> {
          json::object next = current;
          json::object& status = EnsureObj(next, "status");
          if (!status.contains("phase")) status["phase"] = "Pending";
          SetCondition(status, "PodScheduled", "True", "", "", now, json::object{{"lastProbeTime", nullptr}});
          return next;
        },
        /*status_only=*/true);
    ctx_.events.Record(*std::get<ObjectPtr>(result), "Normal", "Scheduled",
                       fmt::format("Successfully assigned {}/{} to {}", ns, name, decision.node),
                       {"default-scheduler", ""});
  }

 private:
  // What one pod takes from its node, as of a resource version. Only a bound, non-terminal pod
  // takes anything; a deleted pod is a tombstone while the usage is being rebuilt.
  struct Contribution {
    std::uint64_t version = 0;
    std::string node;  // empty: takes nothing
    std::map<std::string, Quantity> requests;
    bool deleted = false;
  };

  static std::uint64_t VersionOf(const json::object& object) {
    const json::object* metadata = Obj(object, "metadata");
    std::string text = metadata ? Str(*metadata, "resourceVersion") : std::string();
    std::uint64_t version = 0;
    std::from_chars(text.data(), text.data() + text.size(), version);
    return version;
  }

  static Contribution ContributionOf(const json::object& pod, bool deleted) {
    Contribution c;
    c.version = VersionOf(pod);
    c.deleted = deleted;
    const json::object* spec = Obj(pod, "spec");
    std::string node = spec ? Str(*spec, "nodeName") : std::string();
    if (!deleted && !node.empty() && PodActive(pod)) {
      c.node = std::move(node);
      c.requests = PodRequests(pod);
    }
    return c;
  }

  // Replaces the pod's contribution unless what is recorded is as new or newer (a list taken
  // before an event must not undo it). Caller holds mu_.
  void Account(const std::string& key, Contribution next) {
    auto it = contributions_.find(key);
    if (it != contributions_.end()) {
      if (it->second.version >= next.version && next.version != 0) return;
      Take(it->second, -1);
    }
    Take(next, +1);
    if (next.deleted && !rebuilding_) {
      if (it != contributions_.end()) contributions_.erase(it);
      return;
    }
    contributions_.insert_or_assign(key, std::move(next));
  }

  void Take(const Contribution& c, int sign) {
    if (c.node.empty()) return;
    NodeUsage& on_node = usage_[c.node];
    for (const auto& [resource, q] : c.requests) {
      on_node.requested[resource] = sign > 0 ? on_node.requested[resource] + q : on_node.requested[resource] - q;
    }
    on_node.pods += sign;
  }

  // From a pod list: every listed pod is accounted (older events are superseded, newer ones
  // kept); pods recorded at or before the list's version but absent from it are gone.
  void RebuildUsage(const ListResult& listed) {
    std::lock_guard lock(mu_);
    std::uint64_t list_version = 0;
    std::from_chars(listed.resource_version.data(), listed.resource_version.data() + listed.resource_version.size(),
                    list_version);
    std::set<std::string> seen;
    for (const ObjectPtr& p : listed.items) {
      std::string key = ObjectKeyOf(Namespace(*p), Name(*p));
      Account(key, ContributionOf(*p, false));
      seen.insert(std::move(key));
    }
    for (auto it = contributions_.begin(); it != contributions_.end();) {
      bool gone = !seen.contains(it->first) && it->second.version <= list_version;
      if (gone || it->second.deleted) {
        Take(it->second, -1);
        it = contributions_.erase(it);
      } else {
        ++it;
      }
    }
    rebuilding_ = false;
  }

  // Under the store lock (from OnChange): queue only.
  void RetryUnschedulable() {
    std::lock_guard lock(mu_);
    for (const std::string& key : unschedulable_) Enqueue(key);
  }

  SimContext& ctx_;
  std::mutex mu_;
  std::set<std::string> unschedulable_;                         // guarded by mu_
  std::unordered_map<std::string, Contribution> contributions_;  // by pod key; guarded by mu_
  ClusterUsage usage_;                                           // guarded by mu_
  bool rebuilding_ = false;                                      // guarded by mu_
};

}  // namespace

std::unique_ptr<SimController> MakeScheduler(SimContext& context) { return std::make_unique<Scheduler>(context); }

}  // namespace airunway::kubesim
