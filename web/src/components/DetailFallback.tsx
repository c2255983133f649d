// SPDX-License-Identifier: Apache-2.0
// What a detail page shows before its object is there: the way back and a spinner while it loads,
// "There is no such … in this organization" for a 404 (another organization's object is a 404 as
// well), or the error with "Try again".
import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';
import { PageError } from './PageError';
import { EmptyState, Loading, PageHeader } from './ui';

export function DetailFallback({
  back,
  error,
  title,
  notFoundTitle = title,
  noun,
  notFoundText,
  onRetry,
}: {
  back: ReactNode;
  error: ApiError | null;
  /** The page title when it failed. */
  title: string;
  notFoundTitle?: string;
  /** "alert", "case": for "There is no such alert …", "Loading the alert…". */
  noun: string;
  notFoundText: ReactNode;
  onRetry: () => void;
}) {
  if (!error) {
    return (
      <>
        {back}
        <Loading label={`Loading the ${noun}…`} />
      </>
    );
  }
  return (
    <>
      {back}
      <PageHeader title={error.status === 404 ? notFoundTitle : title} />
      {error.status === 404 ? (
        <EmptyState title={`There is no such ${noun} in this organization`}>
          <p>{notFoundText}</p>
        </EmptyState>
      ) : (
        <PageError error={error} subject={`this ${noun}`} onRetry={onRetry} />
      )}
    </>
  );
}
