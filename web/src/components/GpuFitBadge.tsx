// The GPU-fit indicator of a model card: a coloured label, the numbers (estimate / capacity and
// the cluster's GPU layout), and a bar when the utilisation is known.
import { Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { IconCpu, IconServer } from '@tabler/icons-react';
import { FIT_COLORS, type GpuFit } from '../lib/gpuFit';

export function GpuFitBadge({ fit }: { fit: GpuFit }) {
  const color = FIT_COLORS[fit.level];
  return (
    <Tooltip label={fit.detail} multiline w={260} withArrow>
      <Stack gap={4} data-testid="gpu-fit" data-level={fit.level} aria-label={`GPU fit: ${fit.label}`}>
        <Group gap={6} wrap="wrap" style={{ rowGap: 0 }}>
          {fit.level === 'cpu' ? <IconCpu size={14} /> : <IconServer size={14} />}
          <Text size="xs" fw={600} c={color}>
            {fit.label}
          </Text>
          {fit.estimateGb !== undefined && fit.level !== 'unknown' && (
            <Text size="xs" c="dimmed">
              ~{Math.round(fit.estimateGb * 10) / 10} GB
              {fit.capacityGb !== undefined && ` / ${Math.round(fit.capacityGb)} GB`}
              {fit.topology !== undefined && ` (${fit.topology})`}
            </Text>
          )}
        </Group>
        {fit.percent !== undefined && (
          <Progress value={Math.min(100, fit.percent)} color={color} size="xs" aria-label="GPU memory use" />
        )}
        {fit.shortfallGb !== undefined && fit.shortfallGb > 0 && (
          <Text size="xs" c="dimmed">
            +{Math.ceil(fit.shortfallGb)} GB VRAM needed for a comfortable fit
          </Text>
        )}
      </Stack>
    </Tooltip>
  );
}
