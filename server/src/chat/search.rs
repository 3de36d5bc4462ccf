//! Message search: the query's words, the rooms the caller may read, and the audit line an
//! Admin's search leaves.

use tigo_common::{SearchResults, User};

use super::validate::{self, Params, Problems};
use super::{is_admin, room_access};
use crate::db::{AuditEntry, Cursor, Scope, SearchQuery, Terms};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Rooms named in the query itself; a user in more (a large hotel) is matched by a subquery.
const MAX_LISTED_ROOMS: usize = 1000;

/// Longest `q` taken: a search is a few words, not a document.
const MAX_QUERY_CHARS: usize = 500;

/// `GET /chat/search`: newest first.
pub async fn search(state: &AppState, caller: &User, params: &Params) -> AppResult<SearchResults> {
    let mut p = Problems::default();
    let terms = query_terms(params, &mut p);
    let room_id = validate::uuid_param(params, "room_id", &mut p);
    let sender_id = validate::uuid_param(params, "sender_id", &mut p);
    let page = validate::int_param(params, "page", 1, 1, 1_000_000, &mut p);
    let limit = validate::int_param(params, "limit", 20, 1, 100, &mut p);
    let before = validate::bound_param(params, "before", &mut p);
    let after = validate::bound_param(params, "after", &mut p);
    p.finish()?;
    let terms = terms.ok_or_else(|| AppError::validation("q must contain at least one word"))?;
    if let Some(room) = room_id {
        room_access(state, caller, room).await?;
    }
    let admin = is_admin(caller);
    let Some(scope) = scope(state, caller, admin, room_id).await? else {
        return Ok(SearchResults {
            messages: Vec::new(),
            total: 0,
            page,
            limit,
        });
    };
    let query = SearchQuery {
        terms,
        scope,
        sender_id,
        before: cursor(state, caller, before, false).await?,
        after: cursor(state, caller, after, true).await?,
        offset: (i64::from(page) - 1) * i64::from(limit),
        limit: i64::from(limit),
    };
    let (mut messages, total) = state.store.search_messages(&query).await?;
    crate::files::sign_messages(&state.files, &mut messages);
    if admin {
        // What was searched for is the point of the audit line; the results are not kept.
        super::audit(
            state,
            AuditEntry {
                actor: Some(caller.id),
                action: "message.search",
                room: room_id,
                detail: serde_json::json!({
                    "q": params.get("q"),
                    "sender_id": sender_id,
                    "total": total,
                }),
                ..AuditEntry::default()
            },
        )
        .await;
    }
    Ok(SearchResults {
        messages,
        total,
        page,
        limit,
    })
}

/// `q`: at most [`MAX_QUERY_CHARS`], with at least one word.
fn query_terms(params: &Params, p: &mut Problems) -> Option<Terms> {
    match params.get("q") {
        Some(q) if q.chars().count() > MAX_QUERY_CHARS => {
            p.push(format!(
                "q must be shorter than or equal to {MAX_QUERY_CHARS} characters"
            ));
            None
        }
        Some(q) => {
            let terms = Terms::parse(q);
            if terms.is_none() {
                p.push("q must contain at least one word");
            }
            terms
        }
        None => {
            p.push("q should not be empty");
            None
        }
    }
}

/// The rooms searched: every room for an Admin, the one asked for (access already checked),
/// else the caller's own; `None` when the caller is in no room.
async fn scope(
    state: &AppState,
    caller: &User,
    admin: bool,
    room_id: Option<uuid::Uuid>,
) -> AppResult<Option<Scope>> {
    Ok(Some(match (admin, room_id) {
        (true, None) => Scope::All,
        (_, Some(room)) => Scope::Rooms(vec![room]),
        (false, None) => {
            let rooms: Vec<_> = state.store.rooms_of_user(caller.id).await?;
            if rooms.is_empty() {
                return Ok(None);
            }
            if rooms.len() > MAX_LISTED_ROOMS {
                Scope::Member(caller.id)
            } else {
                Scope::Rooms(rooms.iter().map(|r| r.id).collect())
            }
        }
    }))
}

/// A `before`/`after` bound: an instant, or the position of a message the caller may read.
async fn cursor(
    state: &AppState,
    caller: &User,
    bound: Option<validate::Bound>,
    after: bool,
) -> AppResult<Option<Cursor>> {
    Ok(match bound {
        None => None,
        Some(validate::Bound::At(at)) if after => Some(Cursor::after_instant(at)),
        Some(validate::Bound::At(at)) => Some(Cursor::before_instant(at)),
        Some(validate::Bound::Message(id)) => match state.store.message(id).await? {
            Some(m) if room_access(state, caller, m.chat_room_id).await.is_ok() => {
                Some(Cursor::of(&m))
            }
            _ => {
                return Err(AppError::validation(
                    "before and after must be RFC 3339 timestamps or message ids",
                ));
            }
        },
    })
}
