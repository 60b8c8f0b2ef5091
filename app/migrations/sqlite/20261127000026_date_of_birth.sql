-- A Veteran's date of birth, shown beside their name on the care team's pages so two
-- Veterans with the same name are not confused, and when a clinician chooses whom to write
-- to. ISO text `YYYY-MM-DD` (a calendar date, no time or zone); NULL until an administrator
-- sets it (user page or CSV import), and for people who are not Veterans.
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../postgres/20261127000026_date_of_birth.sql.

ALTER TABLE users ADD COLUMN date_of_birth TEXT;
