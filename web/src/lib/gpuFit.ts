// Will a model fit the cluster's GPUs? Two questions, both answered from the cluster's real
// capacity (GET /api/installation/gpu-capacity):
//
// - Memory fit (model cards, the Deploy page's summary): the model's GPU memory estimate (its
//   HuggingFace estimate, else its catalog minimum) against the cluster's effective capacity,
//   per-GPU memory × GPU count, graded as the reference UI does: ≤ 60 % perfect, ≤ 80 % good,
//   ≤ 100 % tight, above that it won't fit; above 80 % also the extra GB a comfortable fit
//   (1.2 × the estimate) needs.
// - GPU counts (the Deploy page's warning): the GPUs the chosen replicas ask for against the
//   largest node and the free GPUs.
//
// The server reports `totalMemoryGb` as the reference does: the memory of one GPU, read from the
// first GPU node that labels it (`nvidia.com/gpu.memory`, else the product name). Capacity
// counts as unknown — and the UI falls back to showing the model's own estimate — when the
// request failed, when the cluster reports no GPU nodes (which is also the server's answer when
// it cannot list nodes), or, for the memory fit, when the GPU memory is not known.
import type { ClusterGpuCapacity, Model } from '../api/types';

export type FitLevel = 'perfect' | 'good' | 'tight' | 'wont-fit' | 'cpu' | 'unknown';

export interface GpuFit {
  level: FitLevel;
  label: string;
  estimateGb?: number;
  capacityGb?: number;
  /** How the capacity is made up, e.g. "2x8x80 GB". */
  topology?: string;
  /** 0–100+ utilisation of the capacity, when both numbers are known. */
  percent?: number;
  /** Extra GB needed to reach a comfortable fit (1.2 × the estimate), when above 80 %. */
  shortfallGb?: number;
  detail: string;
}

export const FIT_COLORS: Record<FitLevel, string> = {
  perfect: 'teal',
  good: 'cyan',
  tight: 'yellow',
  'wont-fit': 'red',
  cpu: 'grape',
  unknown: 'gray',
};

/** The capacity when it says anything: undefined when absent or without GPU nodes. */
export function knownCapacity(cap: ClusterGpuCapacity | undefined): ClusterGpuCapacity | undefined {
  if (!cap || cap.gpuNodeCount <= 0 || cap.totalGpus <= 0) return undefined;
  return cap;
}

/** Memory of one GPU in GB, when the server knows it. */
export function perGpuMemoryGb(cap: ClusterGpuCapacity | undefined): number | undefined {
  const mem = knownCapacity(cap)?.totalMemoryGb;
  return mem !== undefined && mem > 0 ? mem : undefined;
}

/**
 * The cluster's GPU layout: homogeneous nodes "NxGxMEM GB", a single node "GxMEM GB", mixed
 * node sizes "TOTALxMEM GB across K nodes".
 */
export function topologyLabel(cap: ClusterGpuCapacity, memGb: number): string {
  const mem = `${round(memGb)} GB`;
  const sizes = cap.nodes.map((n) => n.totalGpus).filter((g) => g > 0);
  const nodeCount = sizes.length > 0 ? sizes.length : cap.gpuNodeCount;
  if (nodeCount <= 1) return `${cap.totalGpus}x${mem}`;
  const first = sizes[0];
  if (first !== undefined && sizes.every((g) => g === first)) return `${nodeCount}x${first}x${mem}`;
  return `${cap.totalGpus}x${mem} across ${nodeCount} nodes`;
}

/** "8GB" → 8, "16 GiB" → 16, "512MB" → 0.5. */
export function parseMemoryGb(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^\s*([\d.]+)\s*(T|G|M)i?B?\s*$/i.exec(text);
  if (!m || !m[1] || !m[2]) return undefined;
  const n = Number.parseFloat(m[1]);
  if (Number.isNaN(n)) return undefined;
  const unit = m[2].toUpperCase();
  return unit === 'T' ? n * 1024 : unit === 'M' ? n / 1024 : n;
}

export function isCpuCapable(model: Pick<Model, 'minGpus' | 'supportedEngines'>): boolean {
  return model.minGpus === 0 || (model.supportedEngines.length > 0 && model.supportedEngines.every((e) => e === 'llamacpp'));
}

