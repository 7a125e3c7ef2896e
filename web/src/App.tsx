// The application: providers, the frame, and one lazily loaded chunk per page.
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Layout } from './components/Layout';
import { LoadingState } from './components/States';
import { theme } from './theme';

const ModelsPage = lazy(() => import('./pages/ModelsPage'));
const DeployPage = lazy(() => import('./pages/DeployPage'));
const DeploymentsPage = lazy(() => import('./pages/DeploymentsPage'));
const DeploymentDetailsPage = lazy(() => import('./pages/DeploymentDetailsPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
const HfCallbackPage = lazy(() => import('./pages/HfCallbackPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Client errors (4xx) are answers, not glitches: do not retry them.
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}

export function AppRoutes() {
  return (
    <Suspense fallback={<LoadingState label="Loading page…" />}>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<ModelsPage />} />
          <Route path="models" element={<Navigate to="/" replace />} />
          <Route path="deploy/:modelId" element={<DeployPage />} />
          <Route path="deployments" element={<DeploymentsPage />} />
          <Route path="deployments/:name" element={<DeploymentDetailsPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="installation" element={<Navigate to="/settings" replace />} />
          <Route path="oauth/callback/huggingface" element={<HfCallbackPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="bottom-right" limit={3} />
      <ErrorBoundary>
        <QueryClientProvider client={client}>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </QueryClientProvider>
      </ErrorBoundary>
    </MantineProvider>
  );
}
