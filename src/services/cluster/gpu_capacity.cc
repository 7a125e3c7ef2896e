#include "services/cluster/gpu_capacity.h"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "common/json.h"

namespace airunway::services::cluster {

namespace json = boost::json;

namespace {

constexpr std::string_view kGpuResource = "nvidia.com/gpu";

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// A whole-number quantity ("8", 8); fractional or suffixed GPU counts are not GPUs.
std::int64_t WholeQuantity(const json::value* value) {
  if (value == nullptr) return 0;
  if (value->is_int64()) return std::max<std::int64_t>(0, value->as_int64());
  if (value->is_uint64()) return static_cast<std::int64_t>(value->as_uint64());
  if (!value->is_string()) return 0;
  std::string_view text = value->as_string();
  std::int64_t parsed = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc() || end != text.data() + text.size() || parsed < 0) return 0;
  return parsed;
}

std::string_view Label(const json::object& object, std::string_view key) {
  const auto* labels = common::FindPath(object, {"metadata", "labels"});
  if (labels == nullptr || !labels->is_object()) return {};
  auto value = common::GetString(labels->as_object(), key);
  return value.value_or(std::string_view());
}

std::string_view FirstLabel(const json::object& object, std::initializer_list<std::string_view> keys) {
  for (auto key : keys) {
    if (auto value = Label(object, key); !value.empty()) return value;
  }
  return {};
}

std::string_view InstanceType(const json::object& node) {
  return FirstLabel(node, {"node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"});
}

// The GPU an instance type usually carries (Azure, AWS and GCP names).
std::string GpuModelOfInstanceType(std::string_view instance_type) {
  std::string type = Lower(instance_type);
  std::string_view t = type;
  // _a100 before _a10: the reference tested _a10 first and so named A100 machines A10.
  if (Contains(t, "_a100")) return "A100-80GB";
  if (Contains(t, "_a10")) return "A10";
  if (Contains(t, "_h100")) return "H100";
  if (Contains(t, "nc") && Contains(t, "_v3")) return "V100";
  if (Contains(t, "nc") && Contains(t, "t4")) return "T4";
  struct Prefix {
    std::string_view prefix;
    std::string_view model;
  };
  static constexpr std::array<Prefix, 13> kPrefixes{{{"p5", "H100"},
                                                     {"p4d", "A100-40GB"},
                                                     {"p3", "V100"},
                                                     {"g4dn", "T4"},
                                                     {"g4ad", "T4"},
                                                     {"g5g", "A10G"},
                                                     {"g5.", "A10G"},
                                                     {"g6e", "L40S"},
                                                     {"g6.", "L4"},
                                                     {"a3", "H100"},
                                                     {"a2-ultra", "A100-80GB"},
                                                     {"a2", "A100-40GB"},
                                                     {"g2", "L4"}}};
  for (const auto& [prefix, model] : kPrefixes) {
    if (t.starts_with(prefix)) return std::string(model);
  }
  return {};
}

}  // namespace

std::int64_t NodeGpuCount(const json::object& node) {
  return WholeQuantity(common::FindPath(node, {"status", "allocatable", kGpuResource}));
}

std::int64_t PodGpuRequest(const json::object& pod) {
  const auto* containers = common::FindPath(pod, {"spec", "containers"});
  if (containers == nullptr || !containers->is_array()) return 0;
  std::int64_t total = 0;
  for (const auto& container : containers->as_array()) {
    if (!container.is_object()) continue;
    const auto* request = common::FindPath(container.as_object(), {"resources", "requests", kGpuResource});
    if (request == nullptr) request = common::FindPath(container.as_object(), {"resources", "limits", kGpuResource});
    total += WholeQuantity(request);
  }
  return total;
}

