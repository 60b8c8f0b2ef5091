-- Reports and the audit log viewer (issue 6): indexes only, no new tables.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000006_reports.sql.

-- Reports count a team's threads started in a date range.
CREATE INDEX threads_by_team_created ON threads (team_id, created_at);

-- The audit log viewer pages newest first by (at, id) with a keyset cursor. Filtering by
-- action or outcome walks these in that order instead of sorting a million rows.
CREATE INDEX audit_events_by_action_time ON audit_events (action, at, id);
CREATE INDEX audit_events_by_outcome_time ON audit_events (outcome, at, id);
