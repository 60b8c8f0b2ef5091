//! What the route tests share: the whole router, in process, without a socket (axum's
//! `oneshot`), on a fresh SQLite database in demo mode, and requests sent the way a
//! browser, our own pages or their script send them.

mod multipart;

pub use multipart::Multipart;

use app::server::clock::{Clock, ClockHand};
use app::server::state::AppState;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::config::{Config, Settings};
use std::path::Path;
use std::time::Duration;
use tower::ServiceExt;

/// The demo password every seeded person has.
pub const PASSWORD: &str = "demo-password-2026";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub settings: Settings,
    dir: tempfile::TempDir,
}

/// The demo app on its own database, with `extra` flags after `--demo`.
pub async fn demo_app(extra: &[&str]) -> TestApp {
    let options = LeptosOptions::builder()
        .output_name("secure-messaging")
        .build();
    demo_app_with(extra, options).await
}

/// The demo app on its own database, with `extra` flags after `--demo`, serving the site
/// `options` describe.
pub async fn demo_app_with(extra: &[&str], options: LeptosOptions) -> TestApp {
    demo_app_at(extra, options, None).await
}

/// The demo app with `extra` flags, going by a clock the test moves: "later" without
/// sleeping.
pub async fn demo_app_with_clock(extra: &[&str]) -> (TestApp, ClockHand) {
    let options = LeptosOptions::builder()
        .output_name("secure-messaging")
        .build();
    let (clock, hand) = Clock::settable(app::server::now_ms());
    (demo_app_at(extra, options, Some(clock)).await, hand)
}

async fn demo_app_at(extra: &[&str], options: LeptosOptions, clock: Option<Clock>) -> TestApp {
    use clap::Parser;
    // Logs (RUST_LOG) go with each test's output, shown when it fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/app.db?mode=rwc", dir.path().display());
    let files = dir.path().join("files");
    let mut args = vec![
        "secure-messaging",
        "--demo",
        "--database-url",
        &url,
        "--attachment-dir",
        files.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let config = Config::parse_from(args);
    let settings = config.settings(([127, 0, 0, 1], 3000).into()).unwrap();
    let mut state = server::build_state(&settings, options).await.unwrap();
    if let Some(clock) = clock {
        state.db = state.db.clone().with_clock(clock);
    }
    let router = server::router(state.clone(), &settings);
    TestApp {
        router,
        state,
        settings,
        dir,
    }
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (invalid UTF-8 replaced).
    pub body: String,
    /// The body as sent.
    pub bytes: Vec<u8>,
}

impl Answer {
    /// A server function's answer, decoded as the browser decodes it (postcard).
    pub fn answered<T: serde::de::DeserializeOwned>(&self) -> T {
        use leptos::server_fn::{codec::PostcardEncoding, Decodes};
        PostcardEncoding::decode(self.bytes.clone().into()).unwrap()
    }

    /// A server function's error, decoded as the browser decodes it.
    pub fn refusal(&self) -> app::error::AppError {
        use leptos::server_fn::error::FromServerFnError;
        app::error::AppError::de(self.bytes.clone().into())
    }

    /// A header's value, or "" when it is missing (or not text).
    pub fn header(&self, name: impl header::AsHeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// The session cookie this answer sets, as `name=value`.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("sm_session="))
            .map(|c| c.split(';').next().unwrap_or("").to_string())
    }
}

impl TestApp {
    /// The same app on `state` (e.g. with other settings), its router built again.
    pub fn with_state(mut self, state: AppState) -> TestApp {
        self.router = server::router(state.clone(), &self.settings);
        self.state = state;
        self
    }

    /// The temporary directory the app keeps its database and files in (`files/`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sends one request. A request that has not been answered in 60 s fails the test
    /// with its method and path, rather than holding the whole run.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let what = format!("{} {}", request.method(), request.uri());
        let answer = async {
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, headers, bytes)
        };
        let (status, headers, bytes) = tokio::time::timeout(Duration::from_secs(60), answer)
            .await
            .unwrap_or_else(|_| panic!("no answer to {what} within 60 s"));
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
            bytes: bytes.to_vec(),
        }
    }

    /// A page, as a browser asks for it.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// A form post made by the sign-in page, as a browser sends it.
    pub async fn post_form(&self, path: &str, form: &str, cookie: Option<&str>) -> Answer {
        self.post_form_from(path, form, cookie, "/sign-in").await
    }

    /// A form post made by our own page at `from`, as a browser sends it.
    pub async fn post_form_from(
        &self,
        path: &str,
        form: &str,
        cookie: Option<&str>,
        from: &str,
    ) -> Answer {
        let mut request = Request::post(path)
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, "http://localhost:3000")
            .header(header::HOST, "localhost:3000")
            .header(header::REFERER, format!("http://localhost:3000{from}"));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_string())).unwrap())
            .await
    }

    /// The sign-in form, posted over a connection from `peer` (a proxy, or the browser
    /// itself), with the `X-Forwarded-For` header a proxy adds when given.
    pub async fn sign_in_from(
        &self,
        peer: &str,
        forwarded_for: Option<&str>,
        email: &str,
        password: &str,
    ) -> Answer {
        let mut request = Request::post("/api/sign_in")
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header(header::ORIGIN, "http://localhost:3000")
            .header(header::HOST, "localhost:3000")
            .header(header::REFERER, "http://localhost:3000/sign-in");
        if let Some(chain) = forwarded_for {
            request = request.header("x-forwarded-for", chain);
        }
        let form = serde_urlencoded::to_string([("email", email), ("password", password)]).unwrap();
        let mut request = request.body(Body::from(form)).unwrap();
        let peer: std::net::IpAddr = peer.parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                peer, 50_000,
            ))));
        self.send(request).await
    }

    /// A server function called as our pages' script (or any script) calls it: same
    /// origin, no `Accept: text/html`, so the answer is the function's own, not a redirect.
    pub async fn call(&self, path: &str, form: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_string())).unwrap())
            .await
    }

    /// A multipart form posted as a script posts it (same origin, no `Accept: text/html`).
    pub async fn call_multipart(
        &self,
        path: &str,
        form: Multipart,
        cookie: Option<&str>,
    ) -> Answer {
        self.send(form.request(Request::post(path), cookie)).await
    }

    /// A multipart form sent by the page's own `fetch`, asking for the answer as `accept`.
    pub async fn call_multipart_accepting(
        &self,
        path: &str,
        form: Multipart,
        cookie: Option<&str>,
        accept: &str,
    ) -> Answer {
        let call = Request::post(path).header(header::ACCEPT, accept);
        self.send(form.request(call, cookie)).await
    }

    /// A multipart form posted by our own page, as a browser sends it (`Accept: text/html`).
    pub async fn post_multipart(
        &self,
        path: &str,
        form: Multipart,
        cookie: Option<&str>,
    ) -> Answer {
        let page = Request::post(path).header(header::ACCEPT, "text/html");
        self.send(form.request(page, cookie)).await
    }

    /// Signs a demo person in and answers their session cookie, as `name=value`.
    pub async fn sign_in(&self, email: &str) -> String {
        let answer = self
            .post_form(
                "/api/sign_in",
                &format!("email={email}&password={PASSWORD}"),
                None,
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::FOUND,
            "sign-in of {email} redirects"
        );
        answer.session_cookie().expect("a session cookie")
    }

    /// One number from the database (`SELECT COUNT(*) …`, or an id).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.db.pool)
            .await
            .unwrap()
    }
}
