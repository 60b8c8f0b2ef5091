-- Search finds messages by who sent them too (a team member's or caregiver's name).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000023_search_by_sender.sql.

-- The author's name is matched at query time (app/src/server/db/mod.rs), like the care
-- team's name: a rename is found at once, and names are short. Nothing to store.
SELECT 1;
