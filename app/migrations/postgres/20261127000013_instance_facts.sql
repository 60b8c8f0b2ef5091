-- Facts about this installation (app/src/server/demo.rs).
-- Never edit this file once landed; add a new migration (STYLE.md habit 8).
-- Keep in step with ../sqlite/20261127000013_instance_facts.sql.

-- 'demo_seeded': demo mode made this database's first accounts. Demo mode starts only on an
-- empty database or one it seeded, so it never adds its known-password accounts to real
-- people's. A database seeded before this table existed is known by the demo administrator.
CREATE TABLE instance_facts (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO instance_facts (name, value)
    SELECT 'demo_seeded', 'yes' WHERE EXISTS (SELECT 1 FROM users WHERE email = 'admin@example.com');
