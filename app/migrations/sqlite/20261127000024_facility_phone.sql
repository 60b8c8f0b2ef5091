-- Each facility's phone number, which the "call your facility" messages show. Empty until
-- an administrator sets it; the messages then say "Call your facility" as before.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000024_facility_phone.sql.

ALTER TABLE facilities ADD COLUMN phone TEXT NOT NULL DEFAULT '';
