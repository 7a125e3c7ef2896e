// A deployment's or pod's phase as a coloured badge; phases in motion get a spinner.
import { Badge, Loader } from '@mantine/core';

const PHASE_COLORS: Record<string, string> = {
  Running: 'teal',
  Succeeded: 'teal',
  Pending: 'yellow',
  Deploying: 'blue',
  Failed: 'red',
  Terminating: 'gray',
  Unknown: 'gray',
};

const MOVING = new Set(['Pending', 'Deploying', 'Terminating']);

export function phaseColor(phase: string): string {
  return PHASE_COLORS[phase] ?? 'gray';
}

export function PhaseBadge({ phase, size = 'md' }: { phase: string; size?: 'sm' | 'md' | 'lg' }) {
  const moving = MOVING.has(phase);
  return (
    <Badge
      color={phaseColor(phase)}
      variant="light"
      size={size}
      leftSection={moving ? <Loader size={10} color={phaseColor(phase)} data-testid="phase-spinner" /> : undefined}
      aria-label={`Phase: ${phase}`}
    >
      {phase}
    </Badge>
  );
}
