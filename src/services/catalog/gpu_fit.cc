#include "services/catalog/gpu_fit.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace airunway::catalog {

int EstimateGpuMemoryGb(double parameters) {
  if (!(parameters > 0)) return 0;
  constexpr double kBytesPerParameter = 2.0;  // fp16/bf16 weights
  constexpr double kOverhead = 1.2;
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  return static_cast<int>(std::ceil(parameters * kBytesPerParameter * kOverhead / kGiB));
}

std::string FormatGpuMemory(int gigabytes) { return fmt::format("{}GB", gigabytes); }

std::optional<double> ParseGpuMemoryGb(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) ++i;
    return i > start;
  };
  if (!digits()) return std::nullopt;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return std::nullopt;
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || end != text.data() + i) return std::nullopt;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) ++i;
  std::string unit;
  for (; i < text.size(); ++i) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
  if (unit.empty() || unit == "GB") return value;
  if (unit == "MB") return value / 1024.0;
  if (unit == "TB") return value * 1024.0;
  return std::nullopt;
}

GpuDemand AggregatedDemand(int replicas, std::optional<int> gpus_per_replica, int node_count) {
  int per_worker = gpus_per_replica.value_or(1);
  int nodes = node_count > 1 ? node_count : 1;
  return GpuDemand{.total = replicas * per_worker * nodes,
                   .per_worker_max = per_worker,
                   .configured_per_worker = per_worker,
                   .cpu_only = false};
}

GpuDemand DisaggregatedDemand(std::optional<int> prefill_replicas, std::optional<int> prefill_gpus,
                              std::optional<int> decode_replicas, std::optional<int> decode_gpus) {
  int prefill = prefill_gpus.value_or(1);
  int decode = decode_gpus.value_or(1);
  return GpuDemand{.total = prefill_replicas.value_or(1) * prefill + decode_replicas.value_or(1) * decode,
                   .per_worker_max = std::max(prefill, decode),
                   .configured_per_worker = std::min(prefill, decode),
                   .cpu_only = false};
}

GpuDemand CpuDemand() { return GpuDemand{.cpu_only = true}; }

GpuFit CheckGpuFit(const GpuDemand& demand, const ClusterGpus& cluster, int model_min_gpus) {
  GpuFit fit;
  if (demand.cpu_only) return fit;
  if (demand.total > cluster.available) {
    fit.warnings.push_back(fmt::format(
        "⚠️ Insufficient cluster GPUs: Deployment requires {} GPU(s) but only {} are available in the cluster",
        demand.total, cluster.available));
  }
  if (demand.per_worker_max > cluster.max_contiguous) {
    fit.warnings.push_back(fmt::format(
        "⚠️ Scheduling constraint: Each worker requires {} GPU(s) but the largest available block on any "
        "node is {} GPU(s)",
        demand.per_worker_max, cluster.max_contiguous));
  }
  if (demand.configured_per_worker < model_min_gpus) {
    fit.warnings.push_back(fmt::format(
        "⚠️ Model requirement: Model requires at least {} GPU(s) per worker but configuration specifies {}",
        model_min_gpus, demand.configured_per_worker));
  }
  fit.fits = fit.warnings.empty();
  return fit;
}

}  // namespace airunway::catalog
