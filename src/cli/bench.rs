//! `tigo-chat bench`: the load generator's options (they go before or after the mode).

use std::time::Duration;

use clap::{Args, Subcommand};

use super::{DbArgs, parse_header};
use crate::duration;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples (the bench makes its own users and rooms when given the server's database settings):\n  DATABASE_URL=postgres://… JWT_SECRET=… tigo-chat bench --url http://127.0.0.1:3000 closed-loop --senders 10 --rooms 5 --messages 2000\n  tigo-chat bench open-loop --users 200 --rooms 100 --rate 11000 --duration 60s --size 100\n  tigo-chat bench connections --count 19000 --source-addrs 127.0.0.2-127.0.0.20 --server-pid $(pidof tigo-chat) --hold 30s\n  tigo-chat bench --users users.txt closed-loop   # users.txt: email:password per line"
)]
pub struct BenchArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The server.
    #[arg(
        long,
        env = "TIGO_URL",
        default_value = "http://127.0.0.1:3000",
        global = true,
        value_parser = super::parse_url
    )]
    pub url: String,
    /// Users to run as, `email:password` per line (else made in the database).
    #[arg(long = "users-file", alias = "users-from", global = true)]
    pub users_file: Option<std::path::PathBuf>,
    /// The server's JWT secret, to mint tokens for users made in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,
    /// Give up after this long.
    #[arg(long, default_value = "120s", value_parser = duration::parse, global = true)]
    pub timeout: Duration,
    /// One JSON object instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not migrate the database before making users in it (an earlier build's database,
    /// compared against this one, keeps its own schema).
    #[arg(long, env = "NO_MIGRATE", value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub no_migrate: bool,
    #[command(subcommand)]
    pub mode: BenchMode,
}

#[derive(Debug, Subcommand)]
pub enum BenchMode {
    /// One message in flight per sender (the next goes on message_sent), one receiver per room.
    ClosedLoop {
        #[arg(long, default_value_t = 10)]
        senders: usize,
        #[arg(long, default_value_t = 5)]
        rooms: usize,
        #[arg(long, default_value_t = 2000)]
        messages: u64,
        /// Members of each room: its two participants and companions who receive too (made
        /// in the database; not with --users-file).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(2..=100))]
        members: u64,
    },
    /// A fixed send rate whatever the server's pace; latency from each scheduled send time.
    OpenLoop {
        /// Connections in all: half send, half receive.
        #[arg(long, default_value_t = 200)]
        users: usize,
        #[arg(long, default_value_t = 100)]
        rooms: usize,
        /// Messages per second, all senders together.
        #[arg(long, default_value_t = 1000.0)]
        rate: f64,
        #[arg(long, default_value = "10s", value_parser = duration::parse)]
        duration: Duration,
        /// Content bytes per message.
        #[arg(long, default_value_t = 100)]
        size: usize,
    },
    /// Search latency: fills the database to --fill messages (kept for later runs), then
    /// times typical searches as an Admin and as a guest.
    Search {
        /// Messages to have stored before timing.
        #[arg(long, default_value_t = 1_000_000)]
        fill: u64,
        #[arg(long, default_value_t = 500)]
        rooms: usize,
        /// Timed requests per query and caller.
        #[arg(long, default_value_t = 50)]
        repeat: usize,
    },
    /// Only make (or reuse) the rooms and print them as JSON (`id`, `sender_token`,
    /// `receiver_token`), for another load generator such as scripts/nodeclient.
    Rooms {
        #[arg(long, default_value_t = 5)]
        rooms: usize,
    },
    /// Idle authenticated connections, held until --hold passes or Ctrl-C.
    Connections {
        #[arg(long)]
        count: usize,
        /// Distinct users to connect as.
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Local addresses to connect from, e.g. 127.0.0.2-127.0.0.20 (past one address's ports).
        #[arg(long)]
        source_addrs: Option<String>,
        #[arg(long, value_parser = duration::parse)]
        hold: Option<Duration>,
        /// A header for every upgrade request, `Name: value` (repeatable), e.g. a browser's
        /// cookie and user agent, to measure what a real client's request head costs.
        #[arg(long = "header", value_parser = parse_header)]
        headers: Vec<(String, String)>,
        /// The server's pid, to report its memory per connection (same machine).
        #[arg(long)]
        server_pid: Option<u32>,
    },
}
