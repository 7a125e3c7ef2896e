// The Deploy form's values, which options the chosen provider and engine offer, the
// client-side checks, and the request body (DeploymentConfig) they become. The fields sent are
// exactly the reference UI's: router mode, prefill/decode replicas and GPUs, storage volumes,
// and KAITO's model source, compute type, GGUF file and maxModelLen.
import type {
  AccessMode,
  DeploymentConfig,
  Engine,
  Model,
  RouterMode,
  RuntimeStatus,
  StorageVolume,
  ValidationIssue,
  VolumePurpose,
} from '../api/types';
import { validateResourceName } from './format';

export interface VolumeFormValue {
  name: string;
  purpose: VolumePurpose;
  /** Empty: the purpose's default path (caches) — required for custom volumes. */
  mountPath: string;
  /** A disk the controller creates, or an existing PersistentVolumeClaim. */
  source: 'new' | 'existing';
  size: string;
  accessMode: AccessMode;
  useDefaultStorageClass: boolean;
  storageClassName: string;
  claimName: string;
  readOnly: boolean;
}

export interface DeployFormValues {
  name: string;
  namespace: string;
  provider: string;
  engine: Engine | '';
  mode: 'aggregated' | 'disaggregated';
  replicas: number;
  gpus: number;
  routerMode: RouterMode;
  prefillReplicas: number;
  prefillGpus: number;
  decodeReplicas: number;
  decodeGpus: number;
  contextLength: number | '';
  enforceEager: boolean;
  enablePrefixCaching: boolean;
  trustRemoteCode: boolean;
  volumes: VolumeFormValue[];
  /** KAITO with a llama.cpp (GGUF) model: where it runs and which file it loads. */
  computeType: 'cpu' | 'gpu';
  ggufFile: string;
}

export const DEFAULT_VALUES: Omit<DeployFormValues, 'name'> = {
  namespace: '',
  provider: '',
  engine: '',
  mode: 'aggregated',
  replicas: 1,
  gpus: 1,
  routerMode: 'default',
  prefillReplicas: 1,
  prefillGpus: 1,
  decodeReplicas: 1,
  decodeGpus: 1,
  contextLength: '',
  enforceEager: false,
  enablePrefixCaching: true,
  trustRemoteCode: false,
  volumes: [],
  computeType: 'cpu',
  ggufFile: '',
};

type VolumeField = keyof VolumeFormValue;
/** A form field, or one field of one volume ("volumes.0.mountPath"), or the volume list. */
export type FieldKey = keyof DeployFormValues | `volumes.${number}.${VolumeField}`;
export type FormErrors = Partial<Record<FieldKey, string>>;

export const volumeField = (index: number, field: VolumeField): FieldKey => `volumes.${index}.${field}`;

// ---------------------------------------------------------------------------------------------
// What the provider and engine offer.

export const ROUTER_MODES: readonly RouterMode[] = ['default', 'kv', 'round-robin'];
export const ROUTER_MODE_LABELS: Record<RouterMode, string> = { default: 'Default', kv: 'KV-aware', 'round-robin': 'Round-robin' };
export const MAX_VOLUMES = 8;

export interface FormOptions {
  /** KAITO runs the model; it has its own model sources. */
  kaito: boolean;
  /** KAITO with a model vLLM can serve (modelSource "vllm", GPU, maxModelLen). */
  kaitoVllm: boolean;
  /** KAITO with a llama.cpp (GGUF) model: compute type and GGUF file instead of an engine. */
  kaitoGguf: boolean;
  /** The model-server choice is shown. */
  engineChoice: boolean;
  /** Disaggregated (prefill/decode) serving can be chosen. */
  disaggregated: boolean;
  /** Router modes beyond the default, when the provider has any. */
  routerModes: RouterMode[];
  /** Storage volumes can be attached. */
  storage: boolean;
  /** Replicas and GPUs are asked for. */
  replicasAndGpus: boolean;
  /** Enforce eager / prefix caching / context length are offered. */
  engineTuning: boolean;
  /** Trust remote code is offered. */
  trustRemoteCode: boolean;
}

