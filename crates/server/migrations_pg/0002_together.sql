-- SCAFFOLD: the PostgreSQL schema of study sessions, assignments, questions
-- and feedback (SQLite migrations 0004-0005).
SELECT 1;
