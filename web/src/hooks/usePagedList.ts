// SPDX-License-Identifier: Apache-2.0
// A cursor-paged list (`{data, next_cursor}`, API.md "Pagination"): the first page loads when
// `key` changes (a new filter), "Load more" appends the next page, and an answer to an older
// request (the filters changed meanwhile) is dropped. One hook instead of the same state machine
// copied into every list page.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { Page } from '../api/types';

export interface PagedList<T> {
  /** null while the first page loads. */
  rows: T[] | null;
  setRows: (update: (rows: T[]) => T[]) => void;
  nextCursor: string | null;
  error: ApiError | null;
  moreError: ApiError | null;
  loadingMore: boolean;
  /** Loads the first page again (keeping the rows shown until it answers when `quiet`). */
  reload: (options?: { quiet?: boolean }) => Promise<void>;
  loadMore: () => Promise<void>;
}

export function usePagedList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, key: string): PagedList<T> {
  const [rows, setRowsState] = useState<T[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const request = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const reload = useCallback(async (options: { quiet?: boolean } = {}) => {
    const ticket = ++request.current;
    setError(null);
    setMoreError(null);
    if (!options.quiet) setRowsState(null);
    try {
      const page = await fetchRef.current(null);
      if (ticket !== request.current) return;
      setRowsState(page.data);
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (ticket === request.current) setError(err);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload, key]);

  const loadMore = useCallback(async () => {
    if (!nextCursor) return;
    const ticket = request.current;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await fetchRef.current(nextCursor);
      if (ticket !== request.current) return;
      setRowsState((current) => [...(current ?? []), ...page.data]);
      setNextCursor(page.next_cursor);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setMoreError(err);
    } finally {
      setLoadingMore(false);
    }
  }, [nextCursor]);

  const setRows = useCallback((update: (rows: T[]) => T[]) => setRowsState((current) => (current ? update(current) : current)), []);

  return { rows, setRows, nextCursor, error, moreError, loadingMore, reload, loadMore };
}
