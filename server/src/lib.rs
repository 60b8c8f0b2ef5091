//! The Secure Messaging server: configuration, the router with its security layers, and
//! start-up. `main.rs` only parses flags and runs `serve`; tests build the same router.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod attachments;
pub mod body_limit;
pub mod client_address;
pub mod config;
pub mod cookies;
pub mod gate;
pub mod live_events;
pub mod page_deadline;
pub mod posted_errors;
pub mod request_timeout;
pub mod security;
pub mod session_cookie;
pub mod single_sign_on;
pub mod static_files;

use app::attachments::ssr::scan::{ScanDirectory, Scanning};
use app::attachments::ssr::storage::AttachmentStore;
use app::server::db::Db;
use app::server::session_store::DbSessionStore;
use app::server::state::{AppConfig, AppState};
use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use config::Settings;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{
    file_and_error_handler_with_context, generate_route_list, AxumRouteListing, LeptosRoutes,
};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::{time::Duration as CookieDuration, Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session cookie's name over plain http (a demo on this machine).
pub const SESSION_COOKIE: &str = "sm_session";

/// The session cookie's name: with the `__Host-` prefix wherever it is `Secure`, so the
/// browser takes it only from this host, over https, for every path (no subdomain or
/// other site can set or shadow it).
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-sm_session"
    } else {
        SESSION_COOKIE
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] app::server::db::DbError),
    #[error("could not seed the demo data: {0}")]
    Demo(app::error::AppError),
    #[error(transparent)]
    Attachments(#[from] app::attachments::ssr::storage::StorageError),
    #[error("virus scanning directory {0}: {1}")]
    ScanDirectory(String, std::io::Error),
    #[error("{0}")]
    CommonPasswords(&'static str),
}

/// Opens the database, brings its schema up to date and, in demo mode, seeds it.
pub async fn build_state(
    settings: &Settings,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartError> {
    if let app::server::db::Transport::Plain { host } = &settings.database_transport {
        tracing::warn!(
            %host,
            "SM_DATABASE_ALLOW_PLAINTEXT is set: messages travel to PostgreSQL unencrypted; \
             use sslmode=verify-full unless this network is private and trusted"
        );
    }
    if let Some(host) = &settings.mail.plain_text_host {
        tracing::warn!(
            %host,
            "SM_SMTP_ALLOW_PLAINTEXT is set: emails with set-up and reset links travel to the \
             SMTP server unencrypted; use smtps:// or ?tls=required unless this network is \
             private and trusted"
        );
    }
    let common = app::server::common_passwords::load().map_err(StartError::CommonPasswords)?;
    tracing::debug!(
        passwords = common.len(),
        "loaded the list of common passwords"
    );
    let db = Db::connect_with(
        &settings.database_url,
        settings.database_max_connections,
        settings.sqlite_sync,
    )
    .await?;
    db.migrate().await?;
    if settings.demo
        && app::server::demo::seed_if_empty(&db.pool)
            .await
            .map_err(StartError::Demo)?
    {
        tracing::info!("seeded the demo data");
    }
    let events = app::server::events::EventHub::new(db.clone());
    events.listen(&settings.database_url);
    let attachments = AttachmentStore::open(
        &settings.attachments.storage,
        settings.attachments.master_key.clone(),
    )?;
    let scanner = scanning(&settings.attachments)?;
    Ok(AppState {
        attachments,
        scanner,
        db,
        config: Arc::new(AppConfig {
            demo: settings.demo,
            require_mfa: settings.require_mfa,
            session_limits: settings.session_limits,
            pwned_range: settings.pwned_range.clone(),
            public_url: settings.mail.public_url.clone(),
            sso: settings.sso.clone(),
            passkeys: app::passkeys::ssr::relying_party(&settings.mail.public_url.link(""))
                .map(Arc::new),
        }),
        mfa_key: settings.mfa_key.clone(),
        audit_chain: app::server::audit_chain::AuditChain::new(settings.audit_key.clone()),
        leptos_options,
        events,
    })
}

/// The scanner with its private directory made ready; without a scanner, only what a
/// former run left in that directory is removed.
fn scanning(settings: &config::AttachmentSettings) -> Result<Option<Scanning>, StartError> {
    let directory = &settings.scan_directory;
    let failed = |error| StartError::ScanDirectory(directory.display().to_string(), error);
    match &settings.scanner {
        Some(scanner) => Ok(Some(Scanning {
            scanner: scanner.clone(),
            directory: ScanDirectory::prepare(directory).map_err(failed)?,
        })),
        None => {
            ScanDirectory::clear_leftovers(directory).map_err(failed)?;
            Ok(None)
        }
    }
}

/// Gives the Leptos renderer this response's CSP nonce, so the hydration scripts carry it.
fn leptos_context() {
    use leptos::prelude::use_context;
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<security::CspNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// The app's page routes, found once per process. Finding them runs the app with data
/// loading switched off, and Leptos switches it off for the whole process: a page whose data
/// started loading meanwhile would wait forever (leptos-rs/leptos#4773). Found once, before
/// the first router exists, that cannot meet a page render.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole application: pages, server functions, static files and health checks, inside
/// the security layers.
/// CSP `form-action` sources besides the site: the single sign-on provider's origin.
fn form_targets(settings: &Settings) -> security::FormTargets {
    let origin = settings.sso.as_ref().and_then(|sso| {
        let (scheme, rest) = sso.issuer.split_once("://")?;
        let host = rest.split('/').next()?;
        // Only characters an origin has: nothing that could end the directive.
        host.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            .then(|| format!(" {scheme}://{host}"))
    });
    security::FormTargets(origin.unwrap_or_default().into())
}

pub fn router(state: AppState, settings: &Settings) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = page_routes();
    let store = DbSessionStore::new(state.db.pool.clone());
    let key = Key::try_from(settings.session_key.as_slice()).unwrap_or_else(|_| Key::generate());
    let sessions = SessionManagerLayer::new(store)
        .with_name(session_cookie_name(settings.secure_cookies))
        .with_http_only(true)
        // Strict: no request from another site carries the session, not even a link.
        .with_same_site(SameSite::Strict)
        .with_secure(settings.secure_cookies)
        // The stored session outlives every request by the absolute limit; the idle and
        // absolute limits themselves are the gate's (`account::session_time`), which counts
        // only what the person does. Saved on every request so the stored expiry follows
        // (the store writes the row only when the session changed or its expiry moved a
        // minute or more).
        .with_expiry(Expiry::OnInactivity(CookieDuration::milliseconds(
            settings.session_limits.max_ms,
        )))
        .with_always_save(true)
        .with_signed(key);

    let shell_options = leptos_options.clone();
    let renderer = Router::new()
        .leptos_routes_with_context(&state, routes, leptos_context, move || {
            shell(shell_options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            leptos_context,
            shell,
        ))
        .with_state(state.clone());
    let live = Router::new()
        .route("/events", get(live_events::events))
        .with_state(state.clone());
    let files = attachments::routes(state.clone());
    let single_sign_on = single_sign_on::routes(state.clone());
    let pages = Router::new()
        .fallback(page_deadline::render)
        .with_state(renderer)
        .merge(live)
        .merge(files)
        .merge(single_sign_on)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::gate,
        ))
        // Inside the sessions, whose session it keeps refused posts' errors in.
        .layer(axum::middleware::from_fn(posted_errors::layer))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            session_cookie_name(settings.secure_cookies),
            session_cookie::layer,
        ));

    let assets_dir = format!("{}/assets", leptos_options.site_root);
    let open = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest_service("/pkg", static_files::pkg_service(&leptos_options))
        .nest_service("/assets", ServeDir::new(assets_dir))
        .with_state(state);

    let proxies = Arc::new(settings.trusted_proxies.clone());
    open.merge(pages)
        .layer(axum::middleware::from_fn(body_limit::limit))
        // Outside the body limit, so a body sent slowly is stopped too.
        .layer(axum::middleware::from_fn_with_state(
            settings.request_timeouts,
            request_timeout::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            proxies,
            client_address::layer,
        ))
        // Inside the security headers, so the answer to a panic carries them too.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(security::server_function_status))
        .layer(axum::middleware::from_fn(security::refuse_cross_origin))
        .layer(axum::middleware::from_fn_with_state(
            form_targets(settings),
            security::headers,
        ))
        // Outside `server_function_status`, which reads the error bodies it is given.
        .layer(static_files::compression())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outermost: a request id the client sent is dropped, so every id in the log and
        // the answers is one the server made (a client could otherwise write into the log,
        // or make two requests look like one).
        .layer(axum::middleware::from_fn(drop_client_request_id))
}

