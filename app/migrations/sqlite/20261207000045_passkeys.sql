-- Passkeys (WebAuthn): signing in with a phone's or computer's screen lock or a security key.
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261207000045_passkeys.sql.

-- One row per passkey. `credential_id` is the authenticator's id for it (base64url), unique
-- across everyone: a passkey belongs to one account. `user_handle` is the random id the
-- authenticator keeps for the account (the same for all of one person's passkeys), so a
-- passkey chosen without an email address finds its person. `passkey` is webauthn-rs's
-- record of the public key, its algorithm and its signature counter, as JSON; it holds no
-- secret.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    user_handle   TEXT   NOT NULL,
    credential_id TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    passkey       TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);
CREATE INDEX passkeys_by_handle ON passkeys (user_handle);
