//! Dispatch: each command builds its settings and calls a library function.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use tigo_server::Config;

use crate::cli::{AdminArgs, AdminCommand, Cli, Command, LogFormat, ServeArgs};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Admin(args) => admin(args).await,
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
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
    init_logging(args.log_format);
    let mut config = Config::new(args.db.database()?);
    config.pool = args.db.pool();
    config.redis_url = args.redis_url.filter(|u| !u.trim().is_empty());
    config.jwt_secret = args.jwt_secret.filter(|s| !s.is_empty());
    config.token_ttl = args.token_ttl;
    config.cors_origins = args.frontend_url;
    config.allow_registration = !args.disable_registration;
    config.migrate = !args.no_migrate;
    config.shutdown_grace = args.shutdown_grace;
    config.limits.max_message_chars = args.max_message_chars;
    config.limits.max_body_bytes = args.max_payload_bytes;
    config.limits.socket_queue = args.socket_queue.max(16);
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
async fn shutdown_signal() {
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

async fn admin(args: AdminArgs) -> anyhow::Result<ExitCode> {
    init_logging(LogFormat::Text);
    let database = args.db.database()?;
    let store = tigo_server::db::connect(&database, &args.db.pool())
        .await
        .with_context(|| format!("cannot open the database {}", database.redacted()))?;
    match args.command {
        AdminCommand::Migrate => {
            let applied = store.migrate().await.context("running migrations")?;
            if args.json {
                println!("{}", serde_json::json!({ "applied": applied }));
            } else if applied.is_empty() {
                println!("database is up to date");
            } else {
                for version in &applied {
                    println!("applied {version}");
                }
            }
        }
        AdminCommand::CreateUser(user) => {
            store.migrate().await.context("running migrations")?;
            let password = match (user.password, user.password_stdin) {
                (Some(p), _) => p,
                (None, _) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let account = tigo_server::accounts::NewAccount {
                email: user.email,
                password,
                first_name: user.first_name,
                last_name: user.last_name,
                roles: user.roles,
            };
            match tigo_server::accounts::create_user(store.as_ref(), account).await {
                Ok(created) => {
                    if args.json {
                        println!("{}", serde_json::to_string(&created)?);
                    } else {
                        let roles: Vec<&str> = created.roles.iter().map(|r| r.as_str()).collect();
                        println!(
                            "created user {} <{}> roles {}",
                            created.id,
                            created.email,
                            roles.join(",")
                        );
                    }
                }
                Err(err) => {
                    eprintln!("error: {}", err.message());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
