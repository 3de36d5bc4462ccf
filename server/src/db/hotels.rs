//! [`HotelStore`], written once for both dialects: hotels and their staff. A staff change
//! writes the staff member's `room_members` rows in every `customer_hotel_owner` room of the
//! hotel in the same transaction (a new room gets them from its insert trigger), after taking
//! the hotel's row lock, so two adds cannot both pass the staff limit.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};
use tigo_common::{Hotel, HotelStaff};
use uuid::Uuid;

use super::backend::Backend;
use super::rows::Instant;
use super::{HotelStore, MemberChange, StoreResult};

const HOTEL: &str = "SELECT id, name, owner_id FROM hotels WHERE id = $1";

const HOTELS: &str = "SELECT id, name, owner_id FROM hotels ORDER BY name, id";

const STAFF: &str = "SELECT s.user_id, u.first_name, u.last_name, u.email, s.added_at
    FROM hotel_staff s JOIN users u ON u.id = s.user_id
    WHERE s.hotel_id = $1 ORDER BY s.added_at, s.user_id";

const INSERT_HOTEL: &str = "INSERT INTO hotels (id, name, owner_id, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $4)";

const UPDATE_HOTEL: &str = "UPDATE hotels SET name = $2, owner_id = $3, updated_at = $4
    WHERE id = $1";

/// Takes the hotel's row lock: a write that changes nothing (0 rows: no such hotel).
const LOCK_HOTEL: &str = "UPDATE hotels SET updated_at = updated_at WHERE id = $1";

const IS_STAFF: &str = "SELECT count(*) FROM hotel_staff WHERE hotel_id = $1 AND user_id = $2";

const STAFF_COUNT: &str = "SELECT count(*) FROM hotel_staff WHERE hotel_id = $1";

const INSERT_STAFF: &str =
    "INSERT INTO hotel_staff (hotel_id, user_id, added_at) VALUES ($1, $2, $3)";

/// The staff member joins every room of the hotel they are not in already (a customer stays
/// the customer participant of their own room there).
const JOIN_ROOMS: &str = "INSERT INTO room_members (room_id, user_id, role, joined_at)
    SELECT id, $2, 'staff', $3 FROM chat_rooms
    WHERE hotel_id = $1 AND type = 'customer_hotel_owner'
    ON CONFLICT DO NOTHING RETURNING room_id";

const DELETE_STAFF: &str = "DELETE FROM hotel_staff WHERE hotel_id = $1 AND user_id = $2";

const LEAVE_ROOMS: &str = "DELETE FROM room_members
    WHERE user_id = $2 AND role = 'staff'
      AND room_id IN (SELECT id FROM chat_rooms WHERE hotel_id = $1)
    RETURNING room_id";

#[derive(sqlx::FromRow)]
pub(crate) struct HotelRow {
    id: Uuid,
    name: String,
    owner_id: Uuid,
}

#[derive(sqlx::FromRow)]
pub(crate) struct StaffRow {
    user_id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    added_at: Instant,
}

impl StaffRow {
    fn staff(self) -> HotelStaff {
        HotelStaff {
            user_id: self.user_id,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            added_at: self.added_at.0,
        }
    }
}

#[async_trait]
impl<S: Backend> HotelStore for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> &'q str: Type<S::Db> + Encode<'q, S::Db>,
    for<'q> Instant: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> (i64,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> (Uuid,): FromRow<'r, <S::Db as Database>::Row>,
    for<'r> HotelRow: FromRow<'r, <S::Db as Database>::Row>,
    for<'r> StaffRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn put_hotel(
        &self,
        id: Uuid,
        name: &str,
        owner: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<(Hotel, bool)> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(UPDATE_HOTEL)
            .bind(id)
            .bind(name)
            .bind(owner)
            .bind(Instant(at))
            .execute(&mut *tx)
            .await?;
        let created = S::rows_affected(&done) == 0;
        if created {
            sqlx::query(INSERT_HOTEL)
                .bind(id)
                .bind(name)
                .bind(owner)
                .bind(Instant(at))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let hotel = self.hotel(id).await?;
        let hotel = hotel.ok_or_else(|| super::StoreError::Corrupt("hotel not stored".into()))?;
        Ok((hotel, created))
    }

    async fn hotel(&self, id: Uuid) -> StoreResult<Option<Hotel>> {
        let row: Option<HotelRow> = sqlx::query_as(HOTEL)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(self.with_staff(row).await?))
    }

    async fn list_hotels(&self) -> StoreResult<Vec<Hotel>> {
        let rows: Vec<HotelRow> = sqlx::query_as(HOTELS).fetch_all(self.pool()).await?;
        let mut hotels = Vec::with_capacity(rows.len());
        for row in rows {
            hotels.push(self.with_staff(row).await?);
        }
        Ok(hotels)
    }

    async fn add_staff(
        &self,
        hotel: Uuid,
        user: Uuid,
        at: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<MemberChange> {
        let mut tx = self.begin_write().await?;
        sqlx::query(LOCK_HOTEL)
            .bind(hotel)
            .execute(&mut *tx)
            .await?;
        let (already,): (i64,) = sqlx::query_as(IS_STAFF)
            .bind(hotel)
            .bind(user)
            .fetch_one(&mut *tx)
            .await?;
        if already > 0 {
            return Ok(MemberChange::Already);
        }
        let (count,): (i64,) = sqlx::query_as(STAFF_COUNT)
            .bind(hotel)
            .fetch_one(&mut *tx)
            .await?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= max {
            return Ok(MemberChange::Full);
        }
        sqlx::query(INSERT_STAFF)
            .bind(hotel)
            .bind(user)
            .bind(Instant(at))
            .execute(&mut *tx)
            .await?;
        let rooms: Vec<(Uuid,)> = sqlx::query_as(JOIN_ROOMS)
            .bind(hotel)
            .bind(user)
            .bind(Instant(at))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(MemberChange::Added(
            rooms.into_iter().map(|r| r.0).collect(),
        ))
    }

    async fn remove_staff(&self, hotel: Uuid, user: Uuid) -> StoreResult<Option<Vec<Uuid>>> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(DELETE_STAFF)
            .bind(hotel)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if S::rows_affected(&done) == 0 {
            return Ok(None);
        }
        let rooms: Vec<(Uuid,)> = sqlx::query_as(LEAVE_ROOMS)
            .bind(hotel)
            .bind(user)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(rooms.into_iter().map(|r| r.0).collect()))
    }
}

/// The hotel with its staff, oldest first.
trait WithStaff {
    async fn with_staff(&self, row: HotelRow) -> StoreResult<Hotel>;
}

impl<S: Backend> WithStaff for S
where
    for<'c> &'c mut <S::Db as Database>::Connection: Executor<'c, Database = S::Db>,
    for<'q> <S::Db as Database>::Arguments<'q>: IntoArguments<'q, S::Db>,
    for<'q> Uuid: Type<S::Db> + Encode<'q, S::Db>,
    for<'r> StaffRow: FromRow<'r, <S::Db as Database>::Row>,
{
    async fn with_staff(&self, row: HotelRow) -> StoreResult<Hotel> {
        let staff: Vec<StaffRow> = sqlx::query_as(STAFF)
            .bind(row.id)
            .fetch_all(self.pool())
            .await?;
        Ok(Hotel {
            id: row.id,
            name: row.name,
            owner_id: row.owner_id,
            staff: staff.into_iter().map(StaffRow::staff).collect(),
        })
    }
}
