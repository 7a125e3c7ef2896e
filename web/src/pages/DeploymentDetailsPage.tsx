// One deployment: status and conditions, pods, why it is pending, how to reach it, live logs
// and its manifest.
import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Tabs,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconArrowLeft, IconTrash } from '@tabler/icons-react';
import { lazy, Suspense, useEffect, useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError } from '../api/client';
import { useDeployment, useManifest, usePendingReasons, usePods } from '../api/hooks';
import type { DeploymentStatus } from '../api/types';
import { CopyButton } from '../components/CopyButton';
import { DeleteDeploymentModal } from '../components/DeleteDeploymentModal';
import { LogsPanel } from '../components/LogsPanel';
import { ManifestViewer } from '../components/ManifestViewer';
import { PhaseBadge } from '../components/PhaseBadge';
import type { ReplicaSample } from '../components/ReplicaHistoryChart';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { engineLabel, formatAge, providerLabel } from '../lib/format';
import { explainPending } from '../lib/pending';

const ReplicaHistoryChart = lazy(() => import('../components/ReplicaHistoryChart'));

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <div>{children}</div>
    </Stack>
  );
}

function Section({ title, children, right }: { title: string; children: ReactNode; right?: ReactNode }) {
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="md">
        <Title order={4}>{title}</Title>
        {right}
      </Group>
      {children}
    </Card>
  );
}

/** `svc:port` → [svc, port], with the reference's defaults. */
export function parseFrontendService(d: Pick<DeploymentStatus, 'name' | 'frontendService'>): [string, number] {
  const [svc, port] = (d.frontendService ?? '').split(':');
  const n = Number(port);
  return [svc || `${d.name}-frontend`, Number.isInteger(n) && n > 0 ? n : 8000];
}

function AccessSection({ d }: { d: DeploymentStatus }) {
  const [svc, port] = parseFrontendService(d);
  const forward = `kubectl port-forward svc/${svc} 8000:${port} -n ${d.namespace}`;
  const model = d.gateway?.modelName ?? d.servedModelName ?? d.modelId;
  const base = d.gateway?.endpoint
    ? `${d.gateway.endpoint.includes('://') ? '' : 'http://'}${d.gateway.endpoint.replace(/\/+$/, '')}/v1`
    : 'http://localhost:8000/v1';
  const curl = `curl ${base}/chat/completions -H 'Content-Type: application/json' \\\n  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello"}]}'`;
  return (
    <Section title="Endpoint">
      <Stack gap="sm">
        {d.gateway?.endpoint ? (
          <Text size="sm">Reachable through the inference gateway (OpenAI-compatible API):</Text>
        ) : (
          <Text size="sm">
            The model server listens on <Code>{`${svc}:${port}`}</Code> inside the cluster. Forward it to your machine:
          </Text>
        )}
        {!d.gateway?.endpoint && (
          <Group gap="xs" wrap="nowrap">
            <Code block style={{ flex: 1 }}>
              {forward}
            </Code>
            <CopyButton value={forward} label="Copy command" />
          </Group>
        )}
        <Text size="sm">Then call the OpenAI-compatible API:</Text>
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Code block style={{ flex: 1 }}>
            {curl}
          </Code>
          <CopyButton value={curl} label="Copy curl" />
        </Group>
      </Stack>
    </Section>
  );
}

function PendingSection({ name, namespace }: { name: string; namespace: string }) {
  const reasons = usePendingReasons(name, namespace, true);
  if (!reasons.data || reasons.data.reasons.length === 0) return null;
  return (
    <Section title="Why is this deployment pending?">
      <Stack gap="sm">
        {reasons.data.reasons.map((r, i) => {
          const e = explainPending(r);
          return (
            <Alert key={i} color={e.severity === 'error' ? 'red' : 'yellow'} title={e.title}>
              <Text size="sm">{e.text}</Text>
              {e.text !== r.message && (
                <Text size="xs" c="dimmed" mt={4}>
                  Scheduler: {r.message}
                </Text>
              )}
            </Alert>
          );
        })}
      </Stack>
    </Section>
  );
}

function useReplicaHistory(d: DeploymentStatus | undefined): ReplicaSample[] {
  const [samples, setSamples] = useState<ReplicaSample[]>([]);
  const ready = d?.replicas.ready;
  const desired = d?.replicas.desired;
  useEffect(() => {
    if (ready === undefined || desired === undefined) return;
    const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    setSamples((old) => [...old.slice(-59), { time, ready, desired }]);
  }, [ready, desired]);
  return samples;
}

