-- Reports at scale (issue 6 figures): indexes only, no new tables.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000010_report_speed.sql.

-- A team's threads by their latest message: the messages counted in a range, and the
-- backlog at its end, read only the threads active since (reports::ssr).
CREATE INDEX threads_by_team_activity ON threads (team_id, last_message_at);
