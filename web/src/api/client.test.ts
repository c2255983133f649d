// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, parseRetryAfter } from './client';

type Call = { url: string; init: RequestInit };

function fakeFetch(responses: Array<() => Response>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    const next = responses.shift();
    if (!next) throw new Error('unexpected call');
    return next();
  });
  return { fn: fn as unknown as typeof fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
const empty = (status: number) => () => new Response(null, { status });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const header = (call: Call, name: string) => new Headers(call.init.headers).get(name);

describe('ApiClient', () => {
  it('sends same-origin credentials and JSON, and keeps the latest csrf_token', async () => {
    const { fn, calls } = fakeFetch([
      json(200, { user: {}, csrf_token: 'tok-1' }),
      empty(204),
      json(200, { csrf_token: 'tok-2' }),
      empty(204),
    ]);
    const client = new ApiClient(fn);
    await client.post('/auth/login', { email: 'a@b.c', password: 'x' });
    expect(calls[0].url).toBe('/api/v1/auth/login');
    expect(calls[0].init.credentials).toBe('same-origin');
    expect(header(calls[0], 'Content-Type')).toBe('application/json');
    expect(calls[0].init.body).toBe('{"email":"a@b.c","password":"x"}');
    expect(client.csrf).toBe('tok-1');

    await client.delete('/auth/sessions/s1');
    expect(header(calls[1], 'X-CSRF-Token')).toBe('tok-1');

    await client.post('/auth/switch-organization', { organization_id: 'o2' });
    await client.patch('/orgs/members/u1', { role: 'VIEWER' });
    expect(header(calls[3], 'X-CSRF-Token')).toBe('tok-2');
  });

  it('does not send the CSRF header on GET and drops empty query values', async () => {
    const { fn, calls } = fakeFetch([json(200, { csrf_token: 't' }), json(200, { data: [], next_cursor: null })]);
    const client = new ApiClient(fn);
    await client.get('/auth/me');
    await client.get('/orgs/audit-logs', { query: { action: 'auth.logout', actor_id: '', cursor: null, limit: 50 } });
    expect(header(calls[1], 'X-CSRF-Token')).toBeNull();
    expect(calls[1].url).toBe('/api/v1/orgs/audit-logs?action=auth.logout&limit=50');
  });

  it('turns problem+json into ApiError with detail, code and field errors', async () => {
    const { fn } = fakeFetch([
      json(422, {
        type: 'about:blank',
        title: 'Unprocessable',
        status: 422,
        detail: 'Request validation failed',
        code: 'validation_failed',
        errors: [{ field: 'role', message: 'must be one of ...' }],
      }),
    ]);
    const error = await failure(new ApiClient(fn).patch('/orgs/members/u1', { role: 'X' }));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.code).toBe('validation_failed');
    expect(error.detail).toBe('Request validation failed');
    expect(error.fieldMessage('role')).toBe('must be one of ...');
  });

  it('reads Retry-After on 429', async () => {
    const { fn } = fakeFetch([json(429, { status: 429, code: 'rate_limited', detail: 'Slow down.' }, { 'Retry-After': '42' })]);
    const error = await failure(new ApiClient(fn).post('/auth/login', {}));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(42);
  });

  it('reports network failures as status 0', async () => {
    const fn = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    const error = await failure(new ApiClient(fn).get('/auth/me'));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
  });

  it('asks for re-authentication on 403 reauthentication_required and retries once', async () => {
    const { fn, calls } = fakeFetch([
      json(200, { csrf_token: 't' }),
      json(403, { status: 403, code: 'reauthentication_required', detail: 'Confirm' }),
      json(200, { user_id: 'u1', role: 'VIEWER' }),
    ]);
    const client = new ApiClient(fn);
    const reauthenticate = vi.fn(async () => true);
    client.setHooks({ reauthenticate });
    await client.get('/auth/me');
    const result = await client.patch<{ role: string }>('/orgs/members/u1', { role: 'VIEWER' });
    expect(reauthenticate).toHaveBeenCalledTimes(1);
    expect(result.role).toBe('VIEWER');
    expect(calls).toHaveLength(3);
    expect(calls[2].init.body).toBe(calls[1].init.body);
    expect(header(calls[2], 'X-CSRF-Token')).toBe('t');
  });

  it('gives up when re-authentication is cancelled, and retries at most once', async () => {
    const problem = json(403, { status: 403, code: 'reauthentication_required', detail: 'Confirm' });
    const cancelled = fakeFetch([problem]);
    const client = new ApiClient(cancelled.fn);
    client.setHooks({ reauthenticate: async () => false });
    await expect(client.delete('/orgs/members/u1')).rejects.toMatchObject({ code: 'reauthentication_required' });

    const twice = fakeFetch([problem, problem]);
    const again = new ApiClient(twice.fn);
    const reauthenticate = vi.fn(async () => true);
    again.setHooks({ reauthenticate });
    await expect(again.delete('/orgs/members/u1')).rejects.toMatchObject({ code: 'reauthentication_required' });
    expect(reauthenticate).toHaveBeenCalledTimes(1);
    expect(twice.calls).toHaveLength(2);
  });

  it('tells the unauthenticated hook on 401 unauthenticated but not on invalid_credentials', async () => {
    const { fn } = fakeFetch([
      json(401, { status: 401, code: 'invalid_credentials', detail: 'Wrong' }),
      json(401, { status: 401, code: 'unauthenticated', detail: 'Sign in' }),
    ]);
    const client = new ApiClient(fn);
    const unauthenticated = vi.fn();
    client.setHooks({ unauthenticated });
    await client.post('/auth/login', {}).catch(() => undefined);
    expect(unauthenticated).not.toHaveBeenCalled();
    await client.get('/orgs/members').catch(() => undefined);
    expect(unauthenticated).toHaveBeenCalledTimes(1);
  });

  it('tells the mfaEnrollmentRequired hook on 403 mfa_enrollment_required only', async () => {
    const { fn } = fakeFetch([
      json(403, { status: 403, code: 'forbidden', detail: 'No' }),
      json(403, { status: 403, code: 'mfa_enrollment_required', detail: 'Set up MFA' }),
    ]);
    const client = new ApiClient(fn);
    const mfaEnrollmentRequired = vi.fn();
    client.setHooks({ mfaEnrollmentRequired });
    await client.get('/orgs/members').catch(() => undefined);
    expect(mfaEnrollmentRequired).not.toHaveBeenCalled();
    const error = await failure(client.get('/orgs/members'));
    expect(error.code).toBe('mfa_enrollment_required');
    expect(mfaEnrollmentRequired).toHaveBeenCalledTimes(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:01:00 GMT', now)).toBe(60);
  });
});
