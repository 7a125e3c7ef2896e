// Settings: the cluster and default namespace, the inference providers and their state, and
// the HuggingFace sign-in used for gated models.
import {
  Alert,
  Avatar,
  Badge,
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconKey, IconCheck, IconX } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, setHfToken } from '../api/endpoints';
import { keys, useClusterStatus, useHfStatus, useRuntimes, useSettings, useUpdateSettings, useVersion } from '../api/hooks';
import type { RuntimeStatus } from '../api/types';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { engineLabel, formatBuild, validateResourceName } from '../lib/format';
import { buildAuthorizeUrl } from '../lib/oauth';

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Group justify="space-between" py={6} style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </Group>
  );
}

function GeneralTab() {
  const status = useClusterStatus();
  const settings = useSettings();
  const version = useVersion();
  const update = useUpdateSettings();
  const [ns, setNs] = useState('');
  const current = settings.data?.config.defaultNamespace ?? '';
  useEffect(() => setNs(current), [current]);
  const nsError = ns && ns !== current ? validateResourceName(ns) : null;
  const s = status.data;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          Cluster
        </Title>
        {status.isLoading && <LoadingState />}
        {status.error && <ErrorState error={status.error} />}
        {s && (
          <Stack gap={0}>
            <Row label="Connection">
              <Badge color={s.connected ? 'teal' : 'red'} variant="light">
                {s.connected ? 'Connected' : 'Disconnected'}
              </Badge>
            </Row>
            <Row label="Context">
              <Text size="sm" className="mono">
                {s.clusterName ?? '—'}
              </Text>
            </Row>
            {s.serverVersion && (
              <Row label="Kubernetes">
                <Text size="sm">{s.serverVersion}</Text>
              </Row>
            )}
            <Row label="Kind">
              <Text size="sm">{s.simulated ? 'Simulated (kubesim)' : 'Kubernetes'}</Text>
            </Row>
            <Row label="AI Runway CRDs">
              <Text size="sm">
                {s.providerInstallation == null ? '—' : s.providerInstallation.installed ? 'Installed' : 'Not installed'}
              </Text>
            </Row>
            <Row label="AI Runway version">
              <Text size="sm">{formatBuild(version.data)}</Text>
            </Row>
            {s.error && (
              <Alert color="yellow" mt="sm">
                {s.error}
              </Alert>
            )}
          </Stack>
        )}
      </Card>
      <Card withBorder padding="lg">
        <Title order={4} mb="sm">
          Defaults
        </Title>
        {settings.error && <ErrorState error={settings.error} />}
        <form
          onSubmit={(e) => {
            e.preventDefault();
            update.mutate(
              { defaultNamespace: ns },
              {
                onSuccess: () => notifications.show({ color: 'teal', title: 'Saved', message: `Default namespace is now ${ns}` }),
                onError: (err) => notifications.show({ color: 'red', title: 'Save failed', message: err.message }),
              },
            );
          }}
        >
          <Stack>
            <TextInput
              label="Default namespace"
              description="Where new deployments go unless the Deploy form says otherwise."
              value={ns}
              onChange={(e) => setNs(e.currentTarget.value)}
              error={nsError}
              disabled={!settings.data}
            />
            <Group>
              <Button type="submit" disabled={!ns || ns === current || nsError !== null} loading={update.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </SimpleGrid>
  );
}

function runtimeState(r: RuntimeStatus): { label: string; color: string } {
  if (r.installed && r.healthy) return { label: r.requiresCRD === false ? 'Ready' : 'Installed', color: 'teal' };
  if (r.installed) return { label: 'Not ready', color: 'yellow' };
  return { label: 'Not installed', color: 'gray' };
}

