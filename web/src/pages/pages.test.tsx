import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppRoutes } from '../App';
import type { ClusterGpuCapacity, DeploymentConfig, DeploymentStatus, Model, RuntimeStatus } from '../api/types';
import { json, mockFetch, renderWithProviders } from '../test/render';

afterEach(() => vi.unstubAllGlobals());

const status = { connected: true, namespace: 'default', clusterName: 'demo', simulated: true };
const models: Model[] = [
  { id: 'Qwen/Qwen3-0.6B', name: 'Qwen3 0.6B', description: 'Small chat model', size: '0.6B', task: 'text-generation', supportedEngines: ['vllm', 'sglang'], minGpuMemory: '4GB', minGpus: 1 },
  { id: 'google/gemma-3-1b-it', name: 'Gemma 3 1B', description: 'Gated model', size: '1B', task: 'text-generation', supportedEngines: ['vllm'], minGpuMemory: '4GB', gated: true },
  { id: 'kaito/llama3.2-1b', name: 'Llama 3.2 1B (GGUF)', description: 'CPU model', size: '1B', task: 'text-generation', supportedEngines: ['llamacpp'], minGpus: 0 },
];
const deployment: DeploymentStatus = {
  name: 'qwen3-abcd',
  namespace: 'default',
  modelId: 'Qwen/Qwen3-0.6B',
  engine: 'vllm',
  mode: 'aggregated',
  phase: 'Running',
  provider: 'dynamo',
  replicas: { desired: 2, ready: 1, available: 1 },
  pods: [],
  createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
  frontendService: 'qwen3-abcd:8000',
};

/** One L4-sized GPU node: 4 GPUs of 24 GB, 3 free. */
const capacity: ClusterGpuCapacity = {
  totalGpus: 4,
  allocatedGpus: 1,
  availableGpus: 3,
  maxContiguousAvailable: 3,
  maxNodeGpuCapacity: 4,
  gpuNodeCount: 1,
  totalMemoryGb: 24,
  nodes: [{ nodeName: 'gpu-1', totalGpus: 4, allocatedGpus: 1, availableGpus: 3 }],
};

const dynamoRuntime: RuntimeStatus = {
  id: 'dynamo',
  name: 'NVIDIA Dynamo',
  description: '',
  defaultNamespace: 'dynamo-system',
  installed: true,
  healthy: true,
  capabilities: { engines: ['vllm', 'sglang'], modes: ['aggregated', 'disaggregated'], modelSources: [], routerModes: ['default', 'kv', 'round-robin'], features: {} },
};
const vllmRuntime: RuntimeStatus = {
  id: 'vllm',
  name: 'vLLM',
  description: '',
  defaultNamespace: 'default',
  installed: true,
  healthy: true,
  capabilities: { engines: ['vllm', 'llamacpp'], modes: ['aggregated'], modelSources: [], routerModes: [], features: {} },
};
const previewAnswer = {
  resources: [{ kind: 'ModelDeployment', apiVersion: 'airunway.ai/v1alpha1', name: 'x', manifest: { kind: 'ModelDeployment' } }],
  primaryResource: { kind: 'ModelDeployment', apiVersion: 'airunway.ai/v1alpha1' },
};

function baseRoutes(extra: Record<string, unknown> = {}) {
  return {
    '/api/cluster/status': status,
    '/api/health/version': { version: '0.1.0', buildTime: '', gitCommit: 'abcdef12' },
    '/api/installation/gpu-capacity': capacity,
    '/api/models': { models },
    ...extra,
  };
}

