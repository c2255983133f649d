// SPDX-License-Identifier: Apache-2.0
// A small history-API router: real paths (the server answers index.html for unknown non-API
// paths), `navigate()`, `<Link>` and a hook that re-renders on every location change.
import { useEffect, useState, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', notify);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
  /** pathname + search, as given to `navigate`. */
  href: string;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const queryAt = href.indexOf('?');
  return {
    pathname: queryAt < 0 ? href : href.slice(0, queryAt),
    search: new URLSearchParams(queryAt < 0 ? '' : href.slice(queryAt)),
    href,
  };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** Only same-origin absolute paths are accepted as a post-login destination. */
export function safeNextPath(value: string | null): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (value.startsWith('/login')) return '/';
  return value;
}

let takenToken: { pathname: string; token: string | null } | null = null;

/**
 * The token of a mailed link (`/reset-password#token=...`): read from the fragment once per
 * page, then the fragment is removed from the address (history.replaceState), so the token does
 * not stay in the history, a bookmark or a screenshot. The page sends it in a request body.
 */
export function takeFragmentToken(parse: (hash: string) => string | null): string | null {
  const { pathname, search, hash } = window.location;
  if (hash !== '') {
    takenToken = { pathname, token: parse(hash) };
    window.history.replaceState(null, '', pathname + search);
  }
  return takenToken && takenToken.pathname === pathname ? takenToken.token : null;
}

/**
 * takeFragmentToken for a page, also when a new link is opened while the page is shown (a
 * same-document navigation that changes only the fragment). `visit` changes with every link
 * taken, for the page to start over (as a React key).
 */
export function useFragmentToken(parse: (hash: string) => string | null): { token: string | null; visit: number } {
  const [taken, setTaken] = useState(() => ({ token: takeFragmentToken(parse), visit: 0 }));
  useEffect(() => {
    function onHashChange() {
      if (window.location.hash === '') return;
      const token = takeFragmentToken(parse);
      setTaken((current) => ({ token, visit: current.visit + 1 }));
    }
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [parse]);
  return taken;
}

export function Redirect({ to }: { to: string }): null {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      rest.target
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handleClick} {...rest} />;
}
