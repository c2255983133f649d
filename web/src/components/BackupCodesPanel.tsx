// SPDX-License-Identifier: Apache-2.0
// Backup codes, the one time the server returns them (after enrolment, or when new ones are
// made): listed, copied all at once, or downloaded as a .txt file made in the browser (a Blob
// URL, revoked once the download started). The codes live only in the caller's state.
import { useState } from 'react';
import { backupCodesFile, backupCodesFileName } from '../lib/accountSecurity';
import { Alert, Icon } from './ui';

export function BackupCodesPanel({ codes, email }: { codes: readonly string[]; email: string }) {
  const [status, setStatus] = useState<string>('Each code signs you in once. Store them where only you can reach them.');
  const text = backupCodesFile(codes, { email, issuedAt: new Date() });

  async function copyAll() {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(codes.join('\n'));
      setStatus('The codes were copied to the clipboard.');
    } catch {
      setStatus('Copying is not available here: download the file or write the codes down.');
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = backupCodesFileName(email);
    document.body.append(link);
    link.click();
    link.remove();
    // Revoked after the click has been handled, so the download has its data.
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    setStatus('The codes were downloaded as a text file.');
  }

  return (
    <section className="backup-codes" aria-labelledby="backup-codes-title">
      <Alert tone="warning" title="Save your backup codes now: they will not be shown again">
        If you lose your authenticator app, a backup code is the only way to sign in. Creating new codes voids these.
      </Alert>
      <h3 id="backup-codes-title" className="visually-hidden">
        Backup codes
      </h3>
      <ol className="backup-code-list" aria-label="Backup codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="backup-code-actions">
        <button type="button" className="btn btn-secondary" onClick={() => void copyAll()}>
          <Icon name="copy" />
          Copy codes
        </button>
        <button type="button" className="btn btn-secondary" onClick={download}>
          Download .txt
        </button>
      </div>
      <p className="field-hint" aria-live="polite">
        {status}
      </p>
    </section>
  );
}
