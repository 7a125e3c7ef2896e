import { describe, expect, it } from 'vitest';
import { formatAge, formatCount, suggestDeploymentName, validateResourceName } from './format';

describe('format helpers', () => {
  it('formats ages like kubectl', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAge('2026-01-01T11:59:30Z', now)).toBe('30s');
    expect(formatAge('2026-01-01T11:55:00Z', now)).toBe('5m');
    expect(formatAge('2026-01-01T09:00:00Z', now)).toBe('3h');
    expect(formatAge('2025-12-29T12:00:00Z', now)).toBe('3d');
    expect(formatAge('garbage', now)).toBe('—');
  });

  it('formats counts compactly', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1200)).toBe('1.2K');
    expect(formatCount(3_000_000)).toBe('3M');
  });

  it('suggests a valid deployment name from a model id', () => {
    const name = suggestDeploymentName('Qwen/Qwen3-0.6B', () => 0.5);
    expect(name).toBe('qwen3-0-6b-iiii');
    expect(validateResourceName(name)).toBeNull();
    expect(validateResourceName(suggestDeploymentName('org/---Very_Long.Model.Name.Beyond.Sixteen'))).toBeNull();
  });

  it('rejects names Kubernetes would refuse', () => {
    expect(validateResourceName('')).toBe('A name is required');
    expect(validateResourceName('Upper')).toMatch(/Lowercase/);
    expect(validateResourceName('-start')).toMatch(/Lowercase/);
    expect(validateResourceName('a'.repeat(64))).toBe('At most 63 characters');
  });
});
