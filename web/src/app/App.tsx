// SPDX-License-Identifier: Apache-2.0
// Top-level routing: /login for anonymous users, everything else inside the signed-in layout.
import type { ReactNode } from 'react';
import { Layout } from '../components/Layout';
import { Alert, Loading } from '../components/ui';
import { AllowedIpsPage } from '../pages/AllowedIpsPage';
import { ApiKeysPage } from '../pages/ApiKeysPage';
import { AuditLogPage } from '../pages/AuditLogPage';
import { ComingSoon, NotFound } from '../pages/ComingSoon';
import { LoginPage } from '../pages/LoginPage';
import { SessionsPage } from '../pages/SessionsPage';
import { TeamPage } from '../pages/TeamPage';
import { TransactionDetailPage } from '../pages/TransactionDetailPage';
import { TransactionsPage } from '../pages/TransactionsPage';
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
  const transaction = /^\/transactions\/([^/]+)$/.exec(path);
  if (transaction) return <TransactionDetailPage key={transaction[1]} id={decodeSegment(transaction[1])} />;
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
      return <TransactionsPage />;
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
    case '/settings/api-keys':
      return <ApiKeysPage />;
    case '/settings/allowed-ips':
      return <AllowedIpsPage />;
    case '/settings/audit-log':
      return <AuditLogPage />;
    case '/settings/sessions':
      return <SessionsPage />;
    default:
      return <NotFound />;
  }
}

/** A path segment as typed; a malformed escape is kept as it is (the server then answers 404). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
