// SPDX-License-Identifier: Apache-2.0
// The footer of a cursor-paged list card: "Load more" while the server has more, and the error of
// the last attempt.
import type { PagedList } from '../hooks/usePagedList';
import { ErrorAlert } from './ui';

export function LoadMoreFooter({ list }: { list: Pick<PagedList<unknown>, 'nextCursor' | 'moreError' | 'loadingMore' | 'loadMore'> }) {
  if (!list.nextCursor && !list.moreError) return null;
  return (
    <div className="card-footer">
      <ErrorAlert error={list.moreError} />
      {list.nextCursor ? (
        <button type="button" className="btn btn-secondary" onClick={() => void list.loadMore()} disabled={list.loadingMore}>
          {list.loadingMore ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </div>
  );
}