function ProvidersTab() {
  const status = useClusterStatus();
  const runtimes = useRuntimes(status.data?.connected === true);
  if (status.data && !status.data.connected) {
    return <ErrorState error={new Error(status.data.error ?? 'No cluster connection')} title="Not connected to a cluster" />;
  }
  if (runtimes.isLoading || !runtimes.data) {
    return runtimes.error ? <ErrorState error={runtimes.error} onRetry={() => void runtimes.refetch()} /> : <LoadingState />;
  }
  const list = runtimes.data.runtimes;
  if (list.length === 0) {
    return (
      <EmptyState
        title="No inference providers registered"
        description="Providers register themselves with an InferenceProviderConfig resource when they are installed."
      />
    );
  }
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
      {list.map((r) => {
        const st = runtimeState(r);
        return (
          <Card withBorder padding="lg" key={r.id} data-testid="provider-card">
            <Group justify="space-between" mb="xs">
              <Text fw={650}>{r.name}</Text>
              <Badge color={st.color} variant="light">
                {st.label}
              </Badge>
            </Group>
            <Text size="sm" c="dimmed" mb="sm">
              {r.description}
            </Text>
            <Stack gap={4}>
              {r.capabilities && r.capabilities.engines.length > 0 && (
                <Text size="xs">Engines: {r.capabilities.engines.map(engineLabel).join(', ')}</Text>
              )}
              {r.version && <Text size="xs">Version: {r.version}</Text>}
              {r.requiresCRD !== false && (
                <Group gap="md">
                  <Group gap={4}>
                    {r.crdFound ? <IconCheck size={14} color="teal" /> : <IconX size={14} color="gray" />}
                    <Text size="xs">CRD</Text>
                  </Group>
                  <Group gap={4}>
                    {r.operatorRunning ? <IconCheck size={14} color="teal" /> : <IconX size={14} color="gray" />}
                    <Text size="xs">Operator</Text>
                  </Group>
                </Group>
              )}
              {r.message && (
                <Text size="xs" c="dimmed">
                  {r.message}
                </Text>
              )}
            </Stack>
          </Card>
        );
      })}
    </SimpleGrid>
  );
}

function HuggingFaceTab() {
  const hf = useHfStatus();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const signIn = async () => {
    setBusy(true);
    try {
      const config = await api.hfOAuthConfig();
      window.location.assign(await buildAuthorizeUrl(config));
    } catch (e) {
      setBusy(false);
      notifications.show({ color: 'red', title: 'Cannot start the sign-in', message: e instanceof Error ? e.message : String(e) });
    }
  };
  const disconnect = async () => {
    setBusy(true);
    try {
      await api.hfDeleteToken();
      setHfToken(null);
      await client.invalidateQueries({ queryKey: keys.hfStatus });
      notifications.show({ color: 'teal', title: 'Disconnected', message: 'The HuggingFace token was removed.' });
    } catch (e) {
      notifications.show({ color: 'red', title: 'Disconnect failed', message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder padding="lg" maw={640}>
      <Title order={4} mb="xs">
        HuggingFace token
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Gated models (Llama, Gemma, …) need a HuggingFace token. Signing in stores it as a Kubernetes secret that
        deployments use to download weights.
      </Text>
      {hf.isLoading && <LoadingState />}
      {hf.error && <ErrorState error={hf.error} title="Cannot read the token status" onRetry={() => void hf.refetch()} />}
      {hf.data?.configured && (
        <Stack>
          <Group>
            <Avatar src={hf.data.user?.avatarUrl ?? null} alt="" radius="xl">
              {(hf.data.user?.name ?? 'HF').slice(0, 2)}
            </Avatar>
            <div>
              <Text fw={600}>{hf.data.user?.fullname ?? 'Token configured'}</Text>
              {hf.data.user && (
                <Text size="sm" c="dimmed">
                  @{hf.data.user.name}
                </Text>
              )}
            </div>
            <Badge color="teal" variant="light">
              Connected
            </Badge>
          </Group>
          <Text size="xs" c="dimmed">
            Secret present in: {hf.data.namespaces.filter((n) => n.exists).map((n) => n.name).join(', ') || '—'}
          </Text>
          <Group>
            <Button color="red" variant="light" onClick={() => void disconnect()} loading={busy}>
              Disconnect HuggingFace
            </Button>
          </Group>
        </Stack>
      )}
      {hf.data && !hf.data.configured && (
        <Button color="yellow" c="dark" leftSection={<IconKey size={16} />} onClick={() => void signIn()} loading={busy}>
          Sign in with Hugging Face
        </Button>
      )}
    </Card>
  );
}

export default function SettingsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'general';
  return (
    <>
      <PageHeader title="Settings" subtitle="The cluster, inference providers and integrations." />
      <Tabs
        value={tab}
        onChange={(v) => setParams(v && v !== 'general' ? { tab: v } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="general">General</Tabs.Tab>
          <Tabs.Tab value="providers">Providers</Tabs.Tab>
          <Tabs.Tab value="huggingface">HuggingFace</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="general">
          <GeneralTab />
        </Tabs.Panel>
        <Tabs.Panel value="providers">
          <ProvidersTab />
        </Tabs.Panel>
        <Tabs.Panel value="huggingface">
          <HuggingFaceTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
