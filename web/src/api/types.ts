// SPDX-License-Identifier: Apache-2.0
// Shapes of the console API (see API.md). Only the fields the console reads are listed; the server
// may add fields at any time.

export type Role = 'VIEWER' | 'ANALYST' | 'RISK_LEAD' | 'ADMIN';

export interface User {
  id: string;
  email: string;
  name: string;
  mfa_enabled: boolean;
}

export interface OrganizationRef {
  id: string;
  name: string;
}

export interface Membership {
  organization: OrganizationRef;
  role: Role;
}

/** `GET /auth/me`. */
export interface Me {
  user: User;
  organization: OrganizationRef;
  role: Role;
  csrf_token: string;
  memberships: Membership[];
}

/** `POST /auth/login`, `POST /auth/mfa/verify`, `POST /auth/switch-organization`. */
export interface SignedIn {
  user: User;
  organization: OrganizationRef;
  role: Role;
  csrf_token: string;
}

export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
}

export type LoginResult = SignedIn | MfaChallenge;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Member {
  user_id: string;
  email: string;
  name: string;
  role: Role;
  mfa_enabled: boolean;
  last_login_at: string | null;
  created_at: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: 'user' | 'api_key' | 'system' | string; id: string | null };
  action: string;
  target: unknown;
  ip: string | null;
  user_agent: string | null;
  details: unknown;
}

export interface SessionInfo {
  id: string;
  created_at: string;
  last_seen_at: string | null;
  ip: string | null;
  user_agent: string | null;
  current: boolean;
}

export const ROLES: readonly Role[] = ['VIEWER', 'ANALYST', 'RISK_LEAD', 'ADMIN'];

export function roleLabel(role: string): string {
  switch (role) {
    case 'VIEWER':
      return 'Viewer';
    case 'ANALYST':
      return 'Analyst';
    case 'RISK_LEAD':
      return 'Risk lead';
    case 'ADMIN':
      return 'Admin';
    default:
      return role;
  }
}
