import { describe, expect, it } from 'vitest';
import type { RuntimeStatus } from '../api/types';
import {
  ALL_OPTIONS,
  DEFAULT_VALUES,
  compatibleEngines,
  defaultGgufFile,
  formOptions,
  issuesToFieldErrors,
  newVolume,
  runtimeSupportsDisaggregated,
  toDeploymentConfig,
  validateDeployForm,
  validateVolumes,
  type DeployFormValues,
  type VolumeFormValue,
} from './deployForm';

const valid: DeployFormValues = { ...DEFAULT_VALUES, name: 'qwen3-abcd', namespace: 'default', provider: 'dynamo', engine: 'vllm' };

function runtime(id: string, caps: Partial<NonNullable<RuntimeStatus['capabilities']>> = {}): RuntimeStatus {
  return {
    id,
    name: id,
    installed: true,
    healthy: true,
    capabilities: { engines: ['vllm', 'sglang', 'trtllm'], modes: ['aggregated'], modelSources: [], routerModes: [], features: {}, ...caps },
  };
}

const vllmModel = { supportedEngines: ['vllm' as const, 'sglang' as const] };
const ggufModel = { supportedEngines: ['llamacpp' as const] };

describe('deploy form validation', () => {
  it('accepts a valid form', () => {
    expect(validateDeployForm(valid)).toEqual({});
  });

  it('names each bad field', () => {
    const errors = validateDeployForm({ ...valid, name: 'Bad_Name', namespace: '', replicas: 0, gpus: 9, contextLength: -1, engine: '' });
    expect(errors.name).toMatch(/Lowercase/);
    expect(errors.namespace).toBe('A namespace is required');
    expect(errors.replicas).toBe('From 1 to 10 replicas');
    expect(errors.gpus).toBe('From 0 to 8 GPUs per replica');
    expect(errors.contextLength).toMatch(/positive/);
    expect(errors.engine).toBe('Choose a model server');
  });

  it('checks prefill and decode counts instead of replicas when disaggregated', () => {
    const errors = validateDeployForm({ ...valid, mode: 'disaggregated', replicas: 0, prefillReplicas: 0, decodeGpus: 9 });
    expect(errors.replicas).toBeUndefined();
    expect(errors.prefillReplicas).toBe('From 1 to 10 replicas');
    expect(errors.decodeGpus).toBe('From 1 to 8 GPUs');
  });

  it('asks KAITO GGUF deployments for a .gguf file and vLLM-on-KAITO for a GPU', () => {
    const gguf = formOptions(ggufModel, runtime('kaito'), '');
    expect(validateDeployForm({ ...valid, engine: '', ggufFile: '' }, gguf).ggufFile).toBe('Choose a .gguf file');
    expect(validateDeployForm({ ...valid, engine: '', ggufFile: 'm-Q4_K_M.gguf' }, gguf)).toEqual({});
    const kv = formOptions(vllmModel, runtime('kaito'), 'vllm');
    expect(validateDeployForm({ ...valid, gpus: 0 }, kv).gpus).toBe('From 1 to 8 GPUs per replica');
  });
});

describe('options offered by the provider and engine', () => {
  it('offers disaggregated serving only when the provider (or the engine) lists it', () => {
    expect(runtimeSupportsDisaggregated(runtime('vllm'), 'vllm')).toBe(false);
    expect(runtimeSupportsDisaggregated(runtime('dynamo', { modes: ['aggregated', 'disaggregated'] }), 'vllm')).toBe(true);
    const perEngine = runtime('dynamo', {
      modes: ['aggregated', 'disaggregated'],
      engineCapabilities: [
        { name: 'vllm', servingModes: ['aggregated', 'disaggregated'] },
        { name: 'trtllm', servingModes: ['aggregated'] },
      ],
    });
    expect(runtimeSupportsDisaggregated(perEngine, 'vllm')).toBe(true);
    expect(runtimeSupportsDisaggregated(perEngine, 'trtllm')).toBe(false);
    expect(runtimeSupportsDisaggregated(undefined, 'vllm')).toBe(false);
  });

  it('offers router modes, storage and KAITO sections per provider', () => {
    const dynamo = formOptions(vllmModel, runtime('dynamo', { routerModes: ['default', 'kv', 'round-robin'] }), 'vllm');
    expect(dynamo.routerModes).toEqual(['kv', 'round-robin']);
    expect(dynamo.storage).toBe(true);
    expect(dynamo.kaito).toBe(false);

    const vllm = formOptions(vllmModel, runtime('vllm'), 'vllm');
    expect(vllm.routerModes).toEqual([]);
    expect(vllm.storage).toBe(true);
    expect(vllm.disaggregated).toBe(false);

    const kaitoGguf = formOptions(ggufModel, runtime('kaito'), '');
    expect(kaitoGguf).toMatchObject({ kaito: true, kaitoGguf: true, kaitoVllm: false, engineChoice: false, storage: false, trustRemoteCode: false });
    const kaitoVllm = formOptions(vllmModel, runtime('kaito', { modes: ['aggregated', 'disaggregated'] }), 'vllm');
    expect(kaitoVllm).toMatchObject({ kaitoVllm: true, engineChoice: true, disaggregated: false });

    expect(formOptions(vllmModel, runtime('llmd', { features: { storage: true } }), 'vllm').storage).toBe(true);
    expect(formOptions(vllmModel, runtime('dynamo', { features: { storage: false } }), 'vllm').storage).toBe(false);
  });

  it('offers only engines both the model and the provider serve', () => {
    const kaito = runtime('kaito', { engines: ['vllm', 'llamacpp'] });
    expect(compatibleEngines(['vllm', 'sglang'], kaito)).toEqual(['vllm']);
    expect(compatibleEngines(['sglang'], kaito)).toEqual([]);
    expect(compatibleEngines(['sglang'], undefined)).toEqual(['sglang']);
  });

  it('preselects a q4_k_m GGUF file', () => {
    expect(defaultGgufFile(['a-Q8_0.gguf', 'a-Q4_K_M.gguf'])).toBe('a-Q4_K_M.gguf');
    expect(defaultGgufFile(['a-Q8_0.gguf'])).toBe('a-Q8_0.gguf');
    expect(defaultGgufFile([])).toBe('');
  });
});

