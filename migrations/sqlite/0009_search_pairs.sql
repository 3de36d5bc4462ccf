-- Search: PostgreSQL adds an index of adjacent word pairs for phrases (its 0009). SQLite's FTS5
-- index keeps every word's positions and answers phrases from them, so it needs nothing here;
-- the migration exists so both dialects stay at the same version.
SELECT 1;
