//! [`SearchStore`](crate::db::SearchStore) on PostgreSQL: the generated `search` tsvector
//! (configuration `tigo_search`: simple + unaccent) and its GIN index.

crate::db::search::search_store!(
    super::PgStore,
    sqlx::Postgres,
    crate::db::search::Syntax::TsQuery
);
