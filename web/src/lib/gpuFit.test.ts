import { describe, expect, it } from 'vitest';
import { capacityFromNodes, computeGpuFit, parseMemoryGb } from './gpuFit';

const gpuModel = { minGpus: 1, supportedEngines: ['vllm' as const], minGpuMemory: '18GB' };

describe('computeGpuFit', () => {
  it('grades utilisation of the largest node against per-GPU memory', () => {
    const cap = { totalGpus: 2, maxGpusPerNode: 1, gpuNodeCount: 2, perGpuMemoryGb: 24 };
    expect(computeGpuFit({ ...gpuModel, minGpuMemory: '10GB' }, cap).level).toBe('perfect');
    expect(computeGpuFit({ ...gpuModel, minGpuMemory: '18GB' }, cap).level).toBe('good');
    expect(computeGpuFit({ ...gpuModel, minGpuMemory: '22GB' }, cap).level).toBe('tight');
    const wont = computeGpuFit({ ...gpuModel, minGpuMemory: '40GB' }, cap);
    expect(wont.level).toBe('wont-fit');
    expect(wont.label).toBe('Won’t fit');
    expect(wont.shortfallGb).toBe(48 - 24);
  });

  it('says so when the cluster has no GPUs at all', () => {
    const fit = computeGpuFit(gpuModel, capacityFromNodes([{ name: 'cpu-1', ready: true, gpuCount: 0 }]));
    expect(fit.level).toBe('no-gpus');
    expect(fit.detail).toContain('no GPU nodes');
  });

  it('falls back to the model estimate when GPU memory is unknown', () => {
    const fit = computeGpuFit(gpuModel, capacityFromNodes([{ name: 'g', ready: true, gpuCount: 4 }]));
    expect(fit.level).toBe('unknown');
    expect(fit.label).toBe('Needs ~18 GB');
    expect(fit.detail).toContain('4 GPUs');
  });

  it('treats llama.cpp-only and zero-GPU models as CPU capable', () => {
    expect(computeGpuFit({ minGpus: 0, supportedEngines: ['llamacpp'] }, undefined).level).toBe('cpu');
    expect(computeGpuFit({ supportedEngines: ['llamacpp'] }, undefined).level).toBe('cpu');
  });

  it('uses the HuggingFace estimate before the catalog string', () => {
    const fit = computeGpuFit({ ...gpuModel, estimatedGpuMemoryGb: 70 }, { totalGpus: 8, maxGpusPerNode: 8, gpuNodeCount: 1, perGpuMemoryGb: 80 });
    expect(fit.estimateGb).toBe(70);
    expect(fit.capacityGb).toBe(640);
    expect(fit.level).toBe('perfect');
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
