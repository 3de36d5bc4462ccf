//! Drawing the state: room list, messages, input line and status bar (or the login, help and
//! queue screens). Pure functions of [`App`], checked with ratatui's `TestBackend`.

use chrono::{Local, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};
use tigo_common::{MessageStatus, RoomType};

use super::app::{App, HELP, Link, LoginField, Screen};
use super::wrap;

pub fn draw(frame: &mut Frame, app: &App) {
    match app.screen {
        Screen::Login => login(frame, app),
        Screen::Chat => chat(frame, app),
        Screen::Help => {
            chat(frame, app);
            help(frame);
        }
        Screen::Queue => queue(frame, app),
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn login(frame: &mut Frame, app: &App) {
    let area = centered(frame.area(), 60, 11);
    let field = |label: &str, value: String, active: bool| {
        let style = if active {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        Line::from(vec![
            Span::raw(format!("{label:<10}")),
            Span::styled(format!("{value:<40}"), style),
        ])
    };
    let mut lines = vec![
        Line::from(format!("tigo-chat  ·  {}", app.server))
            .style(Style::new().add_modifier(Modifier::BOLD)),
        Line::from(""),
        field("Email", app.email.clone(), app.field == LoginField::Email),
        field(
            "Password",
            "•".repeat(app.password.chars().count()),
            app.field == LoginField::Password,
        ),
        Line::from(""),
    ];
    if app.logging_in {
        lines.push(Line::from("logging in…"));
    } else if let Some(err) = &app.login_error {
        lines.push(Line::from(Span::styled(
            err.clone(),
            Style::new().fg(Color::Red),
        )));
    } else {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(""));
    lines.push(
        Line::from("Tab: next field · Enter: log in · Esc: quit")
            .style(Style::new().fg(Color::DarkGray)),
    );
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Log in ")),
        area,
    );
}

fn type_tag(kind: RoomType) -> &'static str {
    match kind {
        RoomType::CustomerHotelOwner => "guest↔hotel",
        RoomType::CustomerAdmin => "guest↔support",
        RoomType::HotelOwnerAdmin => "hotel↔support",
    }
}

/// The room list's short form of a type.
fn short_tag(kind: RoomType) -> &'static str {
    match kind {
        RoomType::CustomerHotelOwner => "C↔H",
        RoomType::CustomerAdmin => "C↔A",
        RoomType::HotelOwnerAdmin => "H↔A",
    }
}

fn truncate(text: &str, width: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= width {
        one_line
    } else {
        let mut out: String = one_line.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn chat(frame: &mut Frame, app: &App) {
    let (above, status, status_lines) = with_status(app, frame.area());
    let [main, input] = Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(above);
    let list_width = (main.width / 3).clamp(24, 36);
    let [rooms_area, messages_area] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(20)]).areas(main);
    room_list(frame, app, rooms_area);
    message_pane(frame, app, messages_area);
    let prompt = Paragraph::new(Line::from(vec![
        Span::raw("> "),
        Span::raw(app.input.clone()),
    ]))
    .block(Block::bordered().title(" message · /help "));
    frame.render_widget(prompt, input);
    frame.set_cursor_position((input.x + 3 + app.input.chars().count() as u16, input.y + 1));
    status_bar(frame, status_lines, status);
}

fn room_list(frame: &mut Frame, app: &App, area: Rect) {
    let width = area.width.saturating_sub(4) as usize;
    let me = app.me.as_ref().map(|u| u.id).unwrap_or_default();
    let items: Vec<ListItem> = app
        .rooms
        .iter()
        .map(|room| {
            let other = room.other(me);
            let online = app.online.contains(&other.id);
            let dot = Span::styled(
                if online { "● " } else { "○ " },
                Style::new().fg(if online {
                    Color::Green
                } else {
                    Color::DarkGray
                }),
            );
            let role = app.other_role(room);
            let name = if room.has_participant(me) {
                other.display_name()
            } else {
                format!(
                    "{} / {}",
                    room.participant1.first_name, room.participant2.first_name
                )
            };
            let badge = if room.unread_count > 0 {
                format!(" [{}]", room.unread_count)
            } else {
                String::new()
            };
            let first = vec![
                dot,
                Span::styled(
                    truncate(&name, width.saturating_sub(2 + badge.chars().count())),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::styled(
                    badge,
                    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                ),
            ];
            let role = if role.is_empty() {
                String::new()
            } else {
                format!("{role} ")
            };
            let tag = format!("  {} {role}", short_tag(room.room_type));
            let preview = room.last_message_content.clone().unwrap_or_default();
            let second = Line::from(vec![
                Span::styled(tag.clone(), Style::new().fg(Color::Cyan)),
                Span::raw(truncate(
                    &preview,
                    width.saturating_sub(tag.chars().count()),
                )),
            ]);
            ListItem::new(vec![Line::from(first), second])
        })
        .collect();
    let mut state = ListState::default();
    if !app.rooms.is_empty() {
        state.select(Some(app.selected));
    }
    let list = List::new(items)
        .block(Block::bordered().title(format!(" rooms ({}) ", app.rooms.len())))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, area, &mut state);
}

/// Breaks `text` into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let chars: Vec<char> = paragraph.chars().collect();
        if chars.is_empty() {
            out.push(String::new());
        }
        for chunk in chars.chunks(width) {
            out.push(chunk.iter().collect());
        }
    }
    out
}

