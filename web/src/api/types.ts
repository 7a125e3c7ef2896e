// Wire types of the AI Runway REST API (/api/*), as the server sends them. They follow the
// server's OpenAPI document (GET /api/openapi.json, docs/openapi.json) and the contract in
// the reference (upstream-api §8). Optional fields are omitted by the server when absent.

export type Engine = 'vllm' | 'sglang' | 'trtllm' | 'llamacpp';
export const ENGINES: readonly Engine[] = ['vllm', 'sglang', 'trtllm', 'llamacpp'];
export type ModelTask = 'text-generation' | 'image-text-to-text';

export interface Model {
  id: string;
  name: string;
  description: string;
  size: string;
  task: ModelTask | string;
  conversational?: boolean;
  parameters?: number;
  contextLength?: number;
  license?: string;
  supportedEngines: Engine[];
  minGpuMemory?: string;
  minGpus?: number;
  gated?: boolean;
  /** Client-side only: set when the model came from a HuggingFace search. */
  estimatedGpuMemoryGb?: number;
  fromHfSearch?: boolean;
}

export interface ModelsResponse {
  models: Model[];
}

export interface HfModelSearchResult {
  id: string;
  author: string;
  name: string;
  downloads: number;
  likes: number;
  pipelineTag: string;
  libraryName: string;
  architectures: string[];
  gated: boolean;
  parameterCount?: number;
  estimatedGpuMemory?: string;
  estimatedGpuMemoryGb?: number;
  supportedEngines: Engine[];
  compatible: boolean;
  incompatibilityReason?: string;
}

export interface HfModelSearchResponse {
  models: HfModelSearchResult[];
  total: number;
  hasMore: boolean;
  query: string;
}

export interface HfUserInfo {
  id: string;
  name: string;
  fullname: string;
  email?: string;
  avatarUrl?: string;
}

export interface HfSecretStatus {
  configured: boolean;
  namespaces: { name: string; exists: boolean }[];
  user?: HfUserInfo;
}

export interface HfOAuthConfig {
  clientId: string;
  authorizeUrl: string;
  scopes: string[];
}

export interface HfTokenExchangeResponse {
  accessToken: string;
  tokenType: string;
  expiresIn?: number;
  scope?: string;
  user: HfUserInfo;
}

export interface BuildInfo {
  version: string;
  buildTime: string;
  gitCommit: string;
}

export interface ClusterStatus {
  connected: boolean;
  namespace: string;
  clusterName?: string;
  error?: string;
  providerInstallation?: { installed: boolean; crdFound?: boolean; message?: string } | null;
  /** True when the cluster is kubesim, AI Runway's simulated cluster (demo mode). */
  simulated?: boolean;
  /** The server's caches have synced. */
  synced?: boolean;
  serverVersion?: string;
}

export interface ClusterNode {
  name: string;
  ready: boolean;
  gpuCount: number;
}

export type DeploymentPhase = 'Pending' | 'Deploying' | 'Running' | 'Failed' | 'Terminating';
export type DeploymentMode = 'aggregated' | 'disaggregated';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface PodStatus {
  name: string;
  phase: PodPhase | string;
  ready: boolean;
  restarts: number;
  node?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaCounts {
  desired: number;
  ready: number;
  available?: number;
}

export interface DeploymentStatus {
  name: string;
  namespace: string;
  modelId: string;
  servedModelName?: string;
  engine?: Engine;
  mode: DeploymentMode;
  phase: DeploymentPhase;
  provider: string;
  replicas: ReplicaCounts;
  conditions?: Condition[];
  pods: PodStatus[];
  createdAt: string;
  frontendService?: string;
  prefillReplicas?: ReplicaCounts;
  decodeReplicas?: ReplicaCounts;
  gateway?: { endpoint?: string; modelName?: string };
  image?: Record<string, unknown>;
  storage?: { volumes?: StorageVolume[] };
}

export interface Pagination {
  total: number;
  limit: number;
  offset: number;
  hasMore: boolean;
}

export interface DeploymentsListResponse {
  deployments: DeploymentStatus[];
  pagination: Pagination;
}

export interface StorageVolume {
  name: string;
  purpose?: 'modelCache' | 'compilationCache' | 'custom';
  mountPath?: string;
  readOnly?: boolean;
  size?: string;
  claimName?: string;
  storageClassName?: string;
  accessMode?: 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadOnlyMany' | 'ReadWriteOncePod';
}

/** Request body of POST /api/deployments and /api/deployments/preview. */
export interface DeploymentConfig {
  name: string;
  modelId: string;
  engine: Engine;
  namespace?: string;
  mode?: DeploymentMode;
  provider?: string;
  servedModelName?: string;
  routerMode?: 'default' | 'kv' | 'round-robin';
  replicas?: number;
  hfTokenSecret?: string;
  contextLength?: number;
  enforceEager?: boolean;
  enablePrefixCaching?: boolean;
  trustRemoteCode?: boolean;
  resources?: { gpu: number; memory?: string };
  engineArgs?: Record<string, unknown>;
  engineExtraArgs?: string[];
  env?: Record<string, string>;
  providerOverrides?: Record<string, unknown>;
  prefillReplicas?: number;
  decodeReplicas?: number;
  prefillGpus?: number;
  decodeGpus?: number;
  modelSource?: 'premade' | 'huggingface' | 'vllm';
  computeType?: 'cpu' | 'gpu';
  maxModelLen?: number;
  gatewayEnabled?: boolean;
  storage?: { volumes?: StorageVolume[] };
}

export interface CreateDeploymentResponse {
  message: string;
  name: string;
  namespace: string;
  warnings?: string[];
}

export interface ManifestResource {
  kind: string;
  apiVersion: string;
  name: string;
  manifest: Record<string, unknown>;
}

export interface ManifestResponse {
  resources: ManifestResource[];
  primaryResource: { kind: string; apiVersion: string };
}

export interface PodsResponse {
  pods: PodStatus[];
}

export interface PodLogsResponse {
  logs: string;
  podName: string;
  container?: string;
  message?: string;
}

export interface PodFailureReason {
  reason: string;
  message: string;
  isResourceConstraint: boolean;
  resourceType?: 'gpu' | 'cpu' | 'memory';
  canAutoscalerHelp: boolean;
}

export interface ProviderEngineCapability {
  name: string;
  servingModes?: string[];
  gpuSupport?: boolean;
  cpuSupport?: boolean;
  requiresCRD?: boolean;
}

export interface ProviderCapabilities {
  engines: string[];
  engineCapabilities?: ProviderEngineCapability[];
  modes: string[];
  modelSources: string[];
  routerModes: string[];
  features: Record<string, boolean>;
}

export interface ProviderInfo {
  id: string;
  name: string;
  description: string;
  defaultNamespace: string;
  documentationUrl?: string;
  icon?: string;
  warnings?: string[];
  installable?: boolean;
  requiresCRD?: boolean;
  capabilities?: ProviderCapabilities;
}

export interface RuntimeStatus extends ProviderInfo {
  installed: boolean;
  healthy: boolean;
  crdFound?: boolean;
  operatorRunning?: boolean;
  version?: string;
  message?: string;
}

export interface Settings {
  config: { defaultNamespace?: string; [key: string]: unknown };
  providers: ProviderInfo[];
  auth: { enabled: boolean };
}

/** One issue of a 400 validation failure (the JSON text in ValidationError.error.message). */
export interface ValidationIssue {
  code: string;
  path: (string | number)[];
  message: string;
}
