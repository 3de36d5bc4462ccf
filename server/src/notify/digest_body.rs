//! The words of a digest e-mail, as plain text and as HTML (every stored text escaped: a
//! message is the sender's words, never markup).

use std::fmt::Write;

/// One room as the digest shows it.
pub struct Room<'a> {
    /// Who wrote (the hotel's name for a hotel room seen by the guest).
    pub title: &'a str,
    pub unread: usize,
    /// The last messages, oldest first: (sender's first name, what it says).
    pub last: Vec<(&'a str, String)>,
}

/// `(text, html)`.
pub fn render(rooms: Vec<Room<'_>>, link: &str, unsubscribe: &str) -> (String, String) {
    let mut text = String::from("You have unread messages on Tigo.\n\n");
    let mut html = String::from(
        "<!doctype html><html><body style=\"font-family:sans-serif\">\
         <p>You have unread messages on Tigo.</p>",
    );
    for room in &rooms {
        let count = if room.unread == 1 {
            "1 unread message".to_string()
        } else {
            format!("{} unread messages", room.unread)
        };
        let _ = writeln!(text, "{} ({count})", room.title);
        let _ = write!(
            html,
            "<h3 style=\"margin-bottom:4px\">{} <small>({count})</small></h3><ul>",
            escape(room.title)
        );
        for (sender, said) in &room.last {
            let _ = writeln!(text, "  {sender}: {said}");
            let _ = write!(html, "<li><b>{}</b>: {}</li>", escape(sender), escape(said));
        }
        text.push('\n');
        html.push_str("</ul>");
    }
    let _ = write!(
        text,
        "Open the chat: {link}\n\nTo stop these e-mails: {unsubscribe}\n"
    );
    let _ = write!(
        html,
        "<p><a href=\"{}\">Open the chat</a></p>\
         <p style=\"color:#888;font-size:small\"><a href=\"{}\">Stop these e-mails</a></p>\
         </body></html>",
        escape(link),
        escape(unsubscribe)
    );
    (text, html)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_is_escaped_in_html_and_kept_in_text() {
        let rooms = vec![Room {
            title: "Hotel <Adler>",
            unread: 2,
            last: vec![("Olga", "<script>alert(1)</script> & more".into())],
        }];
        let (text, html) = render(
            rooms,
            "https://tigo.test/chat",
            "https://tigo.test/u?token=x",
        );
        assert!(text.contains("Hotel <Adler> (2 unread messages)"));
        assert!(text.contains("Olga: <script>alert(1)</script> & more"));
        assert!(html.contains("Hotel &lt;Adler&gt;"));
        assert!(!html.contains("<script>"));
    }
}
