// SPDX-License-Identifier: Apache-2.0
// A list's preset views as tabs under the page title (the alert queue's "My queue", "Unassigned"...,
// the cases' "My cases"...): buttons, the current one marked with aria-current.
export function ViewTabs<V extends string>({
  views,
  current,
  label,
  onSelect,
}: {
  views: readonly { view: V; label: string }[];
  current: V;
  label: string;
  onSelect: (view: V) => void;
}) {
  return (
    <nav className="view-tabs" aria-label={label}>
      {views.map((v) => (
        <button
          key={v.view}
          type="button"
          className={`view-tab${current === v.view ? ' view-tab-active' : ''}`}
          aria-current={current === v.view ? 'page' : undefined}
          onClick={() => onSelect(v.view)}
        >
          {v.label}
        </button>
      ))}
    </nav>
  );
}
