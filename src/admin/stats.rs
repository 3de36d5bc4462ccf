//! `admin stats`: the totals, the period's buckets as a table and a bar chart of messages,
//! support and hotel figures; `admin stats hotel ID` and `admin stats rebuild`. Lines for
//! people, the REST answer's figures with `--json`.

use std::process::ExitCode;

use tigo_common::{AdminStats, ResponseStats, StatsBucket};

use tigo_client::tui::ui::wait;

use super::Printer;
use crate::cli::{StatsArgs, StatsCommand};
use crate::out::Out;
use crate::table;

/// The longest bar, in character cells.
const BAR: usize = 40;
/// Eighths of a cell, for a bar's last cell.
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

pub async fn run(
    admin: &tigo_server::admin::Admin,
    p: &mut Printer,
    args: StatsArgs,
) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(StatsCommand::Rebuild) => {
            let covered = admin.stats_rebuild().await?;
            let report = serde_json::json!({ "messages": covered });
            p.show(&report, |out| {
                out.line(format!(
                    "rebuilt the statistics from {covered} stored messages"
                ));
            })?;
        }
        Some(StatsCommand::Hotel { id }) => {
            let figures = admin.hotel_stats(id).await?;
            p.show(&figures, |out| hotel(out, &figures))?;
        }
        None => {
            let get = |o: &Option<String>| o.as_deref().map(str::to_owned);
            let (since, until, bucket) = (get(&args.since), get(&args.until), get(&args.bucket));
            let stats = admin
                .stats(since.as_deref(), until.as_deref(), bucket.as_deref())
                .await?;
            p.show(&stats, |out| {
                let c = &stats.counts;
                let online = stats
                    .online_users
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "n/a (no REDIS_URL)".into());
                out.text(table::render(
                    &[
                        "USERS",
                        "ROOMS",
                        "MESSAGES",
                        "LAST HOUR",
                        "LAST DAY",
                        "ONLINE",
                    ],
                    &[vec![
                        c.users.to_string(),
                        c.rooms.to_string(),
                        c.messages.to_string(),
                        c.messages_last_hour.to_string(),
                        c.messages_last_day.to_string(),
                        online,
                    ]],
                ));
                figures(out, &stats.figures, bucket.as_deref() == Some("hour"));
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn hotel(out: &mut Out, f: &ResponseStats) {
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    out.text(table::render(
        &["THREADS", "WITHIN 24H", "RATE", "MEDIAN", "LABEL", "WINDOW"],
        &[vec![
            f.threads.to_string(),
            f.responded_within_24h.to_string(),
            or_dash(f.response_rate.map(percent)),
            or_dash(f.median_response_seconds.map(wait)),
            or_dash(f.label.clone()),
            format!("{} days", f.window_days),
        ]],
    ));
}

fn figures(out: &mut Out, f: &AdminStats, hourly: bool) {
    let start = |b: &StatsBucket| {
        if hourly {
            b.start.format("%Y-%m-%d %H:00").to_string()
        } else {
            b.start.format("%Y-%m-%d").to_string()
        }
    };
    let rows: Vec<Vec<String>> = f
        .buckets
        .iter()
        .map(|b| {
            vec![
                start(b),
                b.messages.to_string(),
                b.active_senders.to_string(),
                b.new_rooms.to_string(),
                b.support_waiting.to_string(),
            ]
        })
        .collect();
    out.line("");
    out.text(table::render(
        &["START (UTC)", "MESSAGES", "SENDERS", "NEW ROOMS", "WAITING"],
        &rows,
    ));
    out.line("");
    out.line("Messages");
    let most = f.buckets.iter().map(|b| b.messages).max().unwrap_or(0);
    for b in &f.buckets {
        out.line(format!(
            "{}  {} {}",
            start(b),
            bar(b.messages, most),
            b.messages
        ));
    }
    let s = &f.support;
    let or_dash = |v: Option<i64>| v.map(wait).unwrap_or_else(|| "-".into());
    out.line("");
    out.line(format!(
        "Support: {} threads, first reply median {}, p90 {}; {} waiting now",
        s.threads,
        or_dash(s.first_reply_seconds.median),
        or_dash(s.first_reply_seconds.p90),
        s.waiting_now
    ));
    out.line(format!(
        "Hotels: {} with threads, median response rate {}",
        f.hotels.count,
        f.hotels
            .median_response_rate
            .map(percent)
            .unwrap_or_else(|| "-".into())
    ));
}

/// A bar `value / most` of [`BAR`] cells long, in eighths of a cell.
pub fn bar(value: i64, most: i64) -> String {
    if most <= 0 || value <= 0 {
        return String::new();
    }
    let eighths = ((value as f64 / most as f64) * (BAR * 8) as f64)
        .round()
        .max(1.0) as usize;
    let mut out = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        out.push(EIGHTHS[eighths % 8]);
    }
    out
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_grow_with_the_value_in_eighths() {
        assert_eq!(bar(0, 10), "");
        assert_eq!(bar(10, 10), "█".repeat(BAR));
        assert_eq!(bar(5, 10), "█".repeat(BAR / 2));
        assert_eq!(bar(1, 1000), "▏", "a bucket with messages always shows");
        assert!(bar(3, 10).chars().count() < bar(7, 10).chars().count());
    }
}
