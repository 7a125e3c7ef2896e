// The typed HTTP client of the REST API. Every call goes to the same origin (the server that
// served the page), sends the session's bearer token, and turns any non-2xx answer into an
// ApiError carrying the status and the server's message (from `{error:{message}}`, from a
// validation failure's issue list, or a plain fallback).
import { getToken, notifyUnauthorized } from './auth';
import type { ValidationIssue } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string | undefined;
  /** Field-level issues of a 400 validation failure, if the body was one. */
  readonly issues: ValidationIssue[];

  constructor(status: number, message: string, reason?: string, issues: ValidationIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.issues = issues;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const url = `/api${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${url}?${text}` : url;
}

function parseIssues(text: string): ValidationIssue[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (i): i is ValidationIssue =>
        typeof i === 'object' && i !== null && typeof (i as ValidationIssue).message === 'string',
    );
  } catch {
    return [];
  }
}

/** Reads an error body of any of the server's shapes into an ApiError. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // A body that cannot be read leaves the generic message.
  }
  let message = `Request failed with status ${response.status}`;
  let reason: string | undefined;
  let issues: ValidationIssue[] = [];
  try {
    const body = JSON.parse(text) as {
      error?: { message?: unknown; reason?: unknown; name?: unknown } | string;
      message?: unknown;
    };
    if (typeof body.error === 'object' && body.error !== null) {
      if (body.error.name === 'ZodError' && typeof body.error.message === 'string') {
        issues = parseIssues(body.error.message);
        message = issues.length > 0 ? issues.map((i) => i.message).join('; ') : 'Invalid request';
      } else if (typeof body.error.message === 'string') {
        message = body.error.message;
      }
      if (typeof body.error.reason === 'string') reason = body.error.reason;
    } else if (typeof body.error === 'string') {
      message = body.error;
    } else if (typeof body.message === 'string') {
      message = body.message;
    }
  } catch {
    if (text && !text.trimStart().startsWith('<')) message = text.slice(0, 500);
  }
  return new ApiError(response.status, message, reason, issues);
}

/** Sends a request with the session token; resolves to the raw Response when it is 2xx. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method: options.method ?? 'GET', headers };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'Cannot reach the AI Runway server. Is it still running?');
  }
  if (!response.ok) {
    const error = await errorFromResponse(response);
    if (error.isUnauthorized) notifyUnauthorized(error.message);
    throw error;
  }
  return response;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
