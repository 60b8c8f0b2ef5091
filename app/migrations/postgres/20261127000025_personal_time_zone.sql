-- The time zone each person reads dates and times in (Settings → "Time zone"), an IANA
-- name. NULL until chosen: their facility's zone is used then (see server::users).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000025_personal_time_zone.sql.

ALTER TABLE users ADD COLUMN time_zone TEXT;
