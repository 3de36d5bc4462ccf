//! [`AttachmentStore`](crate::db::AttachmentStore)'s part ([`AttachmentDialect`]) on PostgreSQL: a
//! message's upload is `metadata -> 'attachment' ->> 'id'`, compared with the id as text.
//! Deletes re-check their condition on the row they lock, so a concurrent `attach` keeps its
//! upload.

use super::PgStore;
use crate::db::attachments::{AttachmentDialect, COLUMNS};

impl AttachmentDialect for PgStore {
    const HELD: &'static str =
        "SELECT EXISTS (SELECT 1 FROM chat_messages WHERE metadata -> 'attachment' ->> 'id' = $1)";
    const SHARED: &'static str =
        "SELECT EXISTS (SELECT 1 FROM chat_messages m JOIN chat_rooms r ON r.id = m.chat_room_id
        WHERE m.metadata -> 'attachment' ->> 'id' = $1
          AND EXISTS (SELECT 1 FROM room_members mb WHERE mb.room_id = r.id AND mb.user_id = $2))";

    fn purge() -> String {
        format!(
            "DELETE FROM chat_attachments WHERE id IN (
            SELECT a.id FROM chat_attachments a
            WHERE a.attached_at < $1
              AND NOT EXISTS (SELECT 1 FROM chat_messages m
                  WHERE m.metadata -> 'attachment' ->> 'id' = a.id::text)
            LIMIT $2)
         AND attached_at < $1
         RETURNING {COLUMNS}"
        )
    }
}