function Overview({ d }: { d: DeploymentStatus }) {
  const history = useReplicaHistory(d);
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Section title="Status">
          <SimpleGrid cols={2} spacing="md">
            <Field label="Phase">
              <PhaseBadge phase={d.phase} />
            </Field>
            <Field label="Replicas ready">
              <Text fw={600}>
                {d.replicas.ready}/{d.replicas.desired}
              </Text>
            </Field>
            <Field label="Provider">
              <Text>{providerLabel(d.provider)}</Text>
            </Field>
            <Field label="Engine">
              <Text>{engineLabel(d.engine)}</Text>
            </Field>
            <Field label="Mode">
              <Text>{d.mode === 'disaggregated' ? 'Disaggregated (P/D)' : 'Aggregated'}</Text>
            </Field>
            <Field label="Namespace">
              <Text className="mono">{d.namespace}</Text>
            </Field>
            <Field label="Model">
              <Text className="mono" size="sm">
                {d.modelId}
              </Text>
            </Field>
            <Field label="Created">
              <Tooltip label={new Date(d.createdAt).toLocaleString()} withArrow>
                <Text>{formatAge(d.createdAt)} ago</Text>
              </Tooltip>
            </Field>
          </SimpleGrid>
        </Section>
        <Section title="Replicas over time">
          {history.length < 2 ? (
            <Text size="sm" c="dimmed">
              Collecting samples while this page is open…
            </Text>
          ) : (
            <Suspense fallback={<Skeleton h={160} />}>
              <ReplicaHistoryChart samples={history} />
            </Suspense>
          )}
        </Section>
      </SimpleGrid>
      {d.phase === 'Pending' && <PendingSection name={d.name} namespace={d.namespace} />}
      <Section title="Conditions">
        {d.conditions && d.conditions.length > 0 ? (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="xs" data-testid="conditions-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Message</Table.Th>
                  <Table.Th>Since</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.conditions.map((c) => (
                  <Table.Tr key={c.type}>
                    <Table.Td fw={600}>{c.type}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light" color={c.status === 'True' ? 'teal' : c.status === 'False' ? 'red' : 'gray'}>
                        {c.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{c.reason ?? '—'}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{c.message ?? ''}</Text>
                    </Table.Td>
                    <Table.Td>{formatAge(c.lastTransitionTime)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text size="sm" c="dimmed">
            No conditions reported yet.
          </Text>
        )}
      </Section>
      <PodsSection d={d} />
      <AccessSection d={d} />
    </Stack>
  );
}

function PodsSection({ d }: { d: DeploymentStatus }) {
  const pods = d.pods;
  return (
    <Section title={`Pods (${pods.length})`}>
      {pods.length === 0 ? (
        <Text size="sm" c="dimmed">
          No pods yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" data-testid="pods-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Phase</Table.Th>
                <Table.Th>Ready</Table.Th>
                <Table.Th>Restarts</Table.Th>
                <Table.Th>Node</Table.Th>
                <Table.Th>Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {pods.map((p) => (
                <Table.Tr key={p.name}>
                  <Table.Td className="mono">{p.name}</Table.Td>
                  <Table.Td>
                    <PhaseBadge phase={p.phase} size="sm" />
                  </Table.Td>
                  <Table.Td>{p.ready ? 'Yes' : 'No'}</Table.Td>
                  <Table.Td>{p.restarts}</Table.Td>
                  <Table.Td className="mono">{p.node ?? '—'}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{[p.reason, p.message].filter(Boolean).join(': ') || '—'}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}

function ManifestTab({ name, namespace }: { name: string; namespace: string }) {
  const manifest = useManifest(name, namespace);
  if (manifest.isLoading) return <LoadingState label="Loading the manifest…" />;
  if (manifest.error) return <ErrorState error={manifest.error} title="Failed to load the manifest" onRetry={() => void manifest.refetch()} />;
  return <ManifestViewer resources={manifest.data?.resources ?? []} />;
}

function LogsTab({ name, namespace }: { name: string; namespace: string }) {
  const pods = usePods(name, namespace);
  if (pods.isLoading) return <LoadingState label="Loading pods…" />;
  if (pods.error) return <ErrorState error={pods.error} onRetry={() => void pods.refetch()} />;
  return <LogsPanel name={name} namespace={namespace} pods={pods.data?.pods ?? []} />;
}

export default function DeploymentDetailsPage() {
  const { name = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const namespaceParam = params.get('namespace') ?? undefined;
  const deployment = useDeployment(name, namespaceParam);
  const [deleting, setDeleting] = useState(false);
  const [tab, setTab] = useState<string | null>('overview');

  const back = (
    <Anchor component={Link} to="/deployments" size="sm">
      <Group gap={4}>
        <IconArrowLeft size={14} /> Deployments
      </Group>
    </Anchor>
  );

  if (deployment.isLoading) return <LoadingState label="Loading the deployment…" />;
  if (deployment.error) {
    if (deployment.error instanceof ApiError && deployment.error.status === 404) {
      return (
        <EmptyState
          title="Deployment not found"
          description={`There is no deployment “${name}”${namespaceParam ? ` in namespace ${namespaceParam}` : ''}. It may have been deleted.`}
          action={
            <Button component={Link} to="/deployments">
              Back to deployments
            </Button>
          }
        />
      );
    }
    return (
      <>
        {back}
        <ErrorState error={deployment.error} title="Failed to load the deployment" onRetry={() => void deployment.refetch()} />
      </>
    );
  }
  const d = deployment.data;
  if (!d) return null;
  return (
    <>
      {back}
      <Group justify="space-between" mt="xs" mb="lg" wrap="wrap">
        <Group gap="sm">
          <Title order={2}>{d.name}</Title>
          <PhaseBadge phase={d.phase} />
        </Group>
        <Tooltip label="Delete this deployment" withArrow>
          <ActionIcon variant="light" color="red" size="lg" onClick={() => setDeleting(true)} aria-label="Delete deployment">
            <IconTrash size={18} />
          </ActionIcon>
        </Tooltip>
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="logs">Logs</Tabs.Tab>
          <Tabs.Tab value="manifest">Manifest</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview">
          <Overview d={d} />
        </Tabs.Panel>
        <Tabs.Panel value="logs">
          <Card withBorder padding="lg">
            <LogsTab name={d.name} namespace={d.namespace} />
          </Card>
        </Tabs.Panel>
        <Tabs.Panel value="manifest">
          <Card withBorder padding="lg">
            <ManifestTab name={d.name} namespace={d.namespace} />
          </Card>
        </Tabs.Panel>
      </Tabs>
      <DeleteDeploymentModal
        target={deleting ? { name: d.name, namespace: d.namespace } : null}
        onClose={() => setDeleting(false)}
        onDeleted={() => void navigate('/deployments')}
      />
    </>
  );
}
