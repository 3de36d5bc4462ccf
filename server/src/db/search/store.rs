//! The one implementation of [`SearchStore`] over both dialects: the probe, then a walk or
//! the full-text index, as the probe's count of matches says. What a dialect writes itself is
//! [`SearchDialect`]: its match syntax, how it expands a prefix, and the search follower's
//! statements.

use std::future::Future;

use async_trait::async_trait;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::Message;
use uuid::Uuid;

use super::{
    COUNT_CAP, DEEP, Followed, GATHER, Lag, SearchSql, Syntax, Terms, by_ids, probe, search_sql,
};
use crate::db::backend::Backend;
use crate::db::rows::{self, Instant, MessageRow};
use crate::db::{SearchQuery, SearchStore, StoreError, StoreResult};

/// A dialect's part of a search (in `sqlite/search.rs` and `postgres/search.rs`).
pub(crate) trait SearchDialect: Backend {
    const SYNTAX: Syntax;

    /// The words the prefix of `terms` stands for, when the dialect writes them out;
    /// `Some(empty)`: no stored message holds such a word; `None`: the index matches the
    /// prefix itself.
    fn prefix_words(
        &self,
        terms: &Terms,
    ) -> impl Future<Output = StoreResult<Option<Vec<String>>>> + Send;

    /// One step of the search follower: indexes the next committed messages past its
    /// position and moves the position, in one transaction.
    fn follow(&self) -> impl Future<Output = StoreResult<Followed>> + Send;

    /// How far the search index is behind the stored messages.
    fn lag(&self) -> impl Future<Output = StoreResult<Lag>> + Send;
}

/// What a rare word's one pass through the index found.
enum Gathered {
    /// The page and how many match (fewer than [`GATHER`]).
    Page(Vec<Message>, i64),
    /// Nothing matched, or the page lies past the last match.
    Nothing,
    /// More than a gather holds.
    TooMany,
}

#[async_trait]
impl<S: SearchDialect> SearchStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> i64: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> bool: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (i64, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid, i64): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> MessageRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn search_messages(&self, q: &SearchQuery) -> StoreResult<(Vec<Message>, i64)> {
        let expansion = self.prefix_words(&q.terms).await?;
        if expansion.as_ref().is_some_and(Vec::is_empty) {
            // No stored message holds a word with that prefix.
            return Ok((Vec::new(), 0));
        }
        let s = search_sql(q, S::SYNTAX, expansion.as_deref());
        let pool = self.pool();
        // `index`: a statement through the full-text index, with its arguments (`sql`: one of
        // `s`'s, so that it lives as long as the arguments bound from `s`).
        let count = |sql, index: bool| {
            let args = if index { &s.index_args } else { &s.args }.bind::<S::Db>();
            async move {
                let n: i64 = sqlx::query_scalar_with(sql, args?).fetch_one(pool).await?;
                Ok::<i64, StoreError>(n)
            }
        };
        let page = |sql, index: bool| {
            let args = if index { &s.index_args } else { &s.args }.bind::<S::Db>();
            async move {
                let found: Vec<MessageRow> =
                    sqlx::query_as_with(sql, args?).fetch_all(pool).await?;
                rows::all(found)
            }
        };
        let gather = || async {
            let hits: Vec<(Uuid, i64)> = sqlx::query_as_with(&s.gather, s.index_args.bind()?)
                .fetch_all(pool)
                .await?;
            Ok::<Gathered, StoreError>(match hits.first() {
                Some(&(_, n)) if n < GATHER => {
                    let ids: Vec<Uuid> = hits.iter().map(|h| h.0).collect();
                    let (sql, args) = by_ids(&ids);
                    let found: Vec<MessageRow> = sqlx::query_as_with(&sql, args.bind()?)
                        .fetch_all(pool)
                        .await?;
                    Gathered::Page(rows::all(found)?, n.min(COUNT_CAP))
                }
                None => Gathered::Nothing,
                Some(_) => Gathered::TooMany,
            })
        };
        let probed: (i64, i64) = sqlx::query_as_with(&s.probe, s.args.bind()?)
            .fetch_one(pool)
            .await?;
        answer(q, &s, probed, count, page, gather).await
    }

    async fn follow_search(&self) -> StoreResult<Followed> {
        self.follow().await
    }

    async fn search_lag(&self) -> StoreResult<Lag> {
        self.lag().await
    }
}

/// The page and the total, from the probe's `(seen, found)`: the reads that answer them at
/// the least cost, whatever the dialect.
async fn answer<'s, C, CF, P, PF, G, GF>(
    q: &SearchQuery,
    s: &'s SearchSql,
    (seen, found): (i64, i64),
    count: C,
    page: P,
    gather: G,
) -> StoreResult<(Vec<Message>, i64)>
where
    C: Fn(&'s str, bool) -> CF,
    CF: Future<Output = StoreResult<i64>>,
    P: Fn(&'s str, bool) -> PF,
    PF: Future<Output = StoreResult<Vec<Message>>>,
    G: FnOnce() -> GF,
    GF: Future<Output = StoreResult<Gathered>>,
{
    let probe = probe(&q.scope);
    let need = q.offset + q.limit;
    // Matches expected among the newest DEEP messages, at the probe's rate; a walk is taken
    // only when it should end within half of DEEP.
    let expected = found.saturating_mul(DEEP / probe);
    Ok(if seen < probe {
        // The probe read the whole scope: it knows everything.
        (page(&s.walk_page, false).await?, found.min(COUNT_CAP))
    } else if expected >= 2 * COUNT_CAP.max(need) {
        // A common word: walks find the page and the capped count quickly.
        let walked = count(&s.walk_count, false).await?;
        let total = if walked >= COUNT_CAP {
            COUNT_CAP
        } else if count(&s.span, false).await? < DEEP {
            // The walk read the whole scope (a room a little larger than the probe): its
            // count is exact, and cheaper than the index's, which would read every match of
            // a common word in every room.
            walked
        } else {
            count(&s.count, true).await?
        };
        let mut messages = page(&s.walk_page, false).await?;
        if (messages.len() as i64) < q.limit && total > q.offset + messages.len() as i64 {
            // Fewer than expected among the newest: the rest lie deeper.
            messages = page(&s.page, true).await?;
        }
        (messages, total)
    } else if found >= need {
        // Rare, but the newest messages already hold the page: the walk finds it and the
        // index counts (stopping at the cap, before reading every match).
        (
            page(&s.walk_page, false).await?,
            count(&s.count, true).await?,
        )
    } else {
        // A rare word: the index holds few matches; one pass gives the count and the page,
        // unless it finds more than a gather holds.
        match gather().await? {
            Gathered::Page(messages, total) => (messages, total),
            // None matched, or the page lies past the last match: the count alone tells which.
            Gathered::Nothing => (Vec::new(), count(&s.count, true).await?),
            Gathered::TooMany => (page(&s.page, true).await?, count(&s.count, true).await?),
        }
    })
}