std::optional<std::int64_t> NodeGpuMemoryGb(const json::object& node) {
  if (auto mib = WholeQuantity(common::FindPath(node, {"metadata", "labels", "nvidia.com/gpu.memory"})); mib > 0) {
    return static_cast<std::int64_t>(std::llround(static_cast<double>(mib) / 1024.0));
  }
  std::string product = Lower(Label(node, "nvidia.com/gpu.product"));
  if (product.empty()) return std::nullopt;
  std::string_view p = product;
  struct Rule {
    std::string_view first;
    std::string_view second;  // empty: only `first` must appear
    std::int64_t gigabytes;
  };
  static constexpr std::array<Rule, 19> kRules{{{"a100", "80", 80}, {"a100", "40", 40}, {"a100", "", 40},
                                                {"h100", "80", 80}, {"h100", "", 80},     {"h200", "", 141},
                                                {"a10g", "", 24},   {"a10", "", 24},      {"l40s", "", 48},
                                                {"l40", "", 48},    {"l4", "", 24},       {"t4", "", 16},
                                                {"v100", "32", 32}, {"v100", "", 16},     {"4090", "", 24},
                                                {"4080", "", 16},   {"3090", "", 24},     {"3080", "12", 12},
                                                {"3080", "", 10}}};
  for (const auto& rule : kRules) {
    if (Contains(p, rule.first) && (rule.second.empty() || Contains(p, rule.second))) return rule.gigabytes;
  }
  return std::nullopt;
}

std::string NodeGpuModel(const json::object& node) {
  if (auto product = Label(node, "nvidia.com/gpu.product"); !product.empty()) return std::string(product);
  if (auto model = GpuModelOfInstanceType(InstanceType(node)); !model.empty()) return model;
  return std::string(Label(node, "accelerator"));
}

std::string NodePoolName(const json::object& node) {
  auto pool = FirstLabel(node, {"agentpool", "kubernetes.azure.com/agentpool", "cloud.google.com/gke-nodepool",
                                "eks.amazonaws.com/nodegroup"});
  return pool.empty() ? std::string("default") : std::string(pool);
}

GpuCapacity ComputeGpuCapacity(const std::vector<kube::ObjectPtr>& nodes, const PodsOnNode& pods_on_node) {
  GpuCapacity capacity;
  for (const auto& node : nodes) {
    std::int64_t gpus = NodeGpuCount(*node);
    if (gpus <= 0) continue;
    NodeGpus entry;
    if (const auto* name = common::FindPath(*node, {"metadata", "name"}); name != nullptr && name->is_string()) {
      entry.node_name = std::string(name->as_string());
    }
    entry.total = gpus;
    for (const auto& pod : pods_on_node(entry.node_name)) {
      const auto* phase = common::FindPath(*pod, {"status", "phase"});
      bool holds = phase != nullptr && phase->is_string() &&
                   (phase->as_string() == "Running" || phase->as_string() == "Pending");
      if (holds) entry.allocated += PodGpuRequest(*pod);
    }
    capacity.total += entry.total;
    capacity.allocated += entry.allocated;
    capacity.max_contiguous_available = std::max(capacity.max_contiguous_available, entry.available());
    capacity.max_node_capacity = std::max(capacity.max_node_capacity, entry.total);
    if (!capacity.total_memory_gb) capacity.total_memory_gb = NodeGpuMemoryGb(*node);
    capacity.nodes.push_back(std::move(entry));
  }
  return capacity;
}

common::Result<GpuCapacity> ComputeGpuCapacity(const kube::Informer& nodes, const kube::Informer& pods,
                                               std::vector<kube::ObjectPtr>* nodes_out) {
  auto listed = nodes.List();
  if (!listed) return listed.error();
  std::optional<common::Error> failure;
  auto capacity = ComputeGpuCapacity(*listed, [&](std::string_view node_name) {
    auto found = pods.ByIndex(kube::IndexKind::kNodeName, node_name);
    if (!found) {
      failure = found.error();
      return std::vector<kube::ObjectPtr>{};
    }
    return std::move(*found);
  });
  if (failure) return *failure;
  if (nodes_out != nullptr) *nodes_out = std::move(*listed);
  return capacity;
}

