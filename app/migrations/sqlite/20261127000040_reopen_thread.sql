-- "Reopen" on a completed thread (app/src/team/ssr/thread.rs): the thread's history says
-- who reopened it, as it says who marked it complete.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000040_reopen_thread.sql.

-- SQLite cannot change a CHECK constraint in place: the table is made again, rows kept.
CREATE TABLE thread_events_new (
    id              INTEGER PRIMARY KEY,
    thread_id       BIGINT  NOT NULL REFERENCES threads (id),
    at              BIGINT  NOT NULL,
    -- The clinician who acted.
    actor_id        BIGINT  NOT NULL REFERENCES users (id),
    kind            TEXT    NOT NULL
        CHECK (kind IN ('assigned', 'unassigned', 'reassigned', 'completed', 'reopened')),
    -- 'assigned': who has the thread now.
    assignee_id     BIGINT  REFERENCES users (id),
    -- 'assigned' through coverage: the member chosen, who was away (DESIGN.md §2 "Coverage").
    covering_for_id BIGINT  REFERENCES users (id),
    -- 'reassigned': the team it left and the team it went to, and why.
    from_team_id    BIGINT  REFERENCES care_teams (id),
    to_team_id      BIGINT  REFERENCES care_teams (id),
    reason          TEXT
);
INSERT INTO thread_events_new (id, thread_id, at, actor_id, kind, assignee_id, covering_for_id,
                               from_team_id, to_team_id, reason)
    SELECT id, thread_id, at, actor_id, kind, assignee_id, covering_for_id,
           from_team_id, to_team_id, reason FROM thread_events;
DROP TABLE thread_events;
ALTER TABLE thread_events_new RENAME TO thread_events;
CREATE INDEX thread_events_by_thread ON thread_events (thread_id, at, id);
