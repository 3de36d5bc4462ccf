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
    /// Only rooms this user is in; `None`: every room (an Admin).
    pub viewer: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub sender_id: Option<Uuid>,
    pub before: Option<Cursor>,
    pub after: Option<Cursor>,
    pub offset: i64,
    pub limit: i64,
}

/// How a dialect matches a message against the terms.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Syntax {
    /// SQLite: the `chat_messages_fts` index, by `seq`.
    Fts5,
    /// PostgreSQL: the `search` column's GIN index.
    TsQuery,
}

/// The count of matches and one page of them, newest first, over the same filters.
pub(crate) struct SearchSql {
    pub(crate) count_sql: String,
    pub(crate) count_args: Args,
    pub(crate) page_sql: String,
    pub(crate) page_args: Args,
}

pub(crate) fn search_sql(q: &SearchQuery, syntax: Syntax) -> SearchSql {
    let mut args = Args::default();
    let filters = match syntax {
        Syntax::Fts5 => format!(
            " WHERE m.seq IN (SELECT rowid FROM chat_messages_fts WHERE chat_messages_fts MATCH {})",
            args.push(Arg::Text(q.terms.fts5()))
        ),
        Syntax::TsQuery => format!(
            " WHERE m.search @@ to_tsquery('tigo_search', {})",
            args.push(Arg::Text(q.terms.tsquery()))
        ),
    };
    let mut filters = filters;
    if let Some(viewer) = q.viewer {
        let v = args.push(Arg::Id(viewer));
        filters.push_str(&format!(
            " AND m.chat_room_id IN (SELECT id FROM chat_rooms
                WHERE participant1_id = {v} OR participant2_id = {v})"
        ));
    }
    if let Some(room) = q.room_id {
        filters.push_str(&format!(
            " AND m.chat_room_id = {}",
            args.push(Arg::Id(room))
        ));
    }
    if let Some(sender) = q.sender_id {
        filters.push_str(&format!(
            " AND m.sender_id = {}",
            args.push(Arg::Id(sender))
        ));
    }
    for (bound, op) in [(q.before, "<"), (q.after, ">")] {
        if let Some(c) = bound {
            let at = args.push(Arg::At(c.at));
            let id = args.push(Arg::Id(c.id));
            filters.push_str(&format!(" AND (m.created_at, m.id) {op} ({at}, {id})"));
        }
    }
    let count_sql = format!("SELECT count(*) FROM chat_messages m{filters}");
    let mut page_args = args.clone();
    let limit = page_args.push(Arg::Int(q.limit));
    let offset = page_args.push(Arg::Int(q.offset));
    let page_sql = format!(
        "{MESSAGE_SELECT}{filters} ORDER BY m.created_at DESC, m.id DESC LIMIT {limit} OFFSET {offset}"
    );
    SearchSql {
        count_sql,
        count_args: args,
        page_sql,
        page_args,
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
                let s = $crate::db::search::search_sql(q, $syntax);
                let total: i64 = sqlx::query_scalar_with(&s.count_sql, s.count_args.bind::<$db>()?)
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<$crate::db::rows::MessageRow> =
                    sqlx::query_as_with(&s.page_sql, s.page_args.bind::<$db>()?)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(($crate::db::rows::all(rows)?, total))
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
