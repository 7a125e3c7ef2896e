// The model catalog: curated models (search + engine filters) and a HuggingFace Hub search.
// Every card tells whether the model fits the cluster's GPUs and links to the Deploy page.
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Chip,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowRight, IconDownload, IconHeart, IconLock, IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { useClusterStatus, useGpuCapacity, useHfSearch, useHfStatus, useModels } from '../api/hooks';
import type { ClusterGpuCapacity, Engine, HfModelSearchResult, Model } from '../api/types';
import { ENGINES } from '../api/types';
import { GpuFitBadge } from '../components/GpuFitBadge';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { ENGINE_LABELS, formatContext, formatCount, taskOfPipelineTag } from '../lib/format';
import { computeGpuFit } from '../lib/gpuFit';

export function filterModels(models: Model[], search: string, engines: Engine[]): Model[] {
  const q = search.trim().toLowerCase();
  return models.filter((m) => {
    if (engines.length > 0 && !m.supportedEngines.some((e) => engines.includes(e))) return false;
    if (!q) return true;
    return [m.name, m.id, m.description].some((s) => s?.toLowerCase().includes(q));
  });
}

/** The cluster's GPU capacity; undefined while unknown or when the request failed. */
function useCapacity(): ClusterGpuCapacity | undefined {
  const status = useClusterStatus();
  return useGpuCapacity(status.data?.connected === true).data;
}

function EngineBadges({ engines }: { engines: Engine[] }) {
  return (
    <Group gap={4}>
      {engines.map((e) => (
        <Badge key={e} size="xs" variant="outline" color="gray" styles={{ root: { textTransform: 'none' } }}>
          {ENGINE_LABELS[e] ?? e}
        </Badge>
      ))}
    </Group>
  );
}

function GatedBadge() {
  return (
    <Tooltip label="Gated on HuggingFace: accept its licence there and sign in with HuggingFace in Settings" withArrow multiline w={240}>
      <Badge size="xs" color="orange" variant="light" leftSection={<IconLock size={10} />} style={{ flexShrink: 0 }}>
        Gated
      </Badge>
    </Tooltip>
  );
}

export function ModelCard({ model, capacity }: { model: Model; capacity: ClusterGpuCapacity | undefined }) {
  const fit = computeGpuFit(model, capacity);
  const task = model.conversational ? 'Chat' : model.task === 'image-text-to-text' ? 'Multimodal' : 'Text generation';
  return (
    <Card withBorder padding="md" className="model-card" data-testid="model-card">
      <Stack gap={8} style={{ flex: 1 }}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text fw={650} lineClamp={1} title={model.name} style={{ minWidth: 0 }}>
            {model.name}
          </Text>
          <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }}>
            {model.gated && <GatedBadge />}
            <Badge size="sm" variant="light">
              {model.size}
            </Badge>
          </Group>
        </Group>
        <Text size="xs" c="dimmed" className="mono" lineClamp={1}>
          {model.id}
        </Text>
        <Text size="sm" lineClamp={2} mih={40}>
          {model.description}
        </Text>
        <GpuFitBadge fit={fit} />
        <Group gap="md">
          <Text size="xs" c="dimmed">
            {task}
          </Text>
          {model.contextLength !== undefined && (
            <Text size="xs" c="dimmed">
              {formatContext(model.contextLength)}
            </Text>
          )}
        </Group>
        <EngineBadges engines={model.supportedEngines} />
      </Stack>
      <Button
        component={Link}
        to={`/deploy/${encodeURIComponent(model.id)}`}
        mt="md"
        variant="light"
        rightSection={<IconArrowRight size={16} />}
        fullWidth
      >
        Deploy
      </Button>
    </Card>
  );
}

