// SPDX-License-Identifier: Apache-2.0
// The console API routes the console uses, one function each (paths as in API.md).
import { alertQuery, type QueueView } from '../lib/alertFilters';
import { transactionQuery, type TransactionFilters } from '../lib/transactionFilters';
import { api } from './client';
import type {
  AlertDetail,
  AlertStatus,
  AlertSummary,
  AllowedIps,
  ApiKey,
  AuditEntry,
  BackupCodes,
  BulkResult,
  CaseDetail,
  CaseEvidence,
  CasePriority,
  CaseResolution,
  CaseStatus,
  CaseSummary,
  Disposition,
  NotificationChannel,
  NotificationChannelPatch,
  NotificationDelivery,
  NotificationSettings,
  CurrentOrganization,
  Dashboard,
  ReportSummary,
  Invitation,
  InvitationPreview,
  MfaSetup,
  Environment,
  IssuedApiKey,
  LoginResult,
  Me,
  Member,
  NamedList,
  NamedListDetail,
  Page,
  Role,
  Rule,
  RuleInput,
  RuleSeverity,
  RuleStatus,
  RuleVersion,
  StarterPackResult,
  StarterTemplate,
  TestResult,
  ValidateResult,
  BacktestResult,
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
  mfaSetup: (password: string) => api.post<MfaSetup>('/auth/mfa/setup', { password }),
  mfaVerifySetup: (code: string) => api.post<BackupCodes>('/auth/mfa/verify-setup', { code }),
  mfaDisable: (password: string, code: string) => api.post<void>('/auth/mfa/disable', { password, code }),
  newBackupCodes: (password: string, code: string) => api.post<BackupCodes>('/auth/mfa/backup-codes', { password, code }),
  changePassword: (currentPassword: string, newPassword: string) =>
    api.post<void>('/auth/change-password', { current_password: currentPassword, new_password: newPassword }),
  // Tokens of mailed links travel in request bodies only (never in a URL the server sees).
  requestPasswordReset: (email: string) => api.post<Record<string, never>>('/auth/password-reset/request', { email }),
  verifyPasswordReset: (token: string) => api.post<{ valid: boolean }>('/auth/password-reset/verify', { token }),
  completePasswordReset: (token: string, newPassword: string) =>
    api.post<void>('/auth/password-reset/complete', { token, new_password: newPassword }),
  verifyInvitation: (token: string) => api.post<InvitationPreview>('/auth/invitations/verify', { token }),
  acceptInvitation: (token: string, name: string, password: string) =>
    api.post<unknown>('/auth/invitations/accept', { token, name, password }),
};

