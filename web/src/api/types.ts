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
  /** ADMIN and RISK_LEAD (or everyone, by organization setting) without MFA: only enrolment is open. */
  mfa_enrollment_required?: boolean;
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

/** `GET /orgs/current` (only the fields the console reads). */
export interface CurrentOrganization {
  id: string;
  name: string;
  settings: { require_mfa_for_all?: boolean };
}

/** `POST /auth/mfa/setup`: a pending secret, confirmed by `POST /auth/mfa/verify-setup`. */
export interface MfaSetup {
  /** Unpadded base32. */
  secret: string;
  otpauth_uri: string;
  /** An SVG document (string) of the QR code of `otpauth_uri`. */
  qr_svg: string;
}

/** `POST /auth/mfa/verify-setup` and `POST /auth/mfa/backup-codes`: codes shown once. */
export interface BackupCodes {
  backup_codes: string[];
  csrf_token?: string;
}

/** `POST /auth/invitations/verify`. */
export interface InvitationPreview {
  email: string;
  organization: OrganizationRef;
  role: Role;
  /** Present when the server tells whether the email already has an account. */
  existing_user?: boolean;
}

/** `GET /orgs/invitations` items (pending) and the `201` of `POST /orgs/invitations`. */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invited_by: string | { id: string; name?: string; email?: string } | null;
  created_at: string;
  expires_at: string;
}

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

/** One evaluated sub-expression of a stored hit, outermost first (`explanation`). */
export interface ExplanationStep {
  line: number;
  column: number;
  /** Its source text (shortened by the server to 200 bytes, ending "..."). */
  text: string;
  value: string;
}

/** A rule hit of a transaction (`GET /transactions/{id}` `rule_hits`). */
export interface RuleHit {
  rule_id: string;
  /** Null when the rule is gone. */
  rule_name: string | null;
  rule_version: number;
  /** The rule's status when it hit: `active` (counted) or `shadow` (recorded only). */
  status: string;
  action: string;
  score: number;
  alert_id: string | null;
  explanation: ExplanationStep[];
}

export type AlertStatus = 'open' | 'in_review' | 'escalated' | 'closed';

/** `GET /alerts` items, and a transaction's `alerts`. */
export interface AlertSummary {
  id: string;
  rule_id: string;
  rule_name: string;
  rule_version: number;
  severity: RuleSeverity;
  status: AlertStatus;
  environment: Environment;
  transaction_id: string;
  entity_key: string;
  assignee_id: string | null;
  disposition: string | null;
  case_id: string | null;
  occurred_at: string;
  created_at: string;
  updated_at: string;
  /** Triage (docs/investigations.md): the closing note, when it first left `open`, closing. */
  note?: string | null;
  triaged_at?: string | null;
  closed_at?: string | null;
  closed_by?: string | null;
  /** created_at + the organization's SLA hours of the severity; overdue while not closed past it. */
  due_at?: string | null;
  overdue?: boolean;
}

export type Disposition = 'false_positive' | 'true_positive' | 'duplicate';

/** One entry of an alert's triage history (oldest first). */
export interface AlertEvent {
  at: string;
  actor_id: string | null;
  action: string;
  details: Record<string, unknown> | null;
}

/** `POST /alerts/bulk` answer. */
export interface BulkResult {
  updated: number;
  alerts: AlertSummary[];
}

/** `GET /alerts/{id}`: the alert, the rule version that raised it, and the hit explained. */
export interface AlertDetail extends AlertSummary {
  events?: AlertEvent[];
  rule: {
    id: string;
    name: string;
    expression: string;
    /** The version that raised the alert. */
    version: number;
    current_version: number;
    status: RuleStatus;
  } | null;
  rule_hit: {
    rule_version: number;
    action: string;
    score: number;
    status: string;
    explanation: ExplanationStep[];
  } | null;
}

/** @deprecated name kept for the transaction page: a transaction's alerts are alert summaries. */
export type TransactionAlert = AlertSummary;

/** `GET /transactions/{id}`: the transaction plus what the rules made of it. */
export interface TransactionDetail extends Transaction {
  rule_hits: RuleHit[];
  alerts: TransactionAlert[];
}

// --- Rules and lists (docs/api.md "Rules and lists") ------------------------------------------