function CuratedTab({ capacity }: { capacity: ClusterGpuCapacity | undefined }) {
  const { data, isLoading, error, refetch } = useModels();
  const [search, setSearch] = useState('');
  const [engines, setEngines] = useState<string[]>([]);
  const models = data?.models ?? [];
  const shown = filterModels(models, search, engines as Engine[]);
  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm" wrap="wrap">
          <TextInput
            placeholder="Search models…"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={280}
            aria-label="Search models"
          />
          <Chip.Group multiple value={engines} onChange={setEngines}>
            <Group gap={6}>
              {ENGINES.map((e) => (
                <Chip key={e} value={e} size="sm" variant="outline">
                  {ENGINE_LABELS[e]}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
        </Group>
        {data && (
          <Text size="sm" c="dimmed" data-testid="model-count">
            {shown.length} of {models.length} models
          </Text>
        )}
      </Group>
      {isLoading && <LoadingState label="Loading the catalog…" />}
      {error && <ErrorState error={error} title="Failed to load models" onRetry={() => void refetch()} />}
      {data && shown.length === 0 && (
        <EmptyState
          title="No models found"
          description="No curated model matches the search and engine filters."
          action={
            <Button
              variant="light"
              onClick={() => {
                setSearch('');
                setEngines([]);
              }}
            >
              Clear filters
            </Button>
          }
        />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3, xl: 4 }} spacing="md">
        {shown.map((m) => (
          <ModelCard key={m.id} model={m} capacity={capacity} />
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function hfToModel(r: HfModelSearchResult): Model {
  const m: Model = {
    id: r.id,
    name: r.name,
    description: '',
    size: r.parameterCount ? `${(r.parameterCount / 1e9).toFixed(1)}B` : '—',
    task: taskOfPipelineTag(r.pipelineTag),
    supportedEngines: r.supportedEngines,
    gated: r.gated,
    fromHfSearch: true,
  };
  if (r.estimatedGpuMemoryGb !== undefined) m.estimatedGpuMemoryGb = r.estimatedGpuMemoryGb;
  if (r.estimatedGpuMemory !== undefined) m.minGpuMemory = r.estimatedGpuMemory;
  return m;
}

function HfCard({ result, capacity }: { result: HfModelSearchResult; capacity: ClusterGpuCapacity | undefined }) {
  const fit = computeGpuFit(hfToModel(result), capacity);
  return (
    <Card withBorder padding="md" className="model-card" data-testid="hf-model-card">
      <Stack gap={8} style={{ flex: 1 }}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text fw={650} lineClamp={1} title={result.name} style={{ minWidth: 0 }}>
            {result.name}
          </Text>
          {result.gated && <GatedBadge />}
        </Group>
        <Text size="xs" c="dimmed" className="mono" lineClamp={1}>
          {result.id}
        </Text>
        <Group gap="md">
          <Group gap={4}>
            <IconDownload size={14} />
            <Text size="xs">{formatCount(result.downloads)}</Text>
          </Group>
          <Group gap={4}>
            <IconHeart size={14} />
            <Text size="xs">{formatCount(result.likes)}</Text>
          </Group>
        </Group>
        <GpuFitBadge fit={fit} />
        <EngineBadges engines={result.supportedEngines} />
      </Stack>
      <Button
        component={Link}
        to={`/deploy/${encodeURIComponent(result.id)}?source=hf`}
        mt="md"
        variant="light"
        rightSection={<IconArrowRight size={16} />}
        fullWidth
      >
        Deploy
      </Button>
    </Card>
  );
}

function HfTab({ capacity }: { capacity: ClusterGpuCapacity | undefined }) {
  const [input, setInput] = useState('');
  const [offset, setOffset] = useState(0);
  const [query] = useDebouncedValue(input.trim(), 400);
  const search = useHfSearch(query, offset);
  const hf = useHfStatus(query.length >= 2);
  const results = search.data?.models ?? [];
  return (
    <Stack>
      <TextInput
        placeholder="Search HuggingFace models (e.g. llama, mistral, qwen)…"
        leftSection={<IconSearch size={16} />}
        rightSection={search.isFetching ? <Loader size="xs" /> : null}
        value={input}
        onChange={(e) => {
          setInput(e.currentTarget.value);
          setOffset(0);
        }}
        maw={560}
        aria-label="Search HuggingFace models"
      />
      {hf.data && !hf.data.configured && query.length >= 2 && (
        <Alert color="blue" variant="light">
          Gated models are hidden until you sign in with HuggingFace.{' '}
          <Anchor component={Link} to="/settings">
            Sign in from Settings
          </Anchor>
          .
        </Alert>
      )}
      {query.length < 2 && (
        <EmptyState
          icon={<IconSearch size={26} />}
          title="Search the HuggingFace Hub"
          description="Type at least two characters. Only models that vLLM, SGLang or TensorRT-LLM can serve are shown."
        />
      )}
      {query.length >= 2 && search.isLoading && <LoadingState label="Searching compatible models…" />}
      {query.length >= 2 && search.error && <ErrorState error={search.error} title="Search failed" onRetry={() => void search.refetch()} />}
      {query.length >= 2 && search.data && results.length === 0 && (
        <EmptyState title={`No compatible models found for “${query}”`} description="Try another name or a shorter query." />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3, xl: 4 }} spacing="md">
        {results.map((r) => (
          <HfCard key={r.id} result={r} capacity={capacity} />
        ))}
      </SimpleGrid>
      {search.data && results.length > 0 && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            Showing {offset + 1}–{offset + results.length} of {search.data.total} compatible models
          </Text>
          <Group gap="xs">
            <Button variant="default" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 20))}>
              Previous
            </Button>
            <Button variant="default" disabled={!search.data.hasMore} onClick={() => setOffset(offset + 20)}>
              Next
            </Button>
          </Group>
        </Group>
      )}
    </Stack>
  );
}

export default function ModelsPage() {
  const capacity = useCapacity();
  return (
    <>
      <PageHeader title="Model catalog" subtitle="Curated models known to serve well, or anything compatible from the HuggingFace Hub." />
      <Tabs defaultValue="curated" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="curated">Curated models</Tabs.Tab>
          <Tabs.Tab value="hf">HuggingFace Hub</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="curated">
          <CuratedTab capacity={capacity} />
        </Tabs.Panel>
        <Tabs.Panel value="hf">
          <HfTab capacity={capacity} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
