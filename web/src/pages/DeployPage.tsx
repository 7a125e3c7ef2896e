// Deploy a model: provider, engine and serving mode offered by what is installed and what the
// model supports; replicas and GPUs (or prefill/decode workers), router mode, KAITO's compute
// type and GGUF file, storage volumes, advanced options — each only when the chosen provider
// and engine support it; the server's validation messages at their fields; a capacity warning
// from the cluster's real GPUs; a live manifest preview; Cmd/Ctrl+Enter deploys.
import {
  Accordion,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  NumberInput,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconArrowLeft, IconLock } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { useClusterStatus, useCreateDeployment, useGpuCapacity, useHfStatus, useModels, usePvcs, useRuntimes, useSettings } from '../api/hooks';
import type { Model } from '../api/types';
import { GpuFitBadge } from '../components/GpuFitBadge';
import { ManifestViewer } from '../components/ManifestViewer';
import { StorageVolumesSection } from '../components/StorageVolumesSection';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import {
  DEFAULT_VALUES,
  ROUTER_MODE_LABELS,
  compatibleEngines,
  defaultGgufFile,
  formOptions,
  issuesToFieldErrors,
  toDeploymentConfig,
  validateDeployForm,
  type DeployFormValues,
  type FormErrors,
  type VolumeFormValue,
} from '../lib/deployForm';
import { ENGINE_LABELS, formatContext, suggestDeploymentName, taskOfPipelineTag } from '../lib/format';
import { checkGpuCapacity, computeGpuFit, isCpuCapable } from '../lib/gpuFit';

/** A NumberInput's value as a whole number (0 when not a number). */
function toInt(v: number | string): number {
  return typeof v === 'number' ? Math.trunc(v) : Number.parseInt(v, 10) || 0;
}

function useResolvedModel(id: string, fromHf: boolean) {
  const models = useModels();
  const cached = models.data?.models.find((m) => m.id === id);
  const hf = useQuery({
    queryKey: ['hf-model', id],
    queryFn: async (): Promise<Model | null> => {
      const res = await api.searchModels(id, 5, 0);
      const r = res.models.find((m) => m.id === id);
      if (!r) return null;
      const m: Model = {
        id: r.id,
        name: r.name,
        description: `${r.author} · ${r.pipelineTag}`,
        size: r.parameterCount ? `${(r.parameterCount / 1e9).toFixed(1)}B` : '—',
        task: taskOfPipelineTag(r.pipelineTag),
        supportedEngines: r.supportedEngines,
        gated: r.gated,
        fromHfSearch: true,
      };
      if (r.estimatedGpuMemoryGb !== undefined) m.estimatedGpuMemoryGb = r.estimatedGpuMemoryGb;
      return m;
    },
    enabled: fromHf,
    retry: false,
  });
  if (fromHf) return { model: hf.data ?? undefined, isLoading: hf.isLoading, error: hf.error, notFound: hf.data === null };
  return {
    model: cached,
    isLoading: models.isLoading,
    error: models.error,
    notFound: !!models.data && !cached,
  };
}

