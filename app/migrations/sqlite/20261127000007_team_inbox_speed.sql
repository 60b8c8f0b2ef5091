-- The team inbox at scale (issue 4 figure: 100,000 threads across 50 teams).
-- Open threads in triage order, the same expressions as `team::ssr::inbox` (OPEN_RANK,
-- OPEN_KEY): the first page is read off the index instead of sorting every open thread.
CREATE INDEX threads_open_triage ON threads (
    (CAST(CASE WHEN waiting_since IS NULL THEN 2 WHEN urgent_language = 1 THEN 0 ELSE 1 END AS BIGINT)),
    (CASE WHEN waiting_since IS NULL THEN last_message_at ELSE COALESCE(due_at, waiting_since) END),
    id
) WHERE completed_at IS NULL;
-- The counts behind the filters, answered from the index alone.
CREATE INDEX threads_team_counts ON threads (team_id, completed_at, assigned_to, due_at);
