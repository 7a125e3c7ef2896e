import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyUnauthorized } from '../api/auth';
import type { ClusterStatus, PodStatus } from '../api/types';
import { json, mockFetch, renderWithProviders } from '../test/render';
import { Layout } from './Layout';
import { LogsPanel, pickContainer } from './LogsPanel';
import { PhaseBadge } from './PhaseBadge';

afterEach(() => vi.unstubAllGlobals());

const connected: ClusterStatus = { connected: true, namespace: 'default', clusterName: 'kubesim-demo', simulated: true };

describe('PhaseBadge', () => {
  it('shows the phase and spins only while in motion', () => {
    renderWithProviders(
      <>
        <PhaseBadge phase="Running" />
        <PhaseBadge phase="Deploying" />
      </>,
    );
    expect(screen.getByLabelText('Phase: Running')).toHaveTextContent('Running');
    expect(screen.getAllByTestId('phase-spinner')).toHaveLength(1);
    expect(screen.getByLabelText('Phase: Deploying')).toContainElement(screen.getByTestId('phase-spinner'));
  });
});

describe('Layout', () => {
  it('shows the connection, the context name and the simulated-cluster badge', async () => {
    mockFetch({ '/api/cluster/status': connected, '/api/health/version': { version: '0.1.0', buildTime: '', gitCommit: 'abc' } });
    renderWithProviders(
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<p>home</p>} />
        </Route>
      </Routes>,
    );
    expect(await screen.findByText('Connected')).toBeInTheDocument();
    expect(screen.getByTestId('context-name')).toHaveTextContent('kubesim-demo');
    expect(screen.getByTestId('simulated-badge')).toHaveTextContent('Simulated cluster');
    expect(screen.getByRole('link', { name: /Deployments/ })).toHaveAttribute('href', '/deployments');
  });

  it('shows Disconnected with no badge for a real cluster that is down', async () => {
    mockFetch({ '/api/cluster/status': { connected: false, namespace: 'default', error: 'no kubeconfig' } });
    renderWithProviders(
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<p>home</p>} />
        </Route>
      </Routes>,
    );
    expect(await screen.findByText('Disconnected')).toBeInTheDocument();
    expect(screen.queryByTestId('simulated-badge')).toBeNull();
  });

  it('explains how to sign in after a 401', async () => {
    mockFetch({ '/api/cluster/status': connected });
    renderWithProviders(
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<p>home</p>} />
        </Route>
      </Routes>,
    );
    notifyUnauthorized('Authentication required');
    expect(await screen.findByText('Sign-in required')).toBeInTheDocument();
    expect(screen.getByText(/airunway login/)).toBeInTheDocument();
  });
});

describe('LogsPanel', () => {
  const pods: PodStatus[] = [{ name: 'qwen-0', phase: 'Running', ready: true, restarts: 0 }];

  it('follows the log stream and stops the stream when follow is switched off', async () => {
    let aborted = false;
    const enc = new TextEncoder();
    mockFetch({
      '/api/deployments/qwen/logs': (url: URL, init: RequestInit | undefined) => {
        if (url.searchParams.get('follow') === 'true') {
          init?.signal?.addEventListener('abort', () => (aborted = true));
          const body = new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(enc.encode('INFO starting server\nINFO ready on :8000\n'));
            },
          });
          return new Response(body, { status: 200, headers: { 'Content-Type': 'text/plain' } });
        }
        return json({ logs: 'one-shot line', podName: 'qwen-0' });
      },
    });
    renderWithProviders(<LogsPanel name="qwen" namespace="default" pods={pods} />);
    await waitFor(() => expect(screen.getByTestId('log-view')).toHaveTextContent('INFO ready on :8000'));
    expect(screen.getByTestId('follow-state')).toHaveTextContent('Live');

    await userEvent.click(screen.getByLabelText('Follow'));
    await waitFor(() => expect(aborted).toBe(true));
    await waitFor(() => expect(screen.getByTestId('log-view')).toHaveTextContent('one-shot line'));
  });

  it('offers a container picker for multi-container pods and asks for the chosen container', async () => {
    const multi: PodStatus[] = [
      { name: 'qwen-0', phase: 'Running', ready: true, restarts: 0, containers: ['vllm', 'metrics-sidecar'] },
      { name: 'qwen-1', phase: 'Running', ready: true, restarts: 0, containers: ['vllm'] },
    ];
    const { calls } = mockFetch({
      '/api/deployments/qwen/logs': (url: URL) =>
        json({ logs: `lines of ${url.searchParams.get('container') ?? 'default'}`, podName: url.searchParams.get('podName') }),
    });
    function PodChurn() {
      const [shown, setShown] = useState(multi);
      return (
        <>
          <button onClick={() => setShown([multi[1]!])}>only qwen-1</button>
          <LogsPanel name="qwen" namespace="default" pods={shown} />
        </>
      );
    }
    renderWithProviders(<PodChurn />);
    await userEvent.click(screen.getByLabelText('Follow')); // one-shot fetches are simpler to observe
    await waitFor(() => expect(screen.getByTestId('log-view')).toHaveTextContent('lines of default'));
    const picker = screen.getByRole('textbox', { name: 'Container' });
    expect(picker).toHaveValue('Default container');

    await userEvent.click(picker);
    await userEvent.click(await screen.findByRole('option', { name: 'metrics-sidecar', hidden: true }));
    await waitFor(() => expect(screen.getByTestId('log-view')).toHaveTextContent('lines of metrics-sidecar'));
    const last = calls.filter((c) => c.url.pathname.endsWith('/logs')).at(-1)!;
    expect(last.url.searchParams.get('container')).toBe('metrics-sidecar');
    expect(last.url.searchParams.get('podName')).toBe('qwen-0');

    // A single-container pod has no picker and no container parameter.
    await userEvent.click(screen.getByText('only qwen-1'));
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Container' })).toBeNull());
    await waitFor(() => expect(calls.filter((c) => c.url.pathname.endsWith('/logs')).at(-1)!.url.searchParams.get('podName')).toBe('qwen-1'));
    expect(calls.filter((c) => c.url.pathname.endsWith('/logs')).at(-1)!.url.searchParams.has('container')).toBe(false);
  });

  it('keeps a chosen container only while the pod has it', () => {
    expect(pickContainer('sidecar', ['main', 'sidecar'])).toBe('sidecar');
    expect(pickContainer('sidecar', ['main'])).toBeUndefined();
    expect(pickContainer(null, ['main', 'sidecar'])).toBeUndefined();
    expect(pickContainer('main', undefined)).toBeUndefined();
  });

  it('says there are no pods yet', () => {
    renderWithProviders(<LogsPanel name="qwen" namespace="default" pods={[]} />);
    expect(screen.getByText(/No pods yet/)).toBeInTheDocument();
  });
});
