// SPDX-License-Identifier: Apache-2.0
// Cases (`/cases`, every role): views "My cases", "All open", "Closed", "All", and filters
// (status, priority, assignee) kept in the address, newest first with "Load more". Cases are
// opened from alerts in the queue ("Create case").
import { useEffect, useMemo } from 'react';
import { cases as casesApi } from '../api/endpoints';
import type { CasePriority, CaseStatus } from '../api/types';
import { Link, navigate, useLocation } from '../app/router';
import { useMe } from '../app/session';
import { LoadMoreFooter } from '../components/LoadMore';
import { PageError } from '../components/PageError';
import { SeverityBadge } from '../components/RuleBadges';
import { Badge, EmptyState, EnvironmentBadge, ErrorAlert, Icon, Loading, PageHeader, SelectField, type BadgeTone } from '../components/ui';
import { ViewTabs } from '../components/ViewTabs';
import { useMembers } from '../hooks/useMembers';
import { usePagedList } from '../hooks/usePagedList';
import {
  CASE_PRIORITIES,
  CASE_STATUSES,
  CASE_VIEWS,
  caseListFromSearch,
  caseListToSearch,
  caseQuery,
  caseStatusLabel,
  resolutionLabel,
  type CaseListState,
} from '../lib/cases';
import { capitalize } from '../lib/rules';
import { formatDateTime, formatShortDateTime } from '../lib/time';

let lastCasesHref = '/cases';

export function casesListHref(): string {
  return lastCasesHref;
}

const STATUS_TONES: Record<string, BadgeTone> = { open: 'warn', investigating: 'info', pending_info: 'neutral', escalated: 'danger', closed: 'good' };

export function CaseStatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{caseStatusLabel(status)}</Badge>;
}

export function CasesPage() {
  const me = useMe();
  const location = useLocation();
  const search = location.search.toString();
  const state = useMemo(() => caseListFromSearch(new URLSearchParams(search)), [search]);
  const list = usePagedList((cursor) => casesApi.list(caseQuery(state), cursor), search);
  const members = useMembers();

  useEffect(() => {
    lastCasesHref = `/cases${caseListToSearch(state)}`;
  }, [state]);

  function apply(next: Partial<CaseListState>) {
    navigate(`/cases${caseListToSearch({ ...state, ...next })}`);
  }

  const rows = list.rows;
  const narrowed = !!(state.status || state.priority || state.assignee);
  return (
    <>
      <PageHeader
        title="Cases"
        description={
          <>
            Investigations opened from alerts: comments, evidence and a timeline of every change. Open one from the{' '}
            <Link to="/alerts">alert queue</Link> (select alerts, then “Create case”).
          </>
        }
      />
      <ViewTabs views={CASE_VIEWS} current={state.view} label="Case views" onSelect={(view) => apply({ view })} />
      <div className="card filters" role="group" aria-label="Filter cases">
        <div className="filters-grid filters-grid-alerts">
          <SelectField label="Status" value={state.status} onChange={(e) => apply({ status: e.target.value as CaseStatus | '' })}>
            <option value="">Any</option>
            {CASE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {caseStatusLabel(s)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Priority" value={state.priority} onChange={(e) => apply({ priority: e.target.value as CasePriority | '' })}>
            <option value="">Any</option>
            {CASE_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {capitalize(p)}
              </option>
            ))}
          </SelectField>
          <SelectField label="Assignee" value={state.assignee} onChange={(e) => apply({ assignee: e.target.value })}>
            <option value="">{state.view === 'mine' ? 'Me (view)' : 'Anyone'}</option>
            <option value="me">Me</option>
            <option value="none">Unassigned</option>
            {members.list.map((m) => (
              <option key={m.user_id} value={m.user_id}>
                {m.name || m.email}
              </option>
            ))}
          </SelectField>
          <div className="filters-reset">
            <button type="button" className="btn btn-secondary" disabled={!narrowed} onClick={() => apply({ status: '', priority: '', assignee: '' })}>
              Clear filters
            </button>
          </div>
        </div>
      </div>
      {list.error ? (
        list.error.status === 422 ? (
          <ErrorAlert error={list.error} title="Check the filters" />
        ) : (
          <PageError error={list.error} subject="cases" onRetry={() => void list.reload()} />
        )
      ) : rows === null ? (
        <Loading label="Loading cases…" />
      ) : rows.length === 0 && !narrowed && state.view === 'all' ? (
        <EmptyState icon={<Icon name="cases" />} title="No cases yet">
          <p>
            Select alerts in the <Link to="/alerts">alert queue</Link> and choose “Create case” to start an investigation.
          </p>
        </EmptyState>
      ) : (
        <section className="card" aria-labelledby="cases-heading">
          <div className="card-header">
            <h2 id="cases-heading">{CASE_VIEWS.find((v) => v.view === state.view)?.label}</h2>
            <span className="count">
              {rows.length === 1 ? '1 case' : `${rows.length} cases`}
              {list.nextCursor ? ' shown, more available' : ''}
            </span>
          </div>
          {rows.length === 0 ? (
            <div className="table-empty">
              <p>No cases here.</p>
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table table-dense">
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Priority</th>
                    <th scope="col">Status</th>
                    <th scope="col">Assignee</th>
                    <th scope="col" className="col-number">
                      Alerts
                    </th>
                    <th scope="col">Opened</th>
                    <th scope="col">Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => (
                    <tr key={c.id} data-case-id={c.id}>
                      <td className="cell-link">
                        <Link to={`/cases/${encodeURIComponent(c.id)}`} className="cell-primary">
                          {c.title}
                        </Link>
                        <div className="cell-secondary">
                          {c.environment && c.environment !== 'production' ? <EnvironmentBadge environment={c.environment} /> : null} {c.id}
                        </div>
                      </td>
                      <td>
                        <SeverityBadge severity={c.priority} />
                      </td>
                      <td>
                        <CaseStatusBadge status={c.status} />
                        {c.resolution ? <div className="cell-secondary">{resolutionLabel(c.resolution)}</div> : null}
                      </td>
                      <td className={c.assignee_id ? '' : 'muted'}>{c.assignee_id === me.user.id ? 'You' : members.nameOf(c.assignee_id)}</td>
                      <td className="col-number">{c.alert_count ?? '—'}</td>
                      <td className="nowrap" title={formatDateTime(c.created_at)}>
                        {formatShortDateTime(c.created_at)}
                      </td>
                      <td className="nowrap" title={formatDateTime(c.updated_at)}>
                        {formatShortDateTime(c.updated_at)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <LoadMoreFooter list={list} />
        </section>
      )}
    </>
  );
}
