// Will a model fit the cluster's GPUs? The estimate is the model's GPU memory need (its
// catalog minimum, or the HuggingFace estimate); the capacity is what one replica can get:
// per-GPU memory × the GPUs it may use on one node. When the cluster's GPU memory is not
// known, the indicator still shows the estimate and whether the cluster has GPUs at all.
import type { ClusterNode, Model } from '../api/types';

export type FitLevel = 'perfect' | 'good' | 'tight' | 'wont-fit' | 'no-gpus' | 'cpu' | 'unknown';

export interface GpuCapacity {
  totalGpus: number;
  maxGpusPerNode: number;
  gpuNodeCount: number;
  /** Memory of one GPU in GB, when the server knows it. */
  perGpuMemoryGb?: number;
}

export interface GpuFit {
  level: FitLevel;
  label: string;
  estimateGb?: number;
  capacityGb?: number;
  /** 0–100+ utilisation of the capacity, when both numbers are known. */
  percent?: number;
  /** Extra GB needed to reach a comfortable fit (estimate × 1.2), when tight or not fitting. */
  shortfallGb?: number;
  detail: string;
}

export const FIT_COLORS: Record<FitLevel, string> = {
  perfect: 'teal',
  good: 'cyan',
  tight: 'yellow',
  'wont-fit': 'red',
  'no-gpus': 'red',
  cpu: 'grape',
  unknown: 'gray',
};

export function capacityFromNodes(nodes: ClusterNode[] | undefined, perGpuMemoryGb?: number): GpuCapacity | undefined {
  if (!nodes) return undefined;
  const gpuNodes = nodes.filter((n) => n.gpuCount > 0);
  const cap: GpuCapacity = {
    totalGpus: gpuNodes.reduce((sum, n) => sum + n.gpuCount, 0),
    maxGpusPerNode: gpuNodes.reduce((max, n) => Math.max(max, n.gpuCount), 0),
    gpuNodeCount: gpuNodes.length,
  };
  if (perGpuMemoryGb !== undefined) cap.perGpuMemoryGb = perGpuMemoryGb;
  return cap;
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

const round = (n: number) => Math.round(n * 10) / 10;

export function computeGpuFit(
  model: Pick<Model, 'minGpus' | 'supportedEngines' | 'minGpuMemory' | 'estimatedGpuMemoryGb'>,
  capacity: GpuCapacity | undefined,
): GpuFit {
  const estimateGb = modelEstimateGb(model);
  const est = estimateGb !== undefined ? `~${round(estimateGb)} GB` : 'unknown';
  if (isCpuCapable(model)) {
    return { level: 'cpu', label: 'CPU or GPU', detail: 'Runs on CPU nodes; a GPU makes it faster', ...(estimateGb !== undefined && { estimateGb }) };
  }
  if (capacity && capacity.totalGpus === 0) {
    return {
      level: 'no-gpus',
      label: 'No GPUs',
      detail: `Needs ${est} of GPU memory, and the cluster has no GPU nodes`,
      ...(estimateGb !== undefined && { estimateGb }),
    };
  }
  if (estimateGb === undefined || !capacity || capacity.perGpuMemoryGb === undefined) {
    const gpus = capacity ? `; the cluster has ${capacity.totalGpus} GPU${capacity.totalGpus === 1 ? '' : 's'}` : '';
    return {
      level: 'unknown',
      label: estimateGb !== undefined ? `Needs ${est}` : 'Fit unknown',
      detail: `Needs ${est} of GPU memory${gpus}; GPU memory size not reported`,
      ...(estimateGb !== undefined && { estimateGb }),
    };
  }
  const capacityGb = capacity.perGpuMemoryGb * Math.max(1, capacity.maxGpusPerNode);
  const percent = (estimateGb / capacityGb) * 100;
  const level: FitLevel = percent <= 60 ? 'perfect' : percent <= 80 ? 'good' : percent <= 100 ? 'tight' : 'wont-fit';
  const label = { perfect: 'Perfect fit', good: 'Good fit', tight: 'Tight fit', 'wont-fit': 'Won’t fit' }[level];
  const fit: GpuFit = {
    level,
    label,
    estimateGb,
    capacityGb,
    percent,
    detail: `${round(estimateGb)} / ${round(capacityGb)} GB on the largest GPU node`,
  };
  if (percent > 80) fit.shortfallGb = Math.max(0, Math.ceil(estimateGb * 1.2) - capacityGb);
  return fit;
}
