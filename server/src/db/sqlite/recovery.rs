//! [`RecoveryStore`](crate::db::recovery::RecoveryStore) on Sqlite, as `db::recovery` writes it.

crate::db::recovery::recovery_store!(super::SqliteStore, sqlx::Sqlite);
