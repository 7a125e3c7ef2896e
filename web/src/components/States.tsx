// The loading, empty and error states every page uses, so they look and read the same.
import { Alert, Button, Center, Loader, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconAlertTriangle, IconInbox, IconLock, IconPlugConnectedX } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py={64}>
      <Stack align="center" gap="xs">
        <Loader size="md" />
        <Text c="dimmed" size="sm">
          {label}
        </Text>
      </Stack>
    </Center>
  );
}

export function EmptyState({
  title,
  description,
  action,
  icon,
}: {
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <Center py={56}>
      <Stack align="center" gap="sm" maw={460} ta="center">
        <ThemeIcon size={52} radius="xl" variant="light" color="gray">
          {icon ?? <IconInbox size={28} />}
        </ThemeIcon>
        <Title order={4}>{title}</Title>
        {description && (
          <Text c="dimmed" size="sm">
            {description}
          </Text>
        )}
        {action}
      </Stack>
    </Center>
  );
}

/** An error from the API in words: sign-in help for 401, cluster help for 503, else the message. */
export function ErrorState({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const status = error instanceof ApiError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 401) {
    return (
      <Alert color="orange" icon={<IconLock />} title="Sign-in required" my="md">
        <Text size="sm">{message}</Text>
        <Text size="sm" mt="xs">
          Run <code>airunway login</code> in a terminal: it opens this page with a token for your cluster. You can
          also open the page with <code>#token=&lt;your token&gt;</code> at the end of its address.
        </Text>
      </Alert>
    );
  }
  const noCluster = status === 503;
  return (
    <Alert
      color={noCluster ? 'yellow' : 'red'}
      icon={noCluster ? <IconPlugConnectedX /> : <IconAlertTriangle />}
      title={title ?? (noCluster ? 'The cluster is not available' : 'Something failed')}
      my="md"
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{message}</Text>
        {onRetry && (
          <Button size="xs" variant="light" color={noCluster ? 'yellow' : 'red'} onClick={onRetry}>
            Retry
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
