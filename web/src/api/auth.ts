// The cluster bearer token of the browser session. `airunway login` opens the UI with
// `#token=<token>`; that fragment is taken once at start-up, removed from the address bar
// (so it is neither bookmarked nor shared) and kept in localStorage. Every API request sends
// it as `Authorization: Bearer`. A 401 from our server raises UNAUTHORIZED_EVENT so the frame
// can explain how to sign in.

const TOKEN_KEY = 'airunway_auth_token';
export const UNAUTHORIZED_EVENT = 'airunway:unauthorized';

export function getToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled (private mode); the token then lives for this page only.
  }
}

/** Takes `token=` out of the URL fragment, stores it and cleans the address bar. */
export function captureTokenFromHash(loc: Location = window.location, hist: History = window.history): boolean {
  const hash = loc.hash.startsWith('#') ? loc.hash.slice(1) : loc.hash;
  if (!hash) return false;
  const params = new URLSearchParams(hash);
  const token = params.get('token');
  if (!token) return false;
  setToken(token);
  params.delete('token');
  const rest = params.toString();
  hist.replaceState(hist.state, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
  return true;
}

export function notifyUnauthorized(message: string): void {
  window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: message }));
}
