// SPDX-License-Identifier: Apache-2.0
export function Logo({ size = 36 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" className="logo-bg" />
      <path d="M16 5 7 9v6c0 6 3.8 10.6 9 12 5.2-1.4 9-6 9-12V9z" className="logo-shield" />
      <path d="m11.5 16 3 3 6-6.5" className="logo-check" />
    </svg>
  );
}
