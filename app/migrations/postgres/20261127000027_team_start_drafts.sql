-- A clinician's new-conversation draft ("Start a message" with files): a row in `drafts`
-- with `author_id` the clinician, `veteran_id` the Veteran written to, no thread, and
-- `starts_thread` = 1. It holds the files attached before "Send", which moves them onto
-- the new thread's first message and deletes the row in the same transaction. One per
-- clinician and Veteran. The Veteran's side never reaches it (its drafts are the viewer's
-- own); the clinician reaches it only while they share a team with the Veteran
-- (`attachments::ssr::owner`).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000027_team_start_drafts.sql.

ALTER TABLE drafts ADD COLUMN starts_thread BIGINT NOT NULL DEFAULT 0
    CHECK (starts_thread IN (0, 1));
CREATE UNIQUE INDEX drafts_one_team_start_per_veteran ON drafts (author_id, veteran_id)
    WHERE starts_thread = 1;
