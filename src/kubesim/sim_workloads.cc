#include "kubesim/sim_workloads.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "kubesim/sim_scheduler.h"

namespace airunway::kubesim {

namespace json = boost::json;
using namespace simjson;

std::string PodTemplateHash(const json::object& pod_template) {
  return ShortHash(json::serialize(pod_template), 10);
}

namespace {

constexpr int kMaxCreatesPerPass = 500;  // like the real burst limit: large scale-ups take passes

std::vector<ObjectPtr> ListIn(SimContext& ctx, const StoreResource& resource, const std::string& ns,
                              const std::string& label_selector = "") {
  ListOptions options;
  options.label_selector = label_selector;
  auto listed = ctx.store.List(resource, ns, options);
  if (!IsOk(listed)) return {};
  return std::move(std::get<ListResult>(listed).items);
}

std::vector<ObjectPtr> Owned(const std::vector<ObjectPtr>& items, const std::string& uid, std::string_view kind) {
  std::vector<ObjectPtr> out;
  for (const ObjectPtr& o : items) {
    if (ControllerUid(*o, kind) == uid) out.push_back(o);
  }
  return out;
}

void SetCount(json::object& status, std::string_view key, std::int64_t value, bool omit_zero = true) {
  if (value == 0 && omit_zero) {
    status.erase(key);
  } else {
    status[key] = value;
  }
}

std::int64_t SpecInt(const json::object& o, std::string_view key, std::int64_t fallback) {
  const json::object* spec = Obj(o, "spec");
  return spec ? Int(*spec, key, fallback) : fallback;
}

std::int64_t StatusInt(const json::object& o, std::string_view key) {
  const json::object* status = Obj(o, "status");
  return status ? Int(*status, key, 0) : 0;
}

// Mutates status only; `fill` gets the current status (a copy) to change.
void WriteStatus(SimContext& ctx, const StoreResource& resource, const std::string& ns, const std::string& name,
                 const std::string& uid, const std::function<void(json::object& status)>& fill) {
  ctx.store.Mutate(
      resource, ns, name,
      [&](const json::object& current) -> ApiResult<json::object> {
        json::object next = current;
        if (Uid(current) != uid) return next;  // replaced by a namesake: not ours to write
        fill(EnsureObj(next, "status"));
        return next;
      },
      /*status_only=*/true);
}

// A pod from a controller's template, owned by `owner`, with the defaults the API server
// fills in that the simulation relies on.
json::object PodFromTemplate(const json::object& owner, const json::object& pod_template) {
  json::object meta;
  const json::object* tmeta = Obj(pod_template, "metadata");
  if (tmeta) {
    if (const json::value* labels = tmeta->if_contains("labels")) meta["labels"] = *labels;
    if (const json::value* annotations = tmeta->if_contains("annotations")) meta["annotations"] = *annotations;
  }
  meta["namespace"] = Namespace(owner);
  meta["ownerReferences"] = json::array{ControllerRef(owner)};
  json::object spec;
  if (const json::object* tspec = Obj(pod_template, "spec")) spec = *tspec;
  if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Always";
  if (!spec.contains("schedulerName")) spec["schedulerName"] = "default-scheduler";
  if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
  if (!spec.contains("dnsPolicy")) spec["dnsPolicy"] = "ClusterFirst";
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", std::move(meta)},
                      {"spec", std::move(spec)},
                      {"status", json::object{{"phase", "Pending"}}}};
}

ObjectPtr CreatePod(SimContext& ctx, json::object pod) {
  CreateOptions options;
  options.keep_status = true;  // the API server sets phase Pending on create
  const std::string ns = Namespace(pod);
  auto created = ctx.store.Create(ctx.res.pods, ns, std::move(pod), options);
  return IsOk(created) ? std::get<ObjectPtr>(created) : nullptr;
}

bool DeletePod(SimContext& ctx, const json::object& pod) {
  DeleteOptions options;
  options.precondition_uid = Uid(pod);
  return IsOk(ctx.store.Delete(ctx.res.pods, Namespace(pod), Name(pod), options));
}

// maxSurge / maxUnavailable: an int or a percentage of `total` (surge rounds up,
// unavailable rounds down, as the deployment controller does).
std::int64_t IntOrPercent(const json::object* o, std::string_view key, std::string_view fallback, std::int64_t total,
                          bool round_up) {
  json::value v(fallback);
  if (o) {
    if (const json::value* found = o->if_contains(key)) v = *found;
  }
  if (v.is_int64()) return std::max<std::int64_t>(0, v.get_int64());
  if (v.is_string()) {
    std::string text(v.get_string());
    if (!text.empty() && text.back() == '%') {
      try {
        double pct = std::stod(text.substr(0, text.size() - 1));
        double raw = pct * static_cast<double>(total) / 100.0;
        return static_cast<std::int64_t>(round_up ? std::ceil(raw) : std::floor(raw));
      } catch (const std::exception&) {
        return 0;
      }
    }
    try {
      return std::stoll(text);
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// ReplicaSet

class ReplicaSetController final : public SimController {
 public:
  explicit ReplicaSetController(SimContext& ctx) : SimController("replicaset-controller"), ctx_(ctx) {}
  ~ReplicaSetController() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    const json::object& o = *event.object;
    if (r.group == "apps" && r.resource == "replicasets") {
      Enqueue(ObjectKeyOf(Namespace(o), Name(o)));
    } else if (r.group.empty() && r.resource == "pods") {
      std::string owner = ControllerName(o, "ReplicaSet");
      if (!owner.empty()) Enqueue(ObjectKeyOf(Namespace(o), owner));
    }
  }

  void Resync() override {
    for (const ObjectPtr& rs : ListIn(ctx_, ctx_.res.replicasets, "")) Enqueue(ObjectKeyOf(Namespace(*rs), Name(*rs)));
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.replicasets, ns, name);
    if (!IsOk(got)) return;
    const ObjectPtr rs = std::get<ObjectPtr>(got);
    if (BeingDeleted(*rs)) return;
    const std::string uid = Uid(*rs);
    const std::int64_t replicas = SpecInt(*rs, "replicas", 1);
    std::vector<ObjectPtr> pods;
    for (const ObjectPtr& p : Owned(ListIn(ctx_, ctx_.res.pods, ns), uid, "ReplicaSet")) {
      if (PodActive(*p)) pods.push_back(p);
    }
    const EventSource source{"replicaset-controller", ""};
    const std::int64_t diff = replicas - static_cast<std::int64_t>(pods.size());
    if (diff > 0) {
      const json::object* tmpl = ObjAt(*rs, {"spec", "template"});
      for (std::int64_t i = 0; i < std::min<std::int64_t>(diff, kMaxCreatesPerPass); ++i) {
        json::object pod = PodFromTemplate(*rs, tmpl ? *tmpl : json::object());
        EnsureObj(pod, "metadata")["generateName"] = name + "-";
        if (ObjectPtr created = CreatePod(ctx_, std::move(pod))) {
          ctx_.events.Record(*rs, "Normal", "SuccessfulCreate", "Created pod: " + Name(*created), source);
          pods.push_back(created);
        }
      }
      if (diff > kMaxCreatesPerPass) Enqueue(key);
    } else if (diff < 0) {
      // The real ranking, simplified: unscheduled, then pending, then not ready, then newest.
      auto rank = [](const ObjectPtr& p) {
        const json::object* spec = Obj(*p, "spec");
        int r = 0;
        if (!spec || Str(*spec, "nodeName").empty()) return 0;
        r = PodPhase(*p) == "Pending" ? 1 : (PodReady(*p) ? 3 : 2);
        return r;
      };
      std::stable_sort(pods.begin(), pods.end(), [&](const ObjectPtr& a, const ObjectPtr& b) {
        if (rank(a) != rank(b)) return rank(a) < rank(b);
        return Str(Meta(*a), "creationTimestamp") > Str(Meta(*b), "creationTimestamp");
      });
      std::int64_t remove = -diff;
      std::vector<ObjectPtr> kept;
      for (const ObjectPtr& p : pods) {
        if (remove > 0 && DeletePod(ctx_, *p)) {
          ctx_.events.Record(*rs, "Normal", "SuccessfulDelete", "Deleted pod: " + Name(*p), source);
          --remove;
        } else {
          kept.push_back(p);
        }
      }
      pods = std::move(kept);
    }
    std::int64_t ready = 0;
    for (const ObjectPtr& p : pods) ready += PodReady(*p) ? 1 : 0;
    const std::int64_t generation = Generation(*rs);
    WriteStatus(ctx_, ctx_.res.replicasets, ns, name, uid, [&](json::object& status) {
      status["replicas"] = static_cast<std::int64_t>(pods.size());
      SetCount(status, "fullyLabeledReplicas", static_cast<std::int64_t>(pods.size()));
      SetCount(status, "readyReplicas", ready);
      SetCount(status, "availableReplicas", ready);
      status["observedGeneration"] = generation;
    });
  }

 private:
  SimContext& ctx_;
};

// ---------------------------------------------------------------------------------------
// Deployment

class DeploymentController final : public SimController {
 public:
  explicit DeploymentController(SimContext& ctx) : SimController("deployment-controller"), ctx_(ctx) {}
  ~DeploymentController() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    const json::object& o = *event.object;
    if (r.group == "apps" && r.resource == "deployments") {
      Enqueue(ObjectKeyOf(Namespace(o), Name(o)));
    } else if (r.group == "apps" && r.resource == "replicasets") {
      std::string owner = ControllerName(o, "Deployment");
      if (!owner.empty()) Enqueue(ObjectKeyOf(Namespace(o), owner));
    }
  }

  void Resync() override {
    for (const ObjectPtr& d : ListIn(ctx_, ctx_.res.deployments, "")) Enqueue(ObjectKeyOf(Namespace(*d), Name(*d)));
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.deployments, ns, name);
    if (!IsOk(got)) return;
    const ObjectPtr d = std::get<ObjectPtr>(got);
    if (BeingDeleted(*d)) return;
    const std::string uid = Uid(*d);
    const std::int64_t replicas = SpecInt(*d, "replicas", 1);
    const json::object* tmpl_ptr = ObjAt(*d, {"spec", "template"});
    const json::object tmpl = tmpl_ptr ? *tmpl_ptr : json::object();
    const std::string hash = PodTemplateHash(tmpl);
    const EventSource source{"deployment-controller", ""};

    std::vector<ObjectPtr> all = Owned(ListIn(ctx_, ctx_.res.replicasets, ns), uid, "Deployment");
    ObjectPtr new_rs;
    std::int64_t max_revision = 0;
    for (const ObjectPtr& rs : all) {
      const json::object* labels = Labels(*rs);
      if (labels && Str(*labels, "pod-template-hash") == hash) new_rs = rs;
      const json::object* ann = Obj(Meta(*rs), "annotations");
      if (ann) {
        try {
          max_revision = std::max<std::int64_t>(max_revision, std::stoll(Str(*ann, "deployment.kubernetes.io/revision")));
        } catch (const std::exception&) {
        }
      }
    }
    std::vector<ObjectPtr> old;
    for (const ObjectPtr& rs : all) {
      if (rs != new_rs) old.push_back(rs);
    }
    std::int64_t old_spec_total = 0, old_actual_total = 0;
    for (const ObjectPtr& rs : old) {
      old_spec_total += SpecInt(*rs, "replicas", 0);
      old_actual_total += StatusInt(*rs, "replicas");
    }

    const json::object* strategy = ObjAt(*d, {"spec", "strategy"});
    const bool recreate = strategy && Str(*strategy, "type") == "Recreate";
    const json::object* rolling = strategy ? Obj(*strategy, "rollingUpdate") : nullptr;
    std::int64_t max_surge = IntOrPercent(rolling, "maxSurge", "25%", replicas, true);
    std::int64_t max_unavailable = IntOrPercent(rolling, "maxUnavailable", "25%", replicas, false);
    if (max_surge == 0 && max_unavailable == 0) max_unavailable = 1;
    if (recreate) max_unavailable = replicas;

    // The new ReplicaSet's target size.
    const std::int64_t new_current = new_rs ? SpecInt(*new_rs, "replicas", 0) : 0;
    std::int64_t new_target = new_current;
    if (old_spec_total == 0) {
      new_target = replicas;
    } else if (recreate) {
      new_target = old_actual_total == 0 ? replicas : 0;
    } else {
      const std::int64_t total = old_spec_total + new_current;
      if (new_current > replicas) {
        new_target = replicas;
      } else if (total < replicas + max_surge) {
        new_target = std::min(replicas, new_current + (replicas + max_surge - total));
      }
    }

    bool created_new = false;
    if (!new_rs) {
      json::object tmpl_labeled = tmpl;
      EnsureObj(EnsureObj(tmpl_labeled, "metadata"), "labels")["pod-template-hash"] = hash;
      json::object selector;
      if (const json::object* s = ObjAt(*d, {"spec", "selector"})) selector = *s;
      EnsureObj(selector, "matchLabels")["pod-template-hash"] = hash;
      json::object labels;
      if (const json::object* l = ObjAt(tmpl, {"metadata", "labels"})) labels = *l;
      labels["pod-template-hash"] = hash;
      json::object rs{
          {"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata",
           json::object{{"name", name + "-" + hash},
                        {"namespace", ns},
                        {"labels", std::move(labels)},
                        {"annotations",
                         json::object{{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                                      {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + max_surge)},
                                      {"deployment.kubernetes.io/revision", std::to_string(max_revision + 1)}}},
                        {"ownerReferences", json::array{ControllerRef(*d)}}}},
          {"spec", json::object{{"replicas", new_target},
                                {"minReadySeconds", SpecInt(*d, "minReadySeconds", 0)},
                                {"selector", std::move(selector)},
                                {"template", std::move(tmpl_labeled)}}},
      };
      auto created = ctx_.store.Create(ctx_.res.replicasets, ns, std::move(rs));
      if (!IsOk(created)) {
        EnqueueAfter(key, std::chrono::milliseconds(200));
        return;
      }
      new_rs = std::get<ObjectPtr>(created);
      created_new = true;
      if (new_target > 0) {
        ctx_.events.Record(*d, "Normal", "ScalingReplicaSet",
                           fmt::format("Scaled up replica set {} from 0 to {}", Name(*new_rs), new_target), source);
      }
      // Record the revision on the Deployment as the real controller does.
      const std::string revision = std::to_string(max_revision + 1);
      ctx_.store.Mutate(ctx_.res.deployments, ns, name, [&](const json::object& current) -> ApiResult<json::object> {
        json::object next = current;
        if (Uid(current) == uid) {
          EnsureObj(EnsureObj(next, "metadata"), "annotations")["deployment.kubernetes.io/revision"] = revision;
        }
        return next;
      });
    } else if (new_target != new_current) {
      ScaleReplicaSet(*d, *new_rs, new_target);
    }

    // Scale old ReplicaSets down: unhealthy replicas first, then as availability allows.
    std::int64_t available_total = 0;
    for (const ObjectPtr& rs : all) available_total += StatusInt(*rs, "availableReplicas");
    std::int64_t can_remove = std::max<std::int64_t>(0, available_total - (replicas - max_unavailable));
    std::sort(old.begin(), old.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
      return Str(Meta(*a), "creationTimestamp") < Str(Meta(*b), "creationTimestamp");
    });
    for (const ObjectPtr& rs : old) {
      const std::int64_t spec = SpecInt(*rs, "replicas", 0);
      if (spec == 0) continue;
      const std::int64_t unhealthy = std::max<std::int64_t>(0, spec - StatusInt(*rs, "availableReplicas"));
      std::int64_t down = recreate ? spec : std::min(spec, unhealthy + can_remove);
      if (down <= 0) continue;
      can_remove -= std::max<std::int64_t>(0, down - unhealthy);
      ScaleReplicaSet(*d, *rs, spec - down);
    }

