// SPDX-License-Identifier: Apache-2.0
// A stand-in for the console routes of `watchtower serve`, for working on the console without the
// C++ server (and for trying states that are hard to reach on a fresh server: MFA sign-in, several
// organizations, re-authentication, the last-admin conflict, rate limiting).
//
// It is NOT a test of the server and must never be used to decide whether the server is correct:
// tests/e2e/run always runs against the real binary. Shapes follow /work/shared/API.md.
//
//   node tests/e2e/mock-api.mjs [--port 8080] [--web-dir web/dist]
//
// Accounts (password for all: "correct horse battery staple"):
//   admin@acme.test    Ada Admin    ADMIN in Acme Bank, RISK_LEAD in Globex Payments
//   analyst@acme.test  Ann Analyst  ANALYST in Acme Bank
//   mfa@acme.test      Max Factor   RISK_LEAD, MFA on: code 123456, backup code "backup-code-1"
// Role changes and removals need a recent authentication (the first one after sign-in asks).
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const PORT = Number(argValue('--port', '8080'));
const WEB_DIR = path.resolve(argValue('--web-dir', path.join(here, '..', '..', 'web', 'dist')));
const PASSWORD = 'correct horse battery staple';
// `--data-dir D`: passwords from D/admin.password and D/analyst.password when present (lets
// tests/e2e/run be exercised with a fake binary that wraps this file).
const DATA_DIR = argValue('--data-dir', null);
const passwordFor = (email) => {
  const file = DATA_DIR && { 'admin@acme.test': 'admin.password', 'analyst@acme.test': 'analyst.password' }[email];
  try {
    return file ? readFileSync(path.join(DATA_DIR, file), 'utf8') : PASSWORD;
  } catch {
    return PASSWORD;
  }
};
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const id = (prefix) => `${prefix}_${randomBytes(8).toString('hex')}`;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const orgs = [
  { id: 'org_acme', name: 'Acme Bank' },
  { id: 'org_globex', name: 'Globex Payments' },
];
const users = [
  { id: 'usr_ada', email: 'admin@acme.test', name: 'Ada Admin', mfa_enabled: false, created_at: '2026-11-01T09:00:00Z' },
  { id: 'usr_ann', email: 'analyst@acme.test', name: 'Ann Analyst', mfa_enabled: false, created_at: '2026-11-02T09:00:00Z' },
  { id: 'usr_max', email: 'mfa@acme.test', name: 'Max Factor', mfa_enabled: true, created_at: '2026-11-03T09:00:00Z' },
];
let memberships = [
  { user_id: 'usr_ada', org_id: 'org_acme', role: 'ADMIN' },
  { user_id: 'usr_ada', org_id: 'org_globex', role: 'RISK_LEAD' },
  { user_id: 'usr_ann', org_id: 'org_acme', role: 'ANALYST' },
  { user_id: 'usr_max', org_id: 'org_acme', role: 'RISK_LEAD' },
];
const lastLogin = {};
const sessions = new Map(); // token -> session
const mfaTokens = new Map(); // mfa_token -> user_id
const audit = [];
const failures = new Map(); // email -> consecutive failures

function record(org_id, req, actorId, action, target, details = {}) {
  audit.unshift({
    id: id('aud'),
    org_id,
    at: now(),
    actor: { type: actorId ? 'user' : 'system', id: actorId },
    action,
    target,
    ip: req.socket.remoteAddress,
    user_agent: req.headers['user-agent'] ?? null,
    details,
  });
}

function problem(res, status, code, detail, extra = {}) {
  const titles = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content', 429: 'Too Many Requests' };
  send(res, status, { type: `https://watchtower.dev/problems/${code}`, title: titles[status] ?? 'Error', status, detail, code, ...extra }, 'application/problem+json');
}

function send(res, status, body, type = 'application/json') {
  res.statusCode = status;
  res.setHeader('Cache-Control', 'no-store');
  if (body === undefined) return res.end();
  res.setHeader('Content-Type', type);
  res.end(JSON.stringify(body));
}

function membershipsOf(userId) {
  return memberships
    .filter((m) => m.user_id === userId)
    .map((m) => ({ organization: orgs.find((o) => o.id === m.org_id), role: m.role }));
}

function newSession(res, req, user, orgId) {
  const token = randomBytes(32).toString('hex');
  const session = {
    id: id('ses'),
    token,
    user_id: user.id,
    org_id: orgId,
    csrf: randomBytes(16).toString('hex'),
    created_at: now(),
    last_seen_at: now(),
    reauth_at: 0,
    ip: req.socket.remoteAddress,
    user_agent: req.headers['user-agent'] ?? null,
  };
  sessions.set(token, session);
  res.setHeader('Set-Cookie', `wt_session=${token}; HttpOnly; SameSite=Strict; Path=/`);
  return session;
}

function signedInBody(session) {
  const user = users.find((u) => u.id === session.user_id);
  const role = memberships.find((m) => m.user_id === user.id && m.org_id === session.org_id).role;
  return {
    user: { id: user.id, email: user.email, name: user.name, mfa_enabled: user.mfa_enabled },
    organization: orgs.find((o) => o.id === session.org_id),
    role,
    csrf_token: session.csrf,
  };
}

