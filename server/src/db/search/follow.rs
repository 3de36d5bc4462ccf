//! What the search follower's steps report: how far a step moved and how far the index is
//! behind the stored messages (the statements are each dialect's, in `*/search.rs`).

use sqlx::{Database, Encode, Executor, IntoArguments, Transaction, Type};

use crate::db::StoreResult;

/// One step of the search follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// The index holds every committed message.
    CaughtUp,
    /// Moved its position; `more`: messages past it were already committed.
    Moved { more: bool },
    /// Another instance's follower holds the position, or a delete holds one of the messages:
    /// nothing done, try again later.
    Busy,
}

/// How far the search index is behind the stored messages.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Lag {
    /// Message numbers past the follower's position (an upper bound: numbers of rolled back
    /// or refused inserts count until the follower passes them).
    pub messages: i64,
    /// Age of the oldest stored message not indexed yet; 0 when none.
    pub seconds: f64,
}

/// Message numbers one step indexes at most: a step is one transaction, short enough not to
/// hold SQLite's write lock for long, large enough to catch up quickly after a restart.
pub(crate) const BATCH: i64 = 1_000;

/// Where a step moves to from `position`, given the committed `horizon`, and what it says.
pub(crate) fn step(position: i64, horizon: i64) -> Option<(i64, Followed)> {
    (horizon > position).then(|| {
        let upto = horizon.min(position + BATCH);
        (
            upto,
            Followed::Moved {
                more: upto < horizon,
            },
        )
    })
}

/// The end of a step, alike on both dialects: indexes messages `(position, upto]` with `index`
/// (binds `position`, `upto`), moves the position with `moves` (binds `upto`), and commits the
/// two together, so a step is applied whole or not at all.
pub(crate) async fn apply<DB: Database>(
    mut tx: Transaction<'static, DB>,
    (index, moves): (&'static str, &'static str),
    position: i64,
    (upto, followed): (i64, Followed),
) -> StoreResult<Followed>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> i64: Type<DB> + Encode<'q, DB>,
{
    sqlx::query(index)
        .bind(position)
        .bind(upto)
        .execute(&mut *tx)
        .await?;
    sqlx::query(moves).bind(upto).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(followed)
}
