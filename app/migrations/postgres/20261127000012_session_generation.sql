-- Sign out everywhere, for certain (app/src/server/session_store.rs).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000012_session_generation.sql.

-- Each session remembers the generation its person was in when they signed in; ending all
-- of a person's sessions (a reset, a deactivation, "Sign out of all other devices") moves
-- them to the next one. A session of an older generation is not signed in, even if a
-- request that was in flight wrote it back.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