    // Status from the ReplicaSets as they are now.
    all = Owned(ListIn(ctx_, ctx_.res.replicasets, ns), uid, "Deployment");
    std::int64_t spec_total = 0, actual = 0, ready = 0, available = 0, updated = 0, old_pods = 0;
    std::string new_name = Name(*new_rs);
    for (const ObjectPtr& rs : all) {
      spec_total += SpecInt(*rs, "replicas", 0);
      actual += StatusInt(*rs, "replicas");
      ready += StatusInt(*rs, "readyReplicas");
      available += StatusInt(*rs, "availableReplicas");
      if (Name(*rs) == new_name) {
        updated = StatusInt(*rs, "replicas");
      } else {
        old_pods += StatusInt(*rs, "replicas");
      }
    }
    const std::int64_t generation = Generation(*d);
    const std::string now = NowRfc3339();
    const bool complete = updated == replicas && available >= replicas && old_pods == 0 && actual == replicas;
    WriteStatus(ctx_, ctx_.res.deployments, ns, name, uid, [&](json::object& status) {
      status["observedGeneration"] = generation;
      SetCount(status, "replicas", actual);
      SetCount(status, "updatedReplicas", updated);
      SetCount(status, "readyReplicas", ready);
      SetCount(status, "availableReplicas", available);
      SetCount(status, "unavailableReplicas", std::max<std::int64_t>(0, spec_total - available));
      json::object times{{"lastUpdateTime", now}};
      if (available >= replicas - max_unavailable) {
        SetCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.",
                     now, times);
      } else {
        SetCondition(status, "Available", "False", "MinimumReplicasUnavailable",
                     "Deployment does not have minimum availability.", now, times);
      }
      if (complete) {
        SetCondition(status, "Progressing", "True", "NewReplicaSetAvailable",
                     fmt::format("ReplicaSet \"{}\" has successfully progressed.", new_name), now, times);
      } else if (created_new) {
        SetCondition(status, "Progressing", "True", "NewReplicaSetCreated",
                     fmt::format("Created new replica set \"{}\"", new_name), now, times);
      } else {
        SetCondition(status, "Progressing", "True", "ReplicaSetUpdated",
                     fmt::format("ReplicaSet \"{}\" is progressing.", new_name), now, times);
      }
    });
  }

 private:
  void ScaleReplicaSet(const json::object& d, const json::object& rs, std::int64_t to) {
    const std::int64_t from = SpecInt(rs, "replicas", 0);
    const std::string uid = Uid(rs);
    auto result = ctx_.store.Mutate(ctx_.res.replicasets, Namespace(rs), Name(rs),
                                    [&](const json::object& current) -> ApiResult<json::object> {
                                      json::object next = current;
                                      if (Uid(current) != uid) return next;
                                      EnsureObj(next, "spec")["replicas"] = to;
                                      EnsureObj(EnsureObj(next, "metadata"), "annotations")
                                          ["deployment.kubernetes.io/desired-replicas"] =
                                              std::to_string(SpecInt(d, "replicas", 1));
                                      return next;
                                    });
    if (!IsOk(result)) return;
    ctx_.events.Record(d, "Normal", "ScalingReplicaSet",
                       fmt::format("Scaled {} replica set {} from {} to {}", to > from ? "up" : "down", Name(rs),
                                   from, to),
                       {"deployment-controller", ""});
  }

  SimContext& ctx_;
};

