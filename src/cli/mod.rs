//! Command-line interface: every flag has an environment variable, named as the seed names
//! them (`DATABASE_URL`, `DB_HOST`, `REDIS_URL`, `JWT_SECRET`, `FRONTEND_URL`…).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::duration;

mod admin;
mod bench;
mod db;
mod files;
mod hotels;
mod notify;
mod read;
mod serve;

pub use self::admin::{
    AdminArgs, AdminCommand, BlocklistCommand, CreateUserArgs, ExportFormat, NotifyCommand,
    RepliesCommand, ReportsCommand, StatsArgs, StatsCommand,
};
pub use self::bench::{BenchArgs, BenchMode};
pub use self::db::DbArgs;
pub use self::files::FilesArgs;
pub use self::hotels::{HotelsCommand, StaffCommand};
pub use self::notify::NotifyArgs;
pub use self::read::parse;
pub use self::serve::{LogFormat, ServeArgs};

#[derive(Debug, Parser)]
#[command(
    name = "tigo-chat",
    version,
    about = "Real-time chat for the Tigo hotel-booking platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: REST API and Socket.IO on one port.
    #[command(
        after_help = "Examples:\n  tigo-chat serve\n  DATABASE_URL=postgres://u:p@127.0.0.1/chat REDIS_URL=redis://127.0.0.1 tigo-chat serve --port 8080"
    )]
    Serve(Box<ServeArgs>),
    /// Operations: migrations, users, rooms, retention, monitoring.
    Admin(Box<AdminArgs>),
    /// Terminal chat client for testers and support staff.
    #[command(
        after_help = "Examples:\n  tigo-chat tui --url http://127.0.0.1:3000\n  echo \"$PW\" | tigo-chat tui --email ops@tigo.dev --password-stdin\n  tigo-chat tui --logout"
    )]
    Tui(TuiArgs),
    /// End-to-end check of a deployment: two users chat over REST and Socket.IO.
    #[command(
        after_help = "Example:\n  tigo-chat smoke --url https://chat.example.com --user-a guest@example.com:pw1 --user-b owner@example.com:pw2 --user-support ops@example.com:pw3"
    )]
    Smoke(SmokeArgs),
    /// Load generator: closed loop, open loop, idle connections.
    Bench(BenchArgs),
    /// Print shell completions.
    #[command(
        after_help = "Example:\n  tigo-chat completions bash > /etc/bash_completion.d/tigo-chat"
    )]
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    /// The server.
    #[arg(long, env = "TIGO_URL", default_value = "http://127.0.0.1:3000", value_parser = parse_url)]
    pub url: String,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, requires = "email", conflicts_with = "token")]
    pub password_stdin: bool,
    /// An access token (from `tigo-chat admin token`, say) instead of a password.
    #[arg(long, env = "TIGO_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Forget the saved session and exit.
    #[arg(long)]
    pub logout: bool,
    /// Do not save the session token to the config directory.
    #[arg(long)]
    pub no_save: bool,
    /// Where to write logs (never to the screen).
    #[arg(long, env = "TIGO_TUI_LOG")]
    pub log_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SmokeArgs {
    /// Base URL of the deployment.
    #[arg(long, env = "TIGO_URL", default_value = "http://127.0.0.1:3000", value_parser = parse_url)]
    pub url: String,
    /// First user, EMAIL:PASSWORD, or EMAIL with the password in --password-a.
    #[arg(long, value_parser = parse_login)]
    pub user_a: (String, Option<String>),
    /// Second user, EMAIL:PASSWORD or EMAIL (roles must fit a room type with the first).
    #[arg(long, value_parser = parse_login)]
    pub user_b: (String, Option<String>),
    /// The first user's password, when --user-a gives only the email. As a flag it shows in
    /// the process list like any argument: set TIGO_SMOKE_PASSWORD_A instead to keep it out.
    #[arg(long, env = "TIGO_SMOKE_PASSWORD_A", hide_env_values = true)]
    pub password_a: Option<String>,
    /// The second user's password, when --user-b gives only the email (as a flag it shows
    /// in the process list: prefer TIGO_SMOKE_PASSWORD_B).
    #[arg(long, env = "TIGO_SMOKE_PASSWORD_B", hide_env_values = true)]
    pub password_b: Option<String>,
    /// An Admin, EMAIL:PASSWORD or EMAIL: the first user also sends a voice message in their
    /// support room with them (voice messages go to support rooms by default).
    #[arg(long, value_parser = parse_login)]
    pub user_support: Option<(String, Option<String>)>,
    /// The support user's password, when --user-support gives only the email (prefer
    /// TIGO_SMOKE_PASSWORD_SUPPORT).
    #[arg(long, env = "TIGO_SMOKE_PASSWORD_SUPPORT", hide_env_values = true)]
    pub password_support: Option<String>,
    /// Seconds to wait for each step.
    #[arg(long, default_value = "5s", value_parser = duration::parse)]
    pub step_timeout: Duration,
    #[arg(long)]
    pub json: bool,
}

pub fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("expected `Name: value`, got {text:?}")),
    }
}

/// `EMAIL:PASSWORD`, or `EMAIL` alone (the password comes from elsewhere).
pub fn parse_login(text: &str) -> Result<(String, Option<String>), String> {
    match text.split_once(':') {
        Some((email, password)) if !email.is_empty() && !password.is_empty() => {
            Ok((email.to_string(), Some(password.to_string())))
        }
        None if !text.is_empty() => Ok((text.to_string(), None)),
        _ => Err("expected EMAIL:PASSWORD or EMAIL".into()),
    }
}

/// A server's base URL; one without a scheme (`127.0.0.1:3000`) is taken as `http://`.
pub fn parse_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let full = if text.contains("://") {
        text.to_string()
    } else {
        format!("http://{text}")
    };
    match url::Url::parse(&full) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(full),
        Ok(_) => Err(format!(
            "expected an http:// or https:// URL such as http://127.0.0.1:3000, got {text:?}"
        )),
        Err(err) => Err(format!(
            "expected a URL such as http://127.0.0.1:3000, got {text:?} ({err})"
        )),
    }
}

/// A parser for an id argument that says what it wants (`a room id (UUID)`) rather than
/// where the text first went wrong.
pub fn uuid_of(
    what: &'static str,
) -> impl Fn(&str) -> Result<uuid::Uuid, String> + Clone + Send + Sync + 'static {
    move |text| {
        uuid::Uuid::parse_str(text.trim())
            .map_err(|_| format!("expected {what} (a UUID such as 0190b6a8-…), got {text:?}"))
    }
}
