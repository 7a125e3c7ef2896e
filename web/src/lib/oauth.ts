// HuggingFace sign-in with PKCE, done in the browser: the verifier and state stay in
// sessionStorage until the callback page trades the code for a token through our server.
const VERIFIER_KEY = 'hf_oauth_code_verifier';
const STATE_KEY = 'hf_oauth_state';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function base64url(bytes: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function redirectUri(): string {
  return `${window.location.origin}/oauth/callback/huggingface`;
}

export async function buildAuthorizeUrl(config: { clientId: string; authorizeUrl: string; scopes: string[] }): Promise<string> {
  const verifier = hex(crypto.getRandomValues(new Uint8Array(32)));
  const state = hex(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  sessionStorage.setItem(STATE_KEY, state);
  const url = new URL(config.authorizeUrl);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scopes.join(' '));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/** The verifier of the flow whose state matches, consumed; null when it does not match. */
export function takeVerifier(state: string | null): string | null {
  const expected = sessionStorage.getItem(STATE_KEY);
  const verifier = sessionStorage.getItem(VERIFIER_KEY);
  sessionStorage.removeItem(STATE_KEY);
  sessionStorage.removeItem(VERIFIER_KEY);
  if (!state || !expected || state !== expected || !verifier) return null;
  return verifier;
}
