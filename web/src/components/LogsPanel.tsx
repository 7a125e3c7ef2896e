// Live logs of a deployment's pods: a pod picker, a container picker (pods with more than one
// container; by default the server picks the model server's container), tail size, follow
// on/off (a streamed request while on, a one-shot fetch while off), copy, and auto-scroll to
// the newest line.
import { Button, Group, SegmentedControl, Select, Stack, Switch, Text } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/endpoints';
import type { PodStatus } from '../api/types';
import { appendCapped, readLogStream } from '../lib/logStream';
import { CopyButton } from './CopyButton';
import { ErrorState } from './States';

const MAX_LINES = 5000;

/** Follows one pod's log while `enabled`; returns the lines seen and the stream's state. */
export function useLogFollow(
  name: string,
  namespace: string,
  pod: string | null,
  container: string | undefined,
  tail: number,
  enabled: boolean,
) {
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [streaming, setStreaming] = useState(false);
  useEffect(() => {
    if (!enabled || !pod) return;
    const controller = new AbortController();
    setLines([]);
    setError(null);
    setStreaming(true);
    void (async () => {
      try {
        const response = await api.followLogs(name, namespace, pod, container, tail, controller.signal);
        if (!response.body) throw new Error('The server sent no log stream');
        await readLogStream(response.body, (added) => setLines((old) => appendCapped(old, added, MAX_LINES)), controller.signal);
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        if (!controller.signal.aborted) setStreaming(false);
      }
    })();
    return () => {
      controller.abort();
      setStreaming(false);
    };
  }, [name, namespace, pod, container, tail, enabled]);
  return { lines, error, streaming };
}

/** The picker's value for "let the server choose". */
const DEFAULT_CONTAINER = '__default__';

/** The container to ask for: the chosen one while the pod still has it, else the server's default. */
export function pickContainer(chosen: string | null, containers: string[] | undefined): string | undefined {
  return chosen && containers?.includes(chosen) ? chosen : undefined;
}

export function LogsPanel({ name, namespace, pods }: { name: string; namespace: string; pods: PodStatus[] }) {
  const [pod, setPod] = useState<string | null>(null);
  const [tail, setTail] = useState('100');
  const [follow, setFollow] = useState(true);
  const [timestamps, setTimestamps] = useState(false);
  const view = useRef<HTMLPreElement>(null);

  // Follow pod churn: keep the chosen pod while it exists, else take the first.
  const podNames = pods.map((p) => p.name);
  const current = pod && podNames.includes(pod) ? pod : (podNames[0] ?? null);
  useEffect(() => {
    if (current !== pod) setPod(current);
  }, [current, pod]);

  const [chosenContainer, setChosenContainer] = useState<string | null>(null);
  const containers = pods.find((p) => p.name === current)?.containers ?? [];
  const container = pickContainer(chosenContainer, containers);

  const tailLines = Number(tail);
  const followed = useLogFollow(name, namespace, current, container, tailLines, follow);
  const once = useQuery({
    queryKey: ['deployment-logs', name, namespace, current, container ?? '', tailLines, timestamps],
    queryFn: () => api.logs(name, namespace, current ?? '', container, tailLines, timestamps),
    enabled: !follow && current !== null,
    retry: 1,
  });

  const text = follow ? followed.lines.join('\n') : (once.data?.logs ?? '');
  useEffect(() => {
    const el = view.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);

  if (pods.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        No pods yet: logs appear once the deployment has pods.
      </Text>
    );
  }
  const error = follow ? followed.error : once.error;
  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm" wrap="wrap">
          <Select
            aria-label="Pod"
            data={podNames}
            value={current}
            onChange={setPod}
            w={300}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
          />
          {containers.length > 1 && (
            <Select
              aria-label="Container"
              data={[{ value: DEFAULT_CONTAINER, label: 'Default container' }, ...containers.map((c) => ({ value: c, label: c }))]}
              value={container ?? DEFAULT_CONTAINER}
              onChange={(v) => setChosenContainer(v === DEFAULT_CONTAINER ? null : v)}
              w={200}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
              data-testid="container-picker"
            />
          )}
          <SegmentedControl
            aria-label="Lines"
            value={tail}
            onChange={setTail}
            data={['100', '500', '1000'].map((v) => ({ value: v, label: `${v} lines` }))}
            size="xs"
          />
          <Switch label="Follow" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          {!follow && <Switch label="Timestamps" checked={timestamps} onChange={(e) => setTimestamps(e.currentTarget.checked)} />}
        </Group>
        <Group gap="xs">
          {follow ? (
            <Text size="xs" c={followed.streaming ? 'teal' : 'dimmed'} data-testid="follow-state">
              {followed.streaming ? '● Live' : 'Stream ended'}
            </Text>
          ) : (
            <Button
              size="xs"
              variant="default"
              leftSection={<IconRefresh size={14} />}
              onClick={() => void once.refetch()}
              loading={once.isFetching}
            >
              Refresh
            </Button>
          )}
          <CopyButton value={text} label="Copy logs" />
        </Group>
      </Group>
      {error && <ErrorState error={error} title="Cannot read the logs" />}
      <pre className="log-view" ref={view} data-testid="log-view" aria-label="Logs">
        {text || (follow ? 'Waiting for log lines…' : once.isLoading ? 'Loading…' : 'No log lines.')}
      </pre>
    </Stack>
  );
}
