// Where HuggingFace sends the browser back after sign-in: trade the code for a token (through
// our server), store it as the cluster secret, then return to Settings.
import { Button, Card, Center, Loader, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, setHfToken } from '../api/endpoints';
import { keys } from '../api/hooks';
import { redirectUri, takeVerifier } from '../lib/oauth';

export default function HfCallbackPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const started = useRef(false);
  const [state, setState] = useState<{ kind: 'working' } | { kind: 'done'; user: string } | { kind: 'error'; message: string }>({
    kind: 'working',
  });

  useEffect(() => {
    if (started.current) return; // StrictMode runs effects twice; the code is single-use
    started.current = true;
    const error = params.get('error');
    const code = params.get('code');
    if (error) return setState({ kind: 'error', message: params.get('error_description') ?? error });
    if (!code) return setState({ kind: 'error', message: 'HuggingFace sent no authorization code.' });
    const verifier = takeVerifier(params.get('state'));
    if (!verifier) return setState({ kind: 'error', message: 'The sign-in did not start here or has expired. Try again.' });
    void (async () => {
      try {
        const token = await api.hfExchange(code, verifier, redirectUri());
        setHfToken(token.accessToken);
        await api.hfSaveToken(token.accessToken);
        await client.invalidateQueries({ queryKey: keys.hfStatus });
        setState({ kind: 'done', user: token.user.fullname || token.user.name });
        setTimeout(() => void navigate('/settings'), 1500);
      } catch (e) {
        setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      }
    })();
  }, [params, navigate, client]);

  return (
    <Center mih="50vh">
      <Card withBorder p="xl" maw={440} w="100%">
        <Stack align="center" ta="center">
          {state.kind === 'working' && (
            <>
              <Loader />
              <Title order={4}>Connecting to HuggingFace…</Title>
            </>
          )}
          {state.kind === 'done' && (
            <>
              <Title order={4}>Connected</Title>
              <Text c="dimmed">Welcome, {state.user}. Returning to Settings…</Text>
            </>
          )}
          {state.kind === 'error' && (
            <>
              <Title order={4}>Connection failed</Title>
              <Text c="dimmed">{state.message}</Text>
              <Button component={Link} to="/settings">
                Back to Settings
              </Button>
            </>
          )}
        </Stack>
      </Card>
    </Center>
  );
}
