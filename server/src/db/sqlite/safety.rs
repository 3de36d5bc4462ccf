//! [`SafetyStore`](crate::db::SafetyStore) on SQLite: the shared SQL of `db::safety`, JSON bound
//! as TEXT.

crate::db::safety::safety_store!(super::SqliteStore, crate::db::safety::sqlite_json);
