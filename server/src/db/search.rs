//! Message search, the part both dialects share: what a query asks for ([`Terms`]), and the
//! count and page statements around each dialect's full-text match (SQLite FTS5, PostgreSQL
//! `tsvector`), so both apply the same filters in the same order.

use uuid::Uuid;

use super::Cursor;
use super::query::{Arg, Args};
use super::sql::MESSAGE_SELECT;

/// The words of a search: every group must match; a group of several words is a phrase
/// (words in double quotes, or a word such as `check-in` that holds separators); when
/// `prefix`, the last word of the last group also matches as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    groups: Vec<Vec<String>>,
    prefix: bool,
}

/// More words than any real search holds; bounds the work one request can ask for.
const MAX_GROUPS: usize = 16;

/// The words of a text: runs of letters and digits (everything else separates them, as in
/// both databases' tokenizers).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Terms {
    /// The terms of `q`; `None` when it holds no word.
    pub fn parse(q: &str) -> Option<Terms> {
        let mut groups = Vec::new();
        let mut prefix = false;
        for (i, part) in q.split('"').enumerate() {
            // Odd parts were inside double quotes (an unclosed quote runs to the end).
            if i % 2 == 1 {
                let phrase = words(part);
                if !phrase.is_empty() {
                    groups.push(phrase);
                    prefix = false;
                }
                continue;
            }
            for word in part.split_whitespace() {
                let group = words(word);
                if !group.is_empty() {
                    groups.push(group);
                    prefix = true;
                }
            }
            if part.ends_with(char::is_whitespace) {
                prefix = false;
            }
        }
        groups.truncate(MAX_GROUPS);
        (!groups.is_empty()).then_some(Terms { groups, prefix })
    }

    fn is_last(&self, i: usize) -> bool {
        self.prefix && i + 1 == self.groups.len()
    }

    /// As an FTS5 query: `"word" AND "two words" AND "pre"*`. Words hold only letters and
    /// digits, so quoting them needs no escapes.
    fn fts5(&self) -> String {
        let parts: Vec<String> = (self.groups.iter().enumerate())
            .map(|(i, g)| {
                let star = if self.is_last(i) { "*" } else { "" };
                format!("\"{}\"{star}", g.join(" "))
            })
            .collect();
        parts.join(" AND ")
    }

    /// As a `tsquery`: `'word' & 'two' <-> 'words' & 'pre':*`.
    fn tsquery(&self) -> String {
        let parts: Vec<String> = (self.groups.iter().enumerate())
            .map(|(i, g)| {
                let last = g.len() - 1;
                let words: Vec<String> = (g.iter().enumerate())
                    .map(|(j, w)| {
                        let star = if self.is_last(i) && j == last {
                            ":*"
                        } else {
                            ""
                        };
                        format!("'{w}'{star}")
                    })
                    .collect();
                words.join(" <-> ")
            })
            .collect();
        parts.join(" & ")
    }
}

/// `GET /chat/search`, already validated.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub terms: Terms,
    pub scope: Scope,
    pub sender_id: Option<Uuid>,
    pub before: Option<Cursor>,
    pub after: Option<Cursor>,
    pub offset: i64,
    pub limit: i64,
}

/// Which rooms a search reads.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every room (an Admin).
    All,
    /// These rooms (the caller's own, or the one asked for).
    Rooms(Vec<Uuid>),
    /// The rooms of this user, looked up by the query itself (for users in very many rooms).
    Participant(Uuid),
}

/// Matches counted at most: `total` is exact up to here and says this many beyond.
pub const COUNT_CAP: i64 = 1_000;

/// How a dialect matches a message against the terms.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Syntax {
    /// SQLite: the `chat_messages_fts` index, by `seq`.
    Fts5,
    /// PostgreSQL: the `search` column's GIN index.
    TsQuery,
}

/// Messages a search first looks through, newest first (the probe): a scope smaller than this
/// (a guest's or a hotel's rooms) is answered from it alone, exactly; in a larger one, how
/// many of them match tells a common word (walk the newest messages, checking each: bounded
/// work) from a rare one (ask the full-text index, which then holds few matches).
pub(crate) const PROBE: i64 = 5_000;

/// The most messages a walk reads, newest first, before the index is asked instead.
pub(crate) const DEEP: i64 = 50_000;

