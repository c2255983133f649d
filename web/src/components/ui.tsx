// SPDX-License-Identifier: Apache-2.0
// Small presentational building blocks shared by the console pages.
import {
  useEffect,
  useId,
  useRef,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import type { ApiError } from '../api/client';

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Moves focus to the page title after a navigation, so keyboard and screen-reader users
    // start at the top of the new page.
    document.title = `${title} · WatchTower`;
    if (document.activeElement === document.body || document.activeElement?.closest('.sidenav')) {
      ref.current?.focus({ preventScroll: true });
    }
  }, [title]);
  return (
    <header className="page-header">
      <div>
        <h1 ref={ref} tabIndex={-1}>
          {title}
        </h1>
        {description ? <p className="page-description">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

type Tone = 'error' | 'warning' | 'info' | 'success';

export function Alert({ tone, title, children }: { tone: Tone; title?: string; children?: ReactNode }) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span className="alert-icon" aria-hidden="true">
        {tone === 'error' ? '!' : tone === 'warning' ? '!' : tone === 'success' ? '✓' : 'i'}
      </span>
      <div className="alert-body">
        {title ? <p className="alert-title">{title}</p> : null}
        {children ? <div className="alert-text">{children}</div> : null}
      </div>
    </div>
  );
}

export function ErrorAlert({ error, title }: { error: ApiError | null; title?: string }) {
  if (!error) return null;
  return (
    <Alert tone="error" title={title}>
      {error.detail}
    </Alert>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  action,
  tone = 'neutral',
  compact = false,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  tone?: 'neutral' | 'locked';
  /** Less space around the content, for an empty state with a lot in it. */
  compact?: boolean;
}) {
  return (
    <section className={`empty-state empty-${tone}${compact ? ' empty-compact' : ''}`} aria-label={title}>
      {icon ? (
        <div className="empty-icon" aria-hidden="true">
          {icon}
        </div>
      ) : null}
      <h2>{title}</h2>
      {children ? <div className="empty-text">{children}</div> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </section>
  );
}

export type BadgeTone = 'neutral' | 'good' | 'warn' | 'danger' | 'info' | 'role' | 'sandbox' | 'production';

export function Badge({ tone = 'neutral', children }: { tone?: BadgeTone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** The environment of a key or a transaction: production stands out, sandbox is clearly a test. */
export function EnvironmentBadge({ environment }: { environment: string }) {
  if (environment === 'production') return <Badge tone="production">Production</Badge>;
  if (environment === 'sandbox') return <Badge tone="sandbox">Sandbox</Badge>;
  return <Badge>{environment}</Badge>;
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  label: string;
  hint?: ReactNode;
  error?: string;
  ref?: Ref<HTMLInputElement>;
};

/** A labelled input with an optional hint and a per-field error, wired with aria-describedby. */
export function TextField({ label, hint, error, className, ref, ...input }: TextFieldProps) {
  const { id, hintId, errorId, describedBy } = useFieldIds(hint, error);
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input ref={ref} id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      <FieldNotes hint={hint} hintId={hintId} error={error} errorId={errorId} />
    </div>
  );
}

/** The ids of a field's hint and error, and the attributes that tie them to the control. */
function useFieldIds(hint: ReactNode, error: string | undefined) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return { id, hintId, errorId, describedBy };
}

function FieldNotes({ hint, hintId, error, errorId }: { hint?: ReactNode; hintId?: string; error?: string; errorId?: string }) {
  return (
    <>
      {hint ? (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </>
  );
}

type TextAreaFieldProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'> & {
  label: string;
  hint?: ReactNode;
  error?: string;
};

/** A labelled multi-line input, like TextField. */
export function TextAreaField({ label, hint, error, className, ...input }: TextAreaFieldProps) {
  const { id, hintId, errorId, describedBy } = useFieldIds(hint, error);
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      <FieldNotes hint={hint} hintId={hintId} error={error} errorId={errorId} />
    </div>
  );
}

type SelectFieldProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> & {
  label: string;
  hint?: ReactNode;
  error?: string;
  children: ReactNode;
};

/** A labelled select, like TextField. */
export function SelectField({ label, hint, error, className, children, ...select }: SelectFieldProps) {
  const { id, hintId, errorId, describedBy } = useFieldIds(hint, error);
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...select}>
        {children}
      </select>
      <FieldNotes hint={hint} hintId={hintId} error={error} errorId={errorId} />
    </div>
  );
}

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} />
    </svg>
  );
}

export type IconName =
  | 'dashboard'
  | 'transactions'
  | 'alerts'
  | 'cases'
  | 'rules'
  | 'lists'
  | 'reports'
  | 'team'
  | 'audit'
  | 'sessions'
  | 'lock'
  | 'shield'
  | 'clock'
  | 'chevron'
  | 'key'
  | 'network'
  | 'send'
  | 'mail'
  | 'copy';

const ICONS: Record<IconName, string> = {
  dashboard: 'M4 13h7V4H4zm0 7h7v-5H4zm9 0h7v-9h-7zm0-16v5h7V4z',
  transactions: 'M7 7h11l-3-3M17 17H6l3 3M4 7h1m14 10h1',
  alerts: 'M12 4a6 6 0 0 0-6 6v4l-2 3h16l-2-3v-4a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0',
  cases: 'M4 8h16v11H4zM9 8V5h6v3M4 13h16',
  rules: 'M5 6h14M5 12h9M5 18h5m7-3 2 2 3-4',
  lists: 'M9 6h11M9 12h11M9 18h11M4 6h1m-1 6h1m-1 6h1',
  reports: 'M6 20V10m6 10V4m6 16v-7',
  team: 'M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm-6 8c0-3 3-5 6-5s6 2 6 5m1-8a3 3 0 1 0 0-6m2 14c0-2-1-4-3-4.6',
  audit: 'M7 4h8l4 4v12H7zM15 4v4h4M10 12h6m-6 4h6',
  sessions: 'M4 5h16v11H4zm4 15h8m-4-4v4',
  lock: 'M7 11V8a5 5 0 0 1 10 0v3M5 11h14v10H5zm7 4v2',
  shield: 'M12 3 5 6v5c0 5 3 8.5 7 10 4-1.5 7-5 7-10V6z',
  clock: 'M12 7v5l3 2m6-2a9 9 0 1 1-18 0 9 9 0 0 1 18 0z',
  chevron: 'm6 9 6 6 6-6',
  key: 'M8 20a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm2.8-6.8L20 4m-3 3 2.5 2.5M14.5 9.5l2 2',
  network:
    'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3c2.5 2.5 3.8 5.7 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.7-3.8-9S9.5 5.5 12 3z',
  send: 'M21 3 10 14M21 3l-7 18-4-7-7-4z',
  mail: 'M3 6h18v12H3zm0 0 9 7 9-7',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
};