async fn drop_client_request_id(mut request: Request, next: axum::middleware::Next) -> Response {
    request.headers_mut().remove("x-request-id");
    next.run(request).await
}

/// The log span of a request: its id, method and path. Never the query string, headers or
/// body, which may hold cookies, tokens or health information.
fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-")
        .to_string();
    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
}

/// A panic in a handler: a plain sentence and a reference, the cause only in the log.
fn panic_response(_cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let error = app::error::AppError::internal("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from(error.to_string()),
    )
        .into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.is_ready().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// The start-up check of attachments: logs stored files that no row names and rows whose
/// file is missing. It only reports; see `find_orphans`.
pub fn spawn_attachment_check(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        match app::attachments::ssr::records::find_orphans(&state.db, &state.attachments).await {
            Ok(report) => {
                for id in &report.files_without_row {
                    tracing::warn!(attachment = %id, "stored attachment file has no database row");
                }
                for id in &report.rows_without_file {
                    tracing::error!(attachment = %id, "attachment row has no stored file");
                }
                tracing::info!(
                    files_without_row = report.files_without_row.len(),
                    rows_without_file = report.rows_without_file.len(),
                    "checked attachment storage"
                );
            }
            Err(error) => tracing::warn!(%error, "could not check attachment storage"),
        }
    });
}

