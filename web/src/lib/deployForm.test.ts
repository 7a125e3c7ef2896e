import { describe, expect, it } from 'vitest';
import type { RuntimeStatus } from '../api/types';
import { compatibleEngines, issuesToFieldErrors, toDeploymentConfig, validateDeployForm, type DeployFormValues } from './deployForm';

const valid: DeployFormValues = {
  name: 'qwen3-abcd',
  namespace: 'default',
  provider: 'dynamo',
  engine: 'vllm',
  mode: 'aggregated',
  replicas: 1,
  gpus: 1,
  contextLength: '',
  enforceEager: false,
  enablePrefixCaching: true,
  trustRemoteCode: false,
};

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

  it('builds the request body', () => {
    const body = toDeploymentConfig('Qwen/Qwen3-0.6B', { ...valid, contextLength: 4096 }, 'hf-token-secret');
    expect(body).toMatchObject({
      name: 'qwen3-abcd',
      modelId: 'Qwen/Qwen3-0.6B',
      engine: 'vllm',
      provider: 'dynamo',
      replicas: 1,
      resources: { gpu: 1 },
      contextLength: 4096,
      hfTokenSecret: 'hf-token-secret',
    });
    expect(toDeploymentConfig('m', valid)).not.toHaveProperty('contextLength');
  });

  it('places server validation issues at their fields', () => {
    const { fields, general } = issuesToFieldErrors([
      { code: 'invalid_format', path: ['name'], message: 'Name must be a DNS label' },
      { code: 'too_small', path: ['resources', 'gpu'], message: 'Too small' },
      { code: 'custom', path: ['storage', 'volumes', 0, 'name'], message: 'Duplicate volume name: "a"' },
    ]);
    expect(fields.name).toBe('Name must be a DNS label');
    expect(fields.gpus).toBe('Too small');
    expect(general).toEqual(['storage.volumes.0.name: Duplicate volume name: "a"']);
  });

  it('offers only engines both the model and the provider serve', () => {
    const kaito = { capabilities: { engines: ['vllm', 'llamacpp'], modes: ['aggregated'], modelSources: [], routerModes: [], features: {} } } as unknown as RuntimeStatus;
    expect(compatibleEngines(['vllm', 'sglang'], kaito)).toEqual(['vllm']);
    expect(compatibleEngines(['sglang'], kaito)).toEqual([]);
    expect(compatibleEngines(['sglang'], undefined)).toEqual(['sglang']);
  });
});
