// SPDX-License-Identifier: Apache-2.0
// The signed-in user's menu in the top bar (menu-button pattern: Enter/Space/ArrowDown open it,
// arrows move, Escape closes and returns focus to the button).
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { roleLabel } from '../api/types';
import { navigate } from '../app/router';
import { useMe, useSession } from '../app/session';

export function initials(name: string, email: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length >= 2) return (words[0][0] + words[words.length - 1][0]).toUpperCase();
  if (words.length === 1) return words[0].slice(0, 2).toUpperCase();
  return email.slice(0, 2).toUpperCase();
}

/** The signed-in user's own pages, before "Sign out". */
const ACCOUNT_PAGES = [
  { to: '/settings/security', label: 'Security' },
  { to: '/settings/notifications', label: 'Notifications' },
  { to: '/settings/sessions', label: 'Sessions' },
];

export function MeMenu() {
  const me = useMe();
  const { signOut } = useSession();
  const [open, setOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  function items(): HTMLElement[] {
    return Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
  }

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    function onPointerDown(event: PointerEvent) {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    }
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  function close(focusButton: boolean) {
    setOpen(false);
    if (focusButton) buttonRef.current?.focus();
  }

  function onMenuKeyDown(event: KeyboardEvent) {
    const list = items();
    const index = list.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      close(true);
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      list[(index + 1) % list.length]?.focus();
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      list[(index - 1 + list.length) % list.length]?.focus();
    } else if (event.key === 'Home') {
      event.preventDefault();
      list[0]?.focus();
    } else if (event.key === 'End') {
      event.preventDefault();
      list[list.length - 1]?.focus();
    } else if (event.key === 'Tab') {
      close(false);
    }
  }

  function onButtonKeyDown(event: KeyboardEvent) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setOpen(true);
    }
  }

  return (
    <div className="me-menu">
      <button
        ref={buttonRef}
        type="button"
        className="me-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen(!open)}
        onKeyDown={onButtonKeyDown}
      >
        <span className="avatar" aria-hidden="true">
          {initials(me.user.name, me.user.email)}
        </span>
        <span className="me-button-text">
          <span className="me-name">{me.user.name}</span>
          <span className="me-role">{roleLabel(me.role)}</span>
        </span>
        <span className="caret" aria-hidden="true" />
      </button>
      {open ? (
        <div ref={menuRef} id={menuId} className="menu" role="menu" aria-label="Account" onKeyDown={onMenuKeyDown}>
          <div className="menu-header" role="presentation">
            <p className="menu-name">{me.user.name}</p>
            <p className="menu-email">{me.user.email}</p>
            <p className="menu-role">
              {roleLabel(me.role)} · {me.organization.name}
            </p>
          </div>
          {ACCOUNT_PAGES.map((item) => (
            <button
              key={item.to}
              type="button"
              role="menuitem"
              className="menu-item"
              tabIndex={-1}
              onClick={() => {
                close(false);
                navigate(item.to);
              }}
            >
              {item.label}
            </button>
          ))}
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            tabIndex={-1}
            disabled={signingOut}
            onClick={async () => {
              setSigningOut(true);
              await signOut();
            }}
          >
            {signingOut ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      ) : null}
    </div>
  );
}
