//! A page render that stalls is rendered again.
//!
//! Leptos 0.8's server renderer can, rarely and under load, leave a page waiting forever for
//! a `<Suspense>` whose data has in fact arrived: a lost wake-up between the resource and
//! the boundary (leptos-rs/leptos#4851, #4673, #4698; 0.8.23 fixed one path, not all). Our
//! route tests showed it on about one page load in two hundred with both cores busy: the
//! request never answers and uses no CPU.
//!
//! Every page renders fully on the server before it is sent (`SsrMode::Async`), and this
//! reads the whole body before sending anything, so a stalled render has sent nothing yet;
//! and a page `GET` only reads: rendering it again is safe. A render gets `RENDER_DEADLINE`;
//! a stalled one is dropped (its reactive owner with it) and the page is rendered afresh,
//! up to `ATTEMPTS` times. This wraps the renderer only:
//! sign-in checks, audit of refused pages and the session run once, outside it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::time::Duration;
use tower::ServiceExt;

/// Far beyond a normal render (milliseconds; seconds on a machine at full load).
const RENDER_DEADLINE: Duration = Duration::from_secs(4);

/// Renders of one page before giving up.
const ATTEMPTS: u32 = 3;

/// Sends `request` to `pages` (the Leptos routes), rendering a page `GET` again when it
/// stalls. Anything else (server functions, form posts) goes through once, as it came.
pub async fn render(State(pages): State<Router>, request: Request) -> Response {
    if request.method() != Method::GET || request.uri().path().starts_with("/api/") {
        return answer(pages, request).await;
    }
    let (parts, _body) = request.into_parts();
    for attempt in 1..=ATTEMPTS {
        let mut again = Request::new(Body::empty());
        *again.method_mut() = parts.method.clone();
        *again.uri_mut() = parts.uri.clone();
        *again.version_mut() = parts.version;
        *again.headers_mut() = parts.headers.clone();
        *again.extensions_mut() = parts.extensions.clone();
        match tokio::time::timeout(RENDER_DEADLINE, rendered(pages.clone(), again)).await {
            Ok(Ok(response)) => return response,
            Ok(Err(too_large)) => return too_large,
            // The path only: the query may hold search words.
            Err(_) => tracing::warn!(
                path = parts.uri.path(),
                attempt,
                "a page render stalled; rendering it again"
            ),
        }
    }
    tracing::error!(path = parts.uri.path(), "a page render stalled every time");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "This page is taking too long to load. Reload the page to try again.",
    )
        .into_response()
}

/// The largest page we render; real ones are tens of kilobytes.
const PAGE_LIMIT: usize = 8 * 1024 * 1024;

/// The whole page: its status and headers come before the body has been made, so the
/// body is read here too, inside the deadline (the stall shows as a body that never ends).
async fn rendered(pages: Router, request: Request) -> Result<Response, Response> {
    let (parts, body) = answer(pages, request).await.into_parts();
    match axum::body::to_bytes(body, PAGE_LIMIT).await {
        Ok(bytes) => Ok(Response::from_parts(parts, Body::from(bytes))),
        Err(cause) => {
            tracing::error!(%cause, "a page could not be rendered");
            Err(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

async fn answer(pages: Router, request: Request) -> Response {
    match pages.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// A renderer whose first `stalls` renders never finish, like the Leptos stall.
    fn renderer(stalls: u32) -> (Router, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let counted = calls.clone();
        let page = move || {
            let calls = counted.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) < stalls {
                    std::future::pending::<()>().await;
                }
                "the page"
            }
        };
        let pages = Router::new()
            .route("/inbox", get(page.clone()))
            .route("/api/send", post(page));
        (pages, calls)
    }

    async fn body(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        String::from_utf8_lossy(&bytes).to_string()
    }

    fn get_inbox() -> Request {
        Request::get("/inbox").body(Body::empty()).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_page_is_rendered_again() {
        let (pages, calls) = renderer(2);
        let response = render(State(pages), get_inbox()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body(response).await, "the page");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_whose_body_stalls_after_its_headers_is_rendered_again() {
        let calls = Arc::new(AtomicU32::new(0));
        let counted = calls.clone();
        let page = move || {
            let calls = counted.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    let start = futures_util::stream::iter([Ok::<_, std::io::Error>(
                        axum::body::Bytes::from_static(b"<html>"),
                    )]);
                    let never = futures_util::stream::pending();
                    Body::from_stream(futures_util::StreamExt::chain(start, never))
                } else {
                    Body::from("the page")
                }
            }
        };
        let pages = Router::new().route("/inbox", get(page));
        let response = render(State(pages), get_inbox()).await;
        assert_eq!(body(response).await, "the page");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_always_stalls_says_so_instead_of_hanging() {
        let (pages, calls) = renderer(u32::MAX);
        let response = render(State(pages), get_inbox()).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(body(response).await.contains("Reload the page"));
        assert_eq!(calls.load(Ordering::SeqCst), ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_post_is_never_sent_twice() {
        let (pages, calls) = renderer(u32::MAX);
        let request = Request::post("/api/send").body(Body::empty()).unwrap();
        let outcome = tokio::time::timeout(
            RENDER_DEADLINE * (ATTEMPTS + 1),
            render(State(pages), request),
        )
        .await;
        assert!(
            outcome.is_err(),
            "a stalled post is not answered by a retry"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
