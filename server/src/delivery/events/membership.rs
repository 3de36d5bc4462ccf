//! Members coming and going: `member_added` and `member_removed` to the room's connections on
//! every instance, the added user's connections joining it and the removed user's leaving it,
//! and who counts as a member when a message is delivered (participants, and the others
//! through the member cache).

use tigo_common::{MemberAdded, MemberRemoved};
use uuid::Uuid;

use super::{Events, Followup};
use crate::bus::{Envelope, RoomEvent};
use crate::cache::MemberCache;
use crate::db::RoomAccess;

impl Events {
    /// Each room's members other than its participants, as this instance last heard.
    pub fn members(&self) -> &MemberCache {
        &self.inner.members
    }

    /// Whether `user` is a member of the room, as far as the cache knows (participants
    /// always; the others once the room's members were loaded here).
    pub fn is_member_cached(&self, access: &RoomAccess, user: Uuid) -> bool {
        access.has_participant(user)
            || self
                .members()
                .get(&access.id)
                .is_some_and(|m| m.contains(&user))
    }

    /// Every member the cache knows of: the participants, then the others.
    pub(super) fn member_ids(&self, access: &RoomAccess) -> Vec<Uuid> {
        let mut ids = access.participants().to_vec();
        if let Some(others) = self.members().get(&access.id) {
            ids.extend(others.iter().copied());
        }
        ids
    }

    /// A member was added (stored already): every instance forgets the room's members, the
    /// added user's connections join it, and the room hears of it.
    pub fn member_added(&self, access: RoomAccess, added: &MemberAdded) {
        self.emit(Envelope::member_added(access, added, self.instance()));
    }

    /// A member was removed (stored already): every instance forgets the room's members, the
    /// room and the removed user hear of it, and the removed user's connections leave it.
    pub fn member_removed(&self, removed: &MemberRemoved) {
        self.emit(Envelope::member_removed(removed, self.instance()));
    }

    /// Delivers a membership event here (from this instance or the bus).
    pub(super) fn deliver_membership(&self, envelope: &Envelope) {
        let (Some(room), Some(&user)) = (envelope.room_id, envelope.users.first()) else {
            return;
        };
        self.members().evict(&room);
        let hub = &self.inner.hub;
        if envelope.event == RoomEvent::MemberAdded {
            if let Some(access) = envelope.access
                && hub.member_added(access, user, &envelope.data)
            {
                self.followup(Followup::Joined { user, room });
            }
        } else {
            hub.member_removed(room, user, &envelope.data);
        }
    }
}
