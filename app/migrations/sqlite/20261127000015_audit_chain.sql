-- The audit chain (app/src/server/audit_chain.rs).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000015_audit_chain.sql.

-- One seal per audit event, in the order they were sealed: `chain` is an HMAC (key
-- SM_AUDIT_KEY, kept outside the database) over the previous seal's chain and the event's
-- row, so a changed or removed event, or a removed seal, breaks every chain after it.
-- Append only, like the events.
CREATE TABLE audit_seals (
    seq      INTEGER PRIMARY KEY,
    event_id BIGINT  NOT NULL UNIQUE REFERENCES audit_events (id),
    chain    BLOB    NOT NULL
);

CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are append-only');
END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN
    SELECT RAISE(ABORT, 'audit seals are append-only');
END;
