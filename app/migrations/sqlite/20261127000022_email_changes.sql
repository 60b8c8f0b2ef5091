-- "Change your email address" in Settings (app/src/account/change_email.rs).
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000022_email_changes.sql.

-- A person asked to sign in with `new_email`: the link emailed there confirms it, once,
-- within its time, and only for the same person signed in. Only the SHA-256 digest of the
-- link's token is stored (hex). `used_at` is also set when a newer request or a change
-- makes the link void.
CREATE TABLE email_changes (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    new_email  TEXT   NOT NULL,
    token_hash TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_changes_by_user ON email_changes (user_id, created_at);
