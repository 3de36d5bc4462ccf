//! Rooms as operators see them: the list with counts, retention (purge), export.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tigo_common::{Message, RoomType};
use uuid::Uuid;

use super::{Admin, AdminError, AdminResult};
use crate::db::{self, Cursor, MessageQuery, RoomQuery};

/// What a purge removed.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PurgeOutcome {
    pub messages: u64,
    /// Attachments no remaining message held.
    pub files: u64,
}

/// A room as `list-rooms` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RoomRow {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub room_type: RoomType,
    pub participant1: String,
    pub participant2: String,
    pub participant1_id: Uuid,
    pub participant2_id: Uuid,
    pub messages: i64,
    /// Unread by participant 1 and by participant 2.
    pub unread: [i64; 2],
    pub is_active: bool,
    pub last_activity: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct RoomFilter {
    pub room_type: Option<RoomType>,
    /// An email or a user id.
    pub user: Option<String>,
    pub active: Option<bool>,
    pub limit: i64,
}

impl Admin {
    pub async fn list_rooms(&self, filter: &RoomFilter) -> AdminResult<Vec<RoomRow>> {
        let participant_id = match &filter.user {
            Some(who) => Some(self.find_user(who).await?.user.id),
            None => None,
        };
        let query = RoomQuery {
            viewer: Uuid::nil(),
            all: true,
            room_type: filter.room_type,
            participant_id,
            search: None,
            active: filter.active,
            offset: 0,
            limit: filter.limit.clamp(1, 10_000),
        };
        let (rooms, _) = self.store.list_rooms(&query).await?;
        let ids: Vec<Uuid> = rooms.iter().map(|r| r.id).collect();
        let mut rows = Vec::with_capacity(rooms.len());
        let mut unread: HashMap<Uuid, HashMap<Uuid, i64>> = HashMap::new();
        for room in &rooms {
            for p in [room.participant1_id, room.participant2_id] {
                if let std::collections::hash_map::Entry::Vacant(e) = unread.entry(p) {
                    e.insert(self.store.unread_counts(p, &ids).await?);
                }
            }
        }
        for room in rooms {
            let count = |p: Uuid| {
                unread
                    .get(&p)
                    .and_then(|m| m.get(&room.id))
                    .copied()
                    .unwrap_or(0)
            };
            let (_, messages) = self
                .store
                .list_messages(&MessageQuery {
                    room_id: room.id,
                    before: None,
                    after: None,
                    offset: 0,
                    limit: 1,
                })
                .await?;
            rows.push(RoomRow {
                id: room.id,
                room_type: room.room_type,
                participant1: format!(
                    "{} <{}>",
                    room.participant1.display_name(),
                    room.participant1.email
                ),
                participant2: format!(
                    "{} <{}>",
                    room.participant2.display_name(),
                    room.participant2.email
                ),
                participant1_id: room.participant1_id,
                participant2_id: room.participant2_id,
                messages,
                unread: [count(room.participant1_id), count(room.participant2_id)],
                is_active: room.is_active,
                last_activity: room.last_message_at.unwrap_or(room.created_at),
            });
        }
        Ok(rows)
    }

    /// How many messages a purge would delete.
    pub async fn purge_count(&self, before: DateTime<Utc>, room: Option<Uuid>) -> AdminResult<i64> {
        Ok(self.store.count_older(before, room).await?)
    }

    /// Deletes messages older than `before` in batches, reporting progress after each.
    pub async fn purge(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
        mut progress: impl FnMut(u64),
    ) -> AdminResult<PurgeOutcome> {
        let mut total = 0;
        loop {
            let deleted = self.store.purge_batch(before, room, batch.max(1)).await?;
            if deleted == 0 {
                break;
            }
            total += deleted;
            progress(total);
        }
        let removed = self.purge_files().await?;
        self.record(db::AuditEntry {
            action: "messages.purge",
            room,
            detail: serde_json::json!({
                "before": tigo_common::time::format(&before),
                "deleted": total,
                "files_removed": removed,
            }),
            ..Default::default()
        })
        .await;
        Ok(PurgeOutcome {
            messages: total,
            files: removed,
        })
    }

    /// Removes the attachments no remaining message holds (after purges or deletes);
    /// returns how many.
    pub async fn purge_files(&self) -> AdminResult<u64> {
        let files = self.files().await?;
        let removed = crate::files::purge_unreferenced(&files, self.store.as_ref()).await?;
        Ok(removed.len() as u64)
    }

    /// Every message of a room, oldest first, with attachment URLs signed now, handed to
    /// `each`; returns how many.
    pub async fn export(
        &self,
        room: Uuid,
        mut each: impl FnMut(&Message) -> std::io::Result<()>,
    ) -> AdminResult<u64> {
        if self.store.room_access(room).await?.is_none() {
            return Err(AdminError::NotFound(format!("no room {room}")));
        }
        // Every message is younger than the Unix epoch (and PostgreSQL cannot go back to
        // chrono's minimum).
        let files = self.files().await?;
        let mut after = Some(Cursor::before_instant(DateTime::<Utc>::UNIX_EPOCH));
        let mut count = 0;
        loop {
            let (page, _) = self
                .store
                .list_messages(&MessageQuery {
                    room_id: room,
                    before: None,
                    after,
                    offset: 0,
                    limit: 1000,
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(Cursor::of(last));
            let mut page = page;
            crate::files::sign_messages(&files, &mut page);
            for message in &page {
                each(message)
                    .map_err(|e| AdminError::Invalid(format!("writing the export: {e}")))?;
                count += 1;
            }
        }
        Ok(count)
    }
}
