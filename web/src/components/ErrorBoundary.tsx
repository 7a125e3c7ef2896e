// The last line of defence: a render error shows a card with the message instead of a blank page.
import { Button, Card, Center, Group, Stack, Text, Title } from '@mantine/core';
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.warn('UI error', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Center mih="60vh" p="md">
        <Card withBorder maw={520} p="xl">
          <Stack>
            <Title order={3}>Something went wrong</Title>
            <Text c="dimmed">{this.state.error.message}</Text>
            <Group>
              <Button onClick={() => window.location.assign('/')}>Go to Models</Button>
              <Button variant="default" onClick={() => window.location.reload()}>
                Reload page
              </Button>
            </Group>
          </Stack>
        </Card>
      </Center>
    );
  }
}