export function modelEstimateGb(model: Pick<Model, 'minGpuMemory' | 'estimatedGpuMemoryGb'>): number | undefined {
  return model.estimatedGpuMemoryGb ?? parseMemoryGb(model.minGpuMemory);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function computeGpuFit(
  model: Pick<Model, 'minGpus' | 'supportedEngines' | 'minGpuMemory' | 'estimatedGpuMemoryGb'>,
  capacity: ClusterGpuCapacity | undefined,
): GpuFit {
  const estimateGb = modelEstimateGb(model);
  const withEstimate = estimateGb !== undefined ? { estimateGb } : {};
  const est = estimateGb !== undefined ? `~${round(estimateGb)} GB` : 'an unknown amount';
  if (isCpuCapable(model)) {
    return { level: 'cpu', label: 'CPU or GPU', detail: 'Runs on CPU nodes; a GPU makes it faster', ...withEstimate };
  }
  const cap = knownCapacity(capacity);
  const mem = perGpuMemoryGb(cap);
  if (estimateGb === undefined || !cap || mem === undefined) {
    const why = !capacity
      ? 'the cluster’s GPU capacity is not known'
      : !cap
        ? 'the cluster reports no GPU nodes'
        : estimateGb === undefined
          ? `the cluster has ${plural(cap.totalGpus, 'GPU')}`
          : `the cluster has ${plural(cap.totalGpus, 'GPU')} of unreported memory size`;
    return {
      level: 'unknown',
      label: estimateGb !== undefined ? `Needs ${est}` : 'Fit unknown',
      detail: `Needs ${est} of GPU memory; ${why}`,
      ...withEstimate,
    };
  }
  const capacityGb = mem * cap.totalGpus;
  const topology = topologyLabel(cap, mem);
  const percent = (estimateGb / capacityGb) * 100;
  const level: FitLevel = percent <= 60 ? 'perfect' : percent <= 80 ? 'good' : percent <= 100 ? 'tight' : 'wont-fit';
  const label = { perfect: 'Perfect fit', good: 'Good fit', tight: 'Tight fit', 'wont-fit': 'Won’t fit' }[level];
  const fit: GpuFit = {
    level,
    label,
    estimateGb,
    capacityGb,
    topology,
    percent,
    detail: `Needs ${est} of GPU memory; the cluster has ${round(capacityGb)} GB (${topology}), ${Math.round(percent)} % used`,
  };
  if (percent > 80) fit.shortfallGb = Math.max(0, Math.ceil(estimateGb * 1.2) - capacityGb);
  return fit;
}

/** The GPUs a deployment asks for: per replica, or per prefill and decode worker. */
export type GpuRequest =
  | { mode: 'aggregated'; replicas: number; gpus: number }
  | { mode: 'disaggregated'; prefillReplicas: number; prefillGpus: number; decodeReplicas: number; decodeGpus: number };

export interface CapacityCheck {
  severity: 'error' | 'warning';
  title: string;
  detail: string;
  /** "2 GPUs × 3 replicas = 6 GPUs" or the prefill + decode sum. */
  breakdown: string;
}

export function requestedGpus(req: GpuRequest): { total: number; largestPod: number; breakdown: string } {
  if (req.mode === 'aggregated') {
    const total = req.gpus * req.replicas;
    return {
      total,
      largestPod: req.gpus,
      breakdown: `${plural(req.gpus, 'GPU')} × ${plural(req.replicas, 'replica')} = ${plural(total, 'GPU')}`,
    };
  }
  const prefill = req.prefillGpus * req.prefillReplicas;
  const decode = req.decodeGpus * req.decodeReplicas;
  return {
    total: prefill + decode,
    largestPod: Math.max(req.prefillGpus, req.decodeGpus),
    breakdown: `prefill ${req.prefillGpus} × ${req.prefillReplicas} + decode ${req.decodeGpus} × ${req.decodeReplicas} = ${plural(prefill + decode, 'GPU')}`,
  };
}

/**
 * Whether the requested GPUs can be scheduled: null when they can (or when nothing is asked
 * for, or the capacity is unknown). Never blocks deploying: pods wait for capacity.
 */
export function checkGpuCapacity(req: GpuRequest, capacity: ClusterGpuCapacity | undefined): CapacityCheck | null {
  const cap = knownCapacity(capacity);
  const { total, largestPod, breakdown } = requestedGpus(req);
  if (!cap || total <= 0) return null;
  if (largestPod > cap.maxNodeGpuCapacity) {
    return {
      severity: 'error',
      title: 'Deployment exceeds the cluster’s capacity',
      detail: `One pod needs ${plural(largestPod, 'GPU')}, but the largest GPU node has ${cap.maxNodeGpuCapacity}. Use fewer GPUs per replica, or add larger GPU nodes.`,
      breakdown,
    };
  }
  const free = Math.max(0, cap.availableGpus);
  if (total > free) {
    return {
      severity: 'warning',
      title: 'Insufficient GPU capacity',
      detail: `${free} of ${plural(cap.totalGpus, 'GPU')} are free; the pods that do not fit stay Pending until GPUs are freed or nodes are added.`,
      breakdown,
    };
  }
  if (largestPod > cap.maxContiguousAvailable) {
    return {
      severity: 'warning',
      title: 'No single node has enough free GPUs',
      detail: `A pod needs ${plural(largestPod, 'GPU')} on one node; the most free on any node is ${cap.maxContiguousAvailable}.`,
      breakdown,
    };
  }
  return null;
}