// ---------------------------------------------------------------------------------------
// StatefulSet

int OrdinalOf(const std::string& pod_name, const std::string& set_name) {
  if (pod_name.size() <= set_name.size() + 1 || pod_name.compare(0, set_name.size(), set_name) != 0 ||
      pod_name[set_name.size()] != '-') {
    return -1;
  }
  try {
    std::size_t used = 0;
    std::string tail = pod_name.substr(set_name.size() + 1);
    int n = std::stoi(tail, &used);
    return used == tail.size() && n >= 0 ? n : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

class StatefulSetController final : public SimController {
 public:
  explicit StatefulSetController(SimContext& ctx) : SimController("statefulset-controller"), ctx_(ctx) {}
  ~StatefulSetController() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    const json::object& o = *event.object;
    if (r.group == "apps" && r.resource == "statefulsets") {
      Enqueue(ObjectKeyOf(Namespace(o), Name(o)));
    } else if (r.group.empty() && r.resource == "pods") {
      std::string owner = ControllerName(o, "StatefulSet");
      if (!owner.empty()) Enqueue(ObjectKeyOf(Namespace(o), owner));
    }
  }

  void Resync() override {
    for (const ObjectPtr& s : ListIn(ctx_, ctx_.res.statefulsets, "")) Enqueue(ObjectKeyOf(Namespace(*s), Name(*s)));
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.statefulsets, ns, name);
    if (!IsOk(got)) return;
    const ObjectPtr set = std::get<ObjectPtr>(got);
    if (BeingDeleted(*set)) return;
    const std::string uid = Uid(*set);
    const std::int64_t replicas = SpecInt(*set, "replicas", 1);
    const json::object* spec = Obj(*set, "spec");
    const bool parallel = spec && Str(*spec, "podManagementPolicy") == "Parallel";
    const json::object* tmpl_ptr = ObjAt(*set, {"spec", "template"});
    const json::object tmpl = tmpl_ptr ? *tmpl_ptr : json::object();
    const std::string update_revision = name + "-" + PodTemplateHash(tmpl);
    const EventSource source{"statefulset-controller", ""};

    std::map<int, ObjectPtr> pods;
    for (const ObjectPtr& p : Owned(ListIn(ctx_, ctx_.res.pods, ns), uid, "StatefulSet")) {
      int ordinal = OrdinalOf(Name(*p), name);
      if (ordinal >= 0) pods[ordinal] = p;
    }
    auto revision_of = [](const ObjectPtr& p) {
      const json::object* labels = Labels(*p);
      return labels ? Str(*labels, "controller-revision-hash") : std::string();
    };

    bool waiting = false;
    for (int i = 0; i < replicas; ++i) {
      auto it = pods.find(i);
      if (it == pods.end()) {
        const std::string pod_name = fmt::format("{}-{}", name, i);
        json::object pod = PodFromTemplate(*set, tmpl);
        json::object& meta = EnsureObj(pod, "metadata");
        meta["name"] = pod_name;
        json::object& labels = EnsureObj(meta, "labels");
        labels["controller-revision-hash"] = update_revision;
        labels["statefulset.kubernetes.io/pod-name"] = pod_name;
        labels["apps.kubernetes.io/pod-index"] = std::to_string(i);
        json::object& pod_spec = EnsureObj(pod, "spec");
        pod_spec["hostname"] = pod_name;
        if (spec && !Str(*spec, "serviceName").empty()) pod_spec["subdomain"] = Str(*spec, "serviceName");
        if (ObjectPtr created = CreatePod(ctx_, std::move(pod))) {
          ctx_.events.Record(*set, "Normal", "SuccessfulCreate",
                             fmt::format("create Pod {} in StatefulSet {} successful", pod_name, name), source);
          pods[i] = created;
        }
        if (!parallel) {
          waiting = true;
          break;
        }
      } else if (!parallel && (!PodReady(*it->second) || !PodActive(*it->second))) {
        waiting = true;
        break;
      }
    }
    // Scale down from the highest ordinal; OrderedReady removes one at a time.
    for (auto it = pods.rbegin(); it != pods.rend();) {
      if (it->first < replicas) break;
      if (!parallel && waiting) break;
      ObjectPtr victim = it->second;
      ++it;
      if (DeletePod(ctx_, *victim)) {
        ctx_.events.Record(*set, "Normal", "SuccessfulDelete",
                           fmt::format("delete Pod {} in StatefulSet {} successful", Name(*victim), name), source);
        pods.erase(OrdinalOf(Name(*victim), name));
        if (!parallel) {
          waiting = true;
          break;
        }
      }
    }
    // Rolling update: once every pod is Ready, replace the highest outdated one.
    const json::object* update_strategy = spec ? Obj(*spec, "updateStrategy") : nullptr;
    const bool on_delete = update_strategy && Str(*update_strategy, "type") == "OnDelete";
    bool all_ready = static_cast<std::int64_t>(pods.size()) == replicas;
    for (const auto& [_, p] : pods) all_ready = all_ready && PodReady(*p);
    if (!waiting && all_ready && !on_delete) {
      for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
        if (revision_of(it->second) != update_revision) {
          if (DeletePod(ctx_, *it->second)) pods.erase(it->first);
          break;
        }
      }
    }

    std::int64_t ready = 0, updated = 0;
    std::string current_revision = update_revision;
    for (const auto& [_, p] : pods) {
      ready += PodReady(*p) ? 1 : 0;
      if (revision_of(p) == update_revision) {
        ++updated;
      } else {
        current_revision = revision_of(p);
      }
    }
    const std::int64_t generation = Generation(*set);
    WriteStatus(ctx_, ctx_.res.statefulsets, ns, name, uid, [&](json::object& status) {
      status["observedGeneration"] = generation;
      status["replicas"] = static_cast<std::int64_t>(pods.size());
      SetCount(status, "readyReplicas", ready);
      SetCount(status, "availableReplicas", ready, false);
      SetCount(status, "currentReplicas", current_revision == update_revision ? updated
                                                                              : static_cast<std::int64_t>(pods.size()) - updated);
      SetCount(status, "updatedReplicas", updated);
      status["currentRevision"] = current_revision;
      status["updateRevision"] = update_revision;
      status["collisionCount"] = 0;
    });
  }

 private:
  SimContext& ctx_;
};