export type RuleStatus = 'draft' | 'shadow' | 'active' | 'disabled';
export type RuleSeverity = 'low' | 'medium' | 'high' | 'critical';
export type RuleAction = 'alert' | 'review' | 'block';

/** The body of `POST /rules` and `PUT /rules/{id}` (PUT may add the edited `version`). */
export interface RuleInput {
  name: string;
  description: string | null;
  expression: string;
  severity: RuleSeverity;
  action: RuleAction;
  score: number;
  status: RuleStatus;
  suppression_seconds: number | null;
}

export interface Rule extends RuleInput {
  id: string;
  version: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  /** List and detail only: hits in the environment asked for. */
  hits_24h?: number;
  hits_total?: number;
}

/** `GET /rules/{id}/versions` items, newest first. */
export interface RuleVersion extends RuleInput {
  version: number;
  author_id: string | null;
  created_at: string;
  /** "created", "updated", "restored from version N". */
  change: string;
  diff: { field: string; from: unknown; to: unknown }[];
  /** " " kept, "-" removed, "+" added. */
  expression_diff: { op: ' ' | '-' | '+'; line: string }[];
}

export interface CompileProblem {
  field?: string;
  message: string;
  line: number;
  column: number;
}

export interface AggregateInfo {
  text: string;
  function: string;
  window: string;
  line: number;
  column: number;
}

/** `POST /rules/validate`. */
export interface ValidateResult {
  valid: boolean;
  errors: CompileProblem[];
  aggregates?: AggregateInfo[];
  lists?: string[];
}

export interface TestStep {
  line: number;
  column: number;
  /** UTF-8 byte offsets of the sub-expression in the source. */
  begin: number;
  end: number;
  text: string;
  value: string;
  evaluated: boolean;
}

/** `POST /rules/test`. */
export interface TestResult {
  result: boolean | null;
  value: string;
  /** Every sub-expression but literals, innermost first. */
  steps: TestStep[];
  aggregates: AggregateInfo[];
  /** Aggregates the live windows do not hold yet (their value in the test is from no history). */
  untracked_aggregates: string[];
}

/** `POST /rules/backtest`. */
export interface BacktestResult {
  evaluated: number;
  hits: number;
  hit_rate: number;
  by_day: { date: string; hits: number }[];
  samples: { transaction_id: string; external_id: string }[];
}

/** `GET /rules/starter-pack` items. */
export interface StarterTemplate {
  key: string;
  name: string;
  typology: string;
  description: string;
  expression: string;
  severity: RuleSeverity;
  action: RuleAction;
  score: number;
  /** The organization already has a rule of this name. */
  enabled: boolean;
}

/** `POST /rules/starter-pack`. */
export interface StarterPackResult {
  created: Rule[];
  lists_created: string[];
  skipped: { key: string; reason: string }[];
}

