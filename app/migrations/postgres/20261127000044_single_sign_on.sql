-- Single sign-on through an OpenID Connect provider (SM_OIDC_ISSUER).
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000044_single_sign_on.sql.

-- Which account a provider's person is: the provider's issuer and its stable subject id
-- (never the email, which can change hands). Made at the first sign-in, by the verified
-- email address or by self-registration.
CREATE TABLE sso_identities (
    issuer     TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_by_user ON sso_identities (user_id);

-- A sign-in sent to the provider and not back yet: found again by the SHA-256 digest of a
-- random value in a short-lived cookie of the browser that started it, used once. The
-- session cookie cannot carry it: it is SameSite=Strict, and the provider's redirect back
-- is a navigation from another site. `state` must come back unchanged; `nonce` must be
-- in the ID token; the PKCE verifier goes with the code.
CREATE TABLE sso_sign_ins (
    browser_hash  TEXT   PRIMARY KEY,
    state         TEXT   NOT NULL,
    nonce         TEXT   NOT NULL,
    pkce_verifier TEXT   NOT NULL,
    next          TEXT,
    created_at    BIGINT NOT NULL
);
