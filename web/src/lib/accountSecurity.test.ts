// SPDX-License-Identifier: Apache-2.0
import { describe, expect, it } from 'vitest';
import {
  backupCodesFile,
  backupCodesFileName,
  fragmentToken,
  groupSecret,
  mfaRequiredFor,
  newPasswordProblem,
  svgDataUri,
  tooManyAttemptsText,
  totpInput,
  waitText,
} from './accountSecurity';

describe('fragmentToken', () => {
  it('reads the token of a mailed link, with or without the leading #', () => {
    expect(fragmentToken('#token=abc-DEF_123')).toBe('abc-DEF_123');
    expect(fragmentToken('token=xyz')).toBe('xyz');
    expect(fragmentToken('#other=1&token=t%2Bk')).toBe('t+k');
  });
  it('answers null without a usable token', () => {
    expect(fragmentToken('')).toBeNull();
    expect(fragmentToken('#')).toBeNull();
    expect(fragmentToken('#token=')).toBeNull();
    expect(fragmentToken('#token=%20%20')).toBeNull();
    expect(fragmentToken('#tokens=abc')).toBeNull();
  });
});

describe('svgDataUri', () => {
  it('encodes the SVG as base64, UTF-8 safe', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>é</title></svg>';
    const uri = svgDataUri(svg);
    expect(uri.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const bytes = Uint8Array.from(atob(uri.slice('data:image/svg+xml;base64,'.length)), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe(svg);
  });
});

describe('groupSecret', () => {
  it('groups a base32 secret by four', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSWY3DPEHPK3PXPA')).toBe('JBSW Y3DP EHPK 3PXP A');
    expect(groupSecret(' JBSW Y3DP ')).toBe('JBSW Y3DP');
  });
});

describe('backup codes file', () => {
  it('names the account and lists one code a line', () => {
    const text = backupCodesFile(['aaaa-bbbb', 'cccc-dddd'], {
      email: 'ada@example.com',
      issuedAt: new Date('2026-11-23T10:00:00.123Z'),
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('WatchTower backup codes');
    expect(lines).toContain('Account: ada@example.com');
    expect(lines).toContain('Created: 2026-11-23T10:00:00Z');
    expect(lines.slice(-3)).toEqual(['aaaa-bbbb', 'cccc-dddd', '']);
  });
  it('derives a safe file name from the email', () => {
    expect(backupCodesFileName('Ada+Ops@Example.com')).toBe('watchtower-backup-codes-ada-ops-example.com.txt');
    expect(backupCodesFileName('///')).toBe('watchtower-backup-codes.txt');
  });
});

describe('totpInput', () => {
  it('accepts exactly six digits, spaces ignored', () => {
    expect(totpInput('123 456')).toBe('123456');
    expect(totpInput(' 012345 ')).toBe('012345');
    expect(totpInput('12345')).toBeNull();
    expect(totpInput('1234567')).toBeNull();
    expect(totpInput('12a456')).toBeNull();
  });
});

describe('rate-limit text', () => {
  it('says how long to wait', () => {
    expect(waitText(1)).toBe('1 second');
    expect(waitText(0.2)).toBe('1 second');
    expect(waitText(45)).toBe('45 seconds');
    expect(waitText(119)).toBe('119 seconds');
    expect(waitText(121)).toBe('3 minutes');
    expect(tooManyAttemptsText(30)).toBe('Too many attempts. Try again in 30 seconds.');
    expect(tooManyAttemptsText(0)).toBe('Too many attempts. You can try again now.');
    expect(tooManyAttemptsText(null)).toBe('Too many attempts. Wait a moment and try again.');
  });
});

describe('mfaRequiredFor', () => {
  it('is true for admins and risk leads, or for everyone when the organization says so', () => {
    expect(mfaRequiredFor('ADMIN')).toBe(true);
    expect(mfaRequiredFor('RISK_LEAD')).toBe(true);
    expect(mfaRequiredFor('ANALYST')).toBe(false);
    expect(mfaRequiredFor('VIEWER', true)).toBe(true);
  });
});

describe('newPasswordProblem', () => {
  it('checks length and that both entries match', () => {
    expect(newPasswordProblem('short', 'short')).toEqual({ field: 'new_password', message: 'Use at least 12 characters.' });
    expect(newPasswordProblem('x'.repeat(129), 'x'.repeat(129))?.field).toBe('new_password');
    expect(newPasswordProblem('long enough pass', 'long enough pasS')).toEqual({
      field: 'confirm',
      message: 'The two passwords differ.',
    });
    expect(newPasswordProblem('long enough pass', 'long enough pass')).toBeNull();
  });
});
