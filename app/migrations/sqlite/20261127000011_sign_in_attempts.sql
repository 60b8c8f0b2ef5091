-- Sign-in attempts, counted by the sign-in limits (app/src/server/sign_in_guard.rs).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000011_sign_in_attempts.sql.

-- A guess at a password or code is written here before it is checked, and counts as a
-- failure until it is known to be right: attempts made side by side then count each other,
-- so fifty at once cannot all pass a limit of ten. A right guess, or one refused without
-- being checked, is removed. `account` is the audit target (`account:{email}`), known
-- account or not; `address` is the client's.
CREATE TABLE sign_in_attempts (
    id      INTEGER PRIMARY KEY,
    account TEXT    NOT NULL,
    address TEXT    NOT NULL,
    at      BIGINT  NOT NULL
);
CREATE INDEX sign_in_attempts_by_account ON sign_in_attempts (account, at);
CREATE INDEX sign_in_attempts_by_address ON sign_in_attempts (address, at);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (at);
