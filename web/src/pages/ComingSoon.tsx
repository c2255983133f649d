// SPDX-License-Identifier: Apache-2.0
// The page for an address the console does not know.
import { Link } from '../app/router';
import { EmptyState, PageHeader } from '../components/ui';

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState
        title="There is no page at this address"
        action={
          <Link to="/" className="btn btn-secondary">
            Go to the dashboard
          </Link>
        }
      >
        <p>Check the address, or use the navigation on the left.</p>
      </EmptyState>
    </>
  );
}
