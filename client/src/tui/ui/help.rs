//! The help box drawn over the chat screen: every key and slash command, the descriptions
//! wrapped between words so nothing is cut at 80 columns.

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{centered, wrap};
use crate::tui::app::HELP;

/// Width of the help box's key column.
const KEY_COLUMN: usize = 22;

pub(super) fn draw(frame: &mut Frame) {
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