export interface NamedList {
  id: string;
  name: string;
  description: string | null;
  item_count: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

/** `GET /lists/{id}`: a page of items in value order, and the rules that use the list. */
export interface NamedListDetail extends NamedList {
  items: { value: string; added_at: string; added_by: string | null }[];
  next_cursor: string | null;
  used_by: { id: string; name: string; status: RuleStatus }[];
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

// --- Cases (docs/investigations.md) -------------------------------------------------------------

export type CaseStatus = 'open' | 'investigating' | 'pending_info' | 'escalated' | 'closed';
export type CasePriority = 'low' | 'medium' | 'high' | 'critical';
export type CaseResolution = 'no_action' | 'sar_filed' | 'customer_exited' | 'other';

export interface CaseSummary {
  id: string;
  title: string;
  status: CaseStatus;
  priority: CasePriority;
  assignee_id: string | null;
  environment?: Environment;
  resolution?: CaseResolution | null;
  resolution_note?: string | null;
  alert_count?: number;
  created_by?: string | null;
  created_at: string;
  updated_at?: string;
  closed_at?: string | null;
  closed_by?: string | null;
}

export interface CaseComment {
  id: string;
  author_id: string | null;
  author_name?: string | null;
  body: string;
  created_at: string;
}

export interface CaseEvidence {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  uploaded_by?: string | null;
  created_at: string;
  sha256?: string;
}

export interface TimelineEntry {
  at: string;
  actor: { id: string | null; name?: string | null } | null;
  action: string;
  details: Record<string, unknown> | null;
}

/** The evidence upload limits a case view states; the console shows and checks these (no copy of its own). */
export interface EvidenceLimits {
  max_bytes?: number;
  content_types?: string[];
}

export interface CaseDetail extends CaseSummary {
  alerts: AlertSummary[];
  /** The alerts' own (`linked: true`) and the latest of the alerts' accounts. */
  transactions: (Transaction & { linked?: boolean })[];
  comments: CaseComment[];
  evidence?: CaseEvidence[];
  timeline: TimelineEntry[];
  evidence_limits?: EvidenceLimits;
  report_url?: string | null;
}

// --- Notifications ------------------------------------------------------------------------------

export type NotificationEvent = string;

export interface NotificationChannel {
  id: string;
  type: 'webhook' | 'email';
  name: string;
  url?: string;
  /** Webhooks only: the DNS names (each with its subdomains) the URL may point at; `[]` = any. */
  allowed_domains?: string[];
  recipients?: string[];
  events: NotificationEvent[];
  min_severity?: RuleSeverity | null;
  enabled?: boolean;
  created_at: string;
  created_by?: string | null;
  updated_at?: string;
  /** Only in the creation answer of a webhook: its signing secret, shown once. */
  secret?: string;
}

/** `PATCH /orgs/notification-channels/{id}`: what may change (URL, recipients and secret never). */
export interface NotificationChannelPatch {
  name?: string;
  events?: NotificationEvent[];
  min_severity?: RuleSeverity;
  enabled?: boolean;
  /** Webhooks only; `[]` removes the restriction. Must still allow the URL's host. */
  allowed_domains?: string[];
}

/** One delivery of the channel's log (newest first). */
export interface NotificationDelivery {
  id: string;
  event_id?: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed' | string;
  attempts: number;
  last_status?: number | null;
  last_error?: string | null;
  created_at: string;
  last_attempt_at?: string | null;
  next_attempt_at?: string | null;
  delivered_at?: string | null;
  failed_at?: string | null;
}

/** `GET/PUT /notifications/settings`: mail on or off, and for which events. */
export interface NotificationSettings {
  email: boolean;
  events: string[];
}

// --- Dashboard and reports (docs/reports.md) -----------------------------------------------------

export interface DashboardSeriesPoint {
  start: string;
  decision: string;
  currency: string;
  count: number;
  /** Decimal string in the currency's units. */
  amount: string;
}

export interface Dashboard {
  from: string;
  to: string;
  environment: Environment;
  bucket: 'hour' | 'day';
  /** The zone whose days the day buckets are (the organization's, or UTC). */
  time_zone?: string;
  transactions: {
    count: number;
    by_decision: { decision: string; count: number }[];
    value: { currency: string; amount: string }[];
    by_environment?: { environment: string; count: number }[];
  };
  series: DashboardSeriesPoint[];
  alerts: {
    raised: number;
    by_severity: { severity: string; count: number }[];
    by_rule: { rule_id: string; rule_name: string; severity: string; count: number }[];
    series: { start: string; severity: string; count: number }[];
  };
  open_work: {
    alerts: { open: number; overdue: number; by_assignee: { assignee_id: string | null; open: number; overdue: number }[] };
    cases: { open: number; by_assignee: { assignee_id: string | null; open: number }[] };
  };
  triage: TriageFigures;
  false_positive_rate: { rule_id: string; rule_name: string; closed: number; false_positive: number; rate: number | null }[];
}

export interface TriageFigures {
  triaged: number;
  median_seconds_to_triage: number | null;
  closed: number;
  median_seconds_to_close: number | null;
}

export interface ReportSummary {
  from: string;
  to: string;
  environment: Environment;
  transactions: { count: number; by_decision: { decision: string; count: number; value: { currency: string; amount: string }[] }[] };
  alerts: {
    raised: { total: number; by_severity: { severity: string; count: number }[] };
    closed: { total: number; by_severity: { severity: string; count: number }[]; by_disposition: { disposition: string; count: number }[] };
  };
  cases: { opened: number; closed: { total: number; by_resolution: { resolution: string; count: number }[] }; sar_filed: number };
  triage: TriageFigures;
}
