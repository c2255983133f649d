// SPDX-License-Identifier: Apache-2.0
// Rules › a rule (`/rules/new`, `/rules/{id}`): the rule's fields and its expression in an editor
// with syntax colours and live validation (`POST /rules/validate` while typing, debounced: the
// error is underlined at its line and column), then the test and backtest panels. RISK_LEAD and
// ADMIN save (a stale edit is refused with 409: someone saved meanwhile); other roles read.
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { rules as rulesApi } from '../api/endpoints';
import type { AggregateInfo, Rule, RuleAction, RuleSeverity, RuleStatus } from '../api/types';
import { Link, navigate } from '../app/router';
import { useMe } from '../app/session';
import { PageError } from '../components/PageError';
import { RuleBacktestPanel } from '../components/RuleBacktestPanel';
import { CodeErrorMessage, RuleEditor, type CodeError, type RuleEditorHandle } from '../components/RuleCode';
import { RuleStatusBadge } from '../components/RuleBadges';
import { RuleTestPanel } from '../components/RuleTestPanel';
import { Alert, EmptyState, Icon, Loading, PageHeader, SelectField, TextAreaField, TextField } from '../components/ui';
import {
  ACTIONS,
  canManageRules,
  capitalize,
  EMPTY_RULE_FORM,
  RULE_STATUSES,
  ruleInputFromForm,
  SEVERITIES,
  suppressionToForm,
  type FormProblem,
  type RuleForm,
  type SuppressionUnit,
} from '../lib/rules';
import type { Span } from '../lib/ruleSyntax';
import { formatDateTime, formatRelative } from '../lib/time';

const VALIDATE_DELAY_MS = 350;

/** A message for the next rule page shown (after a create, the page changes address). */
let pendingNotice: string | null = null;

function formFromRule(rule: Rule): RuleForm {
  return {
    name: rule.name,
    description: rule.description ?? '',
    expression: rule.expression,
    severity: rule.severity,
    action: rule.action,
    score: String(rule.score),
    status: rule.status,
    ...suppressionToForm(rule.suppression_seconds),
  };
}

type Validation =
  | { state: 'empty' }
  | { state: 'checking' }
  | { state: 'valid'; aggregates: AggregateInfo[]; lists: string[] }
  | { state: 'invalid'; error: CodeError }
  | { state: 'unknown' };

