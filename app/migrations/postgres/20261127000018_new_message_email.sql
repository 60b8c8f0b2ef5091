-- Email about new messages (app/src/email/ssr/notices.rs): each Veteran's and caregiver's
-- choice, and the notices waiting to become an email.
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000018_new_message_email.sql.

-- Settings, "Email me about new messages": 'each' (each time, the default), 'daily' (one
-- email at 7 am if anything arrived), 'never'.
ALTER TABLE users ADD COLUMN new_message_email TEXT NOT NULL DEFAULT 'each'
    CHECK (new_message_email IN ('each', 'daily', 'never'));

-- A person has something new from their care team and has not been emailed about it yet.
-- Written in the transaction of the team's message; a job turns each due row into an
-- outbox email and deletes it in one transaction. One row per person: more messages before
-- it is due make no more emails.
CREATE TABLE new_message_notices (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    -- Now for 'each'; the next 7 am in the zone of the care team's facility for 'daily'.
    due_at  BIGINT NOT NULL
);
CREATE INDEX new_message_notices_due ON new_message_notices (due_at);
