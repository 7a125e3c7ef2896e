// The frame around every page: the header (cluster connection, context name, simulated-
// cluster badge, theme switch), the navigation, a sign-in banner after a 401, and the page.
import {
  ActionIcon,
  Alert,
  AppShell,
  Badge,
  Burger,
  Group,
  NavLink,
  Text,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconBox,
  IconFlask,
  IconLock,
  IconMoon,
  IconRocket,
  IconSettings,
  IconSun,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { UNAUTHORIZED_EVENT } from '../api/auth';
import { useClusterStatus, useVersion } from '../api/hooks';
import type { ClusterStatus } from '../api/types';

const NAV = [
  { to: '/', label: 'Models', icon: IconBox, match: (p: string) => p === '/' || p.startsWith('/deploy/') },
  { to: '/deployments', label: 'Deployments', icon: IconRocket, match: (p: string) => p.startsWith('/deployments') },
  { to: '/settings', label: 'Settings', icon: IconSettings, match: (p: string) => p.startsWith('/settings') },
];

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export function connectionState(status: ClusterStatus | undefined, failed: boolean): ConnectionState {
  if (failed) return 'disconnected';
  if (!status) return 'connecting';
  return status.connected ? 'connected' : 'disconnected';
}

export function ClusterIndicator() {
  const { data, isError } = useClusterStatus();
  const state = connectionState(data, isError);
  const color = state === 'connected' ? 'teal' : state === 'connecting' ? 'yellow' : 'red';
  const label = state === 'connected' ? 'Connected' : state === 'connecting' ? 'Connecting…' : 'Disconnected';
  const tip = data?.error ?? (state === 'connected' ? `Default namespace: ${data?.namespace ?? ''}` : label);
  return (
    <Group gap="xs" wrap="nowrap">
      {data?.simulated && (
        <Tooltip label="This is kubesim, AI Runway's simulated cluster: nothing runs on real GPUs" withArrow multiline w={240}>
          <Badge color="grape" variant="light" leftSection={<IconFlask size={12} />} data-testid="simulated-badge">
            Simulated cluster
          </Badge>
        </Tooltip>
      )}
      <Tooltip label={tip} withArrow multiline maw={320}>
        <Badge
          color={color}
          variant="dot"
          size="lg"
          data-testid="connection-badge"
          data-state={state}
          styles={{ root: { textTransform: 'none' } }}
        >
          {label}
        </Badge>
      </Tooltip>
      {state === 'connected' && data?.clusterName && (
        <Badge variant="outline" color="gray" className="mono" visibleFrom="sm" data-testid="context-name" styles={{ root: { textTransform: 'none' } }}>
          {data.clusterName}
        </Badge>
      )}
    </Group>
  );
}

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light', { getInitialValueInEffect: false });
  const next = scheme === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} theme`} withArrow>
      <ActionIcon variant="default" size="lg" onClick={() => setColorScheme(next)} aria-label={`Switch to ${next} theme`}>
        {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

function SignInBanner() {
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => {
    const onUnauthorized = (e: Event) => setMessage((e as CustomEvent<string>).detail || 'Authentication required');
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);
  if (!message) return null;
  return (
    <Alert color="orange" icon={<IconLock />} title="Sign-in required" mb="md" withCloseButton onClose={() => setMessage(null)}>
      {message}. Run <code>airunway login</code> in a terminal to open this page with a token, or add{' '}
      <code>#token=&lt;token&gt;</code> to the address.
    </Alert>
  );
}

export function Layout() {
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const version = useVersion();
  useEffect(close, [pathname, close]);
  return (
    <AppShell
      className="app-shell"
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <UnstyledButton component={Link} to="/" aria-label="AI Runway home">
              <Group gap={8} wrap="nowrap">
                <img src="/favicon.svg" width={26} height={26} alt="" />
                <Text fw={700} size="lg">
                  AI Runway
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <ClusterIndicator />
            <ThemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <AppShell.Section grow component="nav" aria-label="Main">
          {NAV.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              leftSection={<item.icon size={18} stroke={1.6} />}
              active={item.match(pathname)}
              variant="light"
              styles={{ root: { borderRadius: 'var(--mantine-radius-md)', marginBottom: 4 } }}
            />
          ))}
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="xs">
            {version.data ? `AI Runway ${version.data.version}` : 'AI Runway'}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <div style={{ maxWidth: 1400, margin: '0 auto' }}>
          <SignInBanner />
          <Outlet />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}
