// Small, pure formatting helpers shared by the pages.
import type { BuildInfo, Engine, ModelTask } from '../api/types';

export const ENGINE_LABELS: Record<Engine, string> = {
  vllm: 'vLLM',
  sglang: 'SGLang',
  trtllm: 'TensorRT-LLM',
  llamacpp: 'llama.cpp',
};

export function engineLabel(engine: string | undefined): string {
  if (!engine) return '—';
  return (ENGINE_LABELS as Record<string, string>)[engine] ?? engine;
}

const PROVIDER_LABELS: Record<string, string> = {
  dynamo: 'Dynamo',
  kuberay: 'KubeRay',
  kaito: 'KAITO',
  llmd: 'llm-d',
  vllm: 'Direct vLLM',
};

export function providerLabel(provider: string | undefined): string {
  if (!provider || provider === 'unknown') return '—';
  return PROVIDER_LABELS[provider] ?? provider;
}

/** "42s", "5m", "3h", "2d": the age column of kubectl, from an ISO time. */
export function formatAge(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '—';
  const seconds = Math.max(0, Math.floor((now - then) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** 1234 → "1.2K", 3400000 → "3.4M". */
export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(1).replace(/\.0$/, '')}K`;
  return String(n);
}

export function formatContext(tokens: number | undefined): string {
  if (!tokens) return '—';
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}K tokens`;
  return `${formatCount(tokens)} tokens`;
}

/** The deployment name proposed for a model: its last path segment as a DNS label + 4 random chars. */
export function suggestDeploymentName(modelId: string, random: () => number = Math.random): string {
  const last = modelId.split('/').pop() ?? modelId;
  const base =
    last
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 16)
      .replace(/-+$/g, '') || 'model';
  let suffix = '';
  for (let i = 0; i < 4; i++) suffix += Math.floor(random() * 36).toString(36);
  return `${base}-${suffix}`;
}

export const RESOURCE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Client-side check of a deployment or namespace name; null when valid. */
export function validateResourceName(name: string, max = 63): string | null {
  if (!name) return 'A name is required';
  if (name.length > max) return `At most ${max} characters`;
  if (!RESOURCE_NAME_PATTERN.test(name)) return 'Lowercase letters, numbers and hyphens only; start and end with a letter or number';
  return null;
}

/** A HuggingFace pipeline tag as a catalog task: image-text-to-text stays, the rest generate text. */
export function taskOfPipelineTag(tag: string): ModelTask {
  return tag === 'image-text-to-text' ? 'image-text-to-text' : 'text-generation';
}

/** "0.1.0 (abcdef12)"; the build fields are optional on the wire. */
export function formatBuild(info: BuildInfo | undefined): string {
  if (!info?.version) return '—';
  return info.gitCommit ? `${info.version} (${info.gitCommit.slice(0, 8)})` : info.version;
}
