-- "Reopen" on a completed thread (app/src/team/ssr/thread.rs): the thread's history says
-- who reopened it, as it says who marked it complete.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000040_reopen_thread.sql.

ALTER TABLE thread_events DROP CONSTRAINT thread_events_kind_check;
ALTER TABLE thread_events ADD CONSTRAINT thread_events_kind_check
    CHECK (kind IN ('assigned', 'unassigned', 'reassigned', 'completed', 'reopened'));
