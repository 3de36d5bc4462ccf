//! [`AttachmentStore`](crate::db::AttachmentStore)'s part ([`AttachmentDialect`]) on SQLite: a
//! message's upload is `json_extract(metadata, '$.attachment.id')`, a UUID in text, compared
//! with the BLOB id spelled the same way.

use super::SqliteStore;
use crate::db::attachments::{AttachmentDialect, COLUMNS};

/// A BLOB id as a lower-case hyphenated UUID, as JSON holds it.
const ID_TEXT: &str = "lower(substr(hex(a.id), 1, 8) || '-' || substr(hex(a.id), 9, 4) || '-' || \
     substr(hex(a.id), 13, 4) || '-' || substr(hex(a.id), 17, 4) || '-' || substr(hex(a.id), 21))";

impl AttachmentDialect for SqliteStore {
    const HELD: &'static str = "SELECT EXISTS (SELECT 1 FROM chat_messages WHERE json_extract(metadata, '$.attachment.id') = $1)";
    const SHARED: &'static str =
        "SELECT EXISTS (SELECT 1 FROM chat_messages m JOIN chat_rooms r ON r.id = m.chat_room_id
        WHERE json_extract(m.metadata, '$.attachment.id') = $1
          AND EXISTS (SELECT 1 FROM room_members mb WHERE mb.room_id = r.id AND mb.user_id = $2))";

    fn purge() -> String {
        format!(
            "DELETE FROM chat_attachments WHERE id IN (
            SELECT a.id FROM chat_attachments a
            WHERE a.attached_at IS NOT NULL AND a.attached_at < $1
              AND NOT EXISTS (SELECT 1 FROM chat_messages m
                  WHERE json_extract(m.metadata, '$.attachment.id') = {ID_TEXT})
            LIMIT $2)
         RETURNING {COLUMNS}"
        )
    }
}