export function RuleEditorPage({ id }: { id: string | null }) {
  const me = useMe();
  const manage = canManageRules(me.role);
  const [rule, setRule] = useState<Rule | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [form, setForm] = useState<RuleForm>(EMPTY_RULE_FORM);
  const [saved, setSaved] = useState<RuleForm>(EMPTY_RULE_FORM);
  const [validation, setValidation] = useState<Validation>({ state: 'empty' });
  // An expression error from a save, test or backtest, until the expression changes.
  const [expressionError, setExpressionError] = useState<{ error: CodeError; expression: string } | null>(null);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [problems, setProblems] = useState<FormProblem[]>([]);
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<string | null>(() => {
    const text = pendingNotice;
    pendingNotice = null;
    return text;
  });
  const [highlight, setHighlight] = useState<Span | null>(null);
  const editor = useRef<RuleEditorHandle>(null);
  const errorId = useId();
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);

  // Leaving the page (reload, closing the tab) with unsaved changes asks first.
  useEffect(() => {
    if (!dirty || !manage) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, manage]);

  const load = useCallback(async () => {
    if (!id) return;
    setLoadError(null);
    try {
      const loaded = await rulesApi.get(id);
      setRule(loaded);
      setForm(formFromRule(loaded));
      setSaved(formFromRule(loaded));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setLoadError(err);
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  // Live validation: the server's compiler, a moment after typing stops.
  const expression = form.expression;
  useEffect(() => {
    if (expression.trim() === '') {
      setValidation({ state: 'empty' });
      return;
    }
    setValidation((current) => (current.state === 'invalid' ? current : { state: 'checking' }));
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      rulesApi
        .validate(expression, controller.signal)
        .then((answer) => {
          if (answer.valid) setValidation({ state: 'valid', aggregates: answer.aggregates ?? [], lists: answer.lists ?? [] });
          else {
            const first = answer.errors[0];
            setValidation({
              state: 'invalid',
              error: { line: first?.line || 1, column: first?.column || 1, message: first?.message ?? 'The expression is not valid.' },
            });
          }
        })
        .catch((err: unknown) => {
          if (err instanceof DOMException && err.name === 'AbortError') return;
          setValidation({ state: 'unknown' });
        });
    }, VALIDATE_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [expression]);

  const shownError: CodeError | null =
    expressionError && expressionError.expression === expression
      ? expressionError.error
      : validation.state === 'invalid'
        ? validation.error
        : null;

  function update<K extends keyof RuleForm>(key: K, value: RuleForm[K]) {
    setForm((current) => ({ ...current, [key]: value }));
    setNotice(null);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const { input, problems: found } = ruleInputFromForm(form);
    setProblems(found);
    setSaveError(null);
    setNotice(null);
    if (found.length > 0) return;
    setSaving(true);
    try {
      if (!rule) {
        const created = await rulesApi.create(input);
        pendingNotice = `Rule “${created.name}” created as version 1 (${created.status}).`;
        navigate(`/rules/${encodeURIComponent(created.id)}`, { replace: true });
        return;
      }
      const updated = await rulesApi.replace(rule.id, input, rule.version);
      setRule((current) => ({ ...updated, hits_24h: current?.hits_24h, hits_total: current?.hits_total }));
      setForm(formFromRule(updated));
      setSaved(formFromRule(updated));
      setNotice(updated.version === rule.version ? 'Nothing changed, so no new version was made.' : `Saved as version ${updated.version}.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setSaveError(err);
      const problem = err.fieldErrors.find((f) => f.field === 'expression');
      if (problem) {
        setExpressionError({ error: { line: problem.line || 1, column: problem.column || 1, message: problem.message }, expression: form.expression });
      }
    } finally {
      setSaving(false);
    }
  }

  const back = (
    <Link to="/rules" className="back-link">
      <span aria-hidden="true">←</span> All rules
    </Link>
  );

  if (loadError) {
    return (
      <>
        {back}
        {loadError.status === 404 ? (
          <>
            <PageHeader title="Rule not found" />
            <EmptyState title="There is no such rule in this organization">
              <p>Check the address, or find the rule in the list.</p>
            </EmptyState>
          </>
        ) : (
          <>
            <PageHeader title="Rule" />
            <PageError error={loadError} subject="this rule" onRetry={() => void load()} />
          </>
        )}
      </>
    );
  }
  if (id && !rule) {
    return (
      <>
        {back}
        <Loading label="Loading the rule…" />
      </>
    );
  }
  if (!id && !manage) {
    return (
      <>
        {back}
        <PageHeader title="New rule" />
        <PageError error={new ApiError({ status: 403, code: 'forbidden' })} subject="the rule editor" allowedRoles={['RISK_LEAD', 'ADMIN']} />
      </>
    );
  }

  const fieldError = (name: string) =>
    problems.find((p) => p.field === name)?.message ?? (saveError?.status === 422 ? saveError.fieldMessage(name) : undefined);
  const conflict = saveError?.status === 409;
  const readOnly = !manage;

  return (
    <>
      {back}
      <PageHeader
        title={rule ? rule.name : 'New rule'}
        description={
          rule ? (
            <span className="rule-meta">
              <RuleStatusBadge status={rule.status} /> Version {rule.version} · updated {formatRelative(rule.updated_at)} (
              {formatDateTime(rule.updated_at)}) · {rule.hits_24h ?? 0} hits in 24 h, {rule.hits_total ?? 0} in all
              (production)
            </span>
          ) : (
            'Write the expression, test it on a transaction, backtest it on stored ones, then save.'
          )
        }
        actions={
          rule ? (
            <>
              <Link to={`/rules/${encodeURIComponent(rule.id)}/versions`} className="btn btn-secondary">
                <Icon name="clock" />
                History
              </Link>
              <Link to={`/alerts?rule_id=${encodeURIComponent(rule.id)}`} className="btn btn-secondary">
                <Icon name="alerts" />
                Alerts
              </Link>
            </>
          ) : null
        }
      />
      {readOnly ? (
        <Alert tone="info" title="Read only">
          Your role can read this rule. Risk leads and administrators change, test and backtest rules.
        </Alert>
      ) : null}
      {notice ? <Alert tone="success">{notice}</Alert> : null}
      <form onSubmit={(e) => void save(e)} noValidate aria-label={rule ? 'Edit rule' : 'New rule'}>
        <section className="card" aria-labelledby="rule-fields-heading">
          <div className="card-header">
            <h2 id="rule-fields-heading">Rule</h2>
          </div>
          <div className="card-body">
            <div className="rule-form-grid">
              <TextField
                label="Name"
                className="rule-name"
                value={form.name}
                onChange={(e) => update('name', e.target.value)}
                maxLength={100}
                required
                readOnly={readOnly}
                error={fieldError('name')}
              />
              <TextAreaField
                label="Description"
                className="rule-description"
                rows={2}
                value={form.description}
                onChange={(e) => update('description', e.target.value)}
                maxLength={2000}
                readOnly={readOnly}
                hint="Optional: what the rule looks for and why, for whoever reviews its alerts."
                error={fieldError('description')}
              />
              <SelectField label="Status" value={form.status} onChange={(e) => update('status', e.target.value as RuleStatus)} disabled={readOnly} error={fieldError('status')} hint={statusHint(form.status)}>
                {RULE_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {capitalize(s)}
                  </option>
                ))}
              </SelectField>
              <SelectField label="Action" value={form.action} onChange={(e) => update('action', e.target.value as RuleAction)} disabled={readOnly} error={fieldError('action')} hint={actionHint(form.action)}>
                {ACTIONS.map((a) => (
                  <option key={a} value={a}>
                    {capitalize(a)}
                  </option>
                ))}
              </SelectField>
              <SelectField label="Severity" value={form.severity} onChange={(e) => update('severity', e.target.value as RuleSeverity)} disabled={readOnly} error={fieldError('severity')}>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {capitalize(s)}
                  </option>
                ))}
              </SelectField>
              <TextField
                label="Score"
                inputMode="numeric"
                value={form.score}
                onChange={(e) => update('score', e.target.value)}
                readOnly={readOnly}
                hint="0–100, added to the transaction’s score when an active rule hits."
                error={fieldError('score')}
              />
              <div className={`field suppression-field${fieldError('suppression_seconds') ? ' field-invalid' : ''}`}>
                <label htmlFor="rule-suppression">Suppression</label>
                <div className="input-group">
                  <input
                    id="rule-suppression"
                    inputMode="decimal"
                    placeholder="none"
                    value={form.suppression}
                    onChange={(e) => update('suppression', e.target.value)}
                    readOnly={readOnly}
                    aria-describedby="rule-suppression-hint"
                    aria-invalid={fieldError('suppression_seconds') ? true : undefined}
                  />
                  <select
                    aria-label="Suppression unit"
                    value={form.suppressionUnit}
                    onChange={(e) => update('suppressionUnit', e.target.value as SuppressionUnit)}
                    disabled={readOnly}
                  >
                    <option value="minutes">minutes</option>
                    <option value="hours">hours</option>
                    <option value="days">days</option>
                  </select>
                </div>
                <p className="field-hint" id="rule-suppression-hint">
                  No second alert for the same entity within this time. Empty: none.
                </p>
                {fieldError('suppression_seconds') ? <p className="field-error">{fieldError('suppression_seconds')}</p> : null}
              </div>
            </div>
          </div>
        </section>

        <section className="card" aria-labelledby="rule-expression-heading">
          <div className="card-header">
            <h2 id="rule-expression-heading">Expression</h2>
            <ValidationStatus validation={validation} error={shownError} />
          </div>
          <div className="card-body">
            <RuleEditor
              ref={editor}
              value={form.expression}
              onChange={(value) => {
                update('expression', value);
                setHighlight(null);
              }}
              error={shownError}
              highlight={highlight}
              readOnly={readOnly}
              label="Expression"
              describedBy={shownError ? errorId : 'rule-expression-help'}
            />
            {shownError ? (
              <CodeErrorMessage id={errorId} error={shownError} onGoTo={() => editor.current?.focusAt(shownError.line, shownError.column)} />
            ) : null}
            <p className="field-hint" id="rule-expression-help">
              For example <code>amount &gt; 10000 and type == "wire"</code>, or{' '}
              <code>count(by: account_id, window: 1h) &gt;= 5</code>. Lists: <code>country in list("name")</code> (see{' '}
              <Link to="/lists">Lists</Link>). <span className="nowrap"><code>#</code> starts a comment.</span>
            </p>
            {validation.state === 'valid' && (validation.aggregates.length > 0 || validation.lists.length > 0) ? (
              <ul className="expression-facts">
                {validation.aggregates.map((aggregate) => (
                  <li key={`${aggregate.line}:${aggregate.column}`}>
                    Aggregate <code>{aggregate.text}</code> over {aggregate.window}
                  </li>
                ))}
                {validation.lists.map((name) => (
                  <li key={name}>
                    Uses the list <code>{name}</code>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </section>

        {manage ? (
          <div className="sticky-actions save-bar">
            <div className="save-bar-status">
              {saveError && saveError.status !== 422 ? (
                <Alert tone="error" title={conflict ? 'Not saved: the rule changed meanwhile' : 'Not saved'}>
                  {saveError.detail}
                  {conflict && rule && !saveError.fieldMessage('name') ? (
                    <>
                      {' '}
                      <button type="button" className="btn-link" onClick={() => void load().then(() => setSaveError(null))}>
                        Load the current version (your changes here are discarded)
                      </button>
                    </>
                  ) : null}
                </Alert>
              ) : saveError?.status === 422 ? (
                <Alert tone="error" title="Not saved">
                  Correct the fields marked below{saveError.fieldMessage('expression') ? ' and the expression' : ''}.
                </Alert>
              ) : problems.length > 0 ? (
                <Alert tone="error" title="Not saved">
                  Correct the fields marked above.
                </Alert>
              ) : (
                <span className="muted">{dirty ? 'Unsaved changes' : rule ? 'No changes' : ''}</span>
              )}
            </div>
            <div className="button-row">
              {rule && dirty ? (
                <button
                  type="button"
                  className="btn btn-secondary"
                  onClick={() => {
                    setForm(saved);
                    setSaveError(null);
                    setProblems([]);
                  }}
                >
                  Discard changes
                </button>
              ) : null}
              <button type="submit" className="btn btn-primary" disabled={saving || (!!rule && !dirty)}>
                {saving ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
              </button>
            </div>
          </div>
        ) : null}
      </form>

      {manage ? (
        <>
          <RuleTestPanel
            expression={form.expression}
            onHighlight={setHighlight}
            onExpressionError={(error) => setExpressionError({ error, expression: form.expression })}
          />
          <RuleBacktestPanel
            expression={form.expression}
            onExpressionError={(error) => setExpressionError({ error, expression: form.expression })}
          />
        </>
      ) : null}
    </>
  );
}

function statusHint(status: RuleStatus): string {
  switch (status) {
    case 'draft':
      return 'Stored, not evaluated.';
    case 'shadow':
      return 'Evaluated, hits recorded; no alert, no effect.';
    case 'active':
      return 'Raises alerts and sets the decision.';
    case 'disabled':
      return 'Not evaluated.';
  }
}

function actionHint(action: RuleAction): string {
  switch (action) {
    case 'alert':
      return 'Raise an alert; the decision stays allow.';
    case 'review':
      return 'Alert and set the decision to review.';
    case 'block':
      return 'Alert and set the decision to block.';
  }
}

function ValidationStatus({ validation, error }: { validation: Validation; error: CodeError | null }) {
  if (error) {
    return (
      <span className="validation validation-invalid" data-validation="invalid">
        <span aria-hidden="true">✕</span> Error on line {error.line}
      </span>
    );
  }
  switch (validation.state) {
    case 'checking':
      return (
        <span className="validation validation-checking" data-validation="checking">
          Checking…
        </span>
      );
    case 'valid':
      return (
        <span className="validation validation-valid" data-validation="valid">
          <span aria-hidden="true">✓</span> Valid
        </span>
      );
    case 'unknown':
      return (
        <span className="validation muted" data-validation="unknown">
          Could not check the expression now; it is checked again when saved.
        </span>
      );
    default:
      return null;
  }
}
