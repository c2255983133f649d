// SPDX-License-Identifier: Apache-2.0
// Shows a newly issued API key, the one time the server ever returns it. The key lives only in
// the `issued` prop: the caller drops it when the dialog closes, and the Modal unmounts its
// content when closed, so nothing of the key stays in the page afterwards.
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
    <Modal
      open={issued !== null}
      title={title}
      size="wide"
      onClose={onClose}
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          I have stored the key
        </button>
      }
    >
      {issued ? <KeyOnceBody issued={issued} replaced={replaced ?? null} /> : null}
    </Modal>
  );
}

function KeyOnceBody({
  issued,
  replaced,
}: {
  issued: IssuedApiKey;
  replaced: ReplacedKey | null;
}) {
  return (
    <div className="key-once">
      <Alert tone="warning" title="Copy this key now: it will not be shown again">
        WatchTower keeps only a hash of it. If the key is lost, rotate it to get a new one.
      </Alert>
      <dl className="key-once-facts">
        <dt>Name</dt>
        <dd>{issued.name}</dd>
        <dt>Environment</dt>
        <dd>
          <EnvironmentBadge environment={issued.environment} />
        </dd>
      </dl>
      <CopyField
        id="key-once-value"
        statusId="key-once-status"
        label="API key"
        value={issued.key}
        hint="Send it as “Authorization: Bearer <key>” to POST /api/v1/transactions."
      />
      {replaced ? (
        <p className="muted">
          {replaced.graceSeconds === 0
            ? `The previous key (${replaced.prefix}…) has stopped working.`
            : replaced.expiresAt
              ? `The previous key (${replaced.prefix}…) keeps working until ${formatDateTime(replaced.expiresAt)}, then stops.`
              : `The previous key (${replaced.prefix}…) keeps working for ${formatDuration(replaced.graceSeconds)}, then stops.`}
        </p>
      ) : null}
    </div>
  );
}