/** Engines both the model and the provider support (all of the model's when no provider). */
export function compatibleEngines(modelEngines: Engine[], runtime: RuntimeStatus | undefined): Engine[] {
  const offered = runtime?.capabilities?.engines;
  if (!offered || offered.length === 0) return modelEngines;
  return modelEngines.filter((e) => offered.includes(e));
}

/** Disaggregated serving: the engine's own serving modes when the provider lists them, else the provider's. */
export function runtimeSupportsDisaggregated(runtime: RuntimeStatus | undefined, engine?: Engine | ''): boolean {
  const caps = runtime?.capabilities;
  if (!caps) return false;
  const perEngine = caps.engineCapabilities?.find((c) => c.name === engine)?.servingModes;
  if (perEngine && perEngine.length > 0) return perEngine.includes('disaggregated');
  return caps.modes.includes('disaggregated');
}

/**
 * Storage volumes: a provider that says so in its features (`storage`), else the ones known to
 * mount them — Dynamo (as in the reference UI) and the vLLM provider, whose pods mount every
 * volume of the deployment. KAITO workspaces take none.
 */
export function runtimeSupportsStorage(runtime: RuntimeStatus | undefined): boolean {
  if (!runtime) return false;
  const declared = runtime.capabilities?.features?.storage;
  if (typeof declared === 'boolean') return declared;
  return runtime.id === 'dynamo' || runtime.id === 'vllm';
}

export function isKaito(runtime: RuntimeStatus | undefined): boolean {
  return runtime?.id === 'kaito';
}

export function formOptions(model: Pick<Model, 'supportedEngines'>, runtime: RuntimeStatus | undefined, engine: Engine | ''): FormOptions {
  const kaito = isKaito(runtime);
  const kaitoVllm = kaito && model.supportedEngines.includes('vllm');
  const kaitoGguf = kaito && !kaitoVllm;
  const routerModes = ROUTER_MODES.filter((m) => m !== 'default' && (runtime?.capabilities?.routerModes ?? []).includes(m));
  return {
    kaito,
    kaitoVllm,
    kaitoGguf,
    engineChoice: !kaitoGguf,
    disaggregated: !kaito && runtimeSupportsDisaggregated(runtime, engine),
    routerModes,
    storage: runtimeSupportsStorage(runtime),
    replicasAndGpus: true,
    engineTuning: !kaitoGguf,
    trustRemoteCode: !kaito,
  };
}

