// Every ModelDeployment the server can see: phase, provider, engine, replicas, namespace and
// age, with a namespace filter (kept in the URL) and delete with confirmation.
import { ActionIcon, Anchor, Badge, Button, Card, Group, Select, Table, Text, Tooltip } from '@mantine/core';
import { IconEye, IconPlus, IconRocket, IconTrash } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useClusterStatus, useDeployments } from '../api/hooks';
import type { DeploymentStatus } from '../api/types';
import { DeleteDeploymentModal } from '../components/DeleteDeploymentModal';
import { PageHeader } from '../components/PageHeader';
import { PhaseBadge } from '../components/PhaseBadge';
import { EmptyState, ErrorState, LoadingState } from '../components/States';
import { engineLabel, formatAge, providerLabel } from '../lib/format';

export function replicaText(d: DeploymentStatus): string {
  if (d.mode === 'disaggregated' && d.prefillReplicas && d.decodeReplicas) {
    return `P ${d.prefillReplicas.ready}/${d.prefillReplicas.desired} · D ${d.decodeReplicas.ready}/${d.decodeReplicas.desired}`;
  }
  return `${d.replicas.ready}/${d.replicas.desired}`;
}

function allReady(d: DeploymentStatus): boolean {
  return d.replicas.desired > 0 && d.replicas.ready >= d.replicas.desired;
}

export function detailsPath(d: { name: string; namespace: string }): string {
  return `/deployments/${encodeURIComponent(d.name)}?namespace=${encodeURIComponent(d.namespace)}`;
}

export default function DeploymentsPage() {
  const [params, setParams] = useSearchParams();
  const namespace = params.get('namespace') ?? '';
  const status = useClusterStatus();
  const list = useDeployments(undefined, status.data?.connected !== false);
  const [target, setTarget] = useState<{ name: string; namespace: string } | null>(null);

  const all = list.data?.deployments ?? [];
  const namespaces = useMemo(() => [...new Set(all.map((d) => d.namespace))].sort(), [all]);
  const shown = namespace ? all.filter((d) => d.namespace === namespace) : all;
  const active = all.filter((d) => d.phase === 'Running').length;

  const setNamespace = (ns: string | null) => {
    const next = new URLSearchParams(params);
    if (ns) next.set('namespace', ns);
    else next.delete('namespace');
    setParams(next, { replace: true });
  };

  let body;
  if (status.data && !status.data.connected) {
    body = (
      <ErrorState
        error={new Error(status.data.error ?? 'The server has no cluster connection.')}
        title="Not connected to a cluster"
      />
    );
  } else if (list.isLoading || (!list.data && !list.error)) {
    body = <LoadingState label="Loading deployments…" />;
  } else if (list.error) {
    body = <ErrorState error={list.error} title="Failed to load deployments" onRetry={() => void list.refetch()} />;
  } else if (all.length === 0) {
    body = (
      <EmptyState
        icon={<IconRocket size={26} />}
        title="No deployments yet"
        description="Pick a model from the catalog and deploy it to your cluster."
        action={
          <Button component={Link} to="/">
            Deploy your first model
          </Button>
        }
      />
    );
  } else if (shown.length === 0) {
    body = (
      <EmptyState
        title={`No deployments in ${namespace}`}
        action={
          <Button variant="light" onClick={() => setNamespace(null)}>
            Show all namespaces
          </Button>
        }
      />
    );
  } else {
    body = (
      <Card withBorder padding={0}>
        <Table.ScrollContainer minWidth={860}>
          <Table verticalSpacing="sm" highlightOnHover data-testid="deployments-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Phase</Table.Th>
                <Table.Th>Provider</Table.Th>
                <Table.Th>Engine</Table.Th>
                <Table.Th>Ready</Table.Th>
                <Table.Th>Namespace</Table.Th>
                <Table.Th>Age</Table.Th>
                <Table.Th aria-label="Actions" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((d) => (
                <Table.Tr key={`${d.namespace}/${d.name}`}>
                  <Table.Td>
                    <Anchor component={Link} to={detailsPath(d)} fw={600}>
                      {d.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" className="mono">
                      {d.modelId}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <PhaseBadge phase={d.phase} size="sm" />
                  </Table.Td>
                  <Table.Td>{providerLabel(d.provider)}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {engineLabel(d.engine)}
                      {d.mode === 'disaggregated' && (
                        <Badge size="xs" variant="outline">
                          P/D
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={allReady(d) ? 'teal' : 'yellow.7'} fw={600}>
                      {replicaText(d)}
                    </Text>
                  </Table.Td>
                  <Table.Td className="mono">{d.namespace}</Table.Td>
                  <Table.Td>
                    <Tooltip label={new Date(d.createdAt).toLocaleString()} withArrow>
                      <Text size="sm">{formatAge(d.createdAt)}</Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <ActionIcon component={Link} to={detailsPath(d)} variant="subtle" color="gray" aria-label={`View ${d.name}`}>
                        <IconEye size={18} />
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Delete ${d.name}`}
                        onClick={() => setTarget({ name: d.name, namespace: d.namespace })}
                      >
                        <IconTrash size={18} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
    );
  }

  return (
    <>
      <PageHeader
        title="Deployments"
        subtitle={list.data ? `${all.length} deployment${all.length === 1 ? '' : 's'} · ${active} running` : 'Models served on your cluster'}
        actions={
          <>
            <Select
              placeholder="All namespaces"
              data={namespaces}
              value={namespace || null}
              onChange={setNamespace}
              clearable
              w={200}
              aria-label="Namespace"
              comboboxProps={{ withinPortal: true }}
            />
            <Button component={Link} to="/" leftSection={<IconPlus size={16} />}>
              New deployment
            </Button>
          </>
        }
      />
      {body}
      <DeleteDeploymentModal target={target} onClose={() => setTarget(null)} />
    </>
  );
}
