// SPDX-License-Identifier: Apache-2.0
// Top-level routing: the public pages (sign-in, password recovery, invitation) outside the
// console; the MFA enrolment gate when the server requires enrolment first; everything else inside
// the signed-in layout.
import type { ReactNode } from 'react';
import { Layout } from '../components/Layout';
import { Alert, Loading } from '../components/ui';
import { AlertDetailPage } from '../pages/AlertDetailPage';
import { AlertsPage } from '../pages/AlertsPage';
import { AcceptInvitationPage } from '../pages/AcceptInvitationPage';
import { AllowedIpsPage } from '../pages/AllowedIpsPage';
import { ApiKeysPage } from '../pages/ApiKeysPage';
import { AuditLogPage } from '../pages/AuditLogPage';
import { CasePage } from '../pages/CasePage';
import { CasesPage } from '../pages/CasesPage';
import { NotFound } from '../pages/ComingSoon';
import { DashboardPage } from '../pages/DashboardPage';
import { ListDetailPage, ListsPage } from '../pages/ListsPage';
import { LoginPage } from '../pages/LoginPage';
import { MfaRequiredPage } from '../pages/MfaRequiredPage';
import { ChannelsPage, NotificationSettingsPage } from '../pages/NotificationsPage';
import { ReportsPage } from '../pages/ReportsPage';
import { ForgotPasswordPage, ResetPasswordPage } from '../pages/PasswordResetPages';
import { RuleEditorPage } from '../pages/RuleEditorPage';
import { RulesPage } from '../pages/RulesPage';
import { RuleVersionsPage } from '../pages/RuleVersionsPage';
import { SecurityPage } from '../pages/SecurityPage';
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
  // Mailed links and recovery work signed in or not; they never need the console's session.
  const publicPage = PUBLIC_PAGES[location.pathname];
  if (publicPage) return publicPage();
  if (location.pathname === '/login') {
    if (state.status === 'authenticated') return <Redirect to={safeNextPath(location.search.get('next'))} />;
    return <LoginPage />;
  }
  if (state.status === 'anonymous') {
    const next = location.href === '/' ? '' : `?next=${encodeURIComponent(location.href)}`;
    return <Redirect to={`/login${next}`} />;
  }
  if (state.me.mfa_enrollment_required) return <MfaRequiredPage />;
  return (
    <Layout>
      {/* Remount the page when the organization changes, so nothing of the previous one stays. */}
      <Page key={state.me.organization.id} pathname={location.pathname} />
    </Layout>
  );
}

const PUBLIC_PAGES: Record<string, () => ReactNode> = {
  '/forgot-password': () => <ForgotPasswordPage />,
  '/reset-password': () => <ResetPasswordPage />,
  '/accept-invitation': () => <AcceptInvitationPage />,
};

function Page({ pathname }: { pathname: string }): ReactNode {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const transaction = /^\/transactions\/([^/]+)$/.exec(path);
  if (transaction) return <TransactionDetailPage key={transaction[1]} id={decodeSegment(transaction[1])} />;
  const ruleVersions = /^\/rules\/([^/]+)\/versions$/.exec(path);
  if (ruleVersions) return <RuleVersionsPage key={ruleVersions[1]} id={decodeSegment(ruleVersions[1])} />;
  const rule = /^\/rules\/([^/]+)$/.exec(path);
  if (rule) {
    const id = rule[1] === 'new' ? null : decodeSegment(rule[1]);
    return <RuleEditorPage key={rule[1]} id={id} />;
  }
  const list = /^\/lists\/([^/]+)$/.exec(path);
  if (list) return <ListDetailPage key={list[1]} id={decodeSegment(list[1])} />;
  const alert = /^\/alerts\/([^/]+)$/.exec(path);
  if (alert) return <AlertDetailPage key={alert[1]} id={decodeSegment(alert[1])} />;
  const theCase = /^\/cases\/([^/]+)$/.exec(path);
  if (theCase) return <CasePage key={theCase[1]} id={decodeSegment(theCase[1])} />;
  switch (path) {
    case '/':
      return <DashboardPage />;
    case '/transactions':
      return <TransactionsPage />;
    case '/alerts':
      return <AlertsPage />;
    case '/cases':
      return <CasesPage />;
    case '/rules':
      return <RulesPage />;
    case '/lists':
      return <ListsPage />;
    case '/reports':
      return <ReportsPage />;
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
    case '/settings/notifications':
      return <NotificationSettingsPage />;
    case '/settings/channels':
      return <ChannelsPage />;
    case '/settings/security':
      return <SecurityPage />;
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
