-- In-app notifications also tell every team member on duty that a message that may need
-- urgent attention arrived (app/src/email/ssr/notices.rs), beside the email.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000021_urgent_notifications.sql.

-- SQLite cannot change a CHECK constraint in place: the table is made again, rows kept.
CREATE TABLE notifications_new (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    thread_id  BIGINT NOT NULL REFERENCES threads (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('overdue', 'urgent')),
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    UNIQUE (user_id, thread_id, kind)
);
INSERT INTO notifications_new (id, user_id, thread_id, kind, created_at, read_at)
    SELECT id, user_id, thread_id, kind, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
