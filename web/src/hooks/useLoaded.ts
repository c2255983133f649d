// SPDX-License-Identifier: Apache-2.0
// One object loaded by a detail page (an alert, a case, a transaction): loaded when `key` changes,
// `reload` after a change (keeping the object shown meanwhile), `setValue` for local edits, and the
// ApiError of a failed load.
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';

export interface Loaded<T> {
  value: T | null;
  /** Replaces the value shown (an edit in the page, or the answer of a save). */
  setValue: (value: T) => void;
  error: ApiError | null;
  reload: () => Promise<void>;
}

export function useLoaded<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    setError(null);
    try {
      setValue(await loadRef.current());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setError(err);
    }
  }, []);

  useEffect(() => {
    setValue(null);
    void reload();
  }, [reload, key]);

  return { value, setValue, error, reload };
}