function sessionOf(req) {
  const cookie = req.headers.cookie ?? '';
  const match = /(?:^|;\s*)wt_session=([^;]+)/.exec(cookie);
  const session = match ? sessions.get(match[1]) : undefined;
  if (session) session.last_seen_at = now();
  return session;
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  if (chunks.length === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function loginSucceeded(req, res, user) {
  failures.delete(user.email);
  const orgId = memberships.find((m) => m.user_id === user.id).org_id;
  const session = newSession(res, req, user, orgId);
  session.reauth_at = 0; // this stand-in asks again for the first sensitive change, to show the dialog
  lastLogin[user.id] = now();
  record(orgId, req, user.id, 'auth.login.succeeded', { type: 'user', id: user.id });
  send(res, 200, signedInBody(session));
}

async function handleApi(req, res, url) {
  const route = `${req.method} ${url.pathname.replace(/^\/api\/v1/, '')}`;
  const body = ['POST', 'PUT', 'PATCH'].includes(req.method) ? await readJson(req) : {};
  if (body === undefined) return problem(res, 400, 'malformed_request', 'The request body is not valid JSON.');

  if (route === 'POST /auth/login') {
    const email = String(body.email ?? '').toLowerCase();
    const count = failures.get(email) ?? 0;
    if (count >= 5) {
      res.setHeader('Retry-After', '30');
      return problem(res, 429, 'rate_limited', 'Too many sign-in attempts.');
    }
    const user = users.find((u) => u.email === email);
    if (!user || body.password !== passwordFor(user.email)) {
      failures.set(email, count + 1);
      record('org_acme', req, null, 'auth.login.failed', { type: 'email', id: email }, { reason: 'invalid_credentials' });
      return problem(res, 401, 'invalid_credentials', 'The email or password is incorrect.');
    }
    if (user.mfa_enabled) {
      const token = randomBytes(16).toString('hex');
      mfaTokens.set(token, user.id);
      return send(res, 200, { mfa_required: true, mfa_token: token });
    }
    return loginSucceeded(req, res, user);
  }
  if (route === 'POST /auth/mfa/verify') {
    const userId = mfaTokens.get(body.mfa_token);
    if (!userId) return problem(res, 400, 'invalid_token', 'The sign-in has expired.');
    const ok = body.code === '123456' || body.backup_code === 'backup-code-1';
    if (!ok) return problem(res, 401, 'invalid_mfa_code', 'The code is not valid.');
    mfaTokens.delete(body.mfa_token);
    return loginSucceeded(req, res, users.find((u) => u.id === userId));
  }

  const session = sessionOf(req);
  if (!session) return problem(res, 401, 'unauthenticated', 'Sign in to continue.');
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== session.csrf) {
    return problem(res, 403, 'csrf_failed', 'The CSRF token is missing or wrong.');
  }
  const me = users.find((u) => u.id === session.user_id);
  const membership = memberships.find((m) => m.user_id === me.id && m.org_id === session.org_id);
  if (!membership) {
    sessions.delete(session.token);
    return problem(res, 401, 'unauthenticated', 'Sign in to continue.');
  }
  const role = membership.role;
  const recent = Date.now() - session.reauth_at < 15 * 60 * 1000;

  if (route === 'GET /auth/me') return send(res, 200, { ...signedInBody(session), memberships: membershipsOf(me.id) });
  if (route === 'POST /auth/logout') {
    sessions.delete(session.token);
    record(session.org_id, req, me.id, 'auth.logout', { type: 'user', id: me.id });
    res.setHeader('Set-Cookie', 'wt_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
    return send(res, 204);
  }
  if (route === 'POST /auth/switch-organization') {
    if (!memberships.some((m) => m.user_id === me.id && m.org_id === body.organization_id)) {
      return problem(res, 404, 'not_found', 'No such organization.');
    }
    sessions.delete(session.token);
    const next = newSession(res, req, me, body.organization_id);
    next.reauth_at = session.reauth_at;
    return send(res, 200, signedInBody(next));
  }
  if (route === 'POST /auth/reauthenticate') {
    if (body.password !== passwordFor(me.email)) return problem(res, 401, 'invalid_credentials', 'The password is incorrect.');
    if (me.mfa_enabled && body.code !== '123456') {
      return problem(res, 422, 'validation_failed', 'Request validation failed.', { errors: [{ field: 'code', message: 'is not a valid code' }] });
    }
    session.reauth_at = Date.now();
    return send(res, 204);
  }
  if (route === 'GET /auth/sessions') {
    const data = [...sessions.values()]
      .filter((s) => s.user_id === me.id)
      .map((s) => ({ id: s.id, created_at: s.created_at, last_seen_at: s.last_seen_at, ip: s.ip, user_agent: s.user_agent, current: s === session }));
    return send(res, 200, { data });
  }
  let match = /^DELETE \/auth\/sessions\/([^/]+)$/.exec(route);
  if (match) {
    const target = [...sessions.values()].find((s) => s.id === decodeURIComponent(match[1]) && s.user_id === me.id);
    if (!target) return problem(res, 404, 'not_found', 'No such session.');
    sessions.delete(target.token);
    return send(res, 204);
  }
  if (route === 'GET /orgs/members') {
    const data = memberships
      .filter((m) => m.org_id === session.org_id)
      .map((m) => {
        const u = users.find((x) => x.id === m.user_id);
        return { user_id: u.id, email: u.email, name: u.name, role: m.role, mfa_enabled: u.mfa_enabled, last_login_at: lastLogin[u.id] ?? null, created_at: u.created_at };
      });
    return send(res, 200, { data, next_cursor: null });
  }
  match = /^(PATCH|DELETE) \/orgs\/members\/([^/]+)$/.exec(route);
  if (match) {
    if (role !== 'ADMIN') return problem(res, 403, 'forbidden', 'Your role does not allow this.');
    const target = memberships.find((m) => m.org_id === session.org_id && m.user_id === decodeURIComponent(match[2]));
    if (!target) return problem(res, 404, 'not_found', 'No such member.');
    if (!recent) return problem(res, 403, 'reauthentication_required', 'Confirm your password to continue.');
    const admins = memberships.filter((m) => m.org_id === session.org_id && m.role === 'ADMIN');
    const lastAdmin = target.role === 'ADMIN' && admins.length === 1;
    if (match[1] === 'PATCH') {
      if (!['VIEWER', 'ANALYST', 'RISK_LEAD', 'ADMIN'].includes(body.role)) {
        return problem(res, 422, 'validation_failed', 'Request validation failed.', { errors: [{ field: 'role', message: 'must be one of VIEWER, ANALYST, RISK_LEAD, ADMIN' }] });
      }
      if (lastAdmin && body.role !== 'ADMIN') return problem(res, 409, 'conflict', 'The last admin of an organization cannot be demoted.');
      const before = target.role;
      target.role = body.role;
      record(session.org_id, req, me.id, 'member.role_changed', { type: 'user', id: target.user_id }, { from: before, to: body.role });
      const u = users.find((x) => x.id === target.user_id);
      return send(res, 200, { user_id: u.id, email: u.email, name: u.name, role: target.role, mfa_enabled: u.mfa_enabled, last_login_at: lastLogin[u.id] ?? null, created_at: u.created_at });
    }
    if (lastAdmin) return problem(res, 409, 'conflict', 'The last admin of an organization cannot be removed.');
    memberships = memberships.filter((m) => m !== target);
    record(session.org_id, req, me.id, 'member.removed', { type: 'user', id: target.user_id });
    return send(res, 204);
  }
  if (route === 'GET /orgs/audit-logs') {
    if (role !== 'ADMIN' && role !== 'RISK_LEAD') return problem(res, 403, 'forbidden', 'Your role does not allow reading the audit log.');
    const q = url.searchParams;
    for (const key of ['from', 'to']) {
      const v = q.get(key);
      if (v && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v)) {
        return problem(res, 422, 'validation_failed', 'Request validation failed.', { errors: [{ field: key, message: 'must be an RFC 3339 UTC time' }] });
      }
    }
    let rows = audit.filter((e) => e.org_id === session.org_id);
    if (q.get('action')) rows = rows.filter((e) => e.action === q.get('action'));
    if (q.get('actor_id')) rows = rows.filter((e) => e.actor.id === q.get('actor_id'));
    if (q.get('from')) rows = rows.filter((e) => e.at >= q.get('from'));
    if (q.get('to')) rows = rows.filter((e) => e.at <= q.get('to'));
    const limit = Math.min(500, Number(q.get('limit') || 50));
    const start = Number(q.get('cursor') || 0);
    const page = rows.slice(start, start + limit).map(({ org_id: _org, ...rest }) => rest);
    return send(res, 200, { data: page, next_cursor: start + limit < rows.length ? String(start + limit) : null });
  }
  return problem(res, 404, 'not_found', `No route ${route}.`);
}

function loadStatic(dir) {
  const files = new Map();
  const walk = (current) => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(`/${path.relative(dir, full).split(path.sep).join('/')}`, readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const files = loadStatic(WEB_DIR);

createServer(async (req, res) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  const url = new URL(req.url, 'http://localhost');
  try {
    if (url.pathname === '/readyz' || url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
    if (url.pathname.startsWith('/api/')) return await handleApi(req, res, url);
    const file = files.get(url.pathname) ?? (path.extname(url.pathname) ? undefined : files.get('/index.html'));
    if (!file) return problem(res, 404, 'not_found', 'Not found.');
    const key = files.get(url.pathname) ? url.pathname : '/index.html';
    res.setHeader('Content-Type', TYPES[path.extname(key)] ?? 'application/octet-stream');
    res.setHeader('Cache-Control', key.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.end(file);
  } catch (err) {
    console.error(err);
    problem(res, 500, 'internal', 'Internal error.');
  }
}).listen(PORT, '127.0.0.1', () => {
  console.log(`mock-api: http://127.0.0.1:${PORT} (web: ${WEB_DIR})`);
});
