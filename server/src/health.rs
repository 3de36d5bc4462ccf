//! `/chat/health`: the database decides healthy/unhealthy, the bus healthy/degraded.

use std::time::Duration;

use tigo_common::{Health, HealthChecks};

use crate::bus::BusStatus;
use crate::state::AppState;

pub async fn check(state: &AppState) -> Health {
    let database = matches!(
        tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await,
        Ok(Ok(()))
    );
    let bus = match state.events.bus().redis() {
        None => BusStatus::InProcess,
        Some(redis) => {
            let pong = tokio::time::timeout(Duration::from_secs(1), redis.ping()).await;
            if matches!(pong, Ok(true)) && redis.is_up() {
                BusStatus::Up
            } else {
                BusStatus::Down
            }
        }
    };
    Health {
        status: status(database, bus == BusStatus::Down).into(),
        timestamp: chrono::Utc::now(),
        checks: HealthChecks {
            database: if database { "up" } else { "down" }.into(),
            bus: bus.as_str().into(),
        },
    }
}

/// The one word for health, for `/chat/health` and `tigo-chat admin health` alike: the database
/// decides healthy or unhealthy, the bus (Redis) healthy or degraded.
pub fn status(database_up: bool, bus_down: bool) -> &'static str {
    if !database_up {
        "unhealthy"
    } else if bus_down {
        "degraded"
    } else {
        "healthy"
    }
}
