-- "Forgot your password?" (app/src/account/forgot.rs): the requests of the last hour, counted
-- so that nobody can flood an address with reset emails or probe from one address.
-- Times are BIGINT epoch milliseconds (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000020_password_reset_requests.sql.

-- One request, whether or not an account uses the address (so the limits say nothing about
-- which addresses have accounts). Rows older than an hour are deleted as requests come.
CREATE TABLE password_reset_requests (
    id      INTEGER PRIMARY KEY,
    -- The address typed, normalized as sign-in normalizes it.
    email   TEXT   NOT NULL,
    -- Where the request came from.
    address TEXT   NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX password_reset_requests_by_email ON password_reset_requests (email);
CREATE INDEX password_reset_requests_by_address ON password_reset_requests (address);