export const orgs = {
  current: () => api.get<CurrentOrganization>('/orgs/current'),
  members: (cursor?: string | null) => api.get<Page<Member>>('/orgs/members', { query: { cursor } }),
  changeRole: (userId: string, role: Role) => api.patch<Member | undefined>(`/orgs/members/${seg(userId)}`, { role }),
  removeMember: (userId: string) => api.delete<void>(`/orgs/members/${seg(userId)}`),
  invitations: () => api.get<{ data: Invitation[] }>('/orgs/invitations'),
  invite: (email: string, role: Role) => api.post<Invitation>('/orgs/invitations', { email, role }),
  revokeInvitation: (id: string) => api.delete<void>(`/orgs/invitations/${seg(id)}`),
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

export const rules = {
  list: (query: { status?: RuleStatus | ''; environment?: Environment; cursor?: string | null; limit?: number } = {}) =>
    api.get<Page<Rule>>('/rules', { query }),
  get: (id: string, environment?: Environment) => api.get<Rule>(`/rules/${seg(id)}`, { query: { environment } }),
  create: (input: RuleInput) => api.post<Rule>('/rules', input),
  /** `version`: the version edited; the server answers 409 when the rule moved on meanwhile. */
  replace: (id: string, input: RuleInput, version?: number) =>
    api.put<Rule>(`/rules/${seg(id)}`, version === undefined ? input : { ...input, version }),
  versions: (id: string, cursor?: string | null) =>
    api.get<Page<RuleVersion>>(`/rules/${seg(id)}/versions`, { query: { cursor, limit: 50 } }),
  restore: (id: string, version: number) => api.post<Rule>(`/rules/${seg(id)}/versions/${version}/restore`),
  validate: (expression: string, signal?: AbortSignal) =>
    api.post<ValidateResult>('/rules/validate', { expression }, { signal }),
  test: (expression: string, transaction: Record<string, unknown>, environment?: Environment) =>
    api.post<TestResult>('/rules/test', { expression, transaction, environment }),
  backtest: (body: { expression: string; from: string; to: string; environment?: Environment }) =>
    api.post<BacktestResult>('/rules/backtest', body),
  starterPack: () => api.get<{ data: StarterTemplate[] }>('/rules/starter-pack'),
  enableStarterPack: (body: { templates?: string[]; status?: RuleStatus }) =>
    api.post<StarterPackResult>('/rules/starter-pack', body),
};

export const lists = {
  list: (cursor?: string | null) => api.get<Page<NamedList>>('/lists', { query: { cursor, limit: 100 } }),
  create: (body: { name: string; description?: string }) => api.post<NamedList>('/lists', body),
  get: (id: string, cursor?: string | null, limit = 50) =>
    api.get<NamedListDetail>(`/lists/${seg(id)}`, { query: { cursor, limit } }),
  addItems: (id: string, values: string[]) => api.post<unknown>(`/lists/${seg(id)}/items`, { values }),
  // The query form takes any value, including one with "/" (which a path segment cannot carry).
  removeItem: (id: string, value: string) =>
    api.delete<void>(`/lists/${seg(id)}/items?value=${encodeURIComponent(value)}`),
};

export interface AlertFilters {
  environment: Environment;
  /** The queue view (docs/investigations.md): my queue, unassigned, all open, overdue, all. */
  view?: QueueView;
  status?: AlertStatus | '';
  severity?: RuleSeverity | '';
  ruleId?: string;
  /** A user id, `me` or `none`. */
  assignee?: string;
  /** `account:<id>`, or an account id. */
  entity?: string;
  /** RFC 3339 UTC, on created_at (from inclusive, to exclusive). */
  from?: string;
  to?: string;
  limit?: number;
}

export interface AlertChange {
  status?: AlertStatus;
  assignee_id?: string | null;
  disposition?: Disposition;
  note?: string;
}

export const alerts = {
  list: (filters: AlertFilters, cursor?: string | null) =>
    api.get<Page<AlertSummary>>('/alerts', { query: { ...alertQuery(filters), cursor } }),
  get: (id: string) => api.get<AlertDetail>(`/alerts/${seg(id)}`),
  update: (id: string, change: AlertChange) => api.patch<AlertSummary>(`/alerts/${seg(id)}`, change),
  bulkAssign: (ids: string[], assigneeId: string | null) =>
    api.post<BulkResult>('/alerts/bulk', { alert_ids: ids, action: 'assign', assignee_id: assigneeId }),
  bulkClose: (ids: string[], disposition: Disposition, note: string) =>
    api.post<BulkResult>('/alerts/bulk', { alert_ids: ids, action: 'close', disposition, note }),
};

export interface CaseFilters {
  /** One status or a comma list. */
  status?: string;
  priority?: string;
  /** A user id, `me` or `none`. */
  assignee?: string;
  environment?: Environment | '';
  limit?: number;
}

export const cases = {
  list: (filters: CaseFilters, cursor?: string | null) =>
    api.get<Page<CaseSummary>>('/cases', {
      query: {
        status: filters.status,
        priority: filters.priority,
        assignee_id: filters.assignee,
        environment: filters.environment,
        limit: filters.limit,
        cursor,
      },
    }),
  get: (id: string) => api.get<CaseDetail>(`/cases/${seg(id)}`),
  create: (body: { title: string; alert_ids: string[]; assignee_id?: string | null; priority?: CasePriority }) =>
    api.post<CaseDetail>('/cases', body),
  update: (id: string, change: { status?: CaseStatus; priority?: CasePriority; assignee_id?: string | null; title?: string }) =>
    api.patch<CaseDetail>(`/cases/${seg(id)}`, change),
  comment: (id: string, body: string) => api.post<unknown>(`/cases/${seg(id)}/comments`, { body }),
  close: (id: string, resolution: CaseResolution, note: string) =>
    api.post<CaseDetail>(`/cases/${seg(id)}/close`, { resolution, note }),
  reopen: (id: string, note: string) => api.post<CaseDetail>(`/cases/${seg(id)}/reopen`, { note }),
  addAlerts: (id: string, alertIds: string[]) => api.post<unknown>(`/cases/${seg(id)}/alerts`, { alert_ids: alertIds }),
  removeAlert: (id: string, alertId: string) => api.delete<unknown>(`/cases/${seg(id)}/alerts/${seg(alertId)}`),
  uploadEvidence: (id: string, file: File) =>
    api.upload<CaseEvidence>(`/cases/${seg(id)}/evidence?filename=${encodeURIComponent(file.name)}`, file, file.type || 'application/octet-stream'),
  evidenceHref: (id: string, evidenceId: string) => `/api/v1/cases/${seg(id)}/evidence/${seg(evidenceId)}`,
  reportHref: (id: string) => `/api/v1/cases/${seg(id)}/report`,
};

export const dashboard = {
  get: (query: { from?: string; to?: string; environment?: Environment; bucket?: 'hour' | 'day' }) => api.get<Dashboard>('/dashboard', { query }),
};

export type ExportKind = 'transactions' | 'alerts' | 'cases' | 'audit';

export const reports = {
  summary: (query: { from?: string; to?: string; environment?: Environment }) =>
    api.get<ReportSummary>('/reports/summary', { query }),
  exportHref: (kind: ExportKind, query: { from?: string; to?: string; environment?: Environment }) => {
    const params = new URLSearchParams({ kind, format: 'csv' });
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
    return `/api/v1/reports/export?${params.toString()}`;
  },
};

export const notifications = {
  settings: () => api.get<NotificationSettings>('/notifications/settings'),
  saveSettings: (settings: NotificationSettings) => api.put<NotificationSettings>('/notifications/settings', settings),
  channels: (cursor?: string | null) => api.get<Page<NotificationChannel>>('/orgs/notification-channels', { query: { cursor } }),
  createChannel: (body: Record<string, unknown>) => api.post<NotificationChannel>('/orgs/notification-channels', body),
  updateChannel: (id: string, patch: NotificationChannelPatch) => api.patch<NotificationChannel>(`/orgs/notification-channels/${seg(id)}`, patch),
  deleteChannel: (id: string) => api.delete<void>(`/orgs/notification-channels/${seg(id)}`),
  testChannel: (id: string) => api.post<unknown>(`/orgs/notification-channels/${seg(id)}/test`),
  deliveries: (id: string, cursor?: string | null) =>
    api.get<Page<NotificationDelivery>>(`/orgs/notification-channels/${seg(id)}/deliveries`, { query: { cursor } }),
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
