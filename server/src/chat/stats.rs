//! Response statistics as the REST API serves them: a hotel's figures (any signed-in user) and
//! the service's (Admins only), over the period the query asks for.

use chrono::Utc;
use tigo_common::{AdminStats, ResponseStats, User};
use uuid::Uuid;

use super::validate::Params;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `GET /chat/hotels/:hotelId/response-stats`: any hotel id answers (zeros and nulls for one
/// with no thread).
pub async fn hotel(state: &AppState, hotel: Uuid) -> AppResult<ResponseStats> {
    Ok(state.stats.hotel(hotel, Utc::now()).await?)
}

/// `GET /chat/admin/stats` (Admin only).
pub async fn admin(state: &AppState, user: &User, params: &Params) -> AppResult<AdminStats> {
    if !super::is_admin(user) {
        return Err(AppError::Forbidden(
            "Only admins can read the service's statistics".into(),
        ));
    }
    let now = Utc::now();
    let get = |name: &str| params.get(name).map(String::as_str);
    let query = crate::stats::period::period(get("since"), get("until"), get("bucket"), now)
        .map_err(AppError::Validation)?;
    Ok(state.stats.admin(query, now).await?)
}
