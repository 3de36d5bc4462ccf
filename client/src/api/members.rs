//! Room members and hotel teams (contract v3): companions and agents of a room, a hotel's
//! staff; each call answers with the room or the hotel as the server has it now.

use tigo_common::{AddMember, AddStaff, Hotel, MemberRole, PutHotel, Room};
use uuid::Uuid;

use super::{Api, ApiError};

impl Api {
    /// `POST /chat/rooms/:id/members`: `user` joins as a `companion` or an `agent`.
    pub async fn add_member(
        &self,
        room: Uuid,
        user: Uuid,
        role: MemberRole,
    ) -> Result<Room, ApiError> {
        let body = AddMember {
            user_id: user,
            role,
        };
        self.call(
            reqwest::Method::POST,
            &format!("/chat/rooms/{room}/members"),
            Some(&body),
        )
        .await
    }

    /// `DELETE /chat/rooms/:id/members/:userId`: removes a member, or leaves (`user` = me).
    pub async fn remove_member(&self, room: Uuid, user: Uuid) -> Result<Room, ApiError> {
        self.call::<(), _>(
            reqwest::Method::DELETE,
            &format!("/chat/rooms/{room}/members/{user}"),
            None,
        )
        .await
    }

    /// `PUT /chat/admin/hotels/:id` (Admin): registers a hotel or changes it.
    pub async fn put_hotel(&self, id: Uuid, hotel: &PutHotel) -> Result<Hotel, ApiError> {
        self.call(
            reqwest::Method::PUT,
            &format!("/chat/admin/hotels/{id}"),
            Some(hotel),
        )
        .await
    }

    /// `GET /chat/hotels/:id`: the hotel with its staff (its team and Admins).
    pub async fn hotel(&self, id: Uuid) -> Result<Hotel, ApiError> {
        self.call::<(), _>(reqwest::Method::GET, &format!("/chat/hotels/{id}"), None)
            .await
    }

    /// `POST /chat/hotels/:id/staff` (its owner or an Admin).
    pub async fn add_staff(&self, hotel: Uuid, user: Uuid) -> Result<Hotel, ApiError> {
        self.call(
            reqwest::Method::POST,
            &format!("/chat/hotels/{hotel}/staff"),
            Some(&AddStaff { user_id: user }),
        )
        .await
    }

    /// `DELETE /chat/hotels/:id/staff/:userId` (its owner or an Admin).
    pub async fn remove_staff(&self, hotel: Uuid, user: Uuid) -> Result<Hotel, ApiError> {
        self.call::<(), _>(
            reqwest::Method::DELETE,
            &format!("/chat/hotels/{hotel}/staff/{user}"),
            None,
        )
        .await
    }
}
