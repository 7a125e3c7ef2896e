// One function per REST endpoint the UI uses, typed by the wire types.
import { request, send } from './client';
import type {
  BuildInfo,
  ClusterGpuCapacity,
  ClusterStatus,
  CreateDeploymentResponse,
  DeploymentConfig,
  DeploymentStatus,
  DeploymentsListResponse,
  GgufFilesResponse,
  HfDeleteSecretResponse,
  HfModelSearchResponse,
  HfOAuthConfig,
  HfSaveSecretResponse,
  HfSecretStatus,
  HfTokenExchangeResponse,
  ManifestResponse,
  Model,
  ModelsResponse,
  PendingReasonsResponse,
  PodLogsResponse,
  PodsResponse,
  PvcsResponse,
  RuntimesResponse,
  Settings,
  UpdateSettingsResponse,
} from './types';

const HF_TOKEN_KEY = 'hf_access_token';

export function getHfToken(): string | null {
  try {
    return window.localStorage.getItem(HF_TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setHfToken(token: string | null): void {
  try {
    if (token) window.localStorage.setItem(HF_TOKEN_KEY, token);
    else window.localStorage.removeItem(HF_TOKEN_KEY);
  } catch {
    // ignored: storage disabled
  }
}

function hfHeaders(): Record<string, string> {
  const token = getHfToken();
  return token ? { 'X-HF-Token': token } : {};
}

const enc = encodeURIComponent;

export const api = {
  version: () => request<BuildInfo>('/health/version'),
  clusterStatus: () => request<ClusterStatus>('/cluster/status'),
  gpuCapacity: () => request<ClusterGpuCapacity>('/installation/gpu-capacity'),

  models: () => request<ModelsResponse>('/models'),
  model: (id: string) => request<Model>(`/models/${id.split('/').map(enc).join('/')}`),
  ggufFiles: (repo: string) =>
    request<GgufFilesResponse>(`/models/${repo.split('/').map(enc).join('/')}/gguf-files`, { headers: hfHeaders() }),
  searchModels: (q: string, limit: number, offset: number) =>
    request<HfModelSearchResponse>('/models/search', { query: { q, limit, offset }, headers: hfHeaders() }),

  settings: () => request<Settings>('/settings'),
  updateSettings: (config: { defaultNamespace?: string }) =>
    request<UpdateSettingsResponse>('/settings', { method: 'PUT', body: config }),
  runtimes: () => request<RuntimesResponse>('/runtimes/status'),

  deployments: (namespace?: string) =>
    request<DeploymentsListResponse>('/deployments', { query: { namespace } }),
  deployment: (name: string, namespace?: string) =>
    request<DeploymentStatus>(`/deployments/${enc(name)}`, { query: { namespace } }),
  createDeployment: (config: DeploymentConfig) =>
    request<CreateDeploymentResponse>('/deployments', { method: 'POST', body: config }),
  previewDeployment: (config: DeploymentConfig) =>
    request<ManifestResponse>('/deployments/preview', { method: 'POST', body: config }),
  deleteDeployment: (name: string, namespace: string) =>
    request<{ message: string }>(`/deployments/${enc(name)}`, { method: 'DELETE', query: { namespace } }),
  manifest: (name: string, namespace: string) =>
    request<ManifestResponse>(`/deployments/${enc(name)}/manifest`, { query: { namespace } }),
  pods: (name: string, namespace: string) =>
    request<PodsResponse>(`/deployments/${enc(name)}/pods`, { query: { namespace } }),
  pendingReasons: (name: string, namespace: string) =>
    request<PendingReasonsResponse>(`/deployments/${enc(name)}/pending-reasons`, { query: { namespace } }),
  pvcs: (namespace: string) => request<PvcsResponse>('/deployments/-/pvcs', { query: { namespace } }),
  logs: (name: string, namespace: string, pod: string, container: string | undefined, tailLines: number, timestamps: boolean) =>
    request<PodLogsResponse>(`/deployments/${enc(name)}/logs`, {
      query: { namespace, podName: pod, container, tailLines, timestamps: timestamps ? 'true' : undefined },
    }),
  /** The live log stream (text/plain, chunked) of one pod; the caller reads the body. */
  followLogs: (name: string, namespace: string, pod: string, container: string | undefined, tailLines: number, signal: AbortSignal) =>
    send(`/deployments/${enc(name)}/logs`, {
      query: { namespace, podName: pod, container, tailLines, follow: 'true' },
      headers: { Accept: 'text/plain' },
      signal,
    }),

  hfStatus: () => request<HfSecretStatus>('/secrets/huggingface/status'),
  hfSaveToken: (accessToken: string) =>
    request<HfSaveSecretResponse>('/secrets/huggingface', { method: 'POST', body: { accessToken } }),
  hfDeleteToken: () => request<HfDeleteSecretResponse>('/secrets/huggingface', { method: 'DELETE' }),
  hfOAuthConfig: () => request<HfOAuthConfig>('/oauth/huggingface/config'),
  hfExchange: (code: string, codeVerifier: string, redirectUri: string) =>
    request<HfTokenExchangeResponse>('/oauth/huggingface/token', {
      method: 'POST',
      body: { code, codeVerifier, redirectUri },
    }),
};
