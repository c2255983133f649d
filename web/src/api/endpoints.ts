// SPDX-License-Identifier: Apache-2.0
// The console API routes the console uses, one function each (paths as in API.md).
import { api } from './client';
import type { AuditEntry, LoginResult, Me, Member, Page, Role, SessionInfo, SignedIn } from './types';

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
