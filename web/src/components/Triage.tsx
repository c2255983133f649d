// SPDX-License-Identifier: Apache-2.0
// Pieces of alert triage shared by the queue and the alert page: the SLA due badge, the close
// dialog (disposition + required note, for one alert or a selection) on DecisionForm (also the
// case's close form), the keyboard-shortcuts dialog, and "Create case" from alerts.
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { cases as casesApi } from '../api/endpoints';
import type { AlertSummary, CasePriority, Disposition } from '../api/types';
import { navigate } from '../app/router';
import { closeFormErrors, DISPOSITIONS, QUEUE_SHORTCUTS } from '../lib/alertFilters';
import { capitalize, SEVERITIES } from '../lib/rules';
import { formatDateTime, formatUntil } from '../lib/time';
import { DialogFormFooter } from './ConfirmDialog';
import { Modal } from './Modal';
import { Badge, ErrorAlert, SelectField, TextAreaField, TextField } from './ui';

/** "Due in 5 h", or a red "Overdue" (the server's flag) with how long ago it was due. */
export function DueBadge({ alert }: { alert: Pick<AlertSummary, 'due_at' | 'overdue' | 'status'> }) {
  if (!alert.due_at || alert.status === 'closed') return <span className="muted">—</span>;
  if (alert.overdue) {
    return (
      <span title={`Was due ${formatDateTime(alert.due_at)}`}>
        <Badge tone="danger">Overdue</Badge>
      </span>
    );
  }
  return (
    <span className="due" title={`Due ${formatDateTime(alert.due_at)}`}>
      Due {formatUntil(alert.due_at)}
    </span>
  );
}

/**
 * Close one or more alerts: a disposition and a note, both required (checked here and by the
 * server, whose field messages are shown at the field).
 */
export function CloseAlertsDialog({
  open,
  count,
  onClose,
  onSubmit,
}: {
  open: boolean;
  count: number;
  onClose: () => void;
  /** Sends the change; throws ApiError when the server refuses. */
  onSubmit: (disposition: Disposition, note: string) => Promise<void>;
}) {
  const label = count === 1 ? 'Close alert' : `Close ${count} alerts`;
  return (
    <Modal open={open} title={label} onClose={onClose}>
      {open ? (
        <DecisionForm
          legend="Disposition"
          field="disposition"
          choices={DISPOSITIONS}
          noteHint={count === 1 ? 'Why you decided so; kept in the alert’s history.' : `The same note goes on each of the ${count} alerts.`}
          submitLabel={label}
          errorTitle="Nothing was closed"
          validate={(choice, note) => {
            const problems = closeFormErrors(choice, note);
            return { choice: problems.disposition, note: problems.note };
          }}
          onCancel={onClose}
          onSubmit={(choice, note) => onSubmit(choice as Disposition, note)}
        />
      ) : null}
    </Modal>
  );
}

/**
 * A decision with a reason: one of `choices` (radio cards) and a note, each checked by `validate`
 * before sending; the server's messages for `field` and `note` are shown at them. Closing alerts
 * (disposition) and cases (resolution).
 */
export function DecisionForm({
  legend,
  field,
  choices,
  noteHint,
  submitLabel,
  errorTitle,
  validate,
  onCancel,
  onSubmit,
}: {
  legend: string;
  /** The request's field of the choice (for the server's field message). */
  field: string;
  choices: readonly { value: string; label: string; hint: string }[];
  noteHint: string;
  submitLabel: string;
  errorTitle: string;
  validate: (choice: string, note: string) => { choice?: string; note?: string };
  onCancel: () => void;
  /** Sends the decision; throws ApiError when the server refuses. */
  onSubmit: (choice: string, note: string) => Promise<void>;
}) {
  const [choice, setChoice] = useState('');
  const [note, setNote] = useState('');
  const [shown, setShown] = useState<{ choice?: string; note?: string }>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const name = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = validate(choice, note);
    setShown(problems);
    if (problems.choice || problems.note) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(choice, note.trim());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const choiceError = shown.choice ?? error?.fieldMessage(field);
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <fieldset className="choice-group" aria-describedby={choiceError ? `${name}-error` : undefined}>
        <legend>{legend}</legend>
        {choices.map((c, index) => (
          <label key={c.value} className={`choice${choice === c.value ? ' choice-selected' : ''}`}>
            <input type="radio" name={name} value={c.value} checked={choice === c.value} onChange={() => setChoice(c.value)} autoFocus={index === 0} />
            <span className="choice-text">
              <span className="choice-label">{c.label}</span>
              <span className="choice-description">{c.hint}</span>
            </span>
          </label>
        ))}
        {choiceError ? (
          <p className="field-error" id={`${name}-error`}>
            {choiceError}
          </p>
        ) : null}
      </fieldset>
      <TextAreaField
        label="Note"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        rows={4}
        maxLength={4000}
        error={shown.note ?? error?.fieldMessage('note')}
        hint={noteHint}
      />
      {error && !error.fieldErrors.length ? <ErrorAlert error={error} title={errorTitle} /> : null}
      <DialogFormFooter busy={busy} submitLabel={submitLabel} busyLabel="Closing…" onCancel={onCancel} />
    </form>
  );
}

