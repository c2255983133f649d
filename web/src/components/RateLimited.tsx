// SPDX-License-Identifier: Apache-2.0
// `429 rate_limited` on the sign-in and recovery forms: the wait from `Retry-After`, counted down
// once a second, and the notice that says how long ("Too many attempts. Try again in 30 seconds.").
import { useEffect, useState } from 'react';
import type { ApiError } from '../api/client';
import { tooManyAttemptsText } from '../lib/accountSecurity';
import { Alert } from './ui';

export function isRateLimited(error: ApiError | null): boolean {
  return error !== null && (error.code === 'rate_limited' || error.status === 429);
}

/** Seconds left until `until` (ms since epoch), ticking once a second. */
export function useCountdown(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/** The end of the wait a `429` asks for (60 s when it gave no `Retry-After`). */
export function retryDeadline(error: ApiError): number {
  return Date.now() + (error.retryAfterSeconds ?? 60) * 1000;
}

/** The notice of a `429`; `secondsLeft` from useCountdown(retryDeadline(error)). */
export function RateLimitedAlert({ secondsLeft }: { secondsLeft: number }) {
  return (
    <Alert tone="warning">
      <span className="retry-countdown">{tooManyAttemptsText(secondsLeft)}</span>
    </Alert>
  );
}
