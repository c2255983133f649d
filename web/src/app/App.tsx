// SPDX-License-Identifier: Apache-2.0
// Top-level routing: /login for anonymous users, everything else inside the signed-in layout.
import type { ReactNode } from 'react';
import { Layout } from '../components/Layout';
import { Alert, Loading } from '../components/ui';
import { AuditLogPage } from '../pages/AuditLogPage';
import { ComingSoon, NotFound } from '../pages/ComingSoon';
import { LoginPage } from '../pages/LoginPage';
import { SessionsPage } from '../pages/SessionsPage';
import { TeamPage } from '../pages/TeamPage';
import { ReauthProvider } from './reauth';
import { Redirect, safeNextPath, useLocation } from './router';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <SessionProvider>
      <ReauthProvider>
        <Routes />
      </ReauthProvider>
    </SessionProvider>
  );
}

function Routes() {
  const { state, reload } = useSession();
  const location = useLocation();

  if (state.status === 'loading') {
    return (
      <div className="boot">
        <Loading label="Loading WatchTower…" />
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <div className="boot">
        <div className="boot-error">
          <Alert tone="error" title="WatchTower is not reachable">
            {state.error.detail}
          </Alert>
          <button type="button" className="btn btn-primary" onClick={() => void reload()}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (location.pathname === '/login') {
    if (state.status === 'authenticated') return <Redirect to={safeNextPath(location.search.get('next'))} />;
    return <LoginPage />;
  }
  if (state.status === 'anonymous') {
    const next = location.href === '/' ? '' : `?next=${encodeURIComponent(location.href)}`;
    return <Redirect to={`/login${next}`} />;
  }
  return (
    <Layout>
      {/* Remount the page when the organization changes, so nothing of the previous one stays. */}
      <Page key={state.me.organization.id} pathname={location.pathname} />
    </Layout>
  );
}

function Page({ pathname }: { pathname: string }): ReactNode {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  switch (path) {
    case '/':
      return (
        <ComingSoon
          title="Dashboard"
          icon="dashboard"
          description="Volumes, decisions, alerts by severity and open work at a glance will appear here."
        />
      );
    case '/transactions':
      return (
        <ComingSoon
          title="Transactions"
          icon="transactions"
          description="Search ingested transactions by account, customer, decision and time, with their rule hits."
        />
      );
    case '/alerts':
      return (
        <ComingSoon
          title="Alerts"
          icon="alerts"
          description="The alert queue: triage, assign and close alerts raised by your rules."
        />
      );
    case '/cases':
      return (
        <ComingSoon
          title="Cases"
          icon="cases"
          description="Group alerts into investigations, comment, and record the resolution."
        />
      );
    case '/rules':
      return (
        <ComingSoon
          title="Rules"
          icon="rules"
          description="Write, test, backtest and activate detection rules and value lists."
        />
      );
    case '/reports':
      return (
        <ComingSoon
          title="Reports"
          icon="reports"
          description="Summaries for a period and CSV exports of transactions, alerts, cases and the audit log."
        />
      );
    case '/settings':
      return <Redirect to="/settings/team" />;
    case '/settings/team':
      return <TeamPage />;
    case '/settings/audit-log':
      return <AuditLogPage />;
    case '/settings/sessions':
      return <SessionsPage />;
    default:
      return <NotFound />;
  }
}
