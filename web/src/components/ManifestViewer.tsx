// A deployment's Kubernetes resources as YAML or JSON, one resource at a time, with copy.
import { Group, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { stringify } from 'yaml';
import type { ManifestResource } from '../api/types';
import { CopyButton } from './CopyButton';

export function manifestText(resource: ManifestResource, format: 'yaml' | 'json'): string {
  return format === 'json' ? JSON.stringify(resource.manifest, null, 2) : stringify(resource.manifest, { lineWidth: 0 });
}

export function ManifestViewer({ resources }: { resources: ManifestResource[] }) {
  const [format, setFormat] = useState<'yaml' | 'json'>('yaml');
  const [index, setIndex] = useState(0);
  const resource = resources[Math.min(index, resources.length - 1)];
  if (!resource) {
    return (
      <Text c="dimmed" size="sm">
        No resources.
      </Text>
    );
  }
  const text = manifestText(resource, format);
  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm">
          {resources.length > 1 && (
            <SegmentedControl
              size="xs"
              value={String(index)}
              onChange={(v) => setIndex(Number(v))}
              data={resources.map((r, i) => ({ value: String(i), label: `${r.kind}/${r.name}` }))}
            />
          )}
          <Text size="sm" c="dimmed" className="mono">
            {resource.apiVersion} · {resource.kind}/{resource.name}
          </Text>
        </Group>
        <Group gap="xs">
          <SegmentedControl
            size="xs"
            value={format}
            onChange={(v) => setFormat(v as 'yaml' | 'json')}
            data={[
              { value: 'yaml', label: 'YAML' },
              { value: 'json', label: 'JSON' },
            ]}
            aria-label="Manifest format"
          />
          <CopyButton value={text} label={`Copy ${format.toUpperCase()}`} />
        </Group>
      </Group>
      <pre className="code-view" data-testid="manifest-view">
        {text}
      </pre>
    </Stack>
  );
}
