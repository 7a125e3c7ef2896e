// Renders a component inside the app's providers (theme, a fresh query cache, a router).
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { theme } from '../theme';

export function renderWithProviders(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider theme={theme}>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

/** Replaces fetch with a router of path → handler; unknown paths answer 404 like the server. */
export function mockFetch(routes: Record<string, Handler | unknown>) {
  const calls: { url: URL; init: RequestInit | undefined }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    calls.push({ url, init });
    const key = `${init?.method ?? 'GET'} ${url.pathname}`;
    const route = routes[key] ?? routes[url.pathname];
    if (route === undefined) {
      return json({ error: { message: `Route not found: ${key}`, statusCode: 404 } }, 404);
    }
    if (typeof route === 'function') return (route as Handler)(url, init);
    return json(route);
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
