//! The chat screen: the room list on the left, the focused room's messages on the right,
//! the input line under them and the status line at the bottom.

use chrono::Local;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};
use tigo_common::{Message, MessageStatus, ReplyTo, Room, RoomType};
use uuid::Uuid;

use super::{short_tag, status, truncate, wrap};
use crate::tui::app::{App, attachments};

pub(super) fn draw(frame: &mut Frame, app: &App) {
    let (above, status_area, status_lines) = status::split(app, frame.area());
    let [main, input] = Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(above);
    let list_width = (main.width / 3).clamp(24, 36);
    let [rooms_area, messages_area] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(20)]).areas(main);
    room_list(frame, app, rooms_area);
    message_pane(frame, app, messages_area);
    input_line(frame, app, input);
    status::draw(frame, status_lines, status_area);
}

/// The input line after `> `: scrolled sideways to keep the cursor in view, the cursor placed
/// by display columns (a CJK character or an emoji takes two).
fn input_line(frame: &mut Frame, app: &App, area: Rect) {
    let block = Block::bordered().title(" message · /help ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [prompt, text] =
        Layout::horizontal([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new("> "), prompt);
    let input = &app.chat.input;
    // One column stays free for the cursor after the last character.
    let scroll = input.visual_scroll((text.width as usize).saturating_sub(1));
    frame.render_widget(
        Paragraph::new(input.value()).scroll((0, scroll as u16)),
        text,
    );
    let column = (input.visual_cursor().saturating_sub(scroll) as u16).min(text.width);
    frame.set_cursor_position((text.x + column, text.y));
}

fn room_list(frame: &mut Frame, app: &App, area: Rect) {
    let width = area.width.saturating_sub(4) as usize;
    let me = app.me.as_ref().map(|u| u.id).unwrap_or_default();
    let items: Vec<ListItem> = app
        .chat
        .rooms
        .iter()
        .map(|room| {
            let other = room.other(me);
            let online = app.chat.online.contains(&other.id);
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
    if !app.chat.rooms.is_empty() {
        state.select(Some(app.chat.selected));
    }
    let list = List::new(items)
        .block(Block::bordered().title(format!(" rooms ({}) ", app.chat.rooms.len())))
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list, area, &mut state);
}

/// The messages pane title's long form of a type.
fn type_tag(kind: RoomType) -> &'static str {
    match kind {
        RoomType::CustomerHotelOwner => "guest↔hotel",
        RoomType::CustomerAdmin => "guest↔support",
        RoomType::HotelOwnerAdmin => "hotel↔support",
    }
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
    let messages = app.chat.messages.get(&room.id).unwrap_or(&empty);
    if app.chat.loading_older.contains(&room.id) {
        lines.push(Line::from(Span::styled(
            "loading older messages…",
            Style::new().fg(Color::DarkGray),
        )));
    }
    let jump = app
        .chat
        .jump
        .filter(|j| j.room == room.id)
        .map(|j| j.message);
    let mut jump_line = None;
    for m in messages {
        if let Some(quoted) = &m.reply_to {
            let file = messages
                .iter()
                .find(|q| q.id == quoted.id)
                .and_then(|q| q.file_name.as_deref());
            lines.push(quote_line(app, room, quoted, file, inner_width));
        }
        if jump == Some(m.id) {
            jump_line = Some(lines.len());
        }
        let mut text = text_lines(me, m, inner_width);
        if jump == Some(m.id) {
            text = text
                .into_iter()
                .map(|line| line.patch_style(Style::new().add_modifier(Modifier::REVERSED)))
                .collect();
        }
        lines.extend(text);
        if !m.reactions.is_empty() {
            let counts: Vec<String> = m
                .reactions
                .iter()
                .map(|r| format!("{} {}", r.emoji, r.count))
                .collect();
            lines.push(Line::from(Span::styled(
                truncate(&format!("      {}", counts.join("  ")), inner_width),
                Style::new().fg(Color::Yellow),
            )));
        }
    }
    let height = area.height.saturating_sub(2) as usize;
    let visible = window(app, lines, jump_line, height);
    let other = room.other(me).display_name();
    let mut title = format!(" {} · {} ", other, type_tag(room.room_type));
    // More than the two participants: say so, /members names them.
    if room.members.len() > 2 {
        title.push_str(&format!("· {} members ", room.members.len()));
    }
    frame.render_widget(
        Paragraph::new(visible).block(Block::bordered().title(title)),
        area,
    );
}

/// The part of the pane's `lines` that shows in `height` rows: the bottom, scrolled up by
/// the user, or a jumped-to message in the middle; the typing line under it all.
fn window<'a>(
    app: &App,
    lines: Vec<Line<'a>>,
    jump_line: Option<usize>,
    height: usize,
) -> Vec<Line<'a>> {
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
    let height = height - usize::from(typing_line.is_some()).min(height);
    let end = match jump_line {
        // A message jumped to (from search or a report) sits in the middle of the pane.
        Some(line) => (line + height / 2 + 1).clamp(height.min(lines.len()), lines.len()),
        None => lines.len().saturating_sub(app.chat.scroll.min(lines.len())),
    };
    let start = end.saturating_sub(height);
    let mut visible: Vec<Line> = lines[start..end].to_vec();
    if let Some(t) = typing_line {
        while visible.len() < height {
            visible.insert(0, Line::from(""));
        }
        visible.push(t);
    }
    visible
}

