//! [`SearchStore`](crate::db::SearchStore) on PostgreSQL, its part ([`SearchDialect`]): the
//! index rows in `message_search` (words and word pairs, configuration `tigo_search`: simple +
//! unaccent, each with a GIN index), filled by the search follower (see
//! `migrations/postgres/0012_search_follows.sql` for why it is sound), and the prefix of a
//! query's last word looked up in the table of every indexed word (`search_words`).

use super::PgStore;
use crate::db::StoreResult;
use crate::db::search::{EXPANSION, Followed, Lag, SearchDialect, Syntax, Terms, apply, step};

/// The words starting with the prefix `$1` (normalised as the index normalises it), in order,
/// at most `$2`; `false` first when the prefix is not one lexeme (then it is left to GIN).
const PREFIX_WORDS: &str = "SELECT cardinality(p.a) = 1, ARRAY(
        SELECT w.word::text FROM search_words w
        WHERE cardinality(p.a) = 1
            AND w.word >= p.a[1] COLLATE \"C\"
            AND w.word < (p.a[1] || chr(1114111)) COLLATE \"C\"
        ORDER BY w.word LIMIT $2)
    FROM (SELECT tsvector_to_array(to_tsvector('tigo_search', $1)) AS a) p";

/// The follower's position and the newest message number drawn (committed or not): whether
/// there is anything to do, without the writers' lock.
const SEEN: &str = "SELECT position,
        COALESCE(pg_sequence_last_value('chat_messages_seq_seq'::regclass), 0)
    FROM followers WHERE name = 'search'";

/// The committed horizon: takes the writers' lock for an instant (a statement of its own).
const HORIZON: &str = "SELECT tigo_messages_committed()";

/// The position, locked for this step; no row: another instance's step holds it.
const POSITION: &str =
    "SELECT position FROM followers WHERE name = 'search' FOR UPDATE SKIP LOCKED";

/// Indexes messages `($1, $2]` from their current rows and adds their words. A message an
/// edit indexed first keeps the edit's row; the messages are read without a row lock (one
/// would be written to every message row and the WAL): a delete that commits meanwhile can
/// leave an index row without its message, which search never returns (it joins the two).
/// The words are added after every index row (the sort), in order, as an edit adds its own.
const INDEX: &str = "WITH added AS (
        INSERT INTO message_search (message_id, search, pairs)
        SELECT m.id, tigo_search_vector(m.content), tigo_search_pairs(m.content)
        FROM chat_messages m WHERE m.seq > $1 AND m.seq <= $2
        ON CONFLICT (message_id) DO NOTHING
        RETURNING search)
    INSERT INTO search_words (word)
        SELECT DISTINCT w FROM added, unnest(tsvector_to_array(added.search)) AS w ORDER BY w
        ON CONFLICT DO NOTHING";

const MOVE: &str = "UPDATE followers SET position = $1 WHERE name = 'search'";

/// Position, newest number drawn, and the age in seconds of the oldest message past the
/// position (0: none).
const LAG: &str = "SELECT f.position,
        COALESCE(pg_sequence_last_value('chat_messages_seq_seq'::regclass), 0),
        COALESCE((SELECT EXTRACT(EPOCH FROM clock_timestamp() - m.created_at)::float8
            FROM chat_messages m WHERE m.seq > f.position ORDER BY m.seq LIMIT 1), 0)
    FROM followers f WHERE f.name = 'search'";

impl SearchDialect for PgStore {
    const SYNTAX: Syntax = Syntax::TsQuery;

    /// The words the prefix of `terms` stands for, when there are at most [`EXPANSION`]:
    /// GIN answers `'pre':*` by collecting every message holding such a word before it can
    /// intersect the other words (measured 25 ms against 7 ms for `refund invoice` over a
    /// million messages), while exact words are intersected as their lists are read.
    /// `Some(empty)`: no stored message holds such a word. `None`: ask GIN.
    async fn prefix_words(&self, terms: &Terms) -> StoreResult<Option<Vec<String>>> {
        let Some(word) = terms.prefix_word() else {
            return Ok(None);
        };
        let (single, words): (bool, Vec<String>) = sqlx::query_as(PREFIX_WORDS)
            .bind(word)
            .bind(EXPANSION + 1)
            .fetch_one(&self.pool)
            .await?;
        Ok((single && words.len() as i64 <= EXPANSION).then_some(words))
    }

    async fn follow(&self) -> StoreResult<Followed> {
        let (position, drawn): (i64, i64) = sqlx::query_as(SEEN).fetch_one(&self.pool).await?;
        if drawn <= position {
            return Ok(Followed::CaughtUp);
        }
        let horizon: i64 = sqlx::query_scalar(HORIZON).fetch_one(&self.pool).await?;
        let mut tx = self.pool.begin().await?;
        let Some(position) = sqlx::query_scalar::<_, i64>(POSITION)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(Followed::Busy);
        };
        let Some(next) = step(position, horizon) else {
            return Ok(Followed::CaughtUp);
        };
        apply(tx, (INDEX, MOVE), position, next).await
    }

    async fn lag(&self) -> StoreResult<Lag> {
        let (position, drawn, seconds): (i64, i64, f64) =
            sqlx::query_as(LAG).fetch_one(&self.pool).await?;
        Ok(Lag {
            messages: (drawn - position).max(0),
            seconds,
        })
    }
}
