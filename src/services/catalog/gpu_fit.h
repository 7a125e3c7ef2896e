// GPU memory estimates and the GPU-fit check of a deployment against a cluster.
//
// The estimate is deliberately simple and matches what the UI has always shown: fp16 weights
// (2 bytes per parameter) plus 20 % for activations and KV cache, rounded up to whole GiB.
// The fit check counts GPUs only (memory per GPU is the engine's business); it returns every
// reason a deployment does not fit so the UI can list them all.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airunway::catalog {

// ceil(parameters * 2 * 1.2 / 2^30); 0 for a count that is not positive.
int EstimateGpuMemoryGb(double parameters);
// "16GB".
std::string FormatGpuMemory(int gigabytes);
// "16GB", "16 gb", "16" (GB), "512MB", "1.5TB" -> gigabytes; nullopt for anything else.
std::optional<double> ParseGpuMemoryGb(std::string_view text);

// How many GPUs a deployment asks for.
struct GpuDemand {
  int total = 0;                 // across all replicas and workers
  int per_worker_max = 0;        // the largest single worker (must fit on one node)
  int configured_per_worker = 0; // the smallest worker (checked against the model's minimum)
  bool cpu_only = false;
};

// replicas x gpus-per-replica x nodes-per-replica (multi-node workers span node_count nodes).
GpuDemand AggregatedDemand(int replicas, std::optional<int> gpus_per_replica, int node_count = 1);
// Prefill and decode workers; an absent GPU count means 1, as does an absent replica count.
GpuDemand DisaggregatedDemand(std::optional<int> prefill_replicas, std::optional<int> prefill_gpus,
                              std::optional<int> decode_replicas, std::optional<int> decode_gpus);
GpuDemand CpuDemand();

struct ClusterGpus {
  int available = 0;           // free GPUs in the cluster
  int max_contiguous = 0;      // the largest free block on one node
};

struct GpuFit {
  bool fits = true;
  std::vector<std::string> warnings;  // each starts with "⚠️ "
};

// `model_min_gpus`: the catalog's minGpus (absent means 1; 0 means "any").
GpuFit CheckGpuFit(const GpuDemand& demand, const ClusterGpus& cluster, int model_min_gpus = 1);

}  // namespace airunway::catalog
