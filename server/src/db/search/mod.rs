//! Message search, the part both dialects share: what a query asks for ([`Terms`]), and the
//! count and page statements around each dialect's full-text match (SQLite FTS5, PostgreSQL
//! `tsvector`), so both apply the same filters in the same order.

mod follow;
mod store;
mod terms;

pub use follow::{Followed, Lag};
pub(crate) use follow::{apply, step};
pub(crate) use store::SearchDialect;
pub use terms::Terms;

use uuid::Uuid;

use super::Cursor;
use super::query::{Arg, Args};
use super::sql::MESSAGE_SELECT;

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
    /// The rooms this user is a member of, looked up by the query itself (for users in very
    /// many rooms).
    Member(Uuid),
}

/// Matches counted at most: `total` is exact up to here and says this many beyond.
pub const COUNT_CAP: i64 = 1_000;

/// How a dialect matches a message against the terms.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Syntax {
    /// SQLite: the `chat_messages_fts` index, by `seq`.
    Fts5,
    /// PostgreSQL: the GIN indexes of `message_search` (words, word pairs).
    TsQuery,
}

/// Messages a search first looks through, newest first (the probe): a scope smaller than this
/// (a guest's or a hotel's rooms) is answered from it alone, exactly; in a larger one, how
/// many of them match tells a common word (walk the newest messages, checking each: bounded
/// work) from a rare one (ask the full-text index, which then holds few matches). Every search
/// pays for it (about a microsecond a message), so over every room it is smaller: 2,000
/// already tells a word in a fifth of all messages (some 400 matches) from one in a hundredth
/// (some 20), while a participant's rooms up to 5,000 messages are read whole, which costs
/// less than the index's list of a word's matches in every room.
pub(crate) fn probe(scope: &Scope) -> i64 {
    match scope {
        Scope::All => 2_000,
        Scope::Rooms(_) | Scope::Member(_) => 5_000,
    }
}

/// The most messages a walk reads, newest first, before the index is asked instead.
pub(crate) const DEEP: i64 = 50_000;

/// The most matches a gather reads through the index in one pass; a scope holding more is
/// answered by the capped count and the page instead.
pub(crate) const GATHER: i64 = 5_000;

