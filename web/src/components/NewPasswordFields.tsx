// SPDX-License-Identifier: Apache-2.0
// A new password entered twice (reset, invitation, change of password), with the policy in the
// hint. The length and the match are checked before sending (lib/accountSecurity); the server
// applies the whole policy and its message is shown at the first field.
import { TextField } from './ui';

export function NewPasswordFields({
  password,
  confirmation,
  onPassword,
  onConfirmation,
  passwordError,
  confirmationError,
  label = 'New password',
}: {
  password: string;
  confirmation: string;
  onPassword: (value: string) => void;
  onConfirmation: (value: string) => void;
  passwordError?: string;
  confirmationError?: string;
  label?: string;
}) {
  return (
    <>
      <TextField
        label={label}
        type="password"
        name="new-password"
        autoComplete="new-password"
        required
        minLength={12}
        maxLength={128}
        value={password}
        onChange={(e) => onPassword(e.target.value)}
        error={passwordError}
        hint="12 to 128 characters. A long phrase is best; common passwords are refused."
      />
      <TextField
        label={`${label} again`}
        type="password"
        name="confirm-password"
        autoComplete="new-password"
        required
        value={confirmation}
        onChange={(e) => onConfirmation(e.target.value)}
        error={confirmationError}
      />
    </>
  );
}
