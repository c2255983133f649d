// SPDX-License-Identifier: Apache-2.0
// Badges of the rules engine: a rule's status, severity and action, an alert's status, and the
// value of a trace step.
import { capitalize, valueTone } from '../lib/rules';
import { Badge, type BadgeTone } from './ui';

const STATUS_TONES: Record<string, BadgeTone> = { draft: 'neutral', shadow: 'info', active: 'good', disabled: 'neutral' };
const STATUS_HINTS: Record<string, string> = {
  draft: 'Draft: stored, not evaluated',
  shadow: 'Shadow: evaluated and hits recorded, no alerts and no effect on the decision',
  active: 'Active: evaluated; raises alerts and sets the decision',
  disabled: 'Disabled: not evaluated',
};

export function RuleStatusBadge({ status }: { status: string }) {
  return (
    <span className={`rule-status rule-status-${status}`} title={STATUS_HINTS[status]}>
      <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{capitalize(status)}</Badge>
    </span>
  );
}

const SEVERITY_TONES: Record<string, BadgeTone> = { low: 'neutral', medium: 'info', high: 'warn', critical: 'danger' };

export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <span className={`severity severity-${severity}`}>
      <Badge tone={SEVERITY_TONES[severity] ?? 'neutral'}>{capitalize(severity)}</Badge>
    </span>
  );
}

/** alert | review | block: what a hit does to the decision. */
export function ActionLabel({ action }: { action: string }) {
  return <span className={`rule-action rule-action-${action}`}>{capitalize(action)}</span>;
}

const ALERT_STATUS_TONES: Record<string, BadgeTone> = { open: 'warn', in_review: 'info', escalated: 'danger', closed: 'neutral' };

export function AlertStatusBadge({ status }: { status: string }) {
  return <Badge tone={ALERT_STATUS_TONES[status] ?? 'neutral'}>{capitalize(status)}</Badge>;
}

/** A trace value: true / false / null coloured, "not evaluated" muted, others in monospace. */
export function TraceValue({ value, evaluated = true }: { value: string; evaluated?: boolean }) {
  const tone = valueTone(value, evaluated);
  return <span className={`trace-value trace-value-${tone}`}>{evaluated ? value : 'not evaluated'}</span>;
}
