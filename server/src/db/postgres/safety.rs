//! [`SafetyStore`](crate::db::SafetyStore) on PostgreSQL: the shared SQL of `db::safety`, JSON bound
//! as jsonb.

crate::db::safety::safety_store!(super::PgStore, crate::db::safety::pg_json);
