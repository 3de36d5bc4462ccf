//! Dispatch: each command builds its settings and calls a library function.

use std::process::ExitCode;

use anyhow::Context;
use clap::CommandFactory;
use tigo_server::Config;

use crate::cli::{Cli, Command, LogFormat, ServeArgs, SmokeArgs, TuiArgs};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Admin(args) => {
            init_logging(LogFormat::Text, "warn");
            crate::admin::run(*args).await
        }
        Command::Smoke(args) => smoke(args).await,
        Command::Tui(args) => tui(args).await,
        Command::Bench(args) => {
            init_logging(LogFormat::Text, "warn");
            crate::bench::run(args).await
        }
        Command::Completions { shell } => {
            // Generated whole, then written: a reader that goes away ends it quietly.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "tigo-chat", &mut script);
            let mut out = crate::out::Out::default();
            out.raw(&script);
            out.finish()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn init_logging(format: LogFormat, default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format, "info,sqlx=warn");
    let mut config = Config::new(args.db.database()?);
    config.pool = args.db.pool();
    config.redis_url = args.redis_url.filter(|u| !u.trim().is_empty());
    config.jwt_secret = args.jwt_secret.filter(|s| !s.is_empty());
    config.token_ttl = args.token_ttl;
    config.cors_origins = args.frontend_url;
    config.allow_registration = !args.disable_registration;
    config.migrate = !args.no_migrate;
    config.shutdown_grace = args.shutdown_grace;
    config.session_recovery = args.session_recovery;
    config.search_follow_every =
        (!args.search_follow_every.is_zero()).then_some(args.search_follow_every);
    config.stats_follow_every =
        (!args.stats_follow_every.is_zero()).then_some(args.stats_follow_every);
    config.limits.max_message_chars = args.max_message_chars;
    config.limits.max_body_bytes = args.max_payload_bytes;
    config.limits.socket_queue = args.socket_queue.max(16);
    config.limits.messages_per_second = args.messages_per_second;
    config.limits.message_burst = args.message_burst;
    config.limits.events_per_second = args.events_per_second;
    config.limits.logins_per_minute_per_account = args.logins_per_minute;
    config.limits.logins_per_minute_per_address = args.logins_per_minute_per_address;
    config.limits.connections_per_user = args.connections_per_user;
    config.limits.connections_per_address = args.connections_per_address;
    config.limits.writers = args.writers.clamp(1, 64);
    config.limits.max_rooms_joined = args.max_rooms_joined.max(1);
    config.limits.max_room_members = args.max_room_members.max(2);
    config.limits.max_hotel_staff = args.max_hotel_staff;
    config.files = args.files.config()?;
    config.notify = args.notify.config()?;
    config.safety.masked_types =
        tigo_server::config::SafetyConfig::parse_types(&args.contact_masking)
            .map_err(|e| anyhow::anyhow!("CONTACT_MASKING: {e}"))?;
    config.safety.allowed_link_domains = args.allowed_link_domains;
    config.files.voice_max_duration = args
        .voice_max_duration
        .max(tigo_server::files::VOICE_MIN_DURATION);
    config.files.voice_rooms = tigo_server::config::SafetyConfig::parse_types(&args.voice_messages)
        .map_err(|e| anyhow::anyhow!("VOICE_MESSAGES: {e}"))?;
    tracing::info!(database = %config.database.redacted(), redis = config.redis_url.is_some(), "starting");
    let addr = format!("{}:{}", args.host, args.port);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}; is the port in use? (--port / PORT)"))?;
    let app = tigo_server::Application::build(config, listener).await?;
    app.run(shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = term => tracing::info!("SIGTERM received"),
    }
}

async fn smoke(args: SmokeArgs) -> anyhow::Result<ExitCode> {
    let login = |(email, password): (String, Option<String>),
                 from_env: Option<String>,
                 which: &str| {
        match password.or(from_env) {
            Some(password) => Ok((email, password)),
            None => Err(anyhow::anyhow!(
                "no password for --user-{which}: give EMAIL:PASSWORD, --password-{which} or TIGO_SMOKE_PASSWORD_{}",
                which.to_uppercase()
            )),
        }
    };
    let config = tigo_client::smoke::SmokeConfig {
        url: args.url.clone(),
        user_a: login(args.user_a, args.password_a, "a")?,
        user_b: login(args.user_b, args.password_b, "b")?,
        support: args
            .user_support
            .map(|user| login(user, args.password_support, "support"))
            .transpose()?,
        step_timeout: args.step_timeout,
    };
    let json = args.json;
    if !json {
        crate::out::now(&format!("smoke test of {}\n", args.url));
    }
    let steps = tigo_client::smoke::run(&config, &mut |step| {
        if !json {
            let mark = if step.ok { "ok  " } else { "FAIL" };
            let detail = if step.detail.is_empty() {
                String::new()
            } else {
                format!("  ({})", step.detail)
            };
            crate::out::now(&format!(
                "{mark} {:>8.1} ms  {}{detail}\n",
                step.millis, step.name
            ));
        }
    })
    .await;
    let passed = !steps.is_empty() && steps.iter().all(|s| s.ok);
    if json {
        let report = serde_json::json!({"passed": passed, "steps": steps});
        crate::out::now_exact(&format!("{}\n", serde_json::to_string_pretty(&report)?));
    } else {
        let total: f64 = steps.iter().map(|s| s.millis).sum();
        let verdict = if passed { "all steps passed" } else { "FAILED" };
        crate::out::now(&format!("{verdict} in {total:.1} ms\n"));
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn tui(args: TuiArgs) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    let session_path = tigo_client::tui::session::default_path();
    if args.logout {
        if let Some(path) = &session_path {
            tigo_client::tui::session::forget(path).context("forgetting the saved session")?;
        }
        crate::out::now("logged out\n");
        return Ok(ExitCode::SUCCESS);
    }
    // Logs go to a file: the terminal belongs to the interface.
    let log_path = args.log_file.clone().unwrap_or_else(|| {
        std::env::var_os("XDG_STATE_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/state"))
            })
            .unwrap_or_else(std::env::temp_dir)
            .join("tigo-chat")
            .join("tui.log")
    });
    if let Some(dir) = log_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening the log file {}", log_path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        Some(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        None
    };
    tigo_client::tui::run(tigo_client::tui::TuiOptions {
        url: args.url.trim_end_matches('/').to_string(),
        email: args.email,
        password,
        token: args.token,
        session_path: if args.no_save { None } else { session_path },
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}
