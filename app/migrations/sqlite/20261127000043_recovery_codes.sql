-- Recovery codes: ten one-time codes made when two-step verification is turned on (and on
-- "Make new codes"), each good once in place of a code from the authenticator app.
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000043_recovery_codes.sql.

-- Only a keyed digest of each code is stored (HMAC-SHA-256 under a key derived from
-- SM_MFA_KEY, over the person's id and the code): a copy of the database alone can neither
-- read the codes nor test guesses at them. `used_at` is set when a code signs someone in;
-- "Make new codes", turning two-step verification off and an administrator's reset delete
-- the person's rows.
CREATE TABLE mfa_recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    code_hash  TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
