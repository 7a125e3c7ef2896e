import { describe, expect, it } from 'vitest';
import type { ClusterGpuCapacity } from '../api/types';
import { checkGpuCapacity, computeGpuFit, knownCapacity, parseMemoryGb, perGpuMemoryGb, topologyLabel } from './gpuFit';

const gpuModel = { minGpus: 1, supportedEngines: ['vllm' as const], minGpuMemory: '18GB' };

/** A capacity answer of `nodes` GPU nodes with these GPU counts and free GPUs. */
function capacity(nodes: { total: number; free?: number }[], memGb?: number): ClusterGpuCapacity {
  const list = nodes.map((n, i) => ({
    nodeName: `gpu-${i}`,
    totalGpus: n.total,
    allocatedGpus: n.total - (n.free ?? n.total),
    availableGpus: n.free ?? n.total,
  }));
  const cap: ClusterGpuCapacity = {
    totalGpus: list.reduce((s, n) => s + n.totalGpus, 0),
    allocatedGpus: list.reduce((s, n) => s + n.allocatedGpus, 0),
    availableGpus: list.reduce((s, n) => s + n.availableGpus, 0),
    maxContiguousAvailable: list.reduce((m, n) => Math.max(m, n.availableGpus), 0),
    maxNodeGpuCapacity: list.reduce((m, n) => Math.max(m, n.totalGpus), 0),
    gpuNodeCount: list.length,
    nodes: list,
  };
  if (memGb !== undefined) cap.totalMemoryGb = memGb;
  return cap;
}

const NO_GPUS: ClusterGpuCapacity = {
  totalGpus: 0,
  allocatedGpus: 0,
  availableGpus: 0,
  maxContiguousAvailable: 0,
  maxNodeGpuCapacity: 0,
  gpuNodeCount: 0,
  nodes: [],
};

describe('computeGpuFit from the cluster capacity', () => {
  it('grades the estimate against per-GPU memory × all GPUs (reference thresholds)', () => {
    const cap = capacity([{ total: 1 }, { total: 1 }], 24); // 48 GB
    expect(computeGpuFit({ ...gpuModel, minGpuMemory: '28GB' }, cap).level).toBe('perfect'); // 58 %
    expect(computeGpuFit({ ...gpuModel, minGpuMemory: '38GB' }, cap).level).toBe('good'); // 79 %
    expect(computeGpuFit({ ...gpuModel, minGpuMemory: '48GB' }, cap).level).toBe('tight'); // 100 %
    const wont = computeGpuFit({ ...gpuModel, minGpuMemory: '60GB' }, cap);
    expect(wont.level).toBe('wont-fit');
    expect(wont.label).toBe('Won’t fit');
    expect(wont.capacityGb).toBe(48);
    expect(wont.shortfallGb).toBe(72 - 48);
  });

  it('matches the reference example: 906 GB on 2 nodes of 8×80 GB', () => {
    const fit = computeGpuFit({ ...gpuModel, estimatedGpuMemoryGb: 906 }, capacity([{ total: 8 }, { total: 8 }], 80));
    expect(fit.capacityGb).toBe(1280);
    expect(fit.topology).toBe('2x8x80 GB');
    expect(fit.level).toBe('good');
    expect(fit.shortfallGb).toBeUndefined(); // 71 %: comfortable
    expect(fit.detail).toContain('1280 GB (2x8x80 GB)');
  });

  it('uses the HuggingFace estimate before the catalog string', () => {
    const fit = computeGpuFit({ ...gpuModel, estimatedGpuMemoryGb: 70 }, capacity([{ total: 8 }], 80));
    expect(fit.estimateGb).toBe(70);
    expect(fit.capacityGb).toBe(640);
    expect(fit.level).toBe('perfect');
    expect(fit.shortfallGb).toBeUndefined();
  });

  it('falls back to the model estimate when the capacity is unknown', () => {
    const fit = computeGpuFit(gpuModel, undefined);
    expect(fit.level).toBe('unknown');
    expect(fit.label).toBe('Needs ~18 GB');
    expect(fit.detail).toContain('not known');
  });

  it('falls back to the model estimate when the cluster reports no GPU nodes', () => {
    const fit = computeGpuFit(gpuModel, NO_GPUS);
    expect(fit.level).toBe('unknown');
    expect(fit.label).toBe('Needs ~18 GB');
    expect(fit.detail).toContain('no GPU nodes');
  });

  it('falls back to the model estimate when the GPU memory is not reported', () => {
    const fit = computeGpuFit(gpuModel, capacity([{ total: 4 }]));
    expect(fit.level).toBe('unknown');
    expect(fit.detail).toContain('4 GPUs of unreported memory size');
  });

  it('treats llama.cpp-only and zero-GPU models as CPU capable', () => {
    expect(computeGpuFit({ minGpus: 0, supportedEngines: ['llamacpp'] }, undefined).level).toBe('cpu');
    expect(computeGpuFit({ supportedEngines: ['llamacpp'] }, capacity([{ total: 1 }], 24)).level).toBe('cpu');
  });
});