// ---------------------------------------------------------------------------------------
// Job

class JobController final : public SimController {
 public:
  explicit JobController(SimContext& ctx) : SimController("job-controller"), ctx_(ctx) {}
  ~JobController() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    const json::object& o = *event.object;
    if (r.group == "batch" && r.resource == "jobs") {
      Enqueue(ObjectKeyOf(Namespace(o), Name(o)));
    } else if (r.group.empty() && r.resource == "pods") {
      std::string owner = ControllerName(o, "Job");
      if (!owner.empty()) Enqueue(ObjectKeyOf(Namespace(o), owner));
    }
  }

  void Resync() override {
    for (const ObjectPtr& j : ListIn(ctx_, ctx_.res.jobs, "")) Enqueue(ObjectKeyOf(Namespace(*j), Name(*j)));
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.jobs, ns, name);
    if (!IsOk(got)) return;
    const ObjectPtr job = std::get<ObjectPtr>(got);
    if (BeingDeleted(*job)) return;
    const std::string uid = Uid(*job);
    const std::int64_t completions = std::max<std::int64_t>(1, SpecInt(*job, "completions", 1));
    const std::int64_t parallelism = SpecInt(*job, "parallelism", 1);
    const std::int64_t backoff_limit = SpecInt(*job, "backoffLimit", 6);
    const EventSource source{"job-controller", ""};
    const bool finished = [&] {
      for (const char* type : {"Complete", "Failed"}) {
        const json::object* c = Condition(*job, type);
        if (c && Str(*c, "status") == "True") return true;
      }
      return false;
    }();

    std::vector<ObjectPtr> active;
    std::int64_t succeeded = 0, failed = 0, ready = 0;
    for (const ObjectPtr& p : Owned(ListIn(ctx_, ctx_.res.pods, ns), uid, "Job")) {
      const std::string phase = PodPhase(*p);
      if (phase == "Succeeded") {
        ++succeeded;
      } else if (phase == "Failed") {
        ++failed;
      } else if (!BeingDeleted(*p)) {
        active.push_back(p);
        ready += PodReady(*p) ? 1 : 0;
      }
    }
    const bool now_failed = failed > backoff_limit;
    const bool now_complete = succeeded >= completions;
    if (!finished && !now_failed && !now_complete) {
      std::int64_t want = std::min(parallelism, completions - succeeded) - static_cast<std::int64_t>(active.size());
      const json::object* tmpl = ObjAt(*job, {"spec", "template"});
      for (std::int64_t i = 0; i < std::min<std::int64_t>(want, kMaxCreatesPerPass); ++i) {
        json::object pod = PodFromTemplate(*job, tmpl ? *tmpl : json::object());
        json::object& meta = EnsureObj(pod, "metadata");
        meta["generateName"] = name + "-";
        json::object& labels = EnsureObj(meta, "labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        json::object& pod_spec = EnsureObj(pod, "spec");
        if (Str(pod_spec, "restartPolicy") == "Always") pod_spec["restartPolicy"] = "Never";
        if (ObjectPtr created = CreatePod(ctx_, std::move(pod))) {
          ctx_.events.Record(*job, "Normal", "SuccessfulCreate", "Created pod: " + Name(*created), source);
          active.push_back(created);
        }
      }
    }
    if ((now_failed || now_complete) && !finished) {
      for (const ObjectPtr& p : active) DeletePod(ctx_, *p);
      active.clear();
      ready = 0;
      if (now_complete && !now_failed) {
        ctx_.events.Record(*job, "Normal", "Completed", "Job completed", source);
      } else {
        ctx_.events.Record(*job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                           source);
      }
    }
    const std::string now = NowRfc3339();
    WriteStatus(ctx_, ctx_.res.jobs, ns, name, uid, [&](json::object& status) {
      if (!status.contains("startTime")) status["startTime"] = now;
      SetCount(status, "active", static_cast<std::int64_t>(active.size()));
      SetCount(status, "succeeded", succeeded);
      SetCount(status, "failed", failed);
      status["ready"] = ready;
      status["terminating"] = 0;
      status["uncountedTerminatedPods"] = json::object();
      if (finished) return;
      json::object times{{"lastProbeTime", now}};
      if (now_failed) {
        SetCondition(status, "FailureTarget", "True", "BackoffLimitExceeded",
                     "Job has reached the specified backoff limit", now, times);
        SetCondition(status, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit",
                     now, times);
      } else if (now_complete) {
        SetCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods",
                     now, times);
        SetCondition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now,
                     times);
        status["completionTime"] = now;
      }
    });
  }

 private:
  SimContext& ctx_;
};

