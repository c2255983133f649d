// SPDX-License-Identifier: Apache-2.0
// A read-only value with a Copy button: the clipboard when the browser allows it, otherwise the
// text is selected so the usual shortcut copies it. Used for secrets shown once (API keys, the
// TOTP secret), so the value lives only in the caller's state.
import { useRef, useState, type ReactNode } from 'react';
import { Icon } from './ui';

type CopyState = 'idle' | 'copied' | 'manual';

export function CopyField({
  id,
  label,
  value,
  shown,
  hint,
  statusId = `${id}-status`,
  inputClassName,
}: {
  id: string;
  label: string;
  /** What is copied. */
  value: string;
  /** What is displayed, when it differs from `value` (e.g. grouped for reading). */
  shown?: string;
  /** The note under the field before anything is copied. */
  hint?: ReactNode;
  statusId?: string;
  inputClassName?: string;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');

  async function copyValue() {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(value);
      setCopy('copied');
    } catch {
      // No clipboard access (an old browser, or permission refused): select the text instead.
      inputRef.current?.focus();
      inputRef.current?.select();
      setCopy('manual');
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="key-once-row">
        <input
          ref={inputRef}
          id={id}
          className={inputClassName ?? 'key-once-value'}
          readOnly
          value={shown ?? value}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={statusId}
          onClick={(e) => e.currentTarget.select()}
        />
        <button type="button" className="btn btn-secondary" onClick={() => void copyValue()}>
          <Icon name="copy" />
          Copy
        </button>
      </div>
      <p id={statusId} className={copy === 'copied' ? 'field-hint copy-ok' : 'field-hint'} aria-live="polite">
        {copy === 'copied'
          ? 'Copied to the clipboard.'
          : copy === 'manual'
            ? 'Copying is not available here: the text is selected, press Ctrl+C (⌘C on a Mac) to copy it.'
            : hint}
      </p>
    </div>
  );
}
