-- Search: PostgreSQL's table of indexed words (for prefixes, see its 0010). SQLite's FTS5 answers
-- a prefix from its own index, so nothing changes here; the file keeps both folders' numbers in
-- step.
SELECT 1;
