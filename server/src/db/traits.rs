//! The store traits, one per resource: what the service needs from a database, grouped the way
//! `db/sqlite/` and `db/postgres/` are split (one file per trait, methods in this order).
//!
//! Both backends must behave identically; `tests/api` runs one contract suite against each.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tigo_common::{Hotel, MemberReceipt, MemberRole, Message, Role, Room, UserSummary};
use uuid::Uuid;

use super::{
    AttachmentRecord, AuditEntry, AuditRecord, Committed, Delivered, Inserted, MemberChange,
    MessageQuery, NewMessage, NewRoom, NewUser, ReactionOutcome, ReadOutcome, Receipt, RoomAccess,
    RoomQuery, SearchQuery, Stats, StoreResult, UserRecord, WaitingRow,
};

/// Accounts: creation, look-ups, roles and activation.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user; [`StoreError::Conflict`](super::StoreError::Conflict) when the email
    /// is taken.
    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord>;

    /// Looks a user up by (lower-cased) email.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;

    /// Every user, or those holding `role`, ordered by email.
    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>>;

    /// Replaces a user's roles; false when there is no such user.
    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool>;

    /// Activates or deactivates a user; false when there is no such user.
    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool>;

    /// Users created or changed within the last `window` (by the database's clock), newest
    /// change first, at most 10,000: how every instance hears of changes made anywhere.
    async fn users_changed_within(
        &self,
        window: std::time::Duration,
    ) -> StoreResult<Vec<UserRecord>>;
}

