// SPDX-License-Identifier: Apache-2.0
// The signed-in frame: top bar (product, organization, account menu), side navigation, content.
import { useState, type ReactNode } from 'react';
import type { ApiError } from '../api/client';
import type { Role } from '../api/types';
import { Link, useLocation } from '../app/router';
import { useMe } from '../app/session';
import { Logo } from './Logo';
import { MeMenu } from './MeMenu';
import { OrgSwitcher } from './OrgSwitcher';
import { ErrorAlert, Icon, type IconName } from './ui';

interface NavItem {
  to: string;
  label: string;
  icon: IconName;
  /** Shown only to these roles (the server refuses the others anyway); absent: everyone. */
  roles?: Role[];
}

export const MAIN_NAV: NavItem[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard' },
  { to: '/transactions', label: 'Transactions', icon: 'transactions' },
  { to: '/alerts', label: 'Alerts', icon: 'alerts' },
  { to: '/cases', label: 'Cases', icon: 'cases' },
  { to: '/rules', label: 'Rules', icon: 'rules' },
  { to: '/lists', label: 'Lists', icon: 'lists' },
  { to: '/reports', label: 'Reports', icon: 'reports' },
];

export const SETTINGS_NAV: NavItem[] = [
  { to: '/settings/team', label: 'Team', icon: 'team' },
  { to: '/settings/api-keys', label: 'API keys', icon: 'key', roles: ['ADMIN'] },
  { to: '/settings/allowed-ips', label: 'Allowed IPs', icon: 'network', roles: ['ADMIN'] },
  { to: '/settings/channels', label: 'Channels', icon: 'send', roles: ['ADMIN'] },
  { to: '/settings/audit-log', label: 'Audit log', icon: 'audit' },
  { to: '/settings/security', label: 'Security', icon: 'shield' },
  { to: '/settings/notifications', label: 'Notifications', icon: 'mail' },
  { to: '/settings/sessions', label: 'Sessions', icon: 'sessions' },
];

function isActive(pathname: string, to: string): boolean {
  if (to === '/') return pathname === '/';
  return pathname === to || pathname.startsWith(`${to}/`);
}

function NavLinks({ items, pathname, role }: { items: NavItem[]; pathname: string; role: Role }) {
  return (
    <ul>
      {items.filter((item) => !item.roles || item.roles.includes(role)).map((item) => {
        const active = isActive(pathname, item.to);
        return (
          <li key={item.to}>
            <Link to={item.to} className={`nav-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined}>
              <Icon name={item.icon} />
              <span>{item.label}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const { pathname } = useLocation();
  const [switchError, setSwitchError] = useState<ApiError | null>(null);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="WatchTower home">
          <Logo size={28} />
          <span className="brand-name">WatchTower</span>
        </Link>
        <span className="topbar-divider" aria-hidden="true" />
        <OrgSwitcher onError={setSwitchError} />
        <div className="topbar-spacer" />
        <MeMenu />
      </header>
      <div className="shell-body">
        <nav className="sidenav" aria-label="Main">
          <NavLinks items={MAIN_NAV} pathname={pathname} role={me.role} />
          <p className="nav-heading" id="nav-settings">
            Settings
          </p>
          <NavLinks items={SETTINGS_NAV} pathname={pathname} role={me.role} />
          <div className="sidenav-footer">
            <span className="env-dot" aria-hidden="true" />
            Signed in to {me.organization.name}
          </div>
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          <ErrorAlert error={switchError} title="Could not switch organization" />
          {children}
        </main>
      </div>
    </div>
  );
}
