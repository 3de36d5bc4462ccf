-- Every instance polls for users changed in the last seconds (deactivation, roles): an index
-- keeps that poll from reading the whole table.
CREATE INDEX users_updated_at ON users (updated_at);