/// Rooms: creation, look-ups and listings with the viewer's unread counts, the support queue.
#[async_trait]
pub trait RoomStore: Send + Sync {
    /// Creates the room of an unordered pair and type, or returns the one that exists
    /// (`false`). Concurrent calls for one pair yield one room.
    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)>;

    /// One room with `viewer`'s unread count.
    async fn room(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>>;

    /// The participants and type of a room, for access checks.
    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>>;

    /// A page of rooms, newest activity first, and the total matching.
    async fn list_rooms(&self, query: &RoomQuery) -> StoreResult<(Vec<Room>, i64)>;

    /// Every room a user participates in.
    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>>;

    /// Rooms whose newest message is from a user without the Admin role (an unanswered
    /// customer or hotel owner), longest waiting first, with that sender.
    async fn support_queue(
        &self,
        viewer: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<(Room, UserSummary)>> {
        let waiting = self.waiting_rooms(limit).await?;
        let ids: Vec<Uuid> = waiting.iter().map(|w| w.0).collect();
        let mut rooms: HashMap<Uuid, Room> = self
            .rooms_by_ids(&ids, viewer)
            .await?
            .into_iter()
            .map(|room| (room.id, room))
            .collect();
        Ok(waiting
            .into_iter()
            .filter_map(|(room, id, first_name, last_name, email)| {
                let sender = UserSummary {
                    id,
                    first_name,
                    last_name,
                    email,
                };
                rooms.remove(&room).map(|room| (room, sender))
            })
            .collect())
    }

    /// Several rooms with `viewer`'s unread counts, in one query (in no particular order).
    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>>;

    /// The rows behind [`RoomStore::support_queue`], longest waiting first (each dialect
    /// spells the Admin role test its own way).
    async fn waiting_rooms(&self, limit: i64) -> StoreResult<Vec<WaitingRow>>;

    /// Unread counts of `user` in the given rooms (rooms without unread messages omitted).
    async fn unread_counts(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>>;
}

/// Messages: the writers' group commit, look-ups, history pages, edits and deletes.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// One group commit: stores `batch` (updating the rooms' last message and count; a repeated
    /// `(sender, client_msg_id)` returns the first message) and moves each recipient's
    /// delivered position in a room to the newest message its `receipts` name there (one row
    /// per recipient and room, never back), all in one transaction. Returns, among the
    /// receipted messages, those whose status that moved from `sent` to `delivered`.
    /// The batch is shared (`Arc`), not copied: a backend may hand it to another thread.
    async fn commit(
        &self,
        batch: Arc<[NewMessage]>,
        receipts: &[Receipt],
    ) -> StoreResult<Committed>;

    /// Stores messages in one transaction: [`MessageStore::commit`] without receipts.
    async fn insert_messages(&self, batch: &[NewMessage]) -> StoreResult<Vec<Inserted>> {
        Ok(self.commit(batch.into(), &[]).await?.inserted)
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>>;

    /// A page of a room's history, oldest first, and the room's message count.
    async fn list_messages(&self, query: &MessageQuery) -> StoreResult<(Vec<Message>, i64)>;

    /// Replaces a message's content, marks it edited; `None` when it does not exist.
    async fn edit_message(
        &self,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<(Message, i64)>>;

    /// Deletes a message (by `by`) and keeps its room's last message and count right.
    async fn delete_message(&self, id: Uuid, by: Uuid) -> StoreResult<Option<(Message, i64)>>;
}

/// Reactions on messages; each change rewrites the message's reaction summary in the same
/// transaction, so reading a message needs no second query.
#[async_trait]
pub trait ReactionStore: Send + Sync {
    /// Adds (`add`: the most different emoji allowed and the instant) or removes `user`'s
    /// `emoji` on message `id`, in one write transaction with the message's summary.
    async fn change_reaction(
        &self,
        id: Uuid,
        user: Uuid,
        emoji: &str,
        add: Option<(usize, DateTime<Utc>)>,
    ) -> StoreResult<ReactionOutcome>;

    /// Adds `user`'s `emoji` to message `id` unless it is there already, refusing a new emoji
    /// beyond `max_distinct` different ones.
    async fn add_reaction(
        &self,
        id: Uuid,
        user: Uuid,
        emoji: &str,
        max_distinct: usize,
        at: DateTime<Utc>,
    ) -> StoreResult<ReactionOutcome> {
        self.change_reaction(id, user, emoji, Some((max_distinct, at)))
            .await
    }

    /// Takes `user`'s `emoji` off message `id` (unchanged when it was not there).
    async fn remove_reaction(
        &self,
        id: Uuid,
        user: Uuid,
        emoji: &str,
    ) -> StoreResult<ReactionOutcome> {
        self.change_reaction(id, user, emoji, None).await
    }
}

/// Full-text search over message content, through the database's own index.
#[async_trait]
pub trait SearchStore: Send + Sync {
    /// A page of the messages matching `query`, newest first, and how many match in all.
    async fn search_messages(&self, query: &SearchQuery) -> StoreResult<(Vec<Message>, i64)>;
    /// One step of the search follower (`follow::search`): indexes committed messages.
    async fn follow_search(&self) -> StoreResult<crate::db::search::Followed>;
    /// How far the search index is behind the stored messages.
    async fn search_lag(&self) -> StoreResult<crate::db::search::Lag>;
}

/// Read and delivery receipts. Delivery receipts ride the group commit, hence the supertrait.
#[async_trait]
pub trait ReceiptStore: MessageStore {
    /// Records that `user` read the room up to its newest message: their read mark (and
    /// delivered position) moves there. Only a `member`'s read is stored and logged.
    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        member: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome>;

    /// Each member's read and delivery positions in the room, participants first.
    async fn member_receipts(&self, room_id: Uuid) -> StoreResult<Vec<MemberReceipt>>;

    /// Delivery receipts alone: [`MessageStore::commit`] without messages.
    async fn mark_delivered(&self, receipts: &[Receipt]) -> StoreResult<Vec<Delivered>> {
        Ok(self.commit(Arc::new([]), receipts).await?.delivered)
    }
}

/// Room members other than the two participants (contract v3): companions and agents, added
/// and removed one by one, and staff, who follow their hotel's team ([`HotelStore`]).
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// The room's members who are not its participants, with their roles.
    async fn extra_members(&self, room: Uuid) -> StoreResult<Vec<(Uuid, MemberRole)>>;

    /// Adds `user` to the room as `role` unless the room already has `max` members.
    async fn add_member(
        &self,
        room: Uuid,
        user: Uuid,
        role: MemberRole,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<MemberChange>;

    /// Removes a companion or an agent; returns the role they had (`None`: no such member).
    async fn remove_member(&self, room: Uuid, user: Uuid) -> StoreResult<Option<MemberRole>>;
}

/// Hotels the platform registered and their staff (contract v3). Staff changes write the
/// staff member's `room_members` rows in every `customer_hotel_owner` room of the hotel in the
/// same transaction.
#[async_trait]
pub trait HotelStore: Send + Sync {
    /// Creates hotel `id` or changes its name and owner; true when created.
    async fn put_hotel(
        &self,
        id: Uuid,
        name: &str,
        owner: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<(Hotel, bool)>;

    async fn hotel(&self, id: Uuid) -> StoreResult<Option<Hotel>>;

    /// Every hotel, by name.
    async fn list_hotels(&self) -> StoreResult<Vec<Hotel>>;

    /// Adds `user` to the staff unless it has `max` members already; the change names the
    /// rooms the user became a member of.
    async fn add_staff(
        &self,
        hotel: Uuid,
        user: Uuid,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<MemberChange>;

    /// Removes `user` from the staff; the rooms they left (`None`: they were not on it).
    async fn remove_staff(&self, hotel: Uuid, user: Uuid) -> StoreResult<Option<Vec<Uuid>>>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends to the audit log.
    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()>;

    /// Audit lines since `since` (newest last), those where `user` acted or was acted on.
    async fn audit_log(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>>;
}

/// Operating the database: what it can do, schema, health, settings, counts and purges.
#[async_trait]
pub trait OpsStore: Send + Sync {
    /// How many writers may commit at once when the database itself sets the limit (SQLite
    /// has one write lock, so one writer); `None`: as many as configured.
    fn max_writers(&self) -> Option<usize>;

    /// Applies pending migrations; returns the versions applied now (empty when up to date).
    async fn migrate(&self) -> StoreResult<Vec<i64>>;

    /// A cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    /// The migrations applied so far (empty: no tigo-chat schema here yet).
    async fn applied_migrations(&self) -> StoreResult<Vec<i64>>;

    /// Returns the stored value of `key`, storing `value` first when there is none. Race-free:
    /// every caller gets the same value.
    async fn setting_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String>;

    /// Deletes up to `batch` messages created before `before` (optionally in one room),
    /// fixing their rooms; returns how many were deleted. Call until it returns 0.
    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64>;

    /// How many messages a purge with these arguments would delete.
    async fn count_older(&self, before: DateTime<Utc>, room: Option<Uuid>) -> StoreResult<i64>;

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats>;

    /// Closes every pooled connection, once the server has stopped. The pools would
    /// otherwise live as long as anything still refers to the store (the socket handlers'
    /// shared state does), holding their connections open on the database.
    async fn close(&self);
}

/// Attachments: the facts of uploads (their bytes are in the file store), who may see them,
/// and what retention removes. A message refers to an upload by `metadata.attachment.id`.
#[async_trait]
pub trait AttachmentStore: Send + Sync {
    /// Records an upload whose bytes are already whole in the file store.
    async fn insert_attachment(&self, attachment: &AttachmentRecord) -> StoreResult<()>;

    async fn attachment(&self, id: Uuid) -> StoreResult<Option<AttachmentRecord>>;

    /// Marks `uploader`'s upload `id` as sent at `at` and returns it; `None` when there is no
    /// such upload of theirs. Atomic against [`AttachmentStore::sweep_unattached`]: an upload
    /// is either marked and kept or swept and not found.
    async fn attach(
        &self,
        id: Uuid,
        uploader: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AttachmentRecord>>;

    /// Whether any message holds the upload.
    async fn attachment_held(&self, id: Uuid) -> StoreResult<bool>;

    /// Whether a message holding the upload is in a room `user` participates in.
    async fn attachment_shared_with(&self, id: Uuid, user: Uuid) -> StoreResult<bool>;

    /// Deletes up to `limit` uploads never sent and created before `before`; returns them.
    async fn sweep_unattached(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRecord>>;

    /// Deletes up to `limit` uploads last sent before `before` that no message holds any
    /// more; returns them.
    async fn purge_unreferenced(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<AttachmentRecord>>;
}