describe('capacity helpers', () => {
  it('labels the GPU layout as the reference does', () => {
    expect(topologyLabel(capacity([{ total: 8 }, { total: 8 }]), 80)).toBe('2x8x80 GB');
    expect(topologyLabel(capacity([{ total: 4 }]), 24)).toBe('4x24 GB');
    expect(topologyLabel(capacity([{ total: 8 }, { total: 4 }]), 80)).toBe('12x80 GB across 2 nodes');
  });

  it('knows nothing from an all-zero answer or a missing memory size', () => {
    expect(knownCapacity(NO_GPUS)).toBeUndefined();
    expect(knownCapacity(undefined)).toBeUndefined();
    expect(perGpuMemoryGb(capacity([{ total: 2 }]))).toBeUndefined();
    expect(perGpuMemoryGb(capacity([{ total: 2 }], 0))).toBeUndefined();
    expect(perGpuMemoryGb(capacity([{ total: 2 }], 24))).toBe(24);
  });
});

describe('checkGpuCapacity', () => {
  const cluster = capacity([{ total: 4, free: 3 }, { total: 2, free: 0 }], 24); // 3 of 6 free

  it('is quiet when the GPUs are free, nothing is asked, or the capacity is unknown', () => {
    expect(checkGpuCapacity({ mode: 'aggregated', replicas: 3, gpus: 1 }, cluster)).toBeNull();
    expect(checkGpuCapacity({ mode: 'aggregated', replicas: 2, gpus: 0 }, cluster)).toBeNull();
    expect(checkGpuCapacity({ mode: 'aggregated', replicas: 9, gpus: 8 }, undefined)).toBeNull();
    expect(checkGpuCapacity({ mode: 'aggregated', replicas: 9, gpus: 8 }, NO_GPUS)).toBeNull();
  });

  it('refuses a pod larger than the largest node', () => {
    const check = checkGpuCapacity({ mode: 'aggregated', replicas: 2, gpus: 8 }, cluster);
    expect(check?.severity).toBe('error');
    expect(check?.detail).toContain('largest GPU node has 4');
    expect(check?.breakdown).toBe('8 GPUs × 2 replicas = 16 GPUs');
  });

  it('warns when more GPUs are asked for than are free', () => {
    const check = checkGpuCapacity({ mode: 'aggregated', replicas: 2, gpus: 2 }, cluster);
    expect(check?.severity).toBe('warning');
    expect(check?.title).toBe('Insufficient GPU capacity');
    expect(check?.detail).toContain('3 of 6 GPUs are free');
  });

  it('warns when no single node has a pod’s GPUs free', () => {
    const split = capacity([{ total: 2, free: 1 }, { total: 2, free: 1 }], 24);
    expect(checkGpuCapacity({ mode: 'aggregated', replicas: 1, gpus: 2 }, split)?.title).toBe('No single node has enough free GPUs');
  });

  it('adds up prefill and decode workers of a disaggregated deployment', () => {
    const req = { mode: 'disaggregated' as const, prefillReplicas: 1, prefillGpus: 2, decodeReplicas: 1, decodeGpus: 2 };
    const check = checkGpuCapacity(req, cluster);
    expect(check?.title).toBe('Insufficient GPU capacity');
    expect(check?.breakdown).toBe('prefill 2 × 1 + decode 2 × 1 = 4 GPUs');
    expect(checkGpuCapacity({ ...req, decodeGpus: 1 }, cluster)).toBeNull();
  });
});

describe('parseMemoryGb', () => {
  it('reads the catalog memory strings', () => {
    expect(parseMemoryGb('8GB')).toBe(8);
    expect(parseMemoryGb('16 GiB')).toBe(16);
    expect(parseMemoryGb('512MB')).toBe(0.5);
    expect(parseMemoryGb('lots')).toBeUndefined();
    expect(parseMemoryGb(undefined)).toBeUndefined();
  });
});
