//! Hotels and their staff as operators manage them (`tigo-chat admin hotels …`), with the
//! same rules as the REST routes ([`crate::chat::hotels`]). Running servers hear of a staff
//! change on Redis at once; without Redis, their member caches expire within
//! [`MEMBER_CACHE_TTL`].

use std::time::Duration;

use tigo_common::{Hotel, MemberAdded, MemberRemoved};
use uuid::Uuid;

use super::{Admin, AdminError, AdminResult};
use crate::bus::Envelope;
use crate::chat::{hotels as rules, validate};

/// How long a running server may go on using a room's members it read before (the member
/// cache's time to live): the delay of a change made without Redis.
pub const MEMBER_CACHE_TTL: Duration = crate::cache::MEMBER_TTL;

impl Admin {
    /// Registers hotel `id` or changes its name and owner (email or id); true when created.
    pub async fn put_hotel(&self, id: Uuid, name: &str, owner: &str) -> AdminResult<(Hotel, bool)> {
        let owner = self.find_user(owner).await?;
        let body = serde_json::json!({ "name": name, "owner_id": owner.user.id });
        let req = validate::put_hotel(&body)?;
        let before = self.store.hotel(id).await?;
        rules::check_owner(Some(&owner), before.as_ref(), owner.user.id)?;
        let now = chrono::Utc::now();
        let (hotel, created) = self
            .store
            .put_hotel(id, &req.name, owner.user.id, now)
            .await?;
        self.record(rules::put_entry(None, &hotel)).await;
        Ok((hotel, created))
    }

    /// Every registered hotel, by name, each with its staff.
    pub async fn hotels(&self) -> AdminResult<Vec<Hotel>> {
        Ok(self.store.list_hotels().await?)
    }

    pub async fn hotel(&self, id: Uuid) -> AdminResult<Hotel> {
        self.store
            .hotel(id)
            .await?
            .ok_or_else(|| AdminError::NotFound(format!("no hotel {id}")))
    }

    /// Adds `who` (email or id) to the hotel's staff, at most `max`; they become a member of
    /// every room of the hotel, and running servers are told (with Redis).
    pub async fn add_staff(&self, id: Uuid, who: &str, max: usize) -> AdminResult<Hotel> {
        let hotel = self.hotel(id).await?;
        let user = self.find_user(who).await?;
        let user_id = user.user.id;
        let target = rules::staff_candidate(Some(user), user_id, &hotel)?;
        let change = self
            .store
            .add_staff(id, target.id, chrono::Utc::now(), max)
            .await?;
        let Some(rooms) = rules::staff_added(change, max)? else {
            return Ok(hotel);
        };
        for room in rooms {
            self.announce_added(room, target.id).await?;
        }
        let entry = rules::staff_entry(None, id, target.id, "hotel.staff_add");
        self.record(entry).await;
        self.hotel(id).await
    }

    /// Takes `who` (email or id) off the hotel's staff and out of its rooms.
    pub async fn remove_staff(&self, id: Uuid, who: &str) -> AdminResult<Hotel> {
        self.hotel(id).await?;
        let user_id = self.find_user(who).await?.user.id;
        let rooms = rules::staff_removed(self.store.remove_staff(id, user_id).await?)?;
        for room_id in rooms {
            let removed = MemberRemoved { room_id, user_id };
            let envelope = Envelope::member_removed(&removed, Uuid::now_v7());
            self.publish(envelope, "member_removed").await;
        }
        let entry = rules::staff_entry(None, id, user_id, "hotel.staff_remove");
        self.record(entry).await;
        self.hotel(id).await
    }

    /// `member_added` for `user`, stored as a member of `room`: what the REST path announces.
    async fn announce_added(&self, room: Uuid, user: Uuid) -> AdminResult<()> {
        let (Some(access), Some(seen)) = (
            self.store.room_access(room).await?,
            self.store.room(room, user).await?,
        ) else {
            return Ok(());
        };
        let Some(member) = seen.members.into_iter().find(|m| m.user_id == user) else {
            return Ok(());
        };
        let added = MemberAdded {
            room_id: room,
            member,
        };
        let envelope = Envelope::member_added(access, &added, Uuid::now_v7());
        self.publish(envelope, "member_added").await;
        Ok(())
    }
}
