//! Starts the server: `secure-messaging [--demo]`, configured by flags and `SM_*` variables
//! (see README.md). Stops gracefully on SIGTERM or Ctrl-C. `secure-messaging create-admin`
//! makes the first administrator instead.

use clap::Parser;
use server::config::{Command, Config};
use std::net::SocketAddr;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    init_logging(config.log_json);
    let done = match config.command.clone() {
        Some(Command::CreateAdmin { email, name }) => create_admin(&config, &email, &name).await,
        Some(Command::VerifyAudit) => verify_audit(&config).await,
        None => run(config).await,
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            // One line, for the person starting the server.
            eprintln!("secure-messaging: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    // Reads LEPTOS_* variables (LEPTOS_SITE_ADDR and friends) over Cargo.toml's settings.
    let leptos =
        leptos::config::get_configuration(None).map_err(|e| format!("Leptos settings: {e}"))?;
    let options = leptos.leptos_options;
    server::static_files::check_site(&options)?;
    let addr = options.site_addr;
    let settings = config.settings(addr).map_err(|e| e.to_string())?;

    let state = server::build_state(&settings, options)
        .await
        .map_err(|e| e.to_string())?;
    server::spawn_session_cleanup(&state);
    server::spawn_overdue_job(&state);
    server::spawn_audit_sealer(&state);
    server::spawn_stale_draft_cleanup(&state);
    server::spawn_attachment_check(&state);
    server::spawn_new_message_emails(&state);
    match settings.mail.mailer.clone() {
        Some(mailer) => server::spawn_mail_worker(&state, mailer),
        None => tracing::info!("no SM_SMTP_URL: emails wait in the outbox, shown at /demo/mail"),
    }
    let app = server::router(state.clone(), &settings);

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(%addr, demo = settings.demo, "listening");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    // In-flight requests are done; close the database cleanly (SQLite checkpoints its WAL).
    state.db.pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `create-admin`: the first administrator, with a password from standard input.
async fn create_admin(config: &Config, email: &str, name: &str) -> Result<(), String> {
    use app::server::db::Db;
    use std::io::{BufRead, IsTerminal};
    config.database_transport().map_err(|e| e.to_string())?;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {email}: "))
            .map_err(|e| format!("could not read the password: {e}"))?;
        let again = rpassword::prompt_password("The same password again: ")
            .map_err(|e| format!("could not read the password: {e}"))?;
        if first != again {
            return Err("the passwords don't match; nothing was created".to_string());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("could not read the password: {e}"))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    let range = config.pwned_range().map_err(|e| e.to_string())?;
    if let Some(problem) =
        app::server::common_passwords::breached_problem(range.as_ref(), &password).await
    {
        return Err(problem);
    }
    let db = Db::connect_with(&config.database_url, 2, config.sqlite_synchronous)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let created = app::server::bootstrap::create_administrator(&db, email, name, &password).await;
    db.pool.close().await;
    match created {
        Ok(id) => {
            println!("Created administrator {email} (user {id}). Sign in to set up two-step verification.");
            Ok(())
        }
        Err(app::error::AppError::Invalid { fields }) => {
            Err(fields.into_values().collect::<Vec<_>>().join(" "))
        }
        Err(error) => Err(error.to_string()),
    }
}

/// `verify-audit`: seals what is pending, then checks every seal.
async fn verify_audit(config: &Config) -> Result<(), String> {
    use app::server::audit_chain::AuditChain;
    use app::server::db::Db;
    config.database_transport().map_err(|e| e.to_string())?;
    let key = config.audit_key().map_err(|e| e.to_string())?;
    let db = Db::connect_with(&config.database_url, 2, config.sqlite_synchronous)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    let checked = AuditChain::new(key).check(&db).await;
    db.pool.close().await;
    let report = checked
        .map_err(|e| format!("could not read the audit trail: {e}"))?
        .report;
    let through = match report.through {
        Some((id, at)) => format!(
            " through event {id} ({})",
            app::server::clock::date_time(at, "UTC")
        ),
        None => String::new(),
    };
    match report.broken {
        None => {
            println!("Audit chain verified: {} events{through}.", report.verified);
            Ok(())
        }
        Some(broken) => Err(format!(
            "the audit chain is broken: {broken} ({} events verified before it{through})",
            report.verified
        )),
    }
}

fn init_logging(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