// ---------------------------------------------------------------------------------------
// DaemonSet

std::string TargetNodeOf(const json::object& pod) {
  const json::object* required =
      ObjAt(pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (required) {
    if (const json::array* terms = Arr(*required, "nodeSelectorTerms")) {
      for (const json::value& t : *terms) {
        if (!t.is_object()) continue;
        const json::array* fields = Arr(t.get_object(), "matchFields");
        if (!fields) continue;
        for (const json::value& f : *fields) {
          if (!f.is_object() || Str(f.get_object(), "key") != "metadata.name") continue;
          const json::array* values = Arr(f.get_object(), "values");
          if (values && !values->empty() && (*values)[0].is_string()) return std::string((*values)[0].get_string());
        }
      }
    }
  }
  const json::object* spec = Obj(pod, "spec");
  return spec ? Str(*spec, "nodeName") : std::string();
}

class DaemonSetController final : public SimController {
 public:
  explicit DaemonSetController(SimContext& ctx) : SimController("daemonset-controller"), ctx_(ctx) {}
  ~DaemonSetController() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    const json::object& o = *event.object;
    if (r.group == "apps" && r.resource == "daemonsets") {
      const std::string key = ObjectKeyOf(Namespace(o), Name(o));
      {
        std::lock_guard lock(mu_);
        if (event.type == WatchEventType::kDeleted) {
          known_.erase(key);
        } else {
          known_.insert(key);
        }
      }
      Enqueue(key);
    } else if (r.group.empty() && r.resource == "pods") {
      std::string owner = ControllerName(o, "DaemonSet");
      if (!owner.empty()) Enqueue(ObjectKeyOf(Namespace(o), owner));
    } else if (r.group.empty() && r.resource == "nodes") {
      std::lock_guard lock(mu_);
      for (const std::string& key : known_) Enqueue(key);
    }
  }

  void Resync() override {
    for (const ObjectPtr& s : ListIn(ctx_, ctx_.res.daemonsets, "")) {
      const std::string key = ObjectKeyOf(Namespace(*s), Name(*s));
      {
        std::lock_guard lock(mu_);
        known_.insert(key);
      }
      Enqueue(key);
    }
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.daemonsets, ns, name);
    if (!IsOk(got)) return;
    const ObjectPtr ds = std::get<ObjectPtr>(got);
    if (BeingDeleted(*ds)) return;
    const std::string uid = Uid(*ds);
    const json::object* tmpl_ptr = ObjAt(*ds, {"spec", "template"});
    json::object tmpl = tmpl_ptr ? *tmpl_ptr : json::object();
    const std::string hash = PodTemplateHash(tmpl);
    const EventSource source{"daemonset-controller", ""};
    // The tolerations the DaemonSet controller adds to every daemon pod.
    json::object& tspec = EnsureObj(tmpl, "spec");
    json::value& tol = tspec["tolerations"];
    if (!tol.is_array()) tol = json::array();
    for (const char* t : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable",
                          "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
                          "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable"}) {
      tol.get_array().push_back(json::object{{"key", t}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
    }
    tol.get_array().push_back(json::object{{"key", "node.kubernetes.io/not-ready"}, {"operator", "Exists"}, {"effect", "NoExecute"}});

    std::map<std::string, std::vector<ObjectPtr>> by_node;
    for (const ObjectPtr& p : Owned(ListIn(ctx_, ctx_.res.pods, ns), uid, "DaemonSet")) {
      if (PodActive(*p)) by_node[TargetNodeOf(*p)].push_back(p);
    }
    std::set<std::string> wanted;
    for (const ObjectPtr& node : ListIn(ctx_, ctx_.res.nodes, "")) {
      if (MatchesNodeSelection(tspec, *node) && ToleratesNodeTaints(tspec, *node)) wanted.insert(Name(*node));
    }
    for (const std::string& node : wanted) {
      if (by_node.count(node)) continue;
      json::object pod = PodFromTemplate(*ds, tmpl);
      json::object& meta = EnsureObj(pod, "metadata");
      meta["generateName"] = name + "-";
      EnsureObj(meta, "labels")["controller-revision-hash"] = hash;
      EnsureObj(meta, "labels")["pod-template-generation"] = std::to_string(Generation(*ds));
      json::object& spec = EnsureObj(pod, "spec");
      json::object field{{"key", "metadata.name"}, {"operator", "In"}, {"values", json::array{json::value(node)}}};
      json::object term{{"matchFields", json::array{std::move(field)}}};
      json::object required{{"nodeSelectorTerms", json::array{std::move(term)}}};
      spec["affinity"] = json::object{
          {"nodeAffinity", json::object{{"requiredDuringSchedulingIgnoredDuringExecution", std::move(required)}}}};
      if (ObjectPtr created = CreatePod(ctx_, std::move(pod))) {
        ctx_.events.Record(*ds, "Normal", "SuccessfulCreate", "Created pod: " + Name(*created), source);
        by_node[node].push_back(created);
      }
    }
    // Pods on nodes that no longer qualify (or duplicates) go away.
    for (auto it = by_node.begin(); it != by_node.end();) {
      auto& pods = it->second;
      const bool keep_one = wanted.count(it->first) > 0;
      while (pods.size() > (keep_one ? 1u : 0u)) {
        if (DeletePod(ctx_, *pods.back())) {
          ctx_.events.Record(*ds, "Normal", "SuccessfulDelete", "Deleted pod: " + Name(*pods.back()), source);
        }
        pods.pop_back();
      }
      it = pods.empty() ? by_node.erase(it) : std::next(it);
    }
    // Rolling update, one pod at a time, when every daemon pod is Ready.
    auto revision_of = [](const ObjectPtr& p) {
      const json::object* labels = Labels(*p);
      return labels ? Str(*labels, "controller-revision-hash") : std::string();
    };
    std::int64_t ready = 0, updated = 0, scheduled = 0;
    for (const auto& [node, pods] : by_node) {
      ready += PodReady(*pods[0]) ? 1 : 0;
      updated += revision_of(pods[0]) == hash ? 1 : 0;
      scheduled += 1;
    }
    if (ready == scheduled && updated < scheduled) {
      for (const auto& [node, pods] : by_node) {
        if (revision_of(pods[0]) != hash) {
          DeletePod(ctx_, *pods[0]);
          break;
        }
      }
    }
    const std::int64_t generation = Generation(*ds);
    const std::int64_t desired = static_cast<std::int64_t>(wanted.size());
    WriteStatus(ctx_, ctx_.res.daemonsets, ns, name, uid, [&](json::object& status) {
      status["observedGeneration"] = generation;
      status["desiredNumberScheduled"] = desired;
      status["currentNumberScheduled"] = scheduled;
      status["numberMisscheduled"] = 0;
      status["numberReady"] = ready;
      SetCount(status, "numberAvailable", ready);
      SetCount(status, "numberUnavailable", std::max<std::int64_t>(0, desired - ready));
      SetCount(status, "updatedNumberScheduled", updated);
    });
  }

 private:
  SimContext& ctx_;
  std::mutex mu_;
  std::set<std::string> known_;  // guarded by mu_: every DaemonSet key, to requeue on node changes
};

