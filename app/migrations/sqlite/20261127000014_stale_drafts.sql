-- Finding drafts nobody touched for 90 days (app/src/messages/ssr/drafts.rs,
-- remove_stale_drafts), which the server removes with their files once an hour.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000014_stale_drafts.sql.

CREATE INDEX drafts_by_updated_at ON drafts (updated_at, id);
