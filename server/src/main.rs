//! Starts the server: `secure-messaging [--demo]`, configured by flags and `SM_*` variables
//! (see README.md). Stops gracefully on SIGTERM or Ctrl-C.

use clap::Parser;
use server::config::Config;
use std::net::SocketAddr;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    init_logging(config.log_json);
    match run(config).await {
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
    server::spawn_attachment_check(&state);
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
