-- Care team workspace (issue 4): due times and the overdue job's claim, assignment history,
-- reply templates, coverage and in-app notifications for team leads.
-- Times are BIGINT epoch milliseconds; yes/no columns are integers 0/1 (see the foundation).
-- The response target in business days is already `care_teams.response_target_days`
-- (foundation, default 3) and the zone business days are counted in is
-- `facilities.time_zone`.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000003_team_workspace.sql.

-- When a thread waiting on the team is due (DESIGN.md §2 "Service level"): `waiting_since`
-- plus the team's target in business days, in the facility's zone. The app computes it
-- (team::business_days) when waiting starts and when the thread moves to another team; SQL
-- cannot count holidays. NULL while nothing waits. Stored so "Overdue" is an index range.
ALTER TABLE threads ADD COLUMN due_at BIGINT;
-- When the overdue job told the team's leads about the current wait: the job's once-only
-- claim. Cleared when the wait ends (a team reply, completion) or the thread changes team,
-- so a later wait that runs late is reported again.
ALTER TABLE threads ADD COLUMN overdue_notified_at BIGINT;

-- The team inbox: a team's open (completed_at NULL) or completed threads, by due time.
CREATE INDEX threads_team_inbox ON threads (team_id, completed_at, due_at);
-- The overdue job: open waits not yet reported, earliest due first.
CREATE INDEX threads_overdue_claim ON threads (due_at)
    WHERE overdue_notified_at IS NULL AND completed_at IS NULL;

-- What the team did with a thread, for the team's history panel (never shown to the
-- Veteran): assignments, moves to another team with the reason given, completion.
-- The audit trail records the same actions without the free-text reason, which may hold
-- health information.
CREATE TABLE thread_events (
    id              INTEGER PRIMARY KEY,
    thread_id       BIGINT  NOT NULL REFERENCES threads (id),
    at              BIGINT  NOT NULL,
    -- The clinician who acted.
    actor_id        BIGINT  NOT NULL REFERENCES users (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('assigned', 'unassigned', 'reassigned', 'completed')),
    -- 'assigned': who has the thread now.
    assignee_id     BIGINT  REFERENCES users (id),
    -- 'assigned' through coverage: the member chosen, who was away (DESIGN.md §2 "Coverage").
    covering_for_id BIGINT  REFERENCES users (id),
    -- 'reassigned': the team it left and the team it went to, and why.
    from_team_id    BIGINT  REFERENCES care_teams (id),
    to_team_id      BIGINT  REFERENCES care_teams (id),
    reason          TEXT
);
CREATE INDEX thread_events_by_thread ON thread_events (thread_id, at, id);

-- Reply templates per team (DESIGN.md §2), managed by the team's leads. A clinician picks
-- one and edits it before sending; nothing links a sent message to its template.
CREATE TABLE reply_templates (
    id         INTEGER PRIMARY KEY,
    team_id    BIGINT NOT NULL REFERENCES care_teams (id),
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_at BIGINT NOT NULL,
    UNIQUE (team_id, title)
);

-- "I'm away until …, covered by …" (DESIGN.md §2 "Coverage"): one row per clinician who
-- set it. In force while `away_until` is in the future; new assignments to the person go
-- to the covering member instead.
CREATE TABLE coverage (
    user_id          BIGINT PRIMARY KEY REFERENCES users (id),
    away_until       BIGINT NOT NULL,
    covering_user_id BIGINT NOT NULL REFERENCES users (id),
    updated_at       BIGINT NOT NULL,
    CHECK (covering_user_id <> user_id)
);
CREATE INDEX coverage_by_covering ON coverage (covering_user_id);

-- In-app notifications (issue 4: team leads hear of an overdue thread once; email comes
-- later). One row per person, thread and kind: a later overdue wait of the same thread
-- raises the same row again (unread, new time) instead of adding another.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    thread_id  BIGINT NOT NULL REFERENCES threads (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('overdue')),
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    UNIQUE (user_id, thread_id, kind)
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
