-- Two-step verification (TOTP, RFC 6238): a code from an authenticator app after the
-- password. Required for clinicians and administrators (SM_REQUIRE_MFA), optional for
-- Veterans and caregivers (DESIGN.md §3).
-- Times are BIGINT epoch milliseconds (see the foundation); time steps are whole 30-second
-- periods since the Unix epoch, the counter of RFC 6238.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000009_two_step_verification.sql.

-- The foundation planned a plain `users.mfa_secret`. Nothing ever wrote it: the secret now
-- lives sealed in the table below, so the column goes rather than invite a plain copy.
ALTER TABLE users DROP COLUMN mfa_secret;

-- One person's authenticator app. A row whose `confirmed_at` is NULL is a set-up in
-- progress: two-step verification is on only once the person has typed a code the app made
-- from this secret. Turning it off, or an administrator's reset, deletes the row.
CREATE TABLE mfa_enrolments (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id),
    -- The TOTP secret sealed with AES-256-GCM under SM_MFA_KEY, the user id as associated
    -- data (base64 of nonce, ciphertext and tag): a copy of the database alone cannot make
    -- codes (NIST SP 800-63B §5.1.4.2: the verifier's keys "SHALL be strongly protected").
    sealed_secret  TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    confirmed_at   BIGINT,
    -- The time step of the last code accepted. A code of that step or an earlier one is
    -- refused, so a code seen over someone's shoulder cannot be used again (RFC 6238 §5.2).
    last_used_step BIGINT
);
