-- Email (app/src/email): the outbox every email goes through.
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000017_email_outbox.sql.

-- One email to one address. It is written in the same transaction as the event that causes
-- it, so a crash between that commit and delivery loses nothing; the delivery worker then
-- claims due rows (moving `next_attempt_at` past a lease, under `FOR UPDATE SKIP LOCKED` on
-- PostgreSQL) so two instances never send the same row at once. Emails carry no health
-- information, but a set-password link in one is a secret: the bodies are emptied once the
-- email is delivered or given up on.
CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY,
    -- The address it goes to (never a name).
    recipient       TEXT    NOT NULL,
    -- What the email is about ('invitation', 'password_reset', 'mfa_reset', …), for counts.
    kind            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    -- The Message-ID header, the same on every attempt, so a repeat after a lost
    -- acknowledgement is recognisable as the same email.
    message_id      TEXT    NOT NULL UNIQUE,
    created_at      BIGINT  NOT NULL,
    -- Attempts begun so far; the worker gives up after a fixed number.
    attempts        BIGINT  NOT NULL DEFAULT 0,
    -- When the next attempt may begin: now for a new email, after a backoff for a failed
    -- one, after a lease for one being sent (so a worker that died mid-send is retried).
    next_attempt_at BIGINT  NOT NULL,
    sent_at         BIGINT,
    -- Given up on after the last retry; administrators see how many, never what.
    failed_at       BIGINT
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
