-- The access log moves to its own file, attached to every connection as `audit`
-- (sendscope.db-access-log beside sendscope.db). Every page view writes to it; kept in
-- the main file, each of those writes made every reader drop its page cache (SQLite
-- resets a connection's cache whenever the database changed since its last read).
-- The audit schema itself is created at every open (AUDIT_SCHEMA); this moves any rows
-- the main file holds, once. Safe to run again: rows already moved are skipped.
INSERT INTO audit.access_log (id, at, username, role, case_id, via)
    SELECT id, at, username, role, case_id, via FROM main.access_log
    WHERE id NOT IN (SELECT id FROM audit.access_log);
DROP TABLE main.access_log;
