// SPDX-License-Identifier: Apache-2.0
// The console API routes the console uses, one function each (paths as in API.md).
import { transactionQuery, type TransactionFilters } from '../lib/transactionFilters';
import { api } from './client';
import type {
  AllowedIps,
  ApiKey,
  AuditEntry,
  Environment,
  IssuedApiKey,
  LoginResult,
  Me,
  Member,
  Page,
  Role,
  SessionInfo,
  SignedIn,
  Transaction,
  TransactionDetail,
} from './types';

const seg = encodeURIComponent;

export const auth = {
  me: () => api.get<Me>('/auth/me'),
  login: (email: string, password: string) => api.post<LoginResult>('/auth/login', { email, password }),
  verifyMfa: (mfaToken: string, factor: { code: string } | { backup_code: string }) =>
    api.post<SignedIn>('/auth/mfa/verify', { mfa_token: mfaToken, ...factor }),
  logout: () => api.post<void>('/auth/logout'),
  switchOrganization: (organizationId: string) =>
    api.post<SignedIn>('/auth/switch-organization', { organization_id: organizationId }),
  reauthenticate: (password: string, code?: string) =>
    api.post<void>('/auth/reauthenticate', code ? { password, code } : { password }, { reauth: false }),
  sessions: () => api.get<{ data: SessionInfo[] }>('/auth/sessions'),
  endSession: (id: string) => api.delete<void>(`/auth/sessions/${seg(id)}`),
};

export const orgs = {
  members: (cursor?: string | null) => api.get<Page<Member>>('/orgs/members', { query: { cursor } }),
  changeRole: (userId: string, role: Role) => api.patch<Member | undefined>(`/orgs/members/${seg(userId)}`, { role }),
  removeMember: (userId: string) => api.delete<void>(`/orgs/members/${seg(userId)}`),
  auditLogs: (filters: AuditFilters, cursor?: string | null) =>
    api.get<Page<AuditEntry>>('/orgs/audit-logs', {
      query: {
        action: filters.action,
        actor_id: filters.actorId,
        from: filters.from,
        to: filters.to,
        limit: filters.limit,
        cursor,
      },
    }),
  apiKeys: () => api.get<Page<ApiKey>>('/orgs/api-keys'),
  createApiKey: (body: { name: string; environment: Environment; allowed_ips: string[] }) =>
    api.post<IssuedApiKey>('/orgs/api-keys', body),
  rotateApiKey: (id: string, graceSeconds: number) =>
    api.post<IssuedApiKey>(`/orgs/api-keys/${seg(id)}/rotate`, { grace_seconds: graceSeconds }),
  revokeApiKey: (id: string) => api.delete<void>(`/orgs/api-keys/${seg(id)}`),
  allowedIps: () => api.get<AllowedIps>('/orgs/allowed-ips'),
  saveAllowedIps: (lists: AllowedIps) => api.put<AllowedIps>('/orgs/allowed-ips', lists),
};

export const transactions = {
  list: (filters: TransactionFilters, cursor?: string | null) =>
    api.get<Page<Transaction>>('/transactions', { query: transactionQuery(filters, cursor) }),
  get: (id: string) => api.get<TransactionDetail>(`/transactions/${seg(id)}`),
};

export interface AuditFilters {
  action?: string;
  actorId?: string;
  /** RFC 3339 UTC. */
  from?: string;
  /** RFC 3339 UTC. */
  to?: string;
  limit?: number;
}