// ---------------------------------------------------------------------------------------
// Endpoints

class EndpointsController final : public SimController {
 public:
  explicit EndpointsController(SimContext& ctx) : SimController("endpoints-controller"), ctx_(ctx) {}
  ~EndpointsController() override { Stop(); }

 protected:
  void OnChange(const ChangeEvent& event) override {
    const StoreResource& r = event.resource;
    const json::object& o = *event.object;
    if (!r.group.empty()) return;
    if (r.resource == "services") {
      const std::string ns = Namespace(o);
      {
        std::lock_guard lock(mu_);
        if (event.type == WatchEventType::kDeleted) {
          services_[ns].erase(Name(o));
        } else {
          services_[ns].insert(Name(o));
        }
      }
      Enqueue(ObjectKeyOf(ns, Name(o)));
    } else if (r.resource == "pods") {
      // Cheap and correct: every service of the namespace re-evaluates its selector.
      std::lock_guard lock(mu_);
      auto it = services_.find(Namespace(o));
      if (it == services_.end()) return;
      for (const std::string& svc : it->second) Enqueue(ObjectKeyOf(it->first, svc));
    }
  }

  void Resync() override {
    for (const ObjectPtr& s : ListIn(ctx_, ctx_.res.services, "")) {
      {
        std::lock_guard lock(mu_);
        services_[Namespace(*s)].insert(Name(*s));
      }
      Enqueue(ObjectKeyOf(Namespace(*s), Name(*s)));
    }
  }