/// The statements of one search, all over the same filters.
pub(crate) struct SearchSql {
    pub(crate) args: Args,
    /// `(messages, matches)` among the newest [`PROBE`].
    pub(crate) probe: String,
    /// The page, walking back through the newest [`DEEP`] messages.
    pub(crate) walk_page: String,
    /// Matches among the newest [`DEEP`] messages, up to [`COUNT_CAP`].
    pub(crate) walk_count: String,
    /// Through the full-text index: matches up to [`COUNT_CAP`], and the page.
    pub(crate) count: String,
    pub(crate) page: String,
}

/// The filters on table alias `t`, their arguments added to `args`: scope and bounds (not the
/// terms).
fn filters(q: &SearchQuery, t: &str, args: &mut Args) -> String {
    let mut out = String::from(" WHERE true");
    match &q.scope {
        Scope::All => {}
        // The rooms as values, not a subquery: the planner then knows how few they are and
        // reads them through the room index.
        Scope::Rooms(rooms) => {
            let ids: Vec<String> = rooms.iter().map(|r| args.push(Arg::Id(*r))).collect();
            out.push_str(&format!(" AND {t}.chat_room_id IN ({})", ids.join(", ")));
        }
        Scope::Participant(user) => {
            let v = args.push(Arg::Id(*user));
            out.push_str(&format!(
                " AND {t}.chat_room_id IN (SELECT id FROM chat_rooms
                    WHERE participant1_id = {v} OR participant2_id = {v})"
            ));
        }
    }
    if let Some(sender) = q.sender_id {
        out.push_str(&format!(
            " AND {t}.sender_id = {}",
            args.push(Arg::Id(sender))
        ));
    }
    for (bound, op) in [(q.before, "<"), (q.after, ">")] {
        if let Some(c) = bound {
            let at = args.push(Arg::At(c.at));
            let id = args.push(Arg::Id(c.id));
            out.push_str(&format!(" AND ({t}.created_at, {t}.id) {op} ({at}, {id})"));
        }
    }
    out
}

