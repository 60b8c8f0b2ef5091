-- Foundation: people, places, teams, who may write to whom, sessions and the audit trail.
-- Times are BIGINT milliseconds since the Unix epoch (UTC) in both dialects, so the same
-- queries sort and compare them. Yes/no columns are integers 0/1 for the same reason.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000001_foundation.sql.

-- A VA medical center or clinic. Its time zone decides business days for its teams.
CREATE TABLE facilities (
    id             INTEGER PRIMARY KEY,
    station_number TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    time_zone      TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL
);

-- Everyone who signs in. `email` is stored lower-case and trimmed. `password_hash` is an
-- argon2id PHC string; NULL until an invited person sets a password.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('veteran', 'caregiver', 'clinician', 'administrator')),
    password_hash TEXT,
    -- 0 = deactivated: cannot sign in, and every open session stops working at once.
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Base32 TOTP secret once multi-factor sign-in is set up.
    mfa_secret    TEXT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- A care team at a facility: the unit a Veteran writes to.
CREATE TABLE care_teams (
    id                   INTEGER PRIMARY KEY,
    facility_id          BIGINT  NOT NULL REFERENCES facilities (id),
    name                 TEXT    NOT NULL,
    description          TEXT    NOT NULL DEFAULT '',
    -- 0 = Veterans see the team but cannot start a message to it.
    accepting_messages   INTEGER NOT NULL DEFAULT 1 CHECK (accepting_messages IN (0, 1)),
    -- Response target in business days (DESIGN.md §2, default 3).
    response_target_days INTEGER NOT NULL DEFAULT 3 CHECK (response_target_days BETWEEN 1 AND 30),
    created_at           BIGINT  NOT NULL,
    UNIQUE (facility_id, name)
);

-- Clinicians on a team. A lead manages templates and is told about overdue threads.
CREATE TABLE team_members (
    team_id    BIGINT NOT NULL REFERENCES care_teams (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    team_role  TEXT   NOT NULL CHECK (team_role IN ('member', 'lead')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

-- Which teams a Veteran may write to. A blocked association keeps old threads readable but
-- stops new ones.
CREATE TABLE veteran_teams (
    veteran_id BIGINT  NOT NULL REFERENCES users (id),
    team_id    BIGINT  NOT NULL REFERENCES care_teams (id),
    blocked    INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (veteran_id, team_id)
);
CREATE INDEX veteran_teams_by_team ON veteran_teams (team_id);

-- A caregiver's access to act for a Veteran. Revoking sets `revoked_at`; the row stays as
-- the record of who had access when.
CREATE TABLE caregiver_grants (
    id           INTEGER PRIMARY KEY,
    caregiver_id BIGINT NOT NULL REFERENCES users (id),
    veteran_id   BIGINT NOT NULL REFERENCES users (id),
    granted_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
-- At most one live grant per caregiver and Veteran.
CREATE UNIQUE INDEX caregiver_grants_live ON caregiver_grants (caregiver_id, veteran_id)
    WHERE revoked_at IS NULL;
CREATE INDEX caregiver_grants_by_veteran ON caregiver_grants (veteran_id);

-- Server-side sessions (tower-sessions records). `user_id` is copied out of the record so
-- every session of a person can be ended at once.
CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    user_id    BIGINT REFERENCES users (id),
    data       TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- The audit trail (DESIGN.md §3): when, who, acting for whom, which patient, what, outcome,
-- from where. Append only: the triggers below refuse updates and deletes.
CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor_id        BIGINT,
    on_behalf_of_id BIGINT,
    patient_id      BIGINT,
    action          TEXT   NOT NULL,
    -- What the action was about, e.g. 'account:alex@example.com', 'thread:42', 'path:/admin'.
    target          TEXT,
    outcome         TEXT   NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    ip              TEXT,
    -- Non-health detail as JSON (e.g. values before and after an admin change).
    detail          TEXT
);
CREATE INDEX audit_events_by_time ON audit_events (at);
CREATE INDEX audit_events_by_action_target ON audit_events (action, target, at);
CREATE INDEX audit_events_by_action_ip ON audit_events (action, ip, at);
CREATE INDEX audit_events_by_actor ON audit_events (actor_id, at);
CREATE INDEX audit_events_by_patient ON audit_events (patient_id, at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
