//! Queries assembled at run time, the same for both dialects (numbered `$N` placeholders with
//! their values kept as [`Arg`]s, bound through either driver), and the bookkeeping around
//! queries that both dialects share.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Type};
use tigo_common::Message;
use uuid::Uuid;

use super::rows::Instant;
use super::sql::MESSAGE_SELECT;
use super::{MessageQuery, RoomQuery, StoreError, StoreResult};

/// A bind value of a query assembled at run time.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Id(Uuid),
    Text(String),
    Int(i64),
    Bool(bool),
    At(DateTime<Utc>),
}

/// The values of a query's placeholders: the `n`th is `$n`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Args(Vec<Arg>);

impl Args {
    /// Adds a value; returns its placeholder.
    pub(crate) fn push(&mut self, arg: Arg) -> String {
        self.0.push(arg);
        format!("${}", self.0.len())
    }

    /// The values as `DB`'s driver takes them (an instant as that dialect stores one).
    pub(crate) fn bind<'q, DB: Database>(&'q self) -> StoreResult<DB::Arguments<'q>>
    where
        Uuid: Encode<'q, DB> + Type<DB>,
        &'q str: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        bool: Encode<'q, DB> + Type<DB>,
        Instant: Encode<'q, DB> + Type<DB>,
    {
        use sqlx::Arguments;
        let mut out = DB::Arguments::<'q>::default();
        for arg in &self.0 {
            match arg {
                Arg::Id(v) => out.add(*v),
                Arg::Text(v) => out.add(v.as_str()),
                Arg::Int(v) => out.add(*v),
                Arg::Bool(v) => out.add(*v),
                Arg::At(v) => out.add(Instant(*v)),
            }
            .map_err(|e| StoreError::Other(sqlx::Error::Encode(e)))?;
        }
        Ok(out)
    }
}

/// `%text%` for LIKE, with the pattern characters of `text` escaped by `\`.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `GET /chat/rooms`: the count of matching rooms and one page of them, over the same filters.
pub(crate) struct RoomPage {
    pub(crate) count_sql: String,
    pub(crate) count_args: Args,
    pub(crate) page_sql: String,
    pub(crate) page_args: Args,
}

/// Builds [`RoomPage`] from the dialect's room select (`room_select!`, whose `$1` is the viewer)
/// and its case-insensitive match of a text against a [`like_pattern`] (`{p}`: the pattern's
/// placeholder).
pub(crate) fn room_page(q: &RoomQuery, room_select: &str, like: &str) -> RoomPage {
    let mut args = Args::default();
    args.push(Arg::Id(q.viewer));
    let mut filters = String::from(" WHERE true");
    if !q.all {
        filters.push_str(
            " AND EXISTS (SELECT 1 FROM room_members me WHERE me.room_id = r.id AND me.user_id = $1)",
        );
    }
    if let Some(t) = q.room_type {
        let t = args.push(Arg::Text(t.as_str().into()));
        filters.push_str(&format!(" AND r.type = {t}"));
    }
    if let Some(p) = q.participant_id {
        let p = args.push(Arg::Id(p));
        filters.push_str(&format!(
            " AND (r.participant1_id = {p} OR r.participant2_id = {p})"
        ));
    }
    if let Some(active) = q.active {
        let active = args.push(Arg::Bool(active));
        filters.push_str(&format!(" AND r.is_active = {active}"));
    }
    if let Some(search) = q.search.as_deref() {
        // The other participant's name or email: the viewer always matches their own.
        let like = like.replace("{p}", &args.push(Arg::Text(like_pattern(search))));
        filters.push_str(&format!(
            " AND ((r.participant1_id <> $1 AND (u1.first_name || ' ' || u1.last_name || ' ' || u1.email) {like})
                OR (r.participant2_id <> $1 AND (u2.first_name || ' ' || u2.last_name || ' ' || u2.email) {like}))"
        ));
    }
    let count_sql = format!(
        "SELECT count(*) FROM chat_rooms r
         JOIN users u1 ON u1.id = r.participant1_id
         JOIN users u2 ON u2.id = r.participant2_id{filters}"
    );
    let mut page_args = args.clone();
    let limit = page_args.push(Arg::Int(q.limit));
    let offset = page_args.push(Arg::Int(q.offset));
    let page_sql = format!(
        "{room_select}{filters}
         ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id DESC
         LIMIT {limit} OFFSET {offset}"
    );
    RoomPage {
        count_sql,
        count_args: args,
        page_sql,
        page_args,
    }
}

/// `GET /chat/rooms/:id/messages`: one page of a room's history.
pub(crate) struct MessagePage {
    pub(crate) sql: String,
    pub(crate) args: Args,
    /// Without `after`, a page counts back from the newest end (or from `before`).
    newest_first: bool,
}

impl MessagePage {
    pub(crate) fn new(q: &MessageQuery) -> MessagePage {
        let mut args = Args::default();
        let room = args.push(Arg::Id(q.room_id));
        let mut sql = format!("{MESSAGE_SELECT} WHERE m.chat_room_id = {room}");
        for (bound, op) in [(q.before, "<"), (q.after, ">")] {
            if let Some(c) = bound {
                let at = args.push(Arg::At(c.at));
                let id = args.push(Arg::Id(c.id));
                sql.push_str(&format!(" AND (m.created_at, m.id) {op} ({at}, {id})"));
            }
        }
        let newest_first = q.after.is_none();
        sql.push_str(if newest_first {
            " ORDER BY m.created_at DESC, m.id DESC"
        } else {
            " ORDER BY m.created_at, m.id"
        });
        let limit = args.push(Arg::Int(q.limit));
        let offset = args.push(Arg::Int(q.offset));
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
        MessagePage {
            sql,
            args,
            newest_first,
        }
    }

    /// The page's messages oldest first, as the rows came.
    pub(crate) fn oldest_first(&self, mut messages: Vec<Message>) -> Vec<Message> {
        if self.newest_first {
            messages.reverse();
        }
        messages
    }
}

/// How many of the deleted messages were in each room (one entry per deleted message).
pub(crate) fn count_per_room(rooms: &[Uuid]) -> HashMap<Uuid, i64> {
    let mut per_room: HashMap<Uuid, i64> = HashMap::new();
    for room in rooms {
        *per_room.entry(*room).or_default() += 1;
    }
    per_room
}

/// The migrations in `after` that were not in `before`.
pub(crate) fn newly_applied(before: &[i64], after: Vec<i64>) -> Vec<i64> {
    after.into_iter().filter(|v| !before.contains(v)).collect()
}
