import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyUnauthorized } from '../api/auth';
import type { ClusterStatus, PodStatus } from '../api/types';
import { json, mockFetch, renderWithProviders } from '../test/render';
import { Layout } from './Layout';
import { LogsPanel } from './LogsPanel';
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

  it('says there are no pods yet', () => {
    renderWithProviders(<LogsPanel name="qwen" namespace="default" pods={[]} />);
    expect(screen.getByText(/No pods yet/)).toBeInTheDocument();
  });
});
