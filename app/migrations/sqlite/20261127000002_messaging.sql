-- Veteran messaging (issue 3): threads, messages, each person's view of a thread (folder,
-- unread), custom folders, drafts, signatures and full-text search.
-- Times are BIGINT epoch milliseconds; yes/no columns are integers 0/1 (see the foundation).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000002_messaging.sql.

-- One conversation between one Veteran and one care team (DESIGN.md §2). Replies stay in it.
CREATE TABLE threads (
    id              INTEGER PRIMARY KEY,
    veteran_id      BIGINT  NOT NULL REFERENCES users (id),
    -- The team can change when a team reassigns the thread; the Veteran then sees the new one.
    team_id         BIGINT  NOT NULL REFERENCES care_teams (id),
    subject         TEXT    NOT NULL,
    category        TEXT    NOT NULL CHECK (category IN
                        ('general', 'covid', 'appointment', 'medication', 'test_results', 'education')),
    created_at      BIGINT  NOT NULL,
    -- The latest message that the Veteran can see (never an internal note): what lists sort
    -- by and what the 45-day reply window counts from.
    last_message_at BIGINT  NOT NULL,
    -- 1 = a Veteran-side message held crisis language; the team sees it first. Never shown to
    -- the Veteran.
    urgent_language INTEGER NOT NULL DEFAULT 0 CHECK (urgent_language IN (0, 1)),
    -- For the team inbox: when the oldest Veteran message still waiting for the team arrived
    -- (NULL once the team has replied), when the team marked the thread done (a new Veteran
    -- message clears it), and who on the team has it.
    waiting_since   BIGINT,
    completed_at    BIGINT,
    assigned_to     BIGINT  REFERENCES users (id)
);
CREATE INDEX threads_by_veteran ON threads (veteran_id, last_message_at);
CREATE INDEX threads_by_team_waiting ON threads (team_id, waiting_since);
CREATE INDEX threads_by_assignee ON threads (assigned_to);

-- Messages are medical records: nobody deletes or edits one once sent (DESIGN.md §2).
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    thread_id         BIGINT  NOT NULL REFERENCES threads (id),
    -- Who typed it: the Veteran, a caregiver, or a care team member.
    author_id         BIGINT  NOT NULL REFERENCES users (id),
    -- The Veteran a caregiver wrote for ("Sent by Sam Rivera on behalf of Alex Rivera").
    on_behalf_of_id   BIGINT  REFERENCES users (id),
    -- 1 = written by a care team member, 0 = by the Veteran's side.
    sent_by_team      INTEGER NOT NULL CHECK (sent_by_team IN (0, 1)),
    -- Plain text exactly as typed; pages escape it.
    body              TEXT    NOT NULL,
    -- The author's signature when it was sent, shown under the body.
    signature         TEXT,
    sent_at           BIGINT  NOT NULL,
    -- Made by the sending form; a retried send with the same key finds this row instead of
    -- making a second message. NULL for messages made by the server itself (demo data).
    client_key        TEXT,
    -- When a team member first opened this Veteran-side message ("Opened by your care team").
    opened_by_team_at BIGINT,
    -- 1 = a note the team keeps for itself (care team issue); never shown to the Veteran.
    is_internal_note  INTEGER NOT NULL DEFAULT 0 CHECK (is_internal_note IN (0, 1)),
    UNIQUE (author_id, client_key)
);
CREATE INDEX messages_by_thread ON messages (thread_id, sent_at, id);

-- A person's own folders (DESIGN.md §2: 1–50 letters, digits and spaces, unique per person).
CREATE TABLE folders (
    id         INTEGER PRIMARY KEY,
    owner_id   BIGINT NOT NULL REFERENCES users (id),
    name       TEXT   NOT NULL,
    -- The name lower-cased with single spaces, computed by the app (SQLite's lower() only
    -- folds ASCII): uniqueness is checked on it.
    name_key   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (owner_id, name_key)
);

