// SPDX-License-Identifier: Apache-2.0
// A confirmation on the shared Modal: the question, Cancel (focused first, so Enter does not
// confirm by accident) and one confirming button (red for what cannot be undone), disabled while
// the action runs. Used wherever the console asks "are you sure?". Also the footer of a form in
// a dialog (Cancel + submit).
import type { ReactNode } from 'react';
import { Modal } from './Modal';

export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  busyLabel,
  busy = false,
  tone = 'danger',
  size = 'small',
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  /** The button's text while `busy` (default: the confirm label). */
  busyLabel?: string;
  busy?: boolean;
  tone?: 'danger' | 'primary';
  size?: 'small' | 'normal' | 'wide';
  onConfirm: () => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  return (
    <Modal
      open={open}
      title={title}
      size={size}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy} autoFocus>
            Cancel
          </button>
          <button type="button" className={`btn btn-${tone}`} onClick={onConfirm} disabled={busy}>
            {busy ? (busyLabel ?? confirmLabel) : confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Modal>
  );
}

/** The footer of a form in a dialog: Cancel, and the submit button (its busy text while sending). */
export function DialogFormFooter({
  busy,
  submitLabel,
  busyLabel,
  onCancel,
}: {
  busy: boolean;
  submitLabel: string;
  busyLabel: string;
  onCancel: () => void;
}) {
  return (
    <div className="modal-footer">
      <button type="button" className="btn btn-secondary" onClick={onCancel} disabled={busy}>
        Cancel
      </button>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
    </div>
  );
}
