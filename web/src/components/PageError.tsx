// SPDX-License-Identifier: Apache-2.0
// What a page shows when its data cannot be loaded: a clear no-access state for 403, the MFA
// enrolment requirement, or the server's message with a retry button.
import type { ApiError } from '../api/client';
import { roleLabel } from '../api/types';
import { useMe } from '../app/session';
import { Alert, EmptyState, Icon } from './ui';

export function PageError({
  error,
  subject,
  allowedRoles,
  onRetry,
}: {
  error: ApiError;
  /** What the page shows, for the message ("the audit log"). */
  subject: string;
  /** Roles that may see it, for the no-access explanation. */
  allowedRoles?: string[];
  onRetry?: () => void;
}) {
  const me = useMe();
  if (error.status === 403 && error.code === 'mfa_enrollment_required') {
    return (
      <EmptyState tone="locked" icon={<Icon name="shield" />} title="Two-factor authentication required">
        <p>
          As {article(roleLabel(me.role))} {roleLabel(me.role)} in {me.organization.name}, you must set up two-factor
          authentication before you can use {subject}.
        </p>
        <p className="muted">{error.detail}</p>
      </EmptyState>
    );
  }
  if (error.status === 403) {
    return (
      <EmptyState tone="locked" icon={<Icon name="lock" />} title="You do not have access">
        <p>
          Your role in {me.organization.name} is <strong>{roleLabel(me.role)}</strong>, which cannot view {subject}.
          {allowedRoles && allowedRoles.length > 0 ? ` It is available to ${joinRoles(allowedRoles)}.` : ''}
        </p>
        <p className="muted">Ask an administrator of your organization if you need access.</p>
      </EmptyState>
    );
  }
  return (
    <div className="page-error">
      <Alert tone="error" title={`Could not load ${subject}`}>
        {error.detail}
      </Alert>
      {onRetry ? (
        <button type="button" className="btn btn-secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function joinRoles(roles: string[]): string {
  const labels = roles.map((r) => `${roleLabel(r)}s`);
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}
