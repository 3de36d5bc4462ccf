//! Response statistics for the terminal client: the support figures the queue screen shows
//! (Admins) and a hotel's response figures (`/stats`), over REST; their outcome goes back to
//! the UI as [`Msg`]s.

use chrono::{Duration, SecondsFormat, Utc};
use tigo_common::ResponseStats;
use uuid::Uuid;

use super::{Net, describe};
use crate::tui::app::{Msg, QueueStats};

impl Net {
    /// First reply times over 30 days, and the waiting queue hour by hour over 24 hours.
    pub(super) async fn load_queue_stats(&mut self) {
        let month = match self.api.admin_stats("bucket=day").await {
            Ok(stats) => stats,
            Err(e) => return self.tell(Msg::Failed(describe(&e))),
        };
        let since = (Utc::now() - Duration::hours(23)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let query = format!("bucket=hour&since={}", since.replace('+', "%2B"));
        let day = match self.api.admin_stats(&query).await {
            Ok(stats) => stats,
            Err(e) => return self.tell(Msg::Failed(describe(&e))),
        };
        self.tell(Msg::QueueStats(QueueStats {
            threads: month.support.threads,
            median: month.support.first_reply_seconds.median,
            p90: month.support.first_reply_seconds.p90,
            waiting: day
                .buckets
                .iter()
                .map(|b| b.support_waiting.max(0) as u64)
                .collect(),
        }));
    }

    pub(super) async fn hotel_stats(&mut self, hotel: Uuid) {
        match self.api.response_stats(hotel).await {
            Ok(stats) => self.tell(Msg::Notice(said(&stats))),
            Err(e) => self.tell(Msg::Failed(describe(&e))),
        }
    }
}

/// One line: `hotel answers within an hour: 92% of 25 threads within 24 h, median 14m (30 days)`.
pub(crate) fn said(stats: &ResponseStats) -> String {
    if stats.threads == 0 {
        return format!(
            "hotel response: no guest threads in the last {} days",
            stats.window_days
        );
    }
    let label = stats
        .label
        .as_deref()
        .unwrap_or("not labelled yet (under 3 threads)");
    let rate = stats
        .response_rate
        .map_or("-".into(), |r| format!("{:.0}%", r * 100.0));
    let median = stats
        .median_response_seconds
        .map_or("-".into(), crate::tui::ui::wait);
    format!(
        "hotel response: {label}; {rate} of {} threads answered within 24 h, median {median} ({} days)",
        stats.threads, stats.window_days
    )
}
