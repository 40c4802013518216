-- Version 7 moves SQLite's access log into a file of its own; PostgreSQL keeps it as it
-- is (its readers do not share a page cache that a write would reset).
SELECT 1;