/** `?` in the queue: every shortcut; the triage ones only for those who may triage. */
export function ShortcutsDialog({ open, canWork, onClose }: { open: boolean; canWork: boolean; onClose: () => void }) {
  return (
    <Modal
      open={open}
      title="Keyboard shortcuts"
      size="small"
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-secondary" onClick={onClose} autoFocus>
          Done
        </button>
      }
    >
      <dl className="shortcut-list">
        {QUEUE_SHORTCUTS.filter((s) => canWork || !s.worker).map((s) => (
          <div key={s.keys} className="shortcut-row">
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.label}</dd>
          </div>
        ))}
        <div className="shortcut-row">
          <dt>
            <kbd>Shift</kbd> + click
          </dt>
          <dd>Select every alert between the last one clicked and this one</dd>
        </div>
      </dl>
    </Modal>
  );
}

/** "Create case" from alerts: a title and a priority; opens the new case. */
export function CreateCaseDialog({ alerts, open, onClose }: { alerts: AlertSummary[]; open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} title={alerts.length === 1 ? 'Create case from 1 alert' : `Create case from ${alerts.length} alerts`} onClose={onClose}>
      {open ? <CreateCaseForm alerts={alerts} onCancel={onClose} /> : null}
    </Modal>
  );
}

function suggestedTitle(alerts: AlertSummary[]): string {
  const entities = [...new Set(alerts.map((a) => a.entity_key.replace(/^account:/, '')))];
  const rules = [...new Set(alerts.map((a) => a.rule_name))];
  return `${rules.slice(0, 2).join(', ')}${rules.length > 2 ? '…' : ''} — ${entities.slice(0, 2).join(', ')}${entities.length > 2 ? '…' : ''}`;
}

function highestSeverity(alerts: AlertSummary[]): CasePriority {
  let best = 0;
  for (const a of alerts) best = Math.max(best, SEVERITIES.indexOf(a.severity));
  return SEVERITIES[best] as CasePriority;
}

function CreateCaseForm({ alerts, onCancel }: { alerts: AlertSummary[]; onCancel: () => void }) {
  const [title, setTitle] = useState(() => suggestedTitle(alerts));
  const [priority, setPriority] = useState<CasePriority>(() => highestSeverity(alerts));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await casesApi.create({ title: title.trim(), alert_ids: alerts.map((a) => a.id), priority });
      navigate(`/cases/${encodeURIComponent(created.id)}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <TextField label="Title" value={title} onChange={(e) => setTitle(e.target.value)} error={error?.fieldMessage('title')} autoFocus maxLength={200} />
      <SelectField label="Priority" value={priority} onChange={(e) => setPriority(e.target.value as CasePriority)} error={error?.fieldMessage('priority')}>
        {SEVERITIES.map((s) => (
          <option key={s} value={s}>
            {capitalize(s)}
          </option>
        ))}
      </SelectField>
      {error && !error.fieldMessage('title') && !error.fieldMessage('priority') ? <ErrorAlert error={error} title="The case was not created" /> : null}
      <DialogFormFooter busy={busy} submitLabel="Create case" busyLabel="Creating…" onCancel={onCancel} />
    </form>
  );
}
