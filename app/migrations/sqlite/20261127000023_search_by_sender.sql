-- Search finds messages by who sent them too (a team member's or caregiver's name): the
-- full-text document of each message gains its author's name.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000023_search_by_sender.sql.

-- FTS5 cannot add a column: the table and its triggers are made again, then filled.
DROP TRIGGER message_search_after_insert;
DROP TRIGGER message_search_after_body_update;
DROP TRIGGER message_search_after_delete;
DROP TRIGGER message_search_after_thread_update;
DROP TRIGGER message_search_after_team_rename;
DROP TABLE message_search;

CREATE VIRTUAL TABLE message_search USING fts5(
    subject, body, care_team, sender,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO message_search (rowid, subject, body, care_team, sender)
SELECT m.id, t.subject, m.body, ct.name, a.name
FROM messages m JOIN threads t ON t.id = m.thread_id
JOIN care_teams ct ON ct.id = t.team_id JOIN users a ON a.id = m.author_id;

CREATE TRIGGER message_search_after_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO message_search (rowid, subject, body, care_team, sender)
    SELECT new.id, t.subject, new.body, ct.name, a.name
    FROM threads t JOIN care_teams ct ON ct.id = t.team_id JOIN users a ON a.id = new.author_id
    WHERE t.id = new.thread_id;
END;

CREATE TRIGGER message_search_after_body_update AFTER UPDATE OF body ON messages
BEGIN
    DELETE FROM message_search WHERE rowid = old.id;
    INSERT INTO message_search (rowid, subject, body, care_team, sender)
    SELECT new.id, t.subject, new.body, ct.name, a.name
    FROM threads t JOIN care_teams ct ON ct.id = t.team_id JOIN users a ON a.id = new.author_id
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
    INSERT INTO message_search (rowid, subject, body, care_team, sender)
    SELECT m.id, new.subject, m.body, ct.name, a.name
    FROM messages m JOIN care_teams ct ON ct.id = new.team_id JOIN users a ON a.id = m.author_id
    WHERE m.thread_id = new.id;
END;

CREATE TRIGGER message_search_after_team_rename AFTER UPDATE OF name ON care_teams
BEGIN
    DELETE FROM message_search
    WHERE rowid IN (SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id
                    WHERE t.team_id = new.id);
    INSERT INTO message_search (rowid, subject, body, care_team, sender)
    SELECT m.id, t.subject, m.body, new.name, a.name
    FROM messages m JOIN threads t ON t.id = m.thread_id JOIN users a ON a.id = m.author_id
    WHERE t.team_id = new.id;
END;

-- A person renamed by an administrator is found by their new name.
CREATE TRIGGER message_search_after_person_rename AFTER UPDATE OF name ON users
BEGIN
    DELETE FROM message_search WHERE rowid IN (SELECT id FROM messages WHERE author_id = new.id);
    INSERT INTO message_search (rowid, subject, body, care_team, sender)
    SELECT m.id, t.subject, m.body, ct.name, new.name
    FROM messages m JOIN threads t ON t.id = m.thread_id JOIN care_teams ct ON ct.id = t.team_id
    WHERE m.author_id = new.id;
END;
