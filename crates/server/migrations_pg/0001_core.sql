-- SCAFFOLD: the PostgreSQL schema of units, accounts, sessions, devices,
-- events, content and the audit log (SQLite migrations 0001-0003).
SELECT 1;
