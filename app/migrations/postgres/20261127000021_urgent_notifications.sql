-- In-app notifications also tell every team member on duty that a message that may need
-- urgent attention arrived (app/src/email/ssr/notices.rs), beside the email.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000021_urgent_notifications.sql.

ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('overdue', 'urgent'));