/// Removes expired sessions now and then (tower-sessions leaves that to the store).
pub fn spawn_session_cleanup(state: &AppState) {
    let store = DbSessionStore::new(state.db.pool.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match store.delete_expired().await {
                Ok(removed) if removed > 0 => tracing::info!(removed, "removed expired sessions"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not remove expired sessions"),
            }
        }
    });
}

/// How often new audit events are sealed, and how often the whole chain is checked again.
const AUDIT_SEAL_EVERY: Duration = Duration::from_secs(2);
const AUDIT_CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// The audit chain's sealer: seals new events every few seconds and checks the new seals,
/// and walks the whole chain at start and every quarter hour; the audit log page shows the
/// latest result, and a break is logged as an error. On PostgreSQL every process runs one;
/// they take turns sealing.
pub fn spawn_audit_sealer(state: &AppState) {
    let db = state.db.clone();
    let chain = state.audit_chain.clone();
    tokio::spawn(async move {
        let mut last_check: Option<std::time::Instant> = None;
        let mut tick = tokio::time::interval(AUDIT_SEAL_EVERY);
        loop {
            tick.tick().await;
            if last_check.is_none_or(|at| at.elapsed() >= AUDIT_CHECK_EVERY) {
                last_check = Some(std::time::Instant::now());
                match chain.check(&db).await {
                    Ok(check) => match check.report.broken {
                        Some(broken) => tracing::error!(%broken, "the audit chain is broken"),
                        None => {
                            tracing::info!(events = check.report.verified, "audit chain verified")
                        }
                    },
                    Err(error) => tracing::warn!(%error, "could not check the audit chain"),
                }
                continue;
            }
            let was_broken = chain
                .last_check()
                .is_some_and(|last| last.report.broken.is_some());
            match chain.seal_and_follow(&db).await {
                Ok(check) => match check.report.broken {
                    Some(broken) if !was_broken => {
                        tracing::error!(%broken, "the audit chain is broken")
                    }
                    _ => {}
                },
                Err(error) => tracing::warn!(%error, "could not seal audit events"),
            }
        }
    });
}

