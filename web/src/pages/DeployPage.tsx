// Deploy a model: provider, engine and serving mode offered by what is installed and what the
// model supports; replicas and GPUs; advanced options; the server's validation messages at
// their fields; a fit warning; a live manifest preview; Cmd/Ctrl+Enter deploys.
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
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { useClusterNodes, useClusterStatus, useCreateDeployment, useHfStatus, useModels, useRuntimes, useSettings } from '../api/hooks';
import type { Model } from '../api/types';
import { GpuFitBadge } from '../components/GpuFitBadge';
import { ManifestViewer } from '../components/ManifestViewer';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import {
  compatibleEngines,
  issuesToFieldErrors,
  runtimeSupportsDisaggregated,
  toDeploymentConfig,
  validateDeployForm,
  type DeployFormValues,
  type FormErrors,
} from '../lib/deployForm';
import { ENGINE_LABELS, formatContext, suggestDeploymentName } from '../lib/format';
import { capacityFromNodes, computeGpuFit, isCpuCapable } from '../lib/gpuFit';

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
        task: r.pipelineTag,
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
  const nodes = useClusterNodes(connected);
  const hf = useHfStatus(resolved.model?.gated === true);
  const create = useCreateDeployment();
  const model = resolved.model;

  const [values, setValues] = useState<DeployFormValues>(() => ({
    name: suggestDeploymentName(modelId),
    namespace: '',
    provider: '',
    engine: '',
    mode: 'aggregated',
    replicas: 1,
    gpus: 1,
    contextLength: '',
    enforceEager: false,
    enablePrefixCaching: true,
    trustRemoteCode: false,
  }));
  const [serverErrors, setServerErrors] = useState<FormErrors>({});
  const [generalErrors, setGeneralErrors] = useState<string[]>([]);
  const [submitted, setSubmitted] = useState(false);
  const set = <K extends keyof DeployFormValues>(key: K, value: DeployFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    setServerErrors((e) => ({ ...e, [key]: undefined }));
  };

  const runtimeList = runtimes.data?.runtimes ?? [];
  const runtime = runtimeList.find((r) => r.id === values.provider);
  const engines = model ? compatibleEngines(model.supportedEngines, runtime) : [];

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

  const localErrors = validateDeployForm(values);
  const errors: FormErrors = { ...(submitted ? localErrors : {}), ...Object.fromEntries(Object.entries(serverErrors).filter(([, v]) => v)) };
  const needsHfToken = model?.gated === true && hf.data?.configured === false;
  const capacity = capacityFromNodes(nodes.data?.nodes);
  const fit = model ? computeGpuFit(model, capacity) : undefined;
  const fitWarning =
    fit && (fit.level === 'wont-fit' || fit.level === 'no-gpus') ? `${fit.label}: ${fit.detail}.` : null;

  const config = useMemo(
    () => (model ? toDeploymentConfig(model.id, values, hf.data?.configured ? 'hf-token-secret' : undefined) : null),
    [model, values, hf.data],
  );
  // The preview follows the form 400 ms behind, and only for values that pass the local checks.
  const [debouncedValues] = useDebouncedValue(values, 400);
  const debouncedConfig = useMemo(
    () => (model ? toDeploymentConfig(model.id, debouncedValues, hf.data?.configured ? 'hf-token-secret' : undefined) : null),
    [model, debouncedValues, hf.data],
  );
  const previewValid = debouncedConfig !== null && Object.keys(validateDeployForm(debouncedValues)).length === 0;
  const preview = useQuery({
    queryKey: ['deploy-preview', debouncedConfig],
    queryFn: () => api.previewDeployment(debouncedConfig!),
    enabled: connected && previewValid,
    retry: false,
    staleTime: Infinity,
  });

  const submit = () => {
    setSubmitted(true);
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
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    Model server
                  </Text>
                  {engines.length === 0 ? (
                    <Text size="sm" c="red">
                      The provider serves none of this model's engines.
                    </Text>
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
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    Serving mode
                  </Text>
                  <SegmentedControl
                    value={values.mode}
                    onChange={(v) => set('mode', v as DeployFormValues['mode'])}
                    data={[
                      { value: 'aggregated', label: 'Aggregated' },
                      { value: 'disaggregated', label: 'Disaggregated (P/D)', disabled: !runtimeSupportsDisaggregated(runtime) },
                    ]}
                    aria-label="Serving mode"
                  />
                </Stack>
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
                <Group grow align="flex-start">
                  <NumberInput
                    label="Replicas"
                    min={1}
                    max={10}
                    value={values.replicas}
                    onChange={(v) => set('replicas', typeof v === 'number' ? v : Number.parseInt(v, 10) || 0)}
                    error={errors.replicas}
                  />
                  <NumberInput
                    label="GPUs per replica"
                    min={0}
                    max={8}
                    value={values.gpus}
                    onChange={(v) => set('gpus', typeof v === 'number' ? v : Number.parseInt(v, 10) || 0)}
                    error={errors.gpus}
                  />
                </Group>
              </Stack>
            </Card>
            <Accordion variant="separated">
              <Accordion.Item value="advanced">
                <Accordion.Control>Advanced options</Accordion.Control>
                <Accordion.Panel>
                  <Stack>
                    <NumberInput
                      label="Context length"
                      description="Maximum tokens per request; empty uses the model's own"
                      placeholder={model.contextLength ? String(model.contextLength) : 'model default'}
                      min={1}
                      value={values.contextLength}
                      onChange={(v) => set('contextLength', v === '' ? '' : typeof v === 'number' ? v : Number.parseInt(v, 10))}
                      error={errors.contextLength}
                    />
                    <Switch label="Enforce eager mode (no CUDA graphs)" checked={values.enforceEager} onChange={(e) => set('enforceEager', e.currentTarget.checked)} />
                    <Switch label="Enable prefix caching" checked={values.enablePrefixCaching} onChange={(e) => set('enablePrefixCaching', e.currentTarget.checked)} />
                    <Switch label="Trust remote code" checked={values.trustRemoteCode} onChange={(e) => set('trustRemoteCode', e.currentTarget.checked)} />
                  </Stack>
                </Accordion.Panel>
              </Accordion.Item>
            </Accordion>
            {generalErrors.length > 0 && (
              <Alert color="red" title="The server refused the deployment" data-testid="deploy-errors">
                {generalErrors.map((m) => (
                  <Text size="sm" key={m}>
                    {m}
                  </Text>
                ))}
              </Alert>
            )}
            {fitWarning && (
              <Alert color="yellow" icon={<IconAlertTriangle />} title="This model may not fit the cluster">
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
