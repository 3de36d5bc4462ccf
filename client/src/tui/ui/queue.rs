//! The support queue screen (Admins): first reply times and a sparkline of the waiting queue
//! over the last 24 hours, then how long each room has waited, its type, who wrote last and
//! what, oldest first.

use chrono::Utc;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Sparkline};

use super::{short_tag, status, truncate, wait};
use crate::tui::app::{App, QueueStats};

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let (area, status_area, status_lines) = status::split(app, frame.area());
    let [figures, main] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    draw_figures(frame, app.queue.stats.as_ref(), figures);
    let now = Utc::now();
    let items: Vec<ListItem> = app
        .queue
        .waiting
        .iter()
        .map(|w| {
            let waited = now - w.since;
            let wait = if waited.num_hours() > 0 {
                format!("{}h{:02}m", waited.num_hours(), waited.num_minutes() % 60)
            } else {
                format!("{}m{:02}s", waited.num_minutes(), waited.num_seconds() % 60)
            };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{wait:>8}  "), Style::new().fg(Color::Yellow)),
                Span::raw(format!("{}  ", short_tag(w.kind))),
                Span::styled(
                    format!("{:<24}", truncate(&w.who, 24)),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    format!(
                        " {:<12} ",
                        truncate(w.assignee.as_deref().unwrap_or("unassigned"), 12)
                    ),
                    Style::new().fg(Color::Cyan),
                ),
                Span::raw(truncate(&w.preview, main.width.saturating_sub(60) as usize)),
            ]))
        })
        .collect();
    let mut state = ListState::default();
    if !app.queue.waiting.is_empty() {
        state.select(Some(app.queue.selected));
    }
    let list = List::new(items)
        .block(Block::bordered().title(format!(
            " support queue: {} waiting, oldest first (Enter opens, r refreshes, Esc back) ",
            app.queue.waiting.len()
        )))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, main, &mut state);
    status::draw(frame, status_lines, status_area);
}

/// First reply median and p90 over 30 days; the waiting queue, hour by hour, over 24 hours.
fn draw_figures(frame: &mut Frame, stats: Option<&QueueStats>, area: Rect) {
    let Some(stats) = stats else {
        frame.render_widget(Block::bordered().title(" support figures: loading "), area);
        return;
    };
    let or_dash = |v: Option<i64>| v.map(wait).unwrap_or_else(|| "-".into());
    let now = stats.waiting.last().copied().unwrap_or(0);
    let most = stats.waiting.iter().copied().max().unwrap_or(0);
    let title = format!(
        " first reply (30 days, {} threads): median {}, p90 {} | waiting, 24 h: now {now}, most {most} ",
        stats.threads,
        or_dash(stats.median),
        or_dash(stats.p90),
    );
    let sparkline = Sparkline::default()
        .block(Block::bordered().title(title))
        .data(&stats.waiting)
        .style(Style::new().fg(Color::Yellow));
    frame.render_widget(sparkline, area);
}