describe('Models page', () => {
  it('lists the curated models with fit, gated badge and deploy links, and filters them', async () => {
    mockFetch(baseRoutes());
    renderWithProviders(<AppRoutes />);
    expect(await screen.findByText('Qwen3 0.6B')).toBeInTheDocument();
    expect(screen.getByTestId('model-count')).toHaveTextContent('3 of 3 models');
    expect(screen.getAllByText('Gated')).toHaveLength(1);
    const cards = screen.getAllByTestId('model-card');
    expect(within(cards[2]!).getByTestId('gpu-fit')).toHaveAttribute('data-level', 'cpu');
    expect(within(cards[0]!).getByRole('link', { name: /Deploy/ })).toHaveAttribute('href', '/deploy/Qwen%2FQwen3-0.6B');

    await userEvent.click(screen.getByRole('checkbox', { name: 'llama.cpp' }));
    expect(screen.getByTestId('model-count')).toHaveTextContent('1 of 3 models');
    await userEvent.click(screen.getByRole('checkbox', { name: 'llama.cpp' }));
    await userEvent.type(screen.getByLabelText('Search models'), 'nothing-like-this');
    expect(await screen.findByText('No models found')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(screen.getByTestId('model-count')).toHaveTextContent('3 of 3 models');
  });

  it('grades every card against the cluster’s real GPU capacity', async () => {
    const big = { ...models[0]!, id: 'big/model', name: 'Big model', minGpuMemory: '120GB' };
    mockFetch(baseRoutes({ '/api/models': { models: [...models, big] } }));
    renderWithProviders(<AppRoutes />);
    await screen.findByText('Big model');
    const cards = screen.getAllByTestId('model-card');
    await waitFor(() => expect(within(cards[0]!).getByTestId('gpu-fit')).toHaveAttribute('data-level', 'perfect'));
    expect(within(cards[0]!).getByTestId('gpu-fit')).toHaveTextContent('~4 GB / 96 GB (4x24 GB)');
    expect(within(cards[1]!).getByTestId('gpu-fit')).toHaveAttribute('data-level', 'perfect');
    expect(within(cards[3]!).getByTestId('gpu-fit')).toHaveAttribute('data-level', 'wont-fit');
    expect(within(cards[3]!).getByTestId('gpu-fit')).toHaveTextContent('+48 GB VRAM needed');
  });

  it('falls back to each model’s estimate when the capacity request fails', async () => {
    mockFetch(baseRoutes({ '/api/installation/gpu-capacity': () => json({ error: { message: 'nope', statusCode: 503 } }, 503) }));
    renderWithProviders(<AppRoutes />);
    await screen.findByText('Qwen3 0.6B');
    const fit = within(screen.getAllByTestId('model-card')[0]!).getByTestId('gpu-fit');
    expect(fit).toHaveAttribute('data-level', 'unknown');
    expect(fit).toHaveTextContent('Needs ~4 GB');
  });

  it('shows an error with retry when the catalog fails', async () => {
    mockFetch(baseRoutes({ '/api/models': () => json({ error: { message: 'boom', statusCode: 500 } }, 500) }));
    renderWithProviders(<AppRoutes />);
    expect(await screen.findByText('Failed to load models')).toBeInTheDocument();
    expect(screen.getByText('boom')).toBeInTheDocument();
  });
});

describe('Deployments page', () => {
  it('shows the table and deletes after confirmation', async () => {
    let deleted = '';
    mockFetch(
      baseRoutes({
        '/api/deployments': { deployments: [deployment, { ...deployment, name: 'other', namespace: 'team-b', phase: 'Pending' }], pagination: { total: 2, limit: 2, offset: 0, hasMore: false } },
        'DELETE /api/deployments/qwen3-abcd': (url: URL) => {
          deleted = `${url.pathname}?${url.searchParams.toString()}`;
          return json({ message: 'Deployment deleted successfully' });
        },
      }),
    );
    renderWithProviders(<AppRoutes />, { route: '/deployments' });
    const table = await screen.findByTestId('deployments-table');
    expect(within(table).getByText('qwen3-abcd')).toBeInTheDocument();
    expect(within(table).getAllByText('1/2')).toHaveLength(2);
    expect(within(table).getAllByText('5m')).toHaveLength(2);
    expect(within(table).getAllByText('Dynamo')).toHaveLength(2);

    await userEvent.click(screen.getByRole('button', { name: 'Delete qwen3-abcd' }));
    const dialog = await screen.findByRole('dialog');
    expect(deleted).toBe('');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(deleted).toBe('/api/deployments/qwen3-abcd?namespace=default'));
  });

  it('filters by namespace from the URL', async () => {
    mockFetch(
      baseRoutes({
        '/api/deployments': { deployments: [deployment, { ...deployment, name: 'other', namespace: 'team-b' }], pagination: { total: 2, limit: 2, offset: 0, hasMore: false } },
      }),
    );
    renderWithProviders(<AppRoutes />, { route: '/deployments?namespace=team-b' });
    const table = await screen.findByTestId('deployments-table');
    expect(within(table).getByText('other')).toBeInTheDocument();
    expect(within(table).queryByText('qwen3-abcd')).toBeNull();
  });

  it('has an empty state', async () => {
    mockFetch(baseRoutes({ '/api/deployments': { deployments: [], pagination: { total: 0, limit: 0, offset: 0, hasMore: false } } }));
    renderWithProviders(<AppRoutes />, { route: '/deployments' });
    expect(await screen.findByText('No deployments yet')).toBeInTheDocument();
  });
});

