-- A care team member's reply draft (issue 5: files on the team's reply): a row in `drafts`
-- with `author_id` the clinician, `veteran_id` the thread's Veteran and `thread_id` set,
-- holding the files attached to the reply until it is sent. No new table: the Veteran's
-- side lists only drafts the viewer wrote, and the team side only the author's own while
-- they are on the thread's team (`attachments::ssr::owner`).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000008_team_reply_drafts.sql.

-- Moving a thread to another team deletes the reply drafts of members who are not on the
-- new team (`team::ssr::drop_stranded_reply_drafts`): found by thread, not by author.
CREATE INDEX drafts_by_thread ON drafts (thread_id) WHERE thread_id IS NOT NULL;