describe('the request body', () => {
  it('carries the basic fields', () => {
    const body = toDeploymentConfig('Qwen/Qwen3-0.6B', { ...valid, contextLength: 4096 }, ALL_OPTIONS, 'hf-token-secret');
    expect(body).toMatchObject({
      name: 'qwen3-abcd',
      modelId: 'Qwen/Qwen3-0.6B',
      engine: 'vllm',
      provider: 'dynamo',
      mode: 'aggregated',
      replicas: 1,
      resources: { gpu: 1 },
      contextLength: 4096,
      hfTokenSecret: 'hf-token-secret',
    });
    expect(toDeploymentConfig('m', valid)).not.toHaveProperty('contextLength');
    expect(toDeploymentConfig('m', valid)).not.toHaveProperty('storage');
  });

  it('sends the router mode only when the provider offers router modes', () => {
    expect(toDeploymentConfig('m', { ...valid, routerMode: 'kv' }).routerMode).toBe('kv');
    const vllm = formOptions(vllmModel, runtime('vllm'), 'vllm');
    expect(toDeploymentConfig('m', { ...valid, routerMode: 'kv' }, vllm)).not.toHaveProperty('routerMode');
  });

  it('sends prefill/decode counts instead of replicas and GPUs when disaggregated', () => {
    const body = toDeploymentConfig('m', { ...valid, mode: 'disaggregated', prefillReplicas: 2, prefillGpus: 1, decodeReplicas: 3, decodeGpus: 4 });
    expect(body).toMatchObject({ mode: 'disaggregated', prefillReplicas: 2, prefillGpus: 1, decodeReplicas: 3, decodeGpus: 4 });
    expect(body).not.toHaveProperty('replicas');
    expect(body).not.toHaveProperty('resources');
    // A provider without disaggregated serving gets an aggregated deployment.
    const vllm = formOptions(vllmModel, runtime('vllm'), 'vllm');
    const agg = toDeploymentConfig('m', { ...valid, mode: 'disaggregated' }, vllm);
    expect(agg.mode).toBe('aggregated');
    expect(agg).not.toHaveProperty('prefillReplicas');
  });

  it('sends KAITO’s fields as the reference does', () => {
    const gguf = formOptions(ggufModel, runtime('kaito'), '');
    const cpu = toDeploymentConfig('unsloth/x-GGUF', { ...valid, engine: '', ggufFile: 'x-Q4_K_M.gguf', computeType: 'cpu', contextLength: 2048, trustRemoteCode: true }, gguf);
    expect(cpu).toMatchObject({ engine: 'llamacpp', modelSource: 'huggingface', ggufFile: 'x-Q4_K_M.gguf', ggufRunMode: 'direct', computeType: 'cpu', resources: { gpu: 0 } });
    expect(cpu).not.toHaveProperty('trustRemoteCode');
    expect(cpu).not.toHaveProperty('enforceEager');
    expect(cpu).not.toHaveProperty('contextLength');
    expect(toDeploymentConfig('u/x', { ...valid, ggufFile: 'x.gguf', computeType: 'gpu', gpus: 2 }, gguf).resources).toEqual({ gpu: 2 });

    const kv = formOptions(vllmModel, runtime('kaito'), 'vllm');
    const body = toDeploymentConfig('Qwen/Qwen3-0.6B', { ...valid, contextLength: 8192 }, kv);
    expect(body).toMatchObject({ engine: 'vllm', modelSource: 'vllm', computeType: 'gpu', maxModelLen: 8192 });
    expect(body).not.toHaveProperty('contextLength');
    expect(body).not.toHaveProperty('ggufFile');
  });
});