describe('Deploy page', () => {
  it('shows the server validation message at its field', async () => {
    mockFetch(
      baseRoutes({
        '/api/runtimes/status': { runtimes: [{ id: 'dynamo', name: 'NVIDIA Dynamo', description: '', defaultNamespace: 'dynamo-system', installed: true, healthy: true, capabilities: { engines: ['vllm', 'sglang'], modes: ['aggregated'], modelSources: [], routerModes: [], features: {} } }] },
        '/api/settings': { config: { defaultNamespace: 'default' }, providers: [], auth: { enabled: false } },
        'POST /api/deployments/preview': { resources: [{ kind: 'ModelDeployment', apiVersion: 'airunway.ai/v1alpha1', name: 'x', manifest: { kind: 'ModelDeployment' } }], primaryResource: { kind: 'ModelDeployment', apiVersion: 'airunway.ai/v1alpha1' } },
        'POST /api/deployments': () =>
          json({ success: false, error: { name: 'ZodError', message: JSON.stringify([{ code: 'custom', path: ['namespace'], message: 'Namespace is reserved' }]) } }, 400),
      }),
    );
    renderWithProviders(<AppRoutes />, { route: '/deploy/Qwen%2FQwen3-0.6B' });
    expect(await screen.findByText('Deploy Qwen3 0.6B')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText(/^Namespace/)).toHaveValue('dynamo-system'));
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    expect(await screen.findByText('Namespace is reserved')).toBeInTheDocument();
  });

  it('offers router mode, disaggregated counts and storage for Dynamo, and sends them', async () => {
    let sent: DeploymentConfig | undefined;
    mockFetch(
      baseRoutes({
        '/api/runtimes/status': { runtimes: [dynamoRuntime] },
        '/api/settings': { config: { defaultNamespace: 'default' }, providers: [], auth: { enabled: false } },
        '/api/deployments/-/pvcs': { pvcs: [{ name: 'shared-models', status: 'Bound', capacity: '500Gi' }] },
        'POST /api/deployments/preview': previewAnswer,
        'POST /api/deployments': (_url: URL, init: RequestInit | undefined) => {
          sent = JSON.parse(String(init?.body)) as DeploymentConfig;
          return json({ message: 'Deployment created successfully', name: sent.name, namespace: sent.namespace }, 201);
        },
        '/api/deployments/qwen3-0-6b-test': deployment,
      }),
    );
    renderWithProviders(<AppRoutes />, { route: '/deploy/Qwen%2FQwen3-0.6B' });
    await screen.findByText('Deploy Qwen3 0.6B');
    await waitFor(() => expect(screen.getByLabelText(/^Namespace/)).toHaveValue('dynamo-system'));
    const name = screen.getByLabelText(/^Deployment name/);
    await userEvent.clear(name);
    await userEvent.type(name, 'qwen3-0-6b-test');

    expect(screen.getByRole('textbox', { name: 'Router mode' })).toHaveValue('Default');
    await userEvent.click(screen.getByRole('radio', { name: 'Disaggregated (P/D)' }));
    const decode = await screen.findByLabelText('Decode replicas');
    await userEvent.clear(decode);
    await userEvent.type(decode, '2');

    await userEvent.click(screen.getByRole('button', { name: 'Add volume' }));
    const volume = screen.getByTestId('volume');
    await userEvent.type(within(volume).getByLabelText('Container path'), '/data');
    await userEvent.click(within(volume).getByRole('radio', { name: 'Use an existing claim' }));
    await userEvent.click(await within(volume).findByRole('textbox', { name: 'Claim' }));
    await userEvent.click(await screen.findByRole('option', { name: /shared-models/, hidden: true }));

    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    await waitFor(() => expect(sent).toBeDefined());
    expect(sent).toMatchObject({
      provider: 'dynamo',
      mode: 'disaggregated',
      routerMode: 'default',
      prefillReplicas: 1,
      prefillGpus: 1,
      decodeReplicas: 2,
      decodeGpus: 1,
      storage: { volumes: [{ name: 'vol-1', purpose: 'custom', mountPath: '/data', claimName: 'shared-models', readOnly: false }] },
    });
    expect(sent).not.toHaveProperty('replicas');
  });

  it('shows a volume’s server validation message at the volume field', async () => {
    mockFetch(
      baseRoutes({
        '/api/runtimes/status': { runtimes: [vllmRuntime] },
        '/api/settings': { config: { defaultNamespace: 'default' }, providers: [], auth: { enabled: false } },
        'POST /api/deployments/preview': previewAnswer,
        'POST /api/deployments': () =>
          json(
            {
              success: false,
              error: {
                name: 'ZodError',
                message: JSON.stringify([{ code: 'custom', path: ['storage', 'volumes', 0, 'mountPath'], message: 'Mount path "/data" is taken by the cache' }]),
              },
            },
            400,
          ),
      }),
    );
    renderWithProviders(<AppRoutes />, { route: '/deploy/Qwen%2FQwen3-0.6B' });
    await screen.findByText('Deploy Qwen3 0.6B');
    await waitFor(() => expect(screen.getByLabelText(/^Namespace/)).toHaveValue('default'));
    // The vLLM provider: no router mode, aggregated only, storage offered.
    expect(screen.queryByRole('textbox', { name: 'Router mode' })).toBeNull();
    expect(screen.getByRole('radio', { name: 'Disaggregated (P/D)' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Add volume' }));
    await userEvent.type(within(screen.getByTestId('volume')).getByLabelText('Container path'), '/data');
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    expect(await within(screen.getByTestId('volume')).findByText('Mount path "/data" is taken by the cache')).toBeInTheDocument();
  });

  it('warns from the cluster’s capacity when the replicas will not fit', async () => {
    mockFetch(
      baseRoutes({
        '/api/runtimes/status': { runtimes: [vllmRuntime] },
        '/api/settings': { config: { defaultNamespace: 'default' }, providers: [], auth: { enabled: false } },
        'POST /api/deployments/preview': previewAnswer,
      }),
    );
    renderWithProviders(<AppRoutes />, { route: '/deploy/Qwen%2FQwen3-0.6B' });
    await screen.findByText('Deploy Qwen3 0.6B');
    expect(screen.queryByTestId('capacity-warning')).toBeNull();
    const replicas = screen.getByLabelText('Replicas');
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '4');
    const warning = await screen.findByTestId('capacity-warning');
    expect(warning).toHaveAttribute('data-severity', 'warning');
    expect(warning).toHaveTextContent('Insufficient GPU capacity');
    expect(warning).toHaveTextContent('1 GPU × 4 replicas = 4 GPUs');
    const gpus = screen.getByLabelText('GPUs per replica');
    await userEvent.clear(gpus);
    await userEvent.type(gpus, '8');
    await waitFor(() => expect(screen.getByTestId('capacity-warning')).toHaveAttribute('data-severity', 'error'));
    expect(screen.getByTestId('capacity-warning')).toHaveTextContent('largest GPU node has 4');
  });

  it('blocks a bad name before asking the server', async () => {
    const { calls } = mockFetch(baseRoutes({ '/api/runtimes/status': { runtimes: [] }, '/api/settings': { config: {}, providers: [], auth: { enabled: false } } }));
    renderWithProviders(<AppRoutes />, { route: '/deploy/Qwen%2FQwen3-0.6B' });
    const name = await screen.findByLabelText(/^Deployment name/);
    await userEvent.clear(name);
    await userEvent.type(name, 'Bad_Name');
    await userEvent.click(screen.getByRole('button', { name: 'Deploy' }));
    expect(await screen.findByText(/Lowercase letters, numbers and hyphens only/)).toBeInTheDocument();
    expect(calls.some((c) => c.init?.method === 'POST' && c.url.pathname === '/api/deployments')).toBe(false);
  });
});

describe('Unknown paths', () => {
  it('render the not-found page inside the frame', async () => {
    mockFetch(baseRoutes());
    renderWithProviders(<AppRoutes />, { route: '/no/such/page' });
    expect(await screen.findByText('Page not found')).toBeInTheDocument();
    expect(screen.getByText(/\/no\/such\/page/)).toBeInTheDocument();
  });
});
