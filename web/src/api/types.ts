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

export type Environment = 'sandbox' | 'production';

/** `GET /orgs/api-keys` items. The key itself is never part of a listing. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  environment: Environment;
  status: 'active' | 'rotating' | 'revoked';
  allowed_ips: string[];
  created_at: string;
  /** User id of the creator (null when the user is gone). */
  created_by: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  /** End of a rotation's grace period. */
  expires_at: string | null;
}

/** `POST /orgs/api-keys` and `POST /orgs/api-keys/{id}/rotate`: the only answers that carry `key`. */
export interface IssuedApiKey extends ApiKey {
  key: string;
}

export interface AllowedIpEntry {
  cidr: string;
  label: string;
}

/** `GET/PUT /orgs/allowed-ips`; an empty list allows every address. */
export interface AllowedIps {
  console: AllowedIpEntry[];
  ingestion: AllowedIpEntry[];
}

export type Decision = 'allow' | 'review' | 'block';

export interface Counterparty {
  name: string | null;
  account: string | null;
  country: string | null;
}

/** A stored transaction, as `GET /transactions` lists it. */
export interface Transaction {
  id: string;
  external_id: string;
  environment: Environment;
  occurred_at: string;
  received_at: string;
  /** Decimal string in the currency's units ("1250.00"); never converted to a float. */
  amount: string;
  currency: string;
  direction: 'inbound' | 'outbound';
  /** card | transfer | wire | ach | cash | check | crypto | other. */
  type: string;
  account_id: string;
  customer_id: string | null;
  counterparty: Counterparty | null;
  channel: string | null;
  country: string | null;
  ip: string | null;
  device_id: string | null;
  /** Always an object (empty when the sender gave none). */
  metadata: Record<string, unknown>;
  decision: Decision;
  /** 0..100: the sum of the scores of the active rules that hit, capped at 100. */
  score: number;
  /** The key that sent it. */
  api_key_id: string | null;
}

export interface RuleHit {
  rule_id?: string;
  rule_name?: string;
  [field: string]: unknown;
}

export interface TransactionAlert {
  id: string;
  rule_id?: string;
  rule_name?: string;
  severity?: string;
  [field: string]: unknown;
}

/** `GET /transactions/{id}`: the transaction plus what the rules made of it. */
export interface TransactionDetail extends Transaction {
  rule_hits: RuleHit[];
  alerts: TransactionAlert[];
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
