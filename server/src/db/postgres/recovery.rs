//! [`RecoveryStore`](crate::db::recovery::RecoveryStore) on Postgres, as `db::recovery` writes it.

crate::db::recovery::recovery_store!(super::PgStore, sqlx::Postgres);