fn message_pane(frame: &mut Frame, app: &App, area: Rect) {
    let Some(room) = app.current_room() else {
        let hint =
            Paragraph::new("No room yet. Open one with /new EMAIL, or wait for someone to write.")
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" messages "));
        frame.render_widget(hint, area);
        return;
    };
    let me = app.me.as_ref().map(|u| u.id).unwrap_or_default();
    let inner_width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let empty = Vec::new();
    let messages = app.messages.get(&room.id).unwrap_or(&empty);
    if app.loading_older.contains(&room.id) {
        lines.push(Line::from(Span::styled(
            "loading older messages…",
            Style::new().fg(Color::DarkGray),
        )));
    }
    for m in messages {
        let time = m
            .created_at
            .with_timezone(&Local)
            .format("%H:%M")
            .to_string();
        let own = m.sender_id == me;
        let name = if own {
            "you".to_string()
        } else {
            m.sender.first_name.clone()
        };
        let mut tail = String::new();
        if m.is_edited {
            tail.push_str(" (edited)");
        }
        if own {
            tail.push_str(match m.status {
                MessageStatus::Sent => " ✓",
                MessageStatus::Delivered => " ✓✓",
                MessageStatus::Read => " ✓✓ read",
            });
        }
        let body = match (&m.file_name, m.content.is_empty()) {
            (Some(file), true) => format!("[file] {file}"),
            (Some(file), false) => format!("{} [file] {file}", m.content),
            (None, _) => m.content.clone(),
        };
        let head = format!("{time} {name}: ");
        let text = format!("{head}{body}{tail}");
        for (i, line) in wrap(&text, inner_width).into_iter().enumerate() {
            if i == 0 && line.len() >= head.len() {
                let (h, rest) = line.split_at(head.len().min(line.len()));
                let color = if own { Color::Blue } else { Color::Magenta };
                lines.push(Line::from(vec![
                    Span::styled(h.to_string(), Style::new().fg(color)),
                    Span::raw(rest.to_string()),
                ]));
            } else {
                lines.push(Line::from(line));
            }
        }
    }
    let typists = app.typists();
    let typing_line = if typists.is_empty() {
        None
    } else {
        Some(Line::from(Span::styled(
            format!("{} is typing…", typists.join(", ")),
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
        )))
    };
    let height = area.height.saturating_sub(2) as usize
        - usize::from(typing_line.is_some()).min(area.height.saturating_sub(2) as usize);
    let end = lines.len().saturating_sub(app.scroll.min(lines.len()));
    let start = end.saturating_sub(height);
    let mut visible: Vec<Line> = lines[start..end].to_vec();
    if let Some(t) = typing_line {
        while visible.len() < height {
            visible.insert(0, Line::from(""));
        }
        visible.push(t);
    }
    let other = room.other(me).display_name();
    let title = format!(" {} · {} ", other, type_tag(room.room_type));
    frame.render_widget(
        Paragraph::new(visible).block(Block::bordered().title(title)),
        area,
    );
}

/// The status line's text, wrapped to the terminal's width.
fn status_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let who = app
        .me
        .as_ref()
        .map(|u| {
            let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
            format!("{} ({})", u.email, roles.join(","))
        })
        .unwrap_or_default();
    let (link, color) = match &app.link {
        Link::Online => ("● connected".to_string(), Color::Green),
        Link::Connecting => ("○ connecting…".to_string(), Color::Yellow),
        Link::Reconnecting { attempt, in_secs } => (
            format!("○ reconnecting… (attempt {attempt}, next in {in_secs}s)"),
            Color::Red,
        ),
    };
    let mut pieces = vec![
        (link, Style::new().fg(color)),
        (format!(" {who}  {}", app.server), Style::new()),
    ];
    if let Some(status) = &app.status {
        pieces.push((status.clone(), Style::new().fg(Color::Yellow)));
    }
    wrap::spans(&pieces, width as usize)
}

/// Splits off the bottom rows the status line needs (at most three).
fn with_status(app: &App, area: Rect) -> (Rect, Rect, Vec<Line<'static>>) {
    let lines = status_lines(app, area.width);
    let height = (lines.len() as u16).clamp(1, 3);
    let [main, status] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(height)]).areas(area);
    (main, status, lines)
}

fn status_bar(frame: &mut Frame, lines: Vec<Line<'static>>, area: Rect) {
    frame.render_widget(Paragraph::new(lines), area);
}

/// Width of the help box's key column.
const KEY_COLUMN: usize = 22;

fn help(frame: &mut Frame) {
    let width = frame.area().width.min(78);
    let text_width = (width as usize).saturating_sub(KEY_COLUMN + 2);
    let mut lines: Vec<Line> = Vec::new();
    for (key, what) in HELP {
        for (i, part) in wrap::text(what, text_width).into_iter().enumerate() {
            let key = if i == 0 { *key } else { "" };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{key:<KEY_COLUMN$}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(part),
            ]));
        }
    }
    let area = centered(frame.area(), width, (lines.len() + 2) as u16);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .borders(Borders::ALL)
                .title(" keys and commands (any key closes) "),
        ),
        area,
    );
}

fn queue(frame: &mut Frame, app: &App) {
    let (main, status, status_lines) = with_status(app, frame.area());
    let now = Utc::now();
    let items: Vec<ListItem> = app
        .queue
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
                Span::raw(truncate(&w.preview, main.width.saturating_sub(45) as usize)),
            ]))
        })
        .collect();
    let mut state = ListState::default();
    if !app.queue.is_empty() {
        state.select(Some(app.queue_selected));
    }
    let list = List::new(items)
        .block(Block::bordered().title(format!(
            " support queue: {} waiting, oldest first (Enter opens, r refreshes, Esc back) ",
            app.queue.len()
        )))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, main, &mut state);
    status_bar(frame, status_lines, status);
}