describe('storage volumes', () => {
  const vol = (over: Partial<VolumeFormValue>): VolumeFormValue => ({ ...newVolume([]), ...over });

  it('names new volumes vol-1, vol-2… with a 100Gi shared disk', () => {
    const first = newVolume([]);
    expect(first).toMatchObject({ name: 'vol-1', purpose: 'custom', source: 'new', size: '100Gi', accessMode: 'ReadWriteMany' });
    expect(newVolume([first]).name).toBe('vol-2');
  });

  it('maps a new disk and an existing claim to the wire shape', () => {
    const body = toDeploymentConfig('m', {
      ...valid,
      volumes: [
        vol({ name: 'cache', purpose: 'modelCache' }),
        vol({ name: 'data', mountPath: '/data', source: 'existing', claimName: 'shared-data', readOnly: true }),
        vol({ name: 'fast', mountPath: '/fast', useDefaultStorageClass: false, storageClassName: '', accessMode: 'ReadWriteOnce' }),
      ],
    });
    expect(body.storage?.volumes).toEqual([
      { name: 'cache', purpose: 'modelCache', size: '100Gi', accessMode: 'ReadWriteMany' },
      { name: 'data', purpose: 'custom', mountPath: '/data', claimName: 'shared-data', readOnly: true },
      { name: 'fast', purpose: 'custom', mountPath: '/fast', size: '100Gi', accessMode: 'ReadWriteOnce', storageClassName: '' },
    ]);
  });

  it('checks names, paths, sizes, claims and the singleton caches', () => {
    const errors = validateVolumes([
      vol({ name: 'a', mountPath: '/data' }),
      vol({ name: 'a', mountPath: '/data' }),
      vol({ name: 'Bad', mountPath: 'relative' }),
      vol({ name: 'sys', mountPath: '/etc/x' }),
      vol({ name: 'c1', purpose: 'modelCache' }),
      vol({ name: 'c2', purpose: 'modelCache', mountPath: '/other' }),
      vol({ name: 'nopath' }),
      vol({ name: 'claim', mountPath: '/claim', source: 'existing', claimName: '' }),
      vol({ name: 'size', mountPath: '/size', size: '100 gigs' }),
    ]);
    expect(errors['volumes.1.name']).toBe('Duplicate volume name: "a"');
    expect(errors['volumes.1.mountPath']).toBe('Duplicate mount path: "/data"');
    expect(errors['volumes.2.name']).toBe('Lowercase letters, numbers and hyphens');
    expect(errors['volumes.2.mountPath']).toBe('An absolute path (starting with /)');
    expect(errors['volumes.3.mountPath']).toBe('Conflicts with the system path /etc');
    expect(errors['volumes.4.purpose']).toBeUndefined();
    expect(errors['volumes.5.purpose']).toBe('Only one volume may have this purpose');
    expect(errors['volumes.6.mountPath']).toBe('A container path is required for a custom volume');
    expect(errors['volumes.7.claimName']).toBe('Choose an existing claim');
    expect(errors['volumes.8.size']).toMatch(/Kubernetes quantity/);
    expect(errors['volumes.0.name']).toBeUndefined();
  });
});

describe('server validation issues', () => {
  it('places them at their fields, volumes included', () => {
    const { fields, general } = issuesToFieldErrors([
      { code: 'invalid_format', path: ['name'], message: 'Name must be a DNS label' },
      { code: 'too_small', path: ['resources', 'gpu'], message: 'Too small' },
      { code: 'custom', path: ['storage', 'volumes', 0, 'name'], message: 'Duplicate volume name: "a"' },
      { code: 'custom', path: ['storage', 'volumes', 1, 'claimName'], message: 'Claim name is required when size is not specified (existing PVC)' },
      { code: 'custom', path: ['storage', 'volumes'], message: 'Only one volume with purpose "modelCache" is allowed' },
      { code: 'too_small', path: ['decodeGpus'], message: 'Too small: expected number to be >=0' },
      { code: 'too_small', path: ['maxModelLen'], message: 'Too small' },
      { code: 'unrecognized', path: ['somethingElse'], message: 'Odd' },
    ]);
    expect(fields.name).toBe('Name must be a DNS label');
    expect(fields.gpus).toBe('Too small');
    expect(fields['volumes.0.name']).toBe('Duplicate volume name: "a"');
    expect(fields['volumes.1.claimName']).toMatch(/Claim name is required/);
    expect(fields.volumes).toBe('Only one volume with purpose "modelCache" is allowed');
    expect(fields.decodeGpus).toMatch(/Too small/);
    expect(fields.contextLength).toBe('Too small');
    expect(general).toEqual(['somethingElse: Odd']);
  });
});
