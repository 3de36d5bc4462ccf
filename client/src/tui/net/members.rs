//! Room members and hotel staff over REST: emails are looked up first (the user lookup the
//! client opens rooms with); the room comes back to the UI as it is now, a staff change as a
//! notice (its rooms' members follow from the server's `member_added` / `member_removed`).

use tigo_common::MemberRole;
use uuid::Uuid;

use super::{Net, describe};
use crate::tui::app::{Cmd, Msg};

impl Net {
    /// Runs [`Cmd::Member`] and [`Cmd::Staff`].
    pub(super) async fn members(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Member {
                room,
                email,
                role,
                add,
            } => self.member(room, email.as_deref(), role, add).await,
            Cmd::Staff { hotel, email, add } => self.staff(hotel, &email, add).await,
            _ => {}
        }
    }

    /// The id of the user with `email`; `None`: me.
    async fn user_id(&self, email: Option<&str>) -> Result<Uuid, String> {
        match email {
            Some(email) => self
                .api
                .lookup_user(email)
                .await
                .map(|u| u.id)
                .map_err(|e| describe(&e)),
            None => self
                .me
                .as_ref()
                .map(|u| u.id)
                .ok_or_else(|| "not signed in".to_string()),
        }
    }

    async fn member(&mut self, room: Uuid, email: Option<&str>, role: MemberRole, add: bool) {
        let user = match self.user_id(email).await {
            Ok(user) => user,
            Err(why) => return self.tell(Msg::Failed(why)),
        };
        let done = if add {
            self.api.add_member(room, user, role).await
        } else {
            self.api.remove_member(room, user).await
        };
        let who = email.unwrap_or("you");
        match done {
            Ok(r) => {
                let word = if add { "joined" } else { "left" };
                // Leaving as myself: the room goes with the `member_removed` that follows.
                self.tell(Msg::RoomChanged(r));
                self.tell(Msg::Notice(format!("{who} {word} as {}", role.as_str())));
            }
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
    }

    async fn staff(&mut self, hotel: Uuid, email: &str, add: bool) {
        let user = match self.user_id(Some(email)).await {
            Ok(user) => user,
            Err(why) => return self.tell(Msg::Failed(why)),
        };
        let done = if add {
            self.api.add_staff(hotel, user).await
        } else {
            self.api.remove_staff(hotel, user).await
        };
        match done {
            Ok(h) => {
                let word = if add { "on" } else { "off" };
                let text = format!(
                    "{email} is {word} the staff of {} ({} in all)",
                    h.name,
                    h.staff.len()
                );
                self.tell(Msg::Notice(text));
            }
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
    }
}
