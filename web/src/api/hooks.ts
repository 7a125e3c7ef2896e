// TanStack Query hooks over the endpoints: the cache keys and the polling intervals live here.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './endpoints';
import type { DeploymentConfig } from './types';

export const keys = {
  cluster: ['cluster-status'] as const,
  gpuCapacity: ['gpu-capacity'] as const,
  pvcs: (ns: string) => ['pvcs', ns] as const,
  version: ['version'] as const,
  models: ['models'] as const,
  model: (id: string) => ['model', id] as const,
  search: (q: string, offset: number) => ['hf-search', q, offset] as const,
  settings: ['settings'] as const,
  runtimes: ['runtimes'] as const,
  deployments: (ns?: string) => ['deployments', ns ?? ''] as const,
  deployment: (name: string, ns?: string) => ['deployment', name, ns ?? ''] as const,
  manifest: (name: string, ns: string) => ['deployment-manifest', name, ns] as const,
  pods: (name: string, ns: string) => ['deployment-pods', name, ns] as const,
  pending: (name: string, ns: string) => ['pending-reasons', name, ns] as const,
  hfStatus: ['hf-status'] as const,
};

export function useClusterStatus() {
  return useQuery({ queryKey: keys.cluster, queryFn: api.clusterStatus, refetchInterval: 15_000, retry: false });
}

export function useVersion() {
  return useQuery({ queryKey: keys.version, queryFn: api.version, staleTime: Infinity });
}

/** The cluster's GPUs, only asked for when connected; a failure leaves it undefined (the fit
 *  indicators then fall back to the model's own estimate). */
export function useGpuCapacity(enabled: boolean) {
  return useQuery({
    queryKey: keys.gpuCapacity,
    queryFn: api.gpuCapacity,
    enabled,
    refetchInterval: 30_000,
    staleTime: 10_000,
    retry: false,
  });
}

/** Existing PersistentVolumeClaims of a namespace, for the storage picker. */
export function usePvcs(namespace: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.pvcs(namespace),
    queryFn: () => api.pvcs(namespace),
    enabled: enabled && namespace !== '',
    staleTime: 15_000,
    retry: false,
  });
}

export function useModels() {
  return useQuery({ queryKey: keys.models, queryFn: api.models, staleTime: 5 * 60_000 });
}

export function useModel(id: string, enabled = true) {
  return useQuery({ queryKey: keys.model(id), queryFn: () => api.model(id), enabled, retry: false });
}

export function useHfSearch(q: string, offset: number, limit = 20) {
  return useQuery({
    queryKey: keys.search(q, offset),
    queryFn: () => api.searchModels(q, limit, offset),
    enabled: q.length >= 2,
    staleTime: 60_000,
    retry: 1,
    placeholderData: keepPreviousData,
  });
}

export function useSettings() {
  return useQuery({ queryKey: keys.settings, queryFn: api.settings });
}

export function useRuntimes(enabled = true) {
  return useQuery({ queryKey: keys.runtimes, queryFn: api.runtimes, refetchInterval: 30_000, retry: false, enabled });
}

export function useDeployments(namespace: string | undefined, enabled = true) {
  return useQuery({
    queryKey: keys.deployments(namespace),
    queryFn: () => api.deployments(namespace),
    refetchInterval: 5_000,
    enabled,
  });
}

export function useDeployment(name: string, namespace: string | undefined) {
  return useQuery({
    queryKey: keys.deployment(name, namespace),
    queryFn: () => api.deployment(name, namespace),
    refetchInterval: 3_000,
    retry: (count, error) => !(error instanceof Error && 'status' in error && error.status === 404) && count < 2,
  });
}

export function useManifest(name: string, namespace: string) {
  return useQuery({ queryKey: keys.manifest(name, namespace), queryFn: () => api.manifest(name, namespace), staleTime: 10_000 });
}

export function usePods(name: string, namespace: string) {
  return useQuery({ queryKey: keys.pods(name, namespace), queryFn: () => api.pods(name, namespace), refetchInterval: 5_000 });
}

export function usePendingReasons(name: string, namespace: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.pending(name, namespace),
    queryFn: () => api.pendingReasons(name, namespace),
    enabled,
    refetchInterval: 15_000,
  });
}

export function useHfStatus(enabled = true) {
  return useQuery({ queryKey: keys.hfStatus, queryFn: api.hfStatus, retry: 1, enabled });
}

export function useDeleteDeployment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, namespace }: { name: string; namespace: string }) => api.deleteDeployment(name, namespace),
    onSuccess: () => client.invalidateQueries({ queryKey: ['deployments'] }),
  });
}

export function useCreateDeployment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (config: DeploymentConfig) => api.createDeployment(config),
    onSuccess: () => client.invalidateQueries({ queryKey: ['deployments'] }),
  });
}

export function useUpdateSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: api.updateSettings,
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.settings });
      void client.invalidateQueries({ queryKey: keys.cluster });
    },
  });
}