export default function DeployPage() {
  const { modelId: rawId = '' } = useParams();
  const modelId = decodeURIComponent(rawId);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const resolved = useResolvedModel(modelId, params.get('source') === 'hf');
  const status = useClusterStatus();
  const connected = status.data?.connected === true;
  const runtimes = useRuntimes(connected);
  const settings = useSettings();
  const capacity = useGpuCapacity(connected);
  const hf = useHfStatus(resolved.model?.gated === true);
  const create = useCreateDeployment();
  const model = resolved.model;

  const [values, setValues] = useState<DeployFormValues>(() => ({ ...DEFAULT_VALUES, name: suggestDeploymentName(modelId) }));
  const [serverErrors, setServerErrors] = useState<FormErrors>({});
  const [generalErrors, setGeneralErrors] = useState<string[]>([]);
  const [submitted, setSubmitted] = useState(false);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const set = <K extends keyof DeployFormValues>(key: K, value: DeployFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setServerErrors((e) => ({ ...e, [key]: undefined }));
  };
  const setVolumes = useCallback((volumes: VolumeFormValue[]) => {
    setValues((v) => ({ ...v, volumes }));
    setServerErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('volumes'))));
  }, []);

  const runtimeList = runtimes.data?.runtimes ?? [];
  const runtime = runtimeList.find((r) => r.id === values.provider);
  const engines = model ? compatibleEngines(model.supportedEngines, runtime) : [];
  const options = useMemo(() => formOptions(model ?? { supportedEngines: [] }, runtime, values.engine), [model, runtime, values.engine]);
  const pvcs = usePvcs(values.namespace, options.storage && values.volumes.some((v) => v.source === 'existing'));
  const gguf = useQuery({
    queryKey: ['gguf-files', modelId],
    queryFn: () => api.ggufFiles(modelId),
    enabled: options.kaitoGguf,
    staleTime: 5 * 60_000,
    retry: false,
  });
  useEffect(() => {
    const files = gguf.data?.files;
    if (options.kaitoGguf && files && !files.includes(values.ggufFile)) set('ggufFile', defaultGgufFile(files));
  }, [gguf.data, options.kaitoGguf, values.ggufFile]);

  // Defaults once data arrives: an installed provider that serves one of the model's engines,
  // its namespace, the first compatible engine, and GPUs from the model.
  useEffect(() => {
    if (!model || values.provider || runtimeList.length === 0) return;
    const usable = runtimeList.filter((r) => compatibleEngines(model.supportedEngines, r).length > 0);
    const pick = usable.find((r) => r.installed && r.healthy) ?? usable[0] ?? runtimeList[0];
    if (pick) setValues((v) => ({ ...v, provider: pick.id, namespace: pick.defaultNamespace || v.namespace }));
  }, [model, runtimeList, values.provider]);
  useEffect(() => {
    if (!values.namespace && settings.data?.config.defaultNamespace) set('namespace', settings.data.config.defaultNamespace);
    else if (!values.namespace && status.data?.namespace && settings.isError) set('namespace', status.data.namespace);
  }, [settings.data, settings.isError, status.data, values.namespace]);
  useEffect(() => {
    if (!model) return;
    if (!values.engine || !engines.includes(values.engine)) {
      const first = engines[0];
      if (first && first !== values.engine) set('engine', first);
    }
  }, [model, engines, values.engine]);
  useEffect(() => {
    if (model) set('gpus', isCpuCapable(model) ? 0 : Math.max(1, model.minGpus ?? 1));
  }, [model]);
  // KAITO GGUF on GPU, or vLLM on KAITO, needs at least one GPU.
  useEffect(() => {
    if ((options.kaitoVllm || (options.kaitoGguf && values.computeType === 'gpu')) && values.gpus < 1) set('gpus', 1);
  }, [options.kaitoVllm, options.kaitoGguf, values.computeType, values.gpus]);

  const localErrors = validateDeployForm(values, options);
  const errors: FormErrors = { ...(submitted ? localErrors : {}), ...Object.fromEntries(Object.entries(serverErrors).filter(([, v]) => v)) };
  const needsHfToken = model?.gated === true && hf.data?.configured === false;
  const fit = model ? computeGpuFit(model, capacity.data) : undefined;
  const disaggregated = values.mode === 'disaggregated' && options.disaggregated;
  const gpuRequest = disaggregated
    ? { mode: 'disaggregated' as const, prefillReplicas: values.prefillReplicas, prefillGpus: values.prefillGpus, decodeReplicas: values.decodeReplicas, decodeGpus: values.decodeGpus }
    : { mode: 'aggregated' as const, replicas: values.replicas, gpus: options.kaitoGguf && values.computeType === 'cpu' ? 0 : values.gpus };
  const capacityCheck = checkGpuCapacity(gpuRequest, capacity.data);
  const fitWarning = fit?.level === 'wont-fit' && gpuRequest.mode === 'aggregated' && gpuRequest.gpus > 0 ? `${fit.label}: ${fit.detail}.` : null;
  const hfSecret = hf.data?.configured ? 'hf-token-secret' : undefined;

  const config = useMemo(
    () => (model ? toDeploymentConfig(model.id, values, options, hfSecret) : null),
    [model, values, options, hfSecret],
  );
  // The preview follows the form 400 ms behind, and only for values that pass the local checks.
  const [debouncedValues] = useDebouncedValue(values, 400);
  const debouncedConfig = useMemo(
    () => (model ? toDeploymentConfig(model.id, debouncedValues, options, hfSecret) : null),
    [model, debouncedValues, options, hfSecret],
  );
  const previewValid = debouncedConfig !== null && Object.keys(validateDeployForm(debouncedValues, options)).length === 0;
  const preview = useQuery({
    queryKey: ['deploy-preview', debouncedConfig],
    queryFn: () => api.previewDeployment(debouncedConfig!),
    enabled: connected && previewValid,
    retry: false,
    staleTime: Infinity,
  });

  const submit = () => {
    setSubmitted(true);
    if (localErrors.contextLength) setAdvancedOpen(true);
    if (!config || Object.keys(localErrors).length > 0 || needsHfToken || create.isPending) return;
    setGeneralErrors([]);
    create.mutate(config, {
      onSuccess: (res) => {
        notifications.show({
          color: 'teal',
          title: 'Deployment created',
          message: res.warnings?.length ? res.warnings.join(' ') : `${res.name} is starting in ${res.namespace}.`,
        });
        void navigate(`/deployments/${encodeURIComponent(res.name)}?namespace=${encodeURIComponent(res.namespace)}`);
      },
      onError: (e) => {
        if (e instanceof ApiError && e.issues.length > 0) {
          const mapped = issuesToFieldErrors(e.issues);
          setServerErrors(mapped.fields);
          if (mapped.fields.contextLength) setAdvancedOpen(true);
          setGeneralErrors(mapped.general);
        } else {
          setGeneralErrors([e.message]);
        }
      },
    });
  };
  useHotkeys([['mod+Enter', submit]], [], true);

  if (resolved.isLoading) return <LoadingState label="Loading the model…" />;
  if (resolved.error) return <ErrorState error={resolved.error} title="Failed to load the model" />;
  if (!model) {
    return (
      <EmptyState
        title="Model not found"
        description={`“${modelId}” is not in the catalog.`}
        action={
          <Button component={Link} to="/">
            Back to the catalog
          </Button>
        }
      />
    );
  }

  const providerOptions = runtimeList.map((r) => {
    const ok = compatibleEngines(model.supportedEngines, r).length > 0;
    const state = !ok ? 'not compatible' : r.installed ? (r.healthy ? 'installed' : 'not ready') : 'not installed';
    return { value: r.id, label: `${r.name} — ${state}`, disabled: !ok };
  });

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      noValidate
    >
      <Anchor component={Link} to="/" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Model catalog
        </Group>
      </Anchor>
      <Title order={2} mt="xs">
        Deploy {model.name}
      </Title>
      <Text c="dimmed" size="sm" mb="lg" className="mono">
        {model.id}
      </Text>
      <Grid gutter="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="lg">
            {!connected && status.data && (
              <Alert color="yellow" icon={<IconAlertTriangle />} title="Not connected to a cluster">
                {status.data.error ?? 'The server has no cluster; deploying will fail.'}
              </Alert>
            )}
            {needsHfToken && (
              <Alert color="orange" icon={<IconLock />} title="This model is gated">
                It needs a HuggingFace token. <Anchor component={Link} to="/settings?tab=huggingface">Sign in with HuggingFace</Anchor>{' '}
                in Settings first.
              </Alert>
            )}
            <Card withBorder padding="lg">
              <Title order={4} mb="md">
                Where and how
              </Title>
              <Stack>
                <Select
                  label="Provider"
                  description="The inference provider that runs the model"
                  data={providerOptions}
                  value={values.provider || null}
                  onChange={(v) => {
                    const r = runtimeList.find((x) => x.id === v);
                    setValues((old) => ({ ...old, provider: v ?? '', namespace: r?.defaultNamespace || old.namespace, mode: 'aggregated' }));
                  }}
                  placeholder={runtimes.isLoading ? 'Loading providers…' : runtimeList.length === 0 ? 'No providers registered' : 'Choose'}
                  error={errors.provider}
                  allowDeselect={false}
                  comboboxProps={{ withinPortal: true }}
                />
                {runtime && !runtime.installed && (
                  <Text size="xs" c="yellow.8">
                    {runtime.name} is not installed: install it (Settings → Providers) before deploying.
                  </Text>
                )}
                {options.engineChoice && (
                  <Stack gap={4}>
                    <Text size="sm" fw={500}>
                      Model server
                    </Text>
                    {engines.length === 0 ? (
                      <Text size="sm" c="red">
                        The provider serves none of this model's engines.
                      </Text>
                    ) : engines.length === 1 ? (
                      <Group gap="xs" data-testid="engine-auto">
                        <Badge variant="light" size="lg" styles={{ root: { textTransform: 'none' } }}>
                          {ENGINE_LABELS[engines[0]!]}
                        </Badge>
                        <Text size="xs" c="dimmed">
                          Selected automatically: the only model server both {runtime?.name ?? 'the provider'} and this model support
                        </Text>
                      </Group>
                    ) : (
                      <SegmentedControl
                        value={values.engine || engines[0]}
                        onChange={(v) => set('engine', v as DeployFormValues['engine'])}
                        data={engines.map((e) => ({ value: e, label: ENGINE_LABELS[e] }))}
                        aria-label="Model server"
                      />
                    )}
                    {errors.engine && (
                      <Text size="xs" c="red">
                        {errors.engine}
                      </Text>
                    )}
                  </Stack>
                )}
                {options.kaitoGguf && (
                  <Stack gap="sm" data-testid="kaito-options">
                    <Radio.Group
                      label="Compute type"
                      description="KAITO runs GGUF models with llama.cpp, on CPU nodes or on a GPU"
                      value={values.computeType}
                      onChange={(v) => set('computeType', v as DeployFormValues['computeType'])}
                      error={errors.computeType}
                    >
                      <Group gap="lg" mt={6}>
                        <Radio value="cpu" label="CPU" />
                        <Radio value="gpu" label="GPU" />
                      </Group>
                    </Radio.Group>
                    <Select
                      label="GGUF file"
                      description="The quantised weights to run (a Q4_K_M file is picked when there is one)"
                      data={gguf.data?.files ?? []}
                      value={values.ggufFile || null}
                      onChange={(v) => set('ggufFile', v ?? '')}
                      placeholder={gguf.isLoading ? 'Loading the repository’s files…' : gguf.data?.files.length === 0 ? 'No GGUF files found' : 'Choose'}
                      error={errors.ggufFile ?? (gguf.error ? `Cannot list the files: ${gguf.error.message}` : undefined)}
                      searchable
                      comboboxProps={{ withinPortal: true }}
                    />
                  </Stack>
                )}
                {!options.kaitoGguf && (
                  <Stack gap={4}>
                    <Text size="sm" fw={500}>
                      Serving mode
                    </Text>
                    <SegmentedControl
                      value={disaggregated ? 'disaggregated' : 'aggregated'}
                      onChange={(v) => set('mode', v as DeployFormValues['mode'])}
                      data={[
                        { value: 'aggregated', label: 'Aggregated' },
                        { value: 'disaggregated', label: 'Disaggregated (P/D)', disabled: !options.disaggregated },
                      ]}
                      aria-label="Serving mode"
                    />
                    {!options.disaggregated && (
                      <Text size="xs" c="dimmed">
                        {runtime ? `${runtime.name} serves ${values.engine ? ENGINE_LABELS[values.engine] : 'this engine'} aggregated only.` : 'Choose a provider first.'}
                      </Text>
                    )}
                  </Stack>
                )}
                <Group grow align="flex-start">
                  <TextInput
                    label="Deployment name"
                    value={values.name}
                    onChange={(e) => set('name', e.currentTarget.value)}
                    error={errors.name}
                    description="Lowercase letters, numbers and hyphens"
                    required
                  />
                  <TextInput
                    label="Namespace"
                    value={values.namespace}
                    onChange={(e) => set('namespace', e.currentTarget.value)}
                    error={errors.namespace}
                    description="Created if missing"
                    required
                  />
                </Group>
                {disaggregated ? (
                  <Stack gap="xs" data-testid="disaggregated-options">
                    <Group grow align="flex-start">
                      <NumberInput label="Prefill replicas" min={1} max={10} value={values.prefillReplicas} onChange={(v) => set('prefillReplicas', toInt(v))} error={errors.prefillReplicas} />
                      <NumberInput label="Prefill GPUs per worker" min={1} max={8} value={values.prefillGpus} onChange={(v) => set('prefillGpus', toInt(v))} error={errors.prefillGpus} />
                    </Group>
                    <Group grow align="flex-start">
                      <NumberInput label="Decode replicas" min={1} max={10} value={values.decodeReplicas} onChange={(v) => set('decodeReplicas', toInt(v))} error={errors.decodeReplicas} />
                      <NumberInput label="Decode GPUs per worker" min={1} max={8} value={values.decodeGpus} onChange={(v) => set('decodeGpus', toInt(v))} error={errors.decodeGpus} />
                    </Group>
                  </Stack>
                ) : (
                  <Group grow align="flex-start">
                    <NumberInput label="Replicas" min={1} max={10} value={values.replicas} onChange={(v) => set('replicas', toInt(v))} error={errors.replicas} />
                    {!(options.kaitoGguf && values.computeType === 'cpu') && (
                      <NumberInput
                        label="GPUs per replica"
                        min={options.kaitoVllm || options.kaitoGguf ? 1 : 0}
                        max={8}
                        value={values.gpus}
                        onChange={(v) => set('gpus', toInt(v))}
                        error={errors.gpus}
                      />
                    )}
                  </Group>
                )}
                {options.routerModes.length > 0 && (
                  <Select
                    label="Router mode"
                    description="How the frontend spreads requests over the workers"
                    data={(['default', ...options.routerModes] as const).map((m) => ({ value: m, label: ROUTER_MODE_LABELS[m] }))}
                    value={values.routerMode}
                    onChange={(v) => v && set('routerMode', v as DeployFormValues['routerMode'])}
                    error={errors.routerMode}
                    allowDeselect={false}
                    comboboxProps={{ withinPortal: true }}
                  />
                )}
              </Stack>
            </Card>
            {options.storage && (
              <StorageVolumesSection
                volumes={values.volumes}
                onChange={setVolumes}
                errors={errors}
                deploymentName={values.name}
                pvcs={pvcs.data?.pvcs}
              />
            )}
            {options.engineTuning && (
              <Accordion variant="separated" value={advancedOpen ? 'advanced' : null} onChange={(v) => setAdvancedOpen(v === 'advanced')}>
                <Accordion.Item value="advanced">
                  <Accordion.Control>Advanced options</Accordion.Control>
                  <Accordion.Panel>
                    <Stack>
                      <NumberInput
                        label="Context length"
                        description={options.kaitoVllm ? 'Maximum tokens per request (KAITO’s maxModelLen); empty uses the model’s own' : 'Maximum tokens per request; empty uses the model’s own'}
                        placeholder={model.contextLength ? String(model.contextLength) : 'model default'}
                        min={1}
                        value={values.contextLength}
                        onChange={(v) => set('contextLength', v === '' ? '' : toInt(v))}
                        error={errors.contextLength}
                      />
                      <Switch label="Enforce eager mode (no CUDA graphs)" checked={values.enforceEager} onChange={(e) => set('enforceEager', e.currentTarget.checked)} />
                      <Switch label="Enable prefix caching" checked={values.enablePrefixCaching} onChange={(e) => set('enablePrefixCaching', e.currentTarget.checked)} />
                      {options.trustRemoteCode && (
                        <Switch label="Trust remote code" checked={values.trustRemoteCode} onChange={(e) => set('trustRemoteCode', e.currentTarget.checked)} />
                      )}
                    </Stack>
                  </Accordion.Panel>
                </Accordion.Item>
              </Accordion>
            )}
            {generalErrors.length > 0 && (
              <Alert color="red" title="The server refused the deployment" data-testid="deploy-errors">
                {generalErrors.map((m) => (
                  <Text size="sm" key={m}>
                    {m}
                  </Text>
                ))}
              </Alert>
            )}
            {capacityCheck && (
              <Alert
                color={capacityCheck.severity === 'error' ? 'red' : 'yellow'}
                icon={<IconAlertTriangle />}
                title={capacityCheck.title}
                data-testid="capacity-warning"
                data-severity={capacityCheck.severity}
              >
                <Text size="sm">{capacityCheck.detail}</Text>
                <Text size="xs" c="dimmed" className="mono" mt={4}>
                  {capacityCheck.breakdown}
                </Text>
              </Alert>
            )}
            {fitWarning && (
              <Alert color="yellow" icon={<IconAlertTriangle />} title="This model will not fit the cluster" data-testid="fit-warning">
                {fitWarning} You can still deploy; it will wait for capacity.
              </Alert>
            )}
            <Group justify="space-between">
              <Text size="xs" c="dimmed">
                Tip: ⌘/Ctrl + Enter deploys
              </Text>
              <Group>
                <Button variant="default" component={Link} to="/">
                  Cancel
                </Button>
                <Button type="submit" loading={create.isPending} disabled={needsHfToken}>
                  Deploy
                </Button>
              </Group>
            </Group>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="lg">
            <Card withBorder padding="lg">
              <Group justify="space-between" mb="xs">
                <Text fw={650}>{model.name}</Text>
                <Group gap={4}>
                  {model.gated && (
                    <Badge color="orange" variant="light" size="sm">
                      Gated
                    </Badge>
                  )}
                  <Badge variant="light" size="sm">
                    {model.size}
                  </Badge>
                </Group>
              </Group>
              <Text size="sm" c="dimmed" mb="sm">
                {model.description}
              </Text>
              {fit && <GpuFitBadge fit={fit} />}
              {model.contextLength !== undefined && (
                <Text size="xs" c="dimmed" mt="xs">
                  Context: {formatContext(model.contextLength)}
                </Text>
              )}
            </Card>
            <Card withBorder padding="lg">
              <Title order={5} mb="sm">
                Manifest preview
              </Title>
              {!connected && <Text size="sm" c="dimmed">Available when the server is connected to a cluster.</Text>}
              {connected && !previewValid && <Text size="sm" c="dimmed">Fix the form to see the manifest.</Text>}
              {connected && previewValid && preview.isLoading && <LoadingState label="Rendering…" />}
              {preview.error && <ErrorState error={preview.error} title="Preview failed" />}
              {preview.data && <ManifestViewer resources={preview.data.resources} />}
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </form>
  );
}