/// The response-target job: gives due times to threads that waited before due
/// times were stored, then every minute marks threads waiting past their due time as
/// overdue and notifies their team's leads once. On PostgreSQL several processes may run
/// it at once: each claims its threads with `FOR UPDATE SKIP LOCKED`.
pub fn spawn_overdue_job(state: &AppState) {
    let db = state.db.clone();
    tokio::spawn(async move {
        match app::team::ssr::backfill_due_times(&db).await {
            Ok(filled) if filled > 0 => tracing::info!(filled, "gave due times to waiting threads"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not fill in due times"),
        }
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match app::team::ssr::mark_overdue(&db, app::server::now_ms()).await {
                Ok(marked) if marked > 0 => tracing::info!(marked, "threads became overdue"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not mark overdue threads"),
            }
        }
    });
}

/// How often the outbox is looked at for emails to send.
const MAIL_EVERY: Duration = Duration::from_secs(5);

/// The email delivery worker: every few seconds sends what the outbox holds that is due,
/// retrying failures with a growing wait. On PostgreSQL every process runs one; each claims
/// its emails with `FOR UPDATE SKIP LOCKED`, so none is sent twice at once.
pub fn spawn_mail_worker(state: &AppState, mailer: app::email::ssr::Mailer) {
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MAIL_EVERY);
        loop {
            tick.tick().await;
            match app::email::ssr::deliver_due(&db, &mailer).await {
                Ok(round) if round != app::email::ssr::Delivered::default() => tracing::info!(
                    sent = round.sent,
                    retrying = round.retrying,
                    failed = round.failed,
                    "delivered emails"
                ),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not deliver emails"),
            }
        }
    });
}

/// How often due new-message notices become emails.
const NOTICES_EVERY: Duration = Duration::from_secs(5);

/// Turns new-message notices into outbox emails when they are due: at once for "Each time",
/// at 7 am for "Once a day"; and care team alerts (urgent language, overdue) at once. Runs
/// with or without an SMTP server (a demo's emails wait at `/demo/mail`). On PostgreSQL every
/// process runs one; each claims its notices with `FOR UPDATE SKIP LOCKED`.
pub fn spawn_new_message_emails(state: &AppState) {
    let db = state.db.clone();
    let site = state.config.public_url.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(NOTICES_EVERY);
        loop {
            tick.tick().await;
            match app::email::ssr::notices::email_due_notices(&db, &site, db.now_ms()).await {
                Ok(written) if written > 0 => tracing::info!(written, "new-message emails queued"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not queue new-message emails"),
            }
            match app::email::ssr::notices::email_team_alerts(&db, &site, db.now_ms()).await {
                Ok(written) if written > 0 => tracing::info!(written, "care team emails queued"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not queue care team emails"),
            }
        }
    });
}

/// Removes drafts nobody touched for 90 days, with their files, at start-up and then once
/// an hour. On PostgreSQL several processes may run it at once: each claims its drafts with
/// `FOR UPDATE SKIP LOCKED`.
pub fn spawn_stale_draft_cleanup(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let now = state.db.now_ms();
            match app::messages::ssr::remove_stale_drafts(&state.db, &state.attachments, now).await
            {
                Ok(removed) if removed > 0 => {
                    tracing::info!(removed, "removed drafts untouched for 90 days")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not remove stale drafts"),
            }
        }
    });
}