/** The GGUF file to preselect: a q4_k_m quantisation when there is one, else the first. */
export function defaultGgufFile(files: string[]): string {
  return files.find((f) => f.toLowerCase().includes('q4_k_m')) ?? files[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// Volumes.

const DEFAULT_MOUNT: Partial<Record<VolumePurpose, string>> = { modelCache: '/model-cache', compilationCache: '/compilation-cache' };
const SYSTEM_PATHS = ['/dev', '/proc', '/sys', '/etc', '/var/run'];
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const QUANTITY = /^[+-]?(\d+\.?\d*|\d*\.?\d+)([eE][+-]?\d+|[KMGTPE]i?|[numkMGTPE])?$/;

export function newVolume(existing: VolumeFormValue[]): VolumeFormValue {
  let n = existing.length + 1;
  while (existing.some((v) => v.name === `vol-${n}`)) n += 1;
  return {
    name: `vol-${n}`,
    purpose: 'custom',
    mountPath: '',
    source: 'new',
    size: '100Gi',
    accessMode: 'ReadWriteMany',
    useDefaultStorageClass: true,
    storageClassName: '',
    claimName: '',
    readOnly: false,
  };
}

export function effectiveMountPath(v: Pick<VolumeFormValue, 'mountPath' | 'purpose'>): string {
  return v.mountPath.trim() || DEFAULT_MOUNT[v.purpose] || '';
}

/** A purpose already taken by another volume (the caches are singletons). */
export function purposeTaken(volumes: VolumeFormValue[], index: number, purpose: VolumePurpose): boolean {
  return purpose !== 'custom' && volumes.some((v, i) => i !== index && v.purpose === purpose);
}

export function validateVolumes(volumes: VolumeFormValue[]): FormErrors {
  const errors: FormErrors = {};
  if (volumes.length > MAX_VOLUMES) errors.volumes = `At most ${MAX_VOLUMES} storage volumes`;
  volumes.forEach((v, i) => {
    const at = (field: VolumeField, message: string) => {
      const key = volumeField(i, field);
      if (!errors[key]) errors[key] = message;
    };
    if (!v.name) at('name', 'A volume name is required');
    else if (v.name.length > 63) at('name', 'At most 63 characters');
    else if (!DNS_LABEL.test(v.name)) at('name', 'Lowercase letters, numbers and hyphens');
    else if (volumes.findIndex((o) => o.name === v.name) !== i) at('name', `Duplicate volume name: "${v.name}"`);

    const path = effectiveMountPath(v);
    if (!path) at('mountPath', 'A container path is required for a custom volume');
    else if (!path.startsWith('/')) at('mountPath', 'An absolute path (starting with /)');
    else {
      const system = SYSTEM_PATHS.find((s) => path === s || path.startsWith(`${s}/`));
      if (system) at('mountPath', `Conflicts with the system path ${system}`);
      else if (volumes.findIndex((o) => effectiveMountPath(o) === path) !== i) at('mountPath', `Duplicate mount path: "${path}"`);
    }
    if (purposeTaken(volumes.slice(0, i), -1, v.purpose)) at('purpose', 'Only one volume may have this purpose');

    if (v.source === 'existing') {
      if (!v.claimName.trim()) at('claimName', 'Choose an existing claim');
    } else if (!v.size.trim()) {
      at('size', 'A disk size is required (e.g. 100Gi)');
    } else if (!QUANTITY.test(v.size.trim())) {
      at('size', 'A Kubernetes quantity (e.g. 100Gi, 500Mi, 1Ti)');
    }
  });
  return errors;
}

export function toStorageVolume(v: VolumeFormValue): StorageVolume {
  const out: StorageVolume = { name: v.name, purpose: v.purpose };
  if (v.mountPath.trim()) out.mountPath = v.mountPath.trim();
  if (v.source === 'existing') {
    out.claimName = v.claimName.trim();
    out.readOnly = v.readOnly;
  } else {
    out.size = v.size.trim();
    out.accessMode = v.accessMode;
    // An unchecked "default storage type" sends the class even when empty (no class at all).
    if (!v.useDefaultStorageClass) out.storageClassName = v.storageClassName.trim();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks and the request body.

const count = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

export function validateDeployForm(v: DeployFormValues, options?: FormOptions): FormErrors {
  const errors: FormErrors = {};
  const name = validateResourceName(v.name, 63);
  if (name) errors.name = name;
  const ns = validateResourceName(v.namespace, 63);
  if (ns) errors.namespace = ns === 'A name is required' ? 'A namespace is required' : ns;
  if (!v.engine && options?.engineChoice !== false) errors.engine = 'Choose a model server';
  if (v.mode === 'disaggregated' && options?.disaggregated !== false) {
    if (!count(v.prefillReplicas, 1, 10)) errors.prefillReplicas = 'From 1 to 10 replicas';
    if (!count(v.prefillGpus, 1, 8)) errors.prefillGpus = 'From 1 to 8 GPUs';
    if (!count(v.decodeReplicas, 1, 10)) errors.decodeReplicas = 'From 1 to 10 replicas';
    if (!count(v.decodeGpus, 1, 8)) errors.decodeGpus = 'From 1 to 8 GPUs';
  } else {
    if (!count(v.replicas, 1, 10)) errors.replicas = 'From 1 to 10 replicas';
    const gpuRequired = options?.kaitoVllm === true || (options?.kaitoGguf === true && v.computeType === 'gpu');
    if (!count(v.gpus, gpuRequired ? 1 : 0, 8)) errors.gpus = gpuRequired ? 'From 1 to 8 GPUs per replica' : 'From 0 to 8 GPUs per replica';
  }
  if (v.contextLength !== '' && (!Number.isInteger(v.contextLength) || v.contextLength <= 0)) {
    errors.contextLength = 'A positive whole number of tokens';
  }
  if (options?.kaitoGguf && !v.ggufFile.toLowerCase().endsWith('.gguf')) errors.ggufFile = 'Choose a .gguf file';
  if (options?.storage !== false) Object.assign(errors, validateVolumes(v.volumes));
  return errors;
}

/** All the options offered (for callers and tests that do not narrow them). */
export const ALL_OPTIONS: FormOptions = {
  kaito: false,
  kaitoVllm: false,
  kaitoGguf: false,
  engineChoice: true,
  disaggregated: true,
  routerModes: ['kv', 'round-robin'],
  storage: true,
  replicasAndGpus: true,
  engineTuning: true,
  trustRemoteCode: true,
};

export function toDeploymentConfig(
  modelId: string,
  v: DeployFormValues,
  options: FormOptions = ALL_OPTIONS,
  hfTokenSecret?: string,
): DeploymentConfig {
  const engine: Engine = options.kaitoGguf ? 'llamacpp' : v.engine || 'vllm';
  const disaggregated = v.mode === 'disaggregated' && options.disaggregated;
  const config: DeploymentConfig = {
    name: v.name,
    modelId,
    engine,
    namespace: v.namespace,
    mode: disaggregated ? 'disaggregated' : 'aggregated',
  };
  if (v.provider) config.provider = v.provider;
  if (options.routerModes.length > 0) config.routerMode = v.routerMode;
  if (disaggregated) {
    config.prefillReplicas = v.prefillReplicas;
    config.prefillGpus = v.prefillGpus;
    config.decodeReplicas = v.decodeReplicas;
    config.decodeGpus = v.decodeGpus;
  } else {
    config.replicas = v.replicas;
    const cpuOnly = options.kaitoGguf && v.computeType === 'cpu';
    config.resources = { gpu: cpuOnly ? 0 : v.gpus };
  }
  if (hfTokenSecret) config.hfTokenSecret = hfTokenSecret;
  if (options.engineTuning) {
    config.enforceEager = v.enforceEager;
    config.enablePrefixCaching = v.enablePrefixCaching;
  }
  if (options.trustRemoteCode) config.trustRemoteCode = v.trustRemoteCode;
  if (options.kaitoVllm) {
    config.modelSource = 'vllm';
    config.computeType = 'gpu';
    if (v.contextLength !== '') config.maxModelLen = v.contextLength;
  } else if (options.kaitoGguf) {
    config.modelSource = 'huggingface';
    config.ggufFile = v.ggufFile;
    config.ggufRunMode = 'direct';
    config.computeType = v.computeType;
  } else if (v.contextLength !== '') {
    config.contextLength = v.contextLength;
  }
  if (options.storage && v.volumes.length > 0) config.storage = { volumes: v.volumes.map(toStorageVolume) };
  return config;
}

// ---------------------------------------------------------------------------------------------
// The server's 400 issues at their fields.

const FIELD_OF_PATH: Record<string, FieldKey> = {
  name: 'name',
  namespace: 'namespace',
  provider: 'provider',
  engine: 'engine',
  mode: 'mode',
  replicas: 'replicas',
  resources: 'gpus',
  routerMode: 'routerMode',
  prefillReplicas: 'prefillReplicas',
  prefillGpus: 'prefillGpus',
  decodeReplicas: 'decodeReplicas',
  decodeGpus: 'decodeGpus',
  contextLength: 'contextLength',
  maxModelLen: 'contextLength',
  computeType: 'computeType',
  ggufFile: 'ggufFile',
  storage: 'volumes',
};

const VOLUME_FIELDS: Partial<Record<string, VolumeField>> = {
  name: 'name',
  purpose: 'purpose',
  mountPath: 'mountPath',
  size: 'size',
  accessMode: 'accessMode',
  storageClassName: 'storageClassName',
  claimName: 'claimName',
  readOnly: 'readOnly',
};

function fieldOfIssue(path: (string | number)[]): FieldKey | undefined {
  const [head, second, index, field] = path;
  if (head === 'storage' && second === 'volumes' && typeof index === 'number') {
    const f = VOLUME_FIELDS[String(field ?? 'name')];
    return f ? volumeField(index, f) : 'volumes';
  }
  return FIELD_OF_PATH[String(head ?? '')];
}

/** The server's validation issues placed at the form fields they name; the rest stay general. */
export function issuesToFieldErrors(issues: ValidationIssue[]): { fields: FormErrors; general: string[] } {
  const fields: FormErrors = {};
  const general: string[] = [];
  for (const issue of issues) {
    const field = fieldOfIssue(issue.path);
    if (field && !fields[field]) fields[field] = issue.message;
    else general.push(issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
  }
  return { fields, general };
}
