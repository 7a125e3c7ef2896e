// The Deploy form's values, their client-side checks, and the request body they become.
import type { DeploymentConfig, Engine, RuntimeStatus, ValidationIssue } from '../api/types';
import { validateResourceName } from './format';

export interface DeployFormValues {
  name: string;
  namespace: string;
  provider: string;
  engine: Engine | '';
  mode: 'aggregated' | 'disaggregated';
  replicas: number;
  gpus: number;
  contextLength: number | '';
  enforceEager: boolean;
  enablePrefixCaching: boolean;
  trustRemoteCode: boolean;
}

export type FormErrors = Partial<Record<keyof DeployFormValues, string>>;

export function validateDeployForm(v: DeployFormValues): FormErrors {
  const errors: FormErrors = {};
  const name = validateResourceName(v.name, 63);
  if (name) errors.name = name;
  const ns = validateResourceName(v.namespace, 63);
  if (ns) errors.namespace = ns === 'A name is required' ? 'A namespace is required' : ns;
  if (!v.engine) errors.engine = 'Choose a model server';
  if (!Number.isInteger(v.replicas) || v.replicas < 1 || v.replicas > 10) errors.replicas = 'From 1 to 10 replicas';
  if (!Number.isInteger(v.gpus) || v.gpus < 0 || v.gpus > 8) errors.gpus = 'From 0 to 8 GPUs per replica';
  if (v.contextLength !== '' && (!Number.isInteger(v.contextLength) || v.contextLength <= 0)) {
    errors.contextLength = 'A positive whole number of tokens';
  }
  return errors;
}

export function toDeploymentConfig(modelId: string, v: DeployFormValues, hfTokenSecret?: string): DeploymentConfig {
  const config: DeploymentConfig = {
    name: v.name,
    modelId,
    engine: (v.engine || 'vllm') as Engine,
    namespace: v.namespace,
    mode: v.mode,
    replicas: v.replicas,
    resources: { gpu: v.gpus },
    enforceEager: v.enforceEager,
    enablePrefixCaching: v.enablePrefixCaching,
    trustRemoteCode: v.trustRemoteCode,
  };
  if (v.provider) config.provider = v.provider;
  if (v.contextLength !== '') config.contextLength = v.contextLength;
  if (hfTokenSecret) config.hfTokenSecret = hfTokenSecret;
  return config;
}

const FIELD_OF_PATH: Record<string, keyof DeployFormValues> = {
  name: 'name',
  namespace: 'namespace',
  provider: 'provider',
  engine: 'engine',
  mode: 'mode',
  replicas: 'replicas',
  resources: 'gpus',
  contextLength: 'contextLength',
};

/** The server's validation issues placed at the form fields they name; the rest stay general. */
export function issuesToFieldErrors(issues: ValidationIssue[]): { fields: FormErrors; general: string[] } {
  const fields: FormErrors = {};
  const general: string[] = [];
  for (const issue of issues) {
    const field = FIELD_OF_PATH[String(issue.path[0] ?? '')];
    if (field && !fields[field]) fields[field] = issue.message;
    else general.push(issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
  }
  return { fields, general };
}

/** Engines both the model and the provider support (all of the model's when no provider). */
export function compatibleEngines(modelEngines: Engine[], runtime: RuntimeStatus | undefined): Engine[] {
  const offered = runtime?.capabilities?.engines;
  if (!offered || offered.length === 0) return modelEngines;
  return modelEngines.filter((e) => offered.includes(e));
}

export function runtimeSupportsDisaggregated(runtime: RuntimeStatus | undefined): boolean {
  return runtime?.capabilities?.modes.includes('disaggregated') ?? false;
}