  void Reconcile(const std::string& key) override {
    auto [ns, name] = SplitObjectKey(key);
    auto got = ctx_.store.Get(ctx_.res.services, ns, name);
    if (!IsOk(got)) {
      ctx_.store.Delete(ctx_.res.endpoints, ns, name);  // NotFound is fine
      return;
    }
    const ObjectPtr svc = std::get<ObjectPtr>(got);
    const json::object* spec = Obj(*svc, "spec");
    const json::object* selector = spec ? Obj(*spec, "selector") : nullptr;
    if (!selector || selector->empty()) return;  // endpoints of selector-less services are the user's
    std::string selector_text;
    for (const auto& [k, v] : *selector) {
      if (!v.is_string()) continue;
      selector_text += fmt::format("{}{}={}", selector_text.empty() ? "" : ",", std::string_view(k),
                                   std::string_view(v.get_string()));
    }
    std::vector<std::pair<std::string, json::object>> ready, not_ready;
    std::vector<ObjectPtr> pods = ListIn(ctx_, ctx_.res.pods, ns, selector_text);
    for (const ObjectPtr& p : pods) {
      const json::object* status = Obj(*p, "status");
      const std::string ip = status ? Str(*status, "podIP") : std::string();
      if (ip.empty() || !PodActive(*p)) continue;
      const json::object* pspec = Obj(*p, "spec");
      json::object address{{"ip", ip},
                           {"targetRef", json::object{{"kind", "Pod"},
                                                      {"namespace", ns},
                                                      {"name", Name(*p)},
                                                      {"uid", Uid(*p)}}}};
      if (pspec && !Str(*pspec, "nodeName").empty()) address["nodeName"] = Str(*pspec, "nodeName");
      (PodReady(*p) ? ready : not_ready).emplace_back(ip, std::move(address));
    }
    std::sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::sort(not_ready.begin(), not_ready.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

    json::array ports;
    if (const json::array* svc_ports = spec ? Arr(*spec, "ports") : nullptr) {
      for (const json::value& pv : *svc_ports) {
        if (!pv.is_object()) continue;
        const json::object& port = pv.get_object();
        std::int64_t number = Int(port, "port", 0);
        const json::value* target = port.if_contains("targetPort");
        if (target && target->is_int64()) number = target->get_int64();
        if (target && target->is_string()) number = NamedPort(pods, std::string(target->get_string()), number);
        json::object out{{"port", number}, {"protocol", Str(port, "protocol").empty() ? "TCP" : Str(port, "protocol")}};
        if (!Str(port, "name").empty()) out["name"] = Str(port, "name");
        if (!Str(port, "appProtocol").empty()) out["appProtocol"] = Str(port, "appProtocol");
        ports.push_back(std::move(out));
      }
    }
    json::array subsets;
    if (!ready.empty() || !not_ready.empty()) {
      json::object subset;
      if (!ready.empty()) {
        json::array a;
        for (auto& [_, addr] : ready) a.push_back(std::move(addr));
        subset["addresses"] = std::move(a);
      }
      if (!not_ready.empty()) {
        json::array a;
        for (auto& [_, addr] : not_ready) a.push_back(std::move(addr));
        subset["notReadyAddresses"] = std::move(a);
      }
      subset["ports"] = std::move(ports);
      subsets.push_back(std::move(subset));
    }
    json::object labels;
    if (const json::object* l = Labels(*svc)) labels = *l;
    const std::string now = NowRfc3339();
    auto existing = ctx_.store.Get(ctx_.res.endpoints, ns, name);
    if (!IsOk(existing)) {
      json::object meta{{"name", name}, {"namespace", ns}};
      if (!labels.empty()) meta["labels"] = labels;
      meta["annotations"] = json::object{{"endpoints.kubernetes.io/last-change-trigger-time", now}};
      json::object ep{{"apiVersion", "v1"}, {"kind", "Endpoints"}, {"metadata", std::move(meta)}};
      if (!subsets.empty()) ep["subsets"] = std::move(subsets);
      ctx_.store.Create(ctx_.res.endpoints, ns, std::move(ep));
      return;
    }
    ctx_.store.Mutate(ctx_.res.endpoints, ns, name, [&](const json::object& current) -> ApiResult<json::object> {
      json::object next = current;
      const json::value* old_subsets = current.if_contains("subsets");
      const bool same = (subsets.empty() && (!old_subsets || (old_subsets->is_array() && old_subsets->get_array().empty()))) ||
                        (old_subsets && *old_subsets == json::value(subsets));
      if (same) return next;
      if (subsets.empty()) {
        next.erase("subsets");
      } else {
        next["subsets"] = subsets;
      }
      json::object& meta = EnsureObj(next, "metadata");
      EnsureObj(meta, "annotations")["endpoints.kubernetes.io/last-change-trigger-time"] = now;
      return next;
    });
  }

 private:
  static std::int64_t NamedPort(const std::vector<ObjectPtr>& pods, const std::string& port_name, std::int64_t fallback) {
    for (const ObjectPtr& p : pods) {
      const json::object* spec = Obj(*p, "spec");
      const json::array* containers = spec ? Arr(*spec, "containers") : nullptr;
      if (!containers) continue;
      for (const json::value& c : *containers) {
        const json::array* ports = c.is_object() ? Arr(c.get_object(), "ports") : nullptr;
        if (!ports) continue;
        for (const json::value& port : *ports) {
          if (port.is_object() && Str(port.get_object(), "name") == port_name) {
            return Int(port.get_object(), "containerPort", fallback);
          }
        }
      }
    }
    return fallback;
  }

  SimContext& ctx_;
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> services_;  // guarded by mu_: namespace -> service names
};

}  // namespace

std::unique_ptr<SimController> MakeDeploymentController(SimContext& c) { return std::make_unique<DeploymentController>(c); }
std::unique_ptr<SimController> MakeReplicaSetController(SimContext& c) { return std::make_unique<ReplicaSetController>(c); }
std::unique_ptr<SimController> MakeStatefulSetController(SimContext& c) { return std::make_unique<StatefulSetController>(c); }
std::unique_ptr<SimController> MakeJobController(SimContext& c) { return std::make_unique<JobController>(c); }
std::unique_ptr<SimController> MakeDaemonSetController(SimContext& c) { return std::make_unique<DaemonSetController>(c); }
std::unique_ptr<SimController> MakeEndpointsController(SimContext& c) { return std::make_unique<EndpointsController>(c); }

}  // namespace airunway::kubesim