pub(crate) fn search_sql(q: &SearchQuery, syntax: Syntax) -> SearchSql {
    let mut args = Args::default();
    let terms = match syntax {
        Syntax::Fts5 => args.push(Arg::Text(q.terms.fts5())),
        Syntax::TsQuery => args.push(Arg::Text(q.terms.tsquery())),
    };
    // Whether row `t` matches: PostgreSQL checks the row's own tsvector; SQLite reads the
    // FTS5 index's matches once per statement (a lookup per row, with its MATCH evaluated each
    // time, measured slower) and probes them.
    let one = |t: &str| match syntax {
        Syntax::Fts5 => format!(
            "{t}.seq IN (SELECT rowid FROM chat_messages_fts WHERE chat_messages_fts MATCH {terms})"
        ),
        Syntax::TsQuery => format!("{t}.search @@ to_tsquery('tigo_search', {terms})"),
    };
    let all = one;
    let scope = filters(q, "w", &mut args);
    let limit = args.push(Arg::Int(q.limit));
    let offset = args.push(Arg::Int(q.offset));
    let key = match syntax {
        Syntax::Fts5 => "seq",
        Syntax::TsQuery => "search",
    };
    let newest = |n: i64| {
        format!(
            "SELECT w.id, w.created_at, w.{key} FROM chat_messages w{scope}
             ORDER BY w.created_at DESC, w.id DESC LIMIT {n}"
        )
    };
    let probe = format!(
        "SELECT count(*), COALESCE(sum(CASE WHEN {} THEN 1 ELSE 0 END), 0) FROM ({}) r",
        one("r"),
        newest(PROBE)
    );
    // The walks stop as soon as their LIMIT is met: a common word reads few messages.
    let walk_page = format!(
        "{MESSAGE_SELECT} WHERE m.id IN (SELECT r.id FROM ({}) r WHERE {}
             ORDER BY r.created_at DESC, r.id DESC LIMIT {limit} + {offset})
         ORDER BY m.created_at DESC, m.id DESC LIMIT {limit} OFFSET {offset}",
        newest(DEEP),
        one("r")
    );
    let walk_count = format!(
        "SELECT count(*) FROM (SELECT 1 FROM ({}) r WHERE {} LIMIT {COUNT_CAP}) c",
        newest(DEEP),
        one("r")
    );
    // MATERIALIZED keeps the planner from walking every message newest first in search of a
    // rare word: the matches are collected through the index first, then sorted.
    let hits = format!("SELECT w.id FROM chat_messages w{scope} AND {}", all("w"));
    let count = format!("SELECT count(*) FROM ({hits} LIMIT {COUNT_CAP}) c");
    let page = format!(
        "WITH hits AS MATERIALIZED ({hits})
         {MESSAGE_SELECT} WHERE m.id IN (SELECT id FROM hits)
         ORDER BY m.created_at DESC, m.id DESC LIMIT {limit} OFFSET {offset}"
    );
    SearchSql {
        args,
        probe,
        walk_page,
        walk_count,
        count,
        page,
    }
}

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
                let s = $crate::db::search::search_sql(q, $syntax);
                let count = |sql: &str| {
                    let args = s.args.bind::<$db>();
                    let sql = sql.to_string();
                    async move {
                        let n: i64 = sqlx::query_scalar_with(&sql, args?)
                            .fetch_one(&self.pool)
                            .await?;
                        Ok::<i64, $crate::db::StoreError>(n)
                    }
                };
                let page = |sql: &str| {
                    let args = s.args.bind::<$db>();
                    let sql = sql.to_string();
                    async move {
                        let rows: Vec<$crate::db::rows::MessageRow> =
                            sqlx::query_as_with(&sql, args?)
                                .fetch_all(&self.pool)
                                .await?;
                        $crate::db::rows::all(rows)
                    }
                };
                use $crate::db::search::{DEEP, PROBE};
                let (seen, found): (i64, i64) =
                    sqlx::query_as_with(&s.probe, s.args.bind::<$db>()?)
                        .fetch_one(&self.pool)
                        .await?;
                let need = q.offset + q.limit;
                // Matches expected among the newest DEEP messages, at the probe's rate; a walk is taken
                // only when it should end within half of DEEP.
                let expected = found.saturating_mul(DEEP / PROBE);
                let (messages, total) = if seen < PROBE {
                    // The probe read the whole scope: it knows everything.
                    (page(&s.walk_page).await?, found.min(COUNT_CAP))
                } else if expected >= 2 * COUNT_CAP.max(need) {
                    // A common word: walks find the page and the capped count quickly.
                    let total = match count(&s.walk_count).await? {
                        n if n >= COUNT_CAP => COUNT_CAP,
                        _ => count(&s.count).await?,
                    };
                    let mut messages = page(&s.walk_page).await?;
                    if (messages.len() as i64) < q.limit && total > q.offset + messages.len() as i64
                    {
                        // Fewer than expected among the newest: the rest lie deeper.
                        messages = page(&s.page).await?;
                    }
                    (messages, total)
                } else {
                    // A rare word: the index holds few matches.
                    let messages = if found >= need {
                        page(&s.walk_page).await?
                    } else {
                        page(&s.page).await?
                    };
                    (messages, count(&s.count).await?)
                };
                Ok((messages, total))
            }
        }
    };
}
pub(crate) use search_store;

#[cfg(test)]
mod tests {
    use super::*;

    fn both(q: &str) -> (String, String) {
        let t = Terms::parse(q).expect("terms");
        (t.fts5(), t.tsquery())
    }

    #[test]
    fn the_last_word_is_a_prefix() {
        assert_eq!(
            both("booking break"),
            (
                "\"booking\" AND \"break\"*".into(),
                "'booking' & 'break':*".into()
            )
        );
        assert_eq!(both("break ").0, "\"break\"");
    }

    #[test]
    fn quotes_and_separators_make_phrases() {
        assert_eq!(
            both("\"late check\" CHECK-IN"),
            (
                "\"late check\" AND \"CHECK IN\"*".into(),
                "'late' <-> 'check' & 'CHECK' <-> 'IN':*".into()
            )
        );
        assert_eq!(both("\"room 12\"").1, "'room' <-> '12'");
    }

    #[test]
    fn operators_and_quotes_are_only_separators() {
        assert_eq!(both("a' OR 1=1 --").1, "'a' & 'OR' & '1' <-> '1':*");
        assert_eq!(both("café*").0, "\"café\"*");
    }

    #[test]
    fn no_word_no_terms() {
        for q in ["", "   ", "\"\"", "-- !? ...", "👍"] {
            assert_eq!(Terms::parse(q), None, "{q:?}");
        }
    }
}
