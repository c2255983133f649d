// SPDX-License-Identifier: Apache-2.0
// Shows a newly issued API key (or, through SecretOnceDialog, any secret such as a webhook's
// signing secret), the one time the server ever returns it. The value lives only in the caller's
// state: the caller drops it when the dialog closes, and the Modal unmounts its content when
// closed, so nothing of it stays in the page afterwards.
import { Fragment, type ReactNode } from 'react';
import type { IssuedApiKey } from '../api/types';
import { formatDuration } from '../lib/apiKeys';
import { formatDateTime } from '../lib/time';
import { CopyField } from './CopyField';
import { Modal } from './Modal';
import { Alert, EnvironmentBadge } from './ui';

/** The key a rotation replaced: its grace period, and its end once the list has been reloaded. */
export interface ReplacedKey {
  prefix: string;
  graceSeconds: number;
  expiresAt: string | null;
}

export function KeyOnceDialog({
  issued,
  title,
  replaced,
  onClose,
}: {
  /** The answer of create or rotate; null closes the dialog. */
  issued: IssuedApiKey | null;
  title: string;
  /** After a rotation: the key it replaces, to say how long that one keeps working. */
  replaced?: ReplacedKey | null;
  onClose: () => void;
}) {
  return (
    <SecretOnceDialog
      open={issued !== null}
      title={title}
      confirmLabel="I have stored the key"
      warning="Copy this key now: it will not be shown again"
      explanation="WatchTower keeps only a hash of it. If the key is lost, rotate it to get a new one."
      facts={issued ? [['Name', issued.name], ['Environment', <EnvironmentBadge key="env" environment={issued.environment} />]] : []}
      copy={
        issued
          ? { id: 'key-once-value', statusId: 'key-once-status', label: 'API key', value: issued.key, hint: 'Send it as “Authorization: Bearer <key>” to POST /api/v1/transactions.' }
          : null
      }
      onClose={onClose}
    >
      {issued && replaced ? (
        <p className="muted">
          {replaced.graceSeconds === 0
            ? `The previous key (${replaced.prefix}…) has stopped working.`
            : replaced.expiresAt
              ? `The previous key (${replaced.prefix}…) keeps working until ${formatDateTime(replaced.expiresAt)}, then stops.`
              : `The previous key (${replaced.prefix}…) keeps working for ${formatDuration(replaced.graceSeconds)}, then stops.`}
        </p>
      ) : null}
    </SecretOnceDialog>
  );
}

/**
 * A secret the server returns once (an API key, a webhook's signing secret): a warning, a few
 * facts, the value with a Copy button, and one button that closes. The value lives only in the
 * caller's state; the Modal unmounts its content when closed.
 */
export function SecretOnceDialog({
  open,
  title,
  confirmLabel,
  warning,
  explanation,
  facts,
  copy,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  warning: string;
  explanation: ReactNode;
  facts: [string, ReactNode][];
  copy: { id: string; statusId?: string; label: string; value: string; hint?: ReactNode } | null;
  onClose: () => void;
  children?: ReactNode;
}) {
  return (
    <Modal
      open={open}
      title={title}
      size="wide"
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          {confirmLabel}
        </button>
      }
    >
      {open && copy ? (
        <div className="key-once">
          <Alert tone="warning" title={warning}>
            {explanation}
          </Alert>
          <dl className="key-once-facts">
            {facts.map(([term, value]) => (
              <Fragment key={term}>
                <dt>{term}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
          </dl>
          <CopyField id={copy.id} statusId={copy.statusId} label={copy.label} value={copy.value} hint={copy.hint} />
          {children}
        </div>
      ) : null}
    </Modal>
  );
}
