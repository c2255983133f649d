// SPDX-License-Identifier: Apache-2.0
// Placeholder for console sections that are not built yet.
import { Link } from '../app/router';
import { EmptyState, Icon, PageHeader, type IconName } from '../components/ui';

export function ComingSoon({ title, icon, description }: { title: string; icon: IconName; description: string }) {
  return (
    <>
      <PageHeader title={title} />
      <EmptyState
        icon={<Icon name={icon} />}
        title={`${title} is coming soon`}
        action={
          <Link to="/settings/team" className="btn btn-secondary">
            Go to Team settings
          </Link>
        }
      >
        <p>{description}</p>
      </EmptyState>
    </>
  );
}

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
