-- "Give someone access" in a Veteran's Settings (app/src/messages/caregiver_invitations.rs).
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000042_caregiver_invitations.sql.

-- A Veteran invited whoever signs in with `email` to act for them. The emailed link works
-- once, within its time, for a caregiver account signed in with that address; accepting
-- makes the grant. Only the SHA-256 digest of the link's token is stored (hex). `ended_at`
-- is set when it is accepted (`accepted_by`), withdrawn, or replaced by a newer one.
CREATE TABLE caregiver_invitations (
    id          INTEGER PRIMARY KEY,
    veteran_id  BIGINT NOT NULL REFERENCES users (id),
    email       TEXT   NOT NULL,
    token_hash  TEXT   NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    accepted_by BIGINT REFERENCES users (id)
);
CREATE INDEX caregiver_invitations_by_veteran ON caregiver_invitations (veteran_id, created_at);
