//! `tigo-chat tui`: a ratatui + crossterm chat client over the same REST and Socket.IO API
//! any client uses. [`app`] is the state and its update function, [`ui`] draws it, [`net`]
//! talks to the server (the only side doing I/O), [`event`] types what the server sends;
//! this module owns the terminal and always gives it back intact.

pub mod app;
pub mod event;
pub mod net;
pub mod session;
pub mod ui;

#[cfg(test)]
mod desk_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_attachments;
#[cfg(test)]
mod tests_display;
#[cfg(test)]
mod tests_editing;
#[cfg(test)]
mod tests_members;
#[cfg(test)]
mod tests_messages;
#[cfg(test)]
mod tests_quotes;
#[cfg(test)]
mod tests_reactions;
#[cfg(test)]
mod tests_screen;

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use self::app::{App, Cmd, Msg};
use crate::api::Api;

pub struct TuiOptions {
    pub url: String,
    pub email: Option<String>,
    /// Read from standard input by the caller (`--password-stdin`).
    pub password: Option<String>,
    pub token: Option<String>,
    /// Where the session is saved; `None` keeps nothing on disk.
    pub session_path: Option<PathBuf>,
}

/// Puts the terminal back: raw mode off, main screen, cursor shown.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Runs the client until the user quits.
pub async fn run(options: TuiOptions) -> anyhow::Result<()> {
    let api = Api::new(&options.url)?;
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel();
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let mut net = net::Net::new(api, msg_tx.clone(), options.session_path.clone());

    // Sign in before drawing when we can: a given token, a saved session, or a password.
    let saved = options
        .session_path
        .as_deref()
        .and_then(|p| session::load(p, options.url.trim_end_matches('/')));
    let mut resumed = false;
    for token in options.token.iter().chain(saved.as_ref().map(|s| &s.token)) {
        if net.resume(token).await {
            resumed = true;
            break;
        }
    }
    let email = options.email.clone().or(saved.map(|s| s.email));
    let initial = match (&options.password, &email, resumed) {
        (Some(password), Some(email), false) => Some(Cmd::Login {
            email: email.clone(),
            password: password.clone(),
        }),
        _ => None,
    };

    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    let result = event_loop(
        options.url.clone(),
        email,
        net,
        cmd_tx,
        cmd_rx,
        &mut msg_rx,
        initial,
    )
    .await;
    restore();
    result
}

async fn event_loop(
    url: String,
    email: Option<String>,
    net: net::Net,
    cmd_tx: mpsc::UnboundedSender<Cmd>,
    cmd_rx: mpsc::UnboundedReceiver<Cmd>,
    msg_rx: &mut mpsc::UnboundedReceiver<Msg>,
    initial: Option<Cmd>,
) -> anyhow::Result<()> {
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let mut app = App::new(&url, email);
    if initial.is_some() {
        app.login.logging_in = true;
    }
    let network = tokio::spawn(net::run(net, cmd_rx, initial));
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        terminal.draw(|frame| ui::draw(frame, &app))?;
        let msg = tokio::select! {
            key = keys.next() => match key {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            msg = msg_rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            _ = tick.tick() => Msg::Tick,
        };
        let mut quit = false;
        for cmd in app.update(msg) {
            quit |= matches!(cmd, Cmd::Quit | Cmd::Logout);
            let _ = cmd_tx.send(cmd);
        }
        if quit {
            break;
        }
    }
    drop(cmd_tx);
    let _ = tokio::time::timeout(Duration::from_secs(2), network).await;
    Ok(())
}