/// The statements of one search, all over the same filters.
pub(crate) struct SearchSql {
    /// The arguments of the probe and the walks.
    pub(crate) args: Args,
    /// The arguments of the statements through the index (`count`, `page`, `gather`).
    pub(crate) index_args: Args,
    /// `(messages, matches)` among the newest [`probe`] messages.
    pub(crate) probe: String,
    /// The page, walking back through the newest [`DEEP`] messages.
    pub(crate) walk_page: String,
    /// Matches among the newest [`DEEP`] messages, up to [`COUNT_CAP`].
    pub(crate) walk_count: String,
    /// Messages in scope, up to [`DEEP`]: fewer, and the walks read all of it.
    pub(crate) span: String,
    /// Through the full-text index: matches up to [`COUNT_CAP`], and the page.
    pub(crate) count: String,
    pub(crate) page: String,
    /// Through the full-text index in one pass, for a rare word: the page's ids, each with the
    /// number of matches (at most [`GATHER`]).
    pub(crate) gather: String,
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
        Scope::Member(user) => {
            let v = args.push(Arg::Id(*user));
            out.push_str(&format!(
                " AND {t}.chat_room_id IN (SELECT room_id FROM room_members WHERE user_id = {v})"
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

/// The most words a prefix is written out as (PostgreSQL; see `PgStore::prefix_words`); a
/// prefix standing for more is left to the index's own prefix match.
pub(crate) const EXPANSION: i64 = 64;

/// The statements of a search; `expansion`: the words the prefix stands for (PostgreSQL).
pub(crate) fn search_sql(
    q: &SearchQuery,
    syntax: Syntax,
    expansion: Option<&[String]>,
) -> SearchSql {
    let mut args = Args::default();
    let terms = match (syntax, expansion) {
        (Syntax::Fts5, _) => args.push(Arg::Text(q.terms.fts5())),
        (Syntax::TsQuery, Some(words)) => args.push(Arg::Text(q.terms.tsquery_expanded(words))),
        (Syntax::TsQuery, None) => args.push(Arg::Text(q.terms.tsquery())),
    };
    let scope = filters(q, "w", &mut args);
    let limit = args.push(Arg::Int(q.limit));
    let offset = args.push(Arg::Int(q.offset));
    // Through an index: a PostgreSQL phrase asks the pair index, and checks the words and
    // their positions on what it finds. The check is written as the function behind `@@` so
    // that the planner does not also read the word index (for common words, a bitmap of a
    // tenth of all messages) to intersect the two. The pairs are the last argument, bound
    // only to the statements that use them.
    let mut index_args = args.clone();
    let pairs = match syntax {
        Syntax::TsQuery => q.terms.pairs().map(|p| index_args.push(Arg::Text(p))),
        Syntax::Fts5 => None,
    };
    let indexed = match &pairs {
        Some(p) => format!(
            "s.pairs @@ to_tsquery('tigo_search', {p})
             AND ts_match_vq(s.search, to_tsquery('tigo_search', {terms}))"
        ),
        None => row_matches(syntax, &terms, indexed_alias(syntax)),
    };
    let parts = Parts {
        scope,
        limit,
        offset,
    };
    let walks = walk_sql(q, syntax, &parts, &row_matches(syntax, &terms, "r"));
    let index = index_sql(syntax, &parts, &indexed);
    SearchSql {
        args,
        index_args,
        probe: walks.probe,
        walk_page: walks.page,
        walk_count: walks.count,
        span: walks.span,
        count: index.count,
        page: index.page,
        gather: index.gather,
    }
}

/// What every statement of a search shares: the filters (on alias `w`) and the page's
/// placeholders.
struct Parts {
    scope: String,
    limit: String,
    offset: String,
}

/// The messages as the statements through the index read them (alias `w`), with PostgreSQL's
/// index rows (alias `s`, in their own table, filled by the search follower: a message not
/// indexed yet is not found yet).
fn indexed_from(syntax: Syntax) -> &'static str {
    match syntax {
        Syntax::Fts5 => "chat_messages w",
        Syntax::TsQuery => "chat_messages w JOIN message_search s ON s.message_id = w.id",
    }
}

/// The alias whose row the full-text match checks in the statements through the index.
fn indexed_alias(syntax: Syntax) -> &'static str {
    match syntax {
        Syntax::Fts5 => "w",
        Syntax::TsQuery => "s",
    }
}

/// Whether row `t` matches the terms (placeholder `terms`): PostgreSQL checks the row's own
/// tsvector; SQLite reads the FTS5 index's matches once per statement (a lookup per row, with
/// its MATCH evaluated each time, measured slower) and probes them.
fn row_matches(syntax: Syntax, terms: &str, t: &str) -> String {
    match syntax {
        Syntax::Fts5 => format!(
            "{t}.seq IN (SELECT rowid FROM chat_messages_fts WHERE chat_messages_fts MATCH {terms})"
        ),
        Syntax::TsQuery => format!("{t}.search @@ to_tsquery('tigo_search', {terms})"),
    }
}

/// The statements walking the newest messages, each checked by `matches` (on alias `r`).
struct Walks {
    probe: String,
    page: String,
    count: String,
    span: String,
}

fn walk_sql(q: &SearchQuery, syntax: Syntax, parts: &Parts, matches: &str) -> Walks {
    let Parts {
        scope,
        limit,
        offset,
    } = parts;
    // Each message with what its match is checked on: SQLite's rowid in the FTS5 index, or
    // PostgreSQL's index row (none yet: not found yet).
    let from = match syntax {
        Syntax::Fts5 => "w.seq FROM chat_messages w",
        Syntax::TsQuery => {
            "s.search FROM chat_messages w LEFT JOIN message_search s ON s.message_id = w.id"
        }
    };
    let newest = |n: i64| {
        format!(
            "SELECT w.id, w.created_at, {from}{scope}
             ORDER BY w.created_at DESC, w.id DESC LIMIT {n}"
        )
    };
    let probe = format!(
        "SELECT count(*), COALESCE(sum(CASE WHEN {matches} THEN 1 ELSE 0 END), 0) FROM ({}) r",
        newest(probe(&q.scope))
    );
    // The walks stop as soon as their LIMIT is met: a common word reads few messages.
    let page = format!(
        "{MESSAGE_SELECT} WHERE m.id IN (SELECT r.id FROM ({}) r WHERE {matches}
             ORDER BY r.created_at DESC, r.id DESC LIMIT {limit} + {offset})
         ORDER BY m.created_at DESC, m.id DESC LIMIT {limit} OFFSET {offset}",
        newest(DEEP)
    );
    let count = format!(
        "SELECT count(*) FROM (SELECT 1 FROM ({}) r WHERE {matches} LIMIT {COUNT_CAP}) c",
        newest(DEEP)
    );
    let span =
        format!("SELECT count(*) FROM (SELECT 1 FROM chat_messages w{scope} LIMIT {DEEP}) c");
    Walks {
        probe,
        page,
        count,
        span,
    }
}

/// The statements through the full-text index, each checked by `indexed` (on alias `w`).
struct Indexed {
    count: String,
    page: String,
    gather: String,
}

fn index_sql(syntax: Syntax, parts: &Parts, indexed: &str) -> Indexed {
    let Parts {
        scope,
        limit,
        offset,
    } = parts;
    let from = indexed_from(syntax);
    // MATERIALIZED keeps the planner from walking every message newest first in search of a
    // rare word: the matches are collected through the index first, then sorted.
    let hits = format!("SELECT w.id FROM {from}{scope} AND {indexed}");
    let count = format!("SELECT count(*) FROM ({hits} LIMIT {COUNT_CAP}) c");
    let page = format!(
        "WITH hits AS MATERIALIZED ({hits})
         {MESSAGE_SELECT} WHERE m.id IN (SELECT id FROM hits)
         ORDER BY m.created_at DESC, m.id DESC LIMIT {limit} OFFSET {offset}"
    );
    // The index is read once for both the count and the page; sorting a few thousand
    // (id, created_at) pairs costs less than a second pass through it.
    let gather = format!(
        "WITH hits AS MATERIALIZED (SELECT w.id, w.created_at FROM {from}{scope}
             AND {indexed} LIMIT {GATHER})
         SELECT id, count(*) OVER () FROM hits
         ORDER BY created_at DESC, id DESC LIMIT {limit} OFFSET {offset}"
    );
    Indexed {
        count,
        page,
        gather,
    }
}

/// The messages with these ids, newest first.
pub(crate) fn by_ids(ids: &[Uuid]) -> (String, Args) {
    let mut args = Args::default();
    let marks: Vec<String> = ids.iter().map(|id| args.push(Arg::Id(*id))).collect();
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.id IN ({}) ORDER BY m.created_at DESC, m.id DESC",
        marks.join(", ")
    );
    (sql, args)
}
