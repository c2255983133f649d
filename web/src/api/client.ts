// SPDX-License-Identifier: Apache-2.0
// HTTP client of the console API.
//
// Every call goes to `/api/v1` on the console's own origin with the session cookie
// (`credentials: 'same-origin'`). State-changing calls (POST, PUT, PATCH, DELETE) carry
// `X-CSRF-Token` with the latest `csrf_token` the server handed out: the client picks it up from
// any JSON answer that carries one (login, MFA verify, `GET /auth/me`, switch-organization, ...).
//
// Failures are thrown as `ApiError`, built from the RFC 9457 problem body when there is one.
// Two answers are handled here for every caller:
// - `403 reauthentication_required`: the `reauthenticate` hook (a password dialog) is asked once;
//   when it succeeds the original call is sent again, once.
// - `401 unauthenticated`: the `unauthenticated` hook is told (the session has ended).
// - `403 mfa_enrollment_required`: the `mfaEnrollmentRequired` hook is told (the console then
//   shows only the two-factor enrolment).

export interface FieldError {
  field: string;
  message: string;
  /** 1-based position in the field's text (rule expressions); absent when not applicable. */
  line?: number;
  column?: number;
}

/** RFC 9457 problem details as the WatchTower API sends them. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];
  /** Seconds to wait before trying again (`Retry-After`), for `429 rate_limited`. */
  readonly retryAfterSeconds: number | null;

  constructor(problem: Problem, retryAfterSeconds: number | null = null) {
    const detail = problem.detail || problem.title || defaultDetail(problem.status);
    super(detail);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code || (problem.status === 0 ? 'network_error' : `http_${problem.status}`);
    this.detail = detail;
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The message for one field (the first one when the server sent several), if any. */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors.find((e) => e.field === field)?.message;
  }
}

function defaultDetail(status: number): string {
  if (status === 0) return 'Could not reach the WatchTower server. Check your connection and try again.';
  if (status >= 500) return `The server could not complete the request (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

/** Parses `Retry-After` (delay in seconds or an HTTP date) into whole seconds from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export type Query = Record<string, string | number | null | undefined>;

export interface RequestOptions {
  body?: unknown;
  /** A body sent as it is (a file upload) with its own Content-Type, instead of JSON. */
  raw?: { data: Blob; contentType: string };
  query?: Query;
  /** Ask for re-authentication and retry once on `403 reauthentication_required` (default true). */
  reauth?: boolean;
  signal?: AbortSignal;
}

export interface ClientHooks {
  /** Shows the re-authentication dialog; resolves true once the user has re-authenticated. */
  reauthenticate?: () => Promise<boolean>;
  /** Told when the server answers `401 unauthenticated` (the session is gone). */
  unauthenticated?: () => void;
  /** Told when the server answers `403 mfa_enrollment_required` (MFA must be set up first). */
  mfaEnrollmentRequired?: () => void;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiClient {
  private csrfToken: string | null = null;
  private hooks: ClientHooks = {};
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;

  constructor(fetchImpl?: typeof fetch, base = '/api/v1') {
    // Bound lazily so tests can replace globalThis.fetch after construction.
    this.fetchImpl = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
    this.base = base;
  }

  /** Installs or replaces the given hooks; the others stay. */
  setHooks(hooks: ClientHooks): void {
    this.hooks = { ...this.hooks, ...hooks };
  }

  get csrf(): string | null {
    return this.csrfToken;
  }

  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  get<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  put<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  /** POST of a file as the request body (`Content-Type` of the file). */
  upload<T>(path: string, data: Blob, contentType: string, options: Omit<RequestOptions, 'body' | 'raw'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, raw: { data, contentType } });
  }

  delete<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    try {
      return await this.send<T>(method, path, options);
    } catch (err) {
      if (
        err instanceof ApiError &&
        err.status === 403 &&
        err.code === 'reauthentication_required' &&
        options.reauth !== false &&
        this.hooks.reauthenticate
      ) {
        const confirmed = await this.hooks.reauthenticate();
        if (!confirmed) throw err;
        return this.send<T>(method, path, options);
      }
      throw err;
    }
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: BodyInit | undefined;
    if (options.raw) {
      headers['Content-Type'] = options.raw.contentType || 'application/octet-stream';
      body = options.raw.data;
    } else if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    if (STATE_CHANGING.has(method) && this.csrfToken) {
      headers['X-CSRF-Token'] = this.csrfToken;
    }

    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path + queryString(options.query), {
        method,
        headers,
        body,
        credentials: 'same-origin',
        cache: 'no-store',
        signal: options.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError({ status: 0 });
    }

    const payload = await readBody(response);
    if (payload && typeof payload === 'object' && typeof (payload as { csrf_token?: unknown }).csrf_token === 'string') {
      this.csrfToken = (payload as { csrf_token: string }).csrf_token;
    }

    if (!response.ok) {
      const problem: Problem =
        payload && typeof payload === 'object'
          ? { ...(payload as Partial<Problem>), status: response.status }
          : { status: response.status };
      const error = new ApiError(problem, parseRetryAfter(response.headers.get('Retry-After')));
      if (error.status === 401 && error.code === 'unauthenticated') {
        this.csrfToken = null;
        this.hooks.unauthenticated?.();
      } else if (error.status === 403 && error.code === 'mfa_enrollment_required') {
        this.hooks.mfaEnrollmentRequired?.();
      }
      throw error;
    }
    return payload as T;
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return undefined;
  const type = response.headers.get('Content-Type') || '';
  const text = await response.text();
  if (!text) return undefined;
  if (type.includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The console's one client. */
export const api = new ApiClient();