-- How one person sees one thread: the Veteran, and each caregiver acting for them, has a
-- row of their own, so folders, Trash and unread marks belong to the person viewing.
CREATE TABLE thread_views (
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    thread_id       BIGINT  NOT NULL REFERENCES threads (id),
    -- Copied from threads.veteran_id: a caregiver's lists are per Veteran they act for, and
    -- the paging index below needs it.
    veteran_id      BIGINT  NOT NULL REFERENCES users (id),
    -- 'inbox', 'sent', 'trash', or 'custom' with folder_id set. Drafts are their own table.
    folder          TEXT    NOT NULL CHECK (folder IN ('inbox', 'sent', 'trash', 'custom')),
    folder_id       BIGINT  REFERENCES folders (id),
    -- 1 = something arrived that this person has not opened.
    unread          INTEGER NOT NULL CHECK (unread IN (0, 1)),
    last_read_at    BIGINT,
    -- Copied from threads.last_message_at in the same transaction as each message, so a
    -- folder page is one range scan of the index below (keyset paging).
    last_message_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, thread_id),
    CHECK ((folder = 'custom') = (folder_id IS NOT NULL))
);
CREATE INDEX thread_views_by_folder
    ON thread_views (user_id, veteran_id, folder, folder_id, last_message_at, thread_id);
CREATE INDEX thread_views_by_thread ON thread_views (thread_id);
CREATE INDEX thread_views_by_custom_folder ON thread_views (folder_id);

-- Unsent messages, saved while typing (DESIGN.md §2). Deleting one is permanent. A draft
-- belongs to its author alone, for the Veteran they were acting for.
CREATE TABLE drafts (
    id         INTEGER PRIMARY KEY,
    author_id  BIGINT NOT NULL REFERENCES users (id),
    veteran_id BIGINT NOT NULL REFERENCES users (id),
    -- NULL until chosen in the form. For a reply draft, copied from the thread.
    team_id    BIGINT REFERENCES care_teams (id),
    category   TEXT   CHECK (category IN
                   ('general', 'covid', 'appointment', 'medication', 'test_results', 'education')),
    subject    TEXT   NOT NULL DEFAULT '',
    body       TEXT   NOT NULL DEFAULT '',
    -- Set for a reply draft: one per author and thread (index below).
    thread_id  BIGINT REFERENCES threads (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX drafts_one_reply_per_thread ON drafts (author_id, thread_id)
    WHERE thread_id IS NOT NULL;
CREATE INDEX drafts_by_author ON drafts (author_id, veteran_id, updated_at, id);

-- A person's optional signature, added under each message they send (DESIGN.md §2).
CREATE TABLE signatures (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id),
    name       TEXT   NOT NULL DEFAULT '',
    title      TEXT   NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- Full-text search (FTS5): one document per message, holding the thread's subject, the
-- body and the care team's name, so keywords may match across the three. The rowid is the
-- message id. The triggers keep it in step when a message arrives, when a thread's subject
-- or team changes, and when a team is renamed. PostgreSQL uses tsvector columns instead.
CREATE VIRTUAL TABLE message_search USING fts5(
    subject, body, care_team,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER message_search_after_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO message_search (rowid, subject, body, care_team)
    SELECT new.id, t.subject, new.body, ct.name
    FROM threads t JOIN care_teams ct ON ct.id = t.team_id
    WHERE t.id = new.thread_id;
END;

CREATE TRIGGER message_search_after_body_update AFTER UPDATE OF body ON messages
BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
    INSERT INTO message_search (rowid, subject, body, care_team)
    SELECT new.id, t.subject, new.body, ct.name
    FROM threads t JOIN care_teams ct ON ct.id = t.team_id
    WHERE t.id = new.thread_id;
END;

CREATE TRIGGER message_search_after_delete AFTER DELETE ON messages
BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
END;

CREATE TRIGGER message_search_after_thread_update AFTER UPDATE OF subject, team_id ON threads
BEGIN
    DELETE FROM message_search
    WHERE rowid IN (SELECT id FROM messages WHERE thread_id = new.id);
    INSERT INTO message_search (rowid, subject, body, care_team)
    SELECT m.id, new.subject, m.body, ct.name
    FROM messages m JOIN care_teams ct ON ct.id = new.team_id
    WHERE m.thread_id = new.id;
END;

CREATE TRIGGER message_search_after_team_rename AFTER UPDATE OF name ON care_teams
BEGIN
    DELETE FROM message_search
    WHERE rowid IN (SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id
                    WHERE t.team_id = new.id);
    INSERT INTO message_search (rowid, subject, body, care_team)
    SELECT m.id, t.subject, m.body, new.name
    FROM messages m JOIN threads t ON t.id = m.thread_id
    WHERE t.team_id = new.id;
END;
