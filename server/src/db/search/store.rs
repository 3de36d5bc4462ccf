//! The one implementation of [`SearchStore`](crate::db::SearchStore), over both dialects:
//! the probe, then a walk or the full-text index, as the probe's count of matches says.

/// Implements [`SearchStore`](crate::db::SearchStore) for a backend's store type with its
/// [`Syntax`], written once over concrete types.
macro_rules! search_store {
    ($store:ty, $db:ty, $syntax:expr) => {
        #[async_trait::async_trait]
        impl $crate::db::SearchStore for $store {
            async fn search_messages(
                &self,
                q: &$crate::db::SearchQuery,
            ) -> $crate::db::StoreResult<(Vec<tigo_common::Message>, i64)> {
                use $crate::db::search::COUNT_CAP;
                let expansion = self.prefix_words(&q.terms).await?;
                if expansion.as_ref().is_some_and(Vec::is_empty) {
                    // No stored message holds a word with that prefix.
                    return Ok((Vec::new(), 0));
                }
                let s = $crate::db::search::search_sql(q, $syntax, expansion.as_deref());
                // `index`: a statement through the full-text index, with its arguments (for
                // both closures).
                let count = |sql: &str, index: bool| {
                    let args = if index { &s.index_args } else { &s.args }.bind::<$db>();
                    let sql = sql.to_string();
                    async move {
                        let n: i64 = sqlx::query_scalar_with(&sql, args?)
                            .fetch_one(&self.pool)
                            .await?;
                        Ok::<i64, $crate::db::StoreError>(n)
                    }
                };
                let page = |sql: &str, index: bool| {
                    let args = if index { &s.index_args } else { &s.args }.bind::<$db>();
                    let sql = sql.to_string();
                    async move {
                        let rows: Vec<$crate::db::rows::MessageRow> =
                            sqlx::query_as_with(&sql, args?)
                                .fetch_all(&self.pool)
                                .await?;
                        $crate::db::rows::all(rows)
                    }
                };
                use $crate::db::search::DEEP;
                let probe = $crate::db::search::probe(&q.scope);
                let (seen, found): (i64, i64) =
                    sqlx::query_as_with(&s.probe, s.args.bind::<$db>()?)
                        .fetch_one(&self.pool)
                        .await?;
                let need = q.offset + q.limit;
                // Matches expected among the newest DEEP messages, at the probe's rate; a walk is taken
                // only when it should end within half of DEEP.
                let expected = found.saturating_mul(DEEP / probe);
                let (messages, total) = if seen < probe {
                    // The probe read the whole scope: it knows everything.
                    (page(&s.walk_page, false).await?, found.min(COUNT_CAP))
                } else if expected >= 2 * COUNT_CAP.max(need) {
                    // A common word: walks find the page and the capped count quickly.
                    let walked = count(&s.walk_count, false).await?;
                    let total = if walked >= COUNT_CAP {
                        COUNT_CAP
                    } else if count(&s.span, false).await? < DEEP {
                        // The walk read the whole scope (a room a little larger than the
                        // probe): its count is exact, and cheaper than the index's, which
                        // would read every match of a common word in every room.
                        walked
                    } else {
                        count(&s.count, true).await?
                    };
                    let mut messages = page(&s.walk_page, false).await?;
                    if (messages.len() as i64) < q.limit && total > q.offset + messages.len() as i64
                    {
                        // Fewer than expected among the newest: the rest lie deeper.
                        messages = page(&s.page, true).await?;
                    }
                    (messages, total)
                } else if found >= need {
                    // Rare, but the newest messages already hold the page: the walk finds it
                    // and the index counts (stopping at the cap, before reading every match).
                    (
                        page(&s.walk_page, false).await?,
                        count(&s.count, true).await?,
                    )
                } else {
                    // A rare word: the index holds few matches; one pass gives the count and
                    // the page, unless it finds more than a gather holds.
                    let hits: Vec<(uuid::Uuid, i64)> =
                        sqlx::query_as_with(&s.gather, s.index_args.bind::<$db>()?)
                            .fetch_all(&self.pool)
                            .await?;
                    match hits.first() {
                        Some(&(_, n)) if n < $crate::db::search::GATHER => {
                            let ids: Vec<uuid::Uuid> = hits.iter().map(|h| h.0).collect();
                            let (sql, args) = $crate::db::search::by_ids(&ids);
                            let rows: Vec<$crate::db::rows::MessageRow> =
                                sqlx::query_as_with(&sql, args.bind::<$db>()?)
                                    .fetch_all(&self.pool)
                                    .await?;
                            ($crate::db::rows::all(rows)?, n.min(COUNT_CAP))
                        }
                        // None matched, or the page lies past the last match: the count alone
                        // tells which.
                        None => (Vec::new(), count(&s.count, true).await?),
                        Some(_) => (page(&s.page, true).await?, count(&s.count, true).await?),
                    }
                };
                Ok((messages, total))
            }
        }
    };
}
pub(crate) use search_store;
