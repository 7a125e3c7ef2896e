import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureTokenFromHash, getToken, UNAUTHORIZED_EVENT } from './auth';
import { ApiError, request } from './client';
import { json, mockFetch } from '../test/render';

afterEach(() => vi.unstubAllGlobals());

describe('API client', () => {
  it('sends the stored token as a bearer token', async () => {
    window.localStorage.setItem('airunway_auth_token', 'tok-123');
    const { calls } = mockFetch({ '/api/health': { status: 'healthy' } });
    await expect(request('/health')).resolves.toEqual({ status: 'healthy' });
    expect((calls[0]?.init?.headers as Record<string, string>).Authorization).toBe('Bearer tok-123');
  });

  it('turns the error envelope into an ApiError with the server message', async () => {
    mockFetch({ '/api/models/x': () => json({ error: { message: 'Model not found', statusCode: 404 } }, 404) });
    const error = await request('/models/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).message).toBe('Model not found');
  });

  it('reads validation issues out of a 400', async () => {
    const issues = [{ code: 'invalid_format', path: ['name'], message: 'Invalid name' }];
    mockFetch({
      'POST /api/deployments': () => json({ success: false, error: { name: 'ZodError', message: JSON.stringify(issues, null, 2) } }, 400),
    });
    const error = (await request('/deployments', { method: 'POST', body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(error.issues).toEqual(issues);
    expect(error.message).toBe('Invalid name');
  });

  it('raises the sign-in event on a 401', async () => {
    mockFetch({ '/api/deployments': () => json({ error: { message: 'Authentication required', statusCode: 401 } }, 401) });
    const seen: string[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent<string>).detail);
    window.addEventListener(UNAUTHORIZED_EVENT, listener);
    await request('/deployments').catch(() => undefined);
    window.removeEventListener(UNAUTHORIZED_EVENT, listener);
    expect(seen).toEqual(['Authentication required']);
  });

  it('takes #token= out of the address and stores it', () => {
    window.history.replaceState(null, '', '/deployments?namespace=a#token=abc%2Edef');
    expect(captureTokenFromHash()).toBe(true);
    expect(getToken()).toBe('abc.def');
    expect(window.location.hash).toBe('');
    expect(window.location.pathname + window.location.search).toBe('/deployments?namespace=a');
  });
});