common::Result<std::shared_ptr<const GpuCapacityCache::Snapshot>> GpuCapacityCache::Get(const kube::Informer& nodes,
                                                                                      const kube::Informer& pods) {
  std::lock_guard lock(mutex_);
  const std::uint64_t node_revision = nodes.Revision();
  const std::uint64_t pod_revision = pods.Revision();
  if (snapshot_ && node_revision == node_revision_ && pod_revision == pod_revision_) return snapshot_;
  auto snapshot = std::make_shared<Snapshot>();
  auto computed = ComputeGpuCapacity(nodes, pods, &snapshot->nodes);
  if (!computed) return computed.error();
  snapshot->capacity = std::move(*computed);
  snapshot_ = std::move(snapshot);
  node_revision_ = node_revision;
  pod_revision_ = pod_revision;
  return snapshot_;
}

namespace {

json::object Totals(const GpuCapacity& capacity) {
  json::object out;
  out["totalGpus"] = capacity.total;
  out["allocatedGpus"] = capacity.allocated;
  out["availableGpus"] = capacity.total - capacity.allocated;
  out["maxContiguousAvailable"] = capacity.max_contiguous_available;
  out["maxNodeGpuCapacity"] = capacity.max_node_capacity;
  out["gpuNodeCount"] = static_cast<std::int64_t>(capacity.nodes.size());
  if (capacity.total_memory_gb) out["totalMemoryGb"] = *capacity.total_memory_gb;
  return out;
}

}  // namespace

json::object GpuCapacityJson(const GpuCapacity& capacity) {
  json::object out = Totals(capacity);
  json::array nodes;
  nodes.reserve(capacity.nodes.size());
  for (const auto& node : capacity.nodes) {
    nodes.push_back(json::object{{"nodeName", node.node_name},
                                 {"totalGpus", node.total},
                                 {"allocatedGpus", node.allocated},
                                 {"availableGpus", node.available()}});
  }
  out["nodes"] = std::move(nodes);
  return out;
}

json::object DetailedGpuCapacityJson(const GpuCapacity& capacity, const std::vector<kube::ObjectPtr>& nodes) {
  struct Pool {
    std::int64_t gpus = 0;
    std::int64_t node_count = 0;
    std::int64_t available = 0;
    std::string model, instance_type, region;
  };
  std::map<std::string, const NodeGpus*, std::less<>> by_name;
  for (const auto& node : capacity.nodes) by_name.emplace(node.node_name, &node);
  std::vector<std::pair<std::string, Pool>> pools;  // in order of first appearance
  for (const auto& node : nodes) {
    const auto* name = common::FindPath(*node, {"metadata", "name"});
    if (name == nullptr || !name->is_string()) continue;
    auto gpu_node = by_name.find(std::string_view(name->as_string()));
    if (gpu_node == by_name.end()) continue;
    std::string pool_name = NodePoolName(*node);
    auto it = std::find_if(pools.begin(), pools.end(), [&](const auto& entry) { return entry.first == pool_name; });
    if (it == pools.end()) it = pools.insert(pools.end(), {pool_name, Pool{}});
    Pool& pool = it->second;
    pool.gpus += gpu_node->second->total;
    pool.node_count += 1;
    pool.available += gpu_node->second->available();
    if (pool.model.empty()) pool.model = NodeGpuModel(*node);
    if (pool.instance_type.empty()) pool.instance_type = std::string(InstanceType(*node));
    if (pool.region.empty()) {
      pool.region = std::string(FirstLabel(*node, {"topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"}));
    }
  }
  json::object out = Totals(capacity);
  json::array pool_array;
  for (auto& [name, pool] : pools) {
    json::object entry{{"name", name}, {"gpuCount", pool.gpus}, {"nodeCount", pool.node_count}, {"availableGpus", pool.available}};
    if (!pool.model.empty()) entry["gpuModel"] = pool.model;
    if (!pool.instance_type.empty()) entry["instanceType"] = pool.instance_type;
    if (!pool.region.empty()) entry["region"] = pool.region;
    pool_array.push_back(std::move(entry));
  }
  out["nodePools"] = std::move(pool_array);
  return out;
}

json::object EmptyGpuCapacityJson(bool detailed) {
  json::object out = Totals(GpuCapacity{});
  out[detailed ? "nodePools" : "nodes"] = json::array();
  return out;
}

}  // namespace airunway::services::cluster
