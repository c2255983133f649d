// SPDX-License-Identifier: Apache-2.0
// Migration 7: cases (issue 7 part 2, docs/investigations.md "Cases"). Portable SQL (SQLite and
// PostgreSQL), statements separated by ';'. A case belongs to one organization and one environment
// (the environment of its alerts); alerts point at their case through `alerts.case_id` (migration
// 4), indexed here. `case_events` is the timeline (every change, with actor and time; details JSON);
// `case_comments` the analysts' notes; `case_evidence` the metadata of uploaded files, whose bytes
// live in the data directory (`evidence/<org id>/<evidence id>`), written and fsynced before the
// row commits. The close note is kept as `resolution_note`; reopening clears the resolution (the
// timeline keeps what it was).
namespace wt::storage {

extern const char kV7Cases[] = R"SQL(
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    environment TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    assignee_id TEXT,
    resolution TEXT,
    resolution_note TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT
);
CREATE INDEX cases_by_org ON cases(org_id, id);
CREATE INDEX cases_by_status ON cases(org_id, status, id);
CREATE INDEX cases_by_assignee ON cases(org_id, assignee_id, id);
CREATE TABLE case_events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX case_events_by_case ON case_events(case_id, at);
CREATE TABLE case_comments (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    author_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_comments_by_case ON case_comments(case_id, created_at);
CREATE TABLE case_evidence (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_evidence_by_case ON case_evidence(case_id, created_at);
CREATE INDEX alerts_by_case ON alerts(case_id)
)SQL";

}  // namespace wt::storage
