-- Administration console (issue 6 part A): one-time set-password links for invited people
-- and password resets. Everything else the console changes already has its tables.
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000005_administration.sql.

-- A link an administrator hands to a person so they can set their password: valid 72 hours,
-- once. Only the SHA-256 digest of the link's token is stored (hex), so a copy of the
-- database cannot be used to take over an account. `used_at` is also set when a newer
-- link, a password set through another link, or a deactivation makes the link void.
CREATE TABLE password_links (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT   NOT NULL UNIQUE,
    -- 'invite': the person's first password; 'reset': an administrator reset it.
    purpose    TEXT   NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_links_by_user ON password_links (user_id);
