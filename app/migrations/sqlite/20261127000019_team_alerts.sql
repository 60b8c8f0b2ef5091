-- Emails to a care team (app/src/email/ssr/notices.rs).
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000019_team_alerts.sql.

-- Something the team must hear of by email: 'urgent', a Veteran-side message with crisis
-- language reached it (every member not away is emailed); 'overdue', a thread went past its
-- response target (the team's leads are emailed). Written in the transaction of the message
-- or of the overdue job's claim; a job turns each row into outbox emails and deletes it in
-- one transaction. The emails name no Veteran, thread or words.
CREATE TABLE team_alerts (
    id         INTEGER PRIMARY KEY,
    team_id    BIGINT NOT NULL REFERENCES care_teams (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('urgent', 'overdue')),
    created_at BIGINT NOT NULL
);