/// A message's text wrapped between words to `width`: the time and sender in colour, then
/// the content (or its file), `(edited)` and, for my own, the receipt.
fn text_lines(me: Uuid, m: &Message, width: usize) -> Vec<Line<'static>> {
    let time = m.created_at.with_timezone(&Local).format("%H:%M");
    let own = m.sender_id == me;
    let name = if own { "you" } else { &m.sender.first_name };
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
    let body = match (attachments::label(m), m.content.is_empty()) {
        (Some(file), true) => file,
        (Some(file), false) => format!("{} {file}", m.content),
        (None, _) => m.content.clone(),
    };
    let head = format!("{time} {name}: ");
    let color = if own { Color::Blue } else { Color::Magenta };
    let mut lines = Vec::new();
    for (i, line) in wrap::words(&format!("{head}{body}{tail}"), width)
        .into_iter()
        .enumerate()
    {
        let cut = head.len().min(line.len());
        if i == 0 && line.starts_with(head.trim_end()) && line.is_char_boundary(cut) {
            let (h, rest) = line.split_at(cut);
            lines.push(Line::from(vec![
                Span::styled(h.to_string(), Style::new().fg(color)),
                Span::raw(rest.to_string()),
            ]));
        } else {
            lines.push(Line::from(line));
        }
    }
    lines
}

/// The line above a reply: who wrote the quoted message and what it says now (a file or an
/// image by its caption or name: `[image] IMG_2041.jpg`).
fn quote_line<'a>(
    app: &App,
    room: &Room,
    quoted: &ReplyTo,
    file: Option<&str>,
    width: usize,
) -> Line<'a> {
    let me = app.me.as_ref().map(|u| u.id).unwrap_or_default();
    let who = if quoted.sender_id == me {
        "you".to_string()
    } else if quoted.sender_id == room.participant1_id {
        room.participant1.first_name.clone()
    } else if quoted.sender_id == room.participant2_id {
        room.participant2.first_name.clone()
    } else {
        "someone".into()
    };
    let text = if quoted.deleted {
        "(deleted message)".to_string()
    } else {
        attachments::quoted(quoted.message_type, &quoted.content, file)
    };
    Line::from(Span::styled(
        truncate(&format!("  ↪ {who}: {text}"), width),
        Style::new()
            .fg(Color::DarkGray)
            .add_modifier(Modifier::ITALIC),
    ))
}
