//! A last guard on page renders: a page `GET` that has not finished rendering in
//! `RENDER_DEADLINE` answers 503 "Reload the page" and is logged as an error, instead of
//! leaving the person waiting on a page that never comes.
//!
//! Pages are built so that a render is one pass (`app::ui::page`: data made once above
//! its one boundary), which is what keeps Leptos 0.8's server renderer from waiting
//! forever (leptos-rs/leptos#4851, #4866). `scripts/stall_check.py` measures it under
//! load; this guard is for what that cannot foresee. It never renders a page again: a
//! second render would run the page's reads, and audit them, twice.
//!
//! Every page renders fully on the server before it is sent (`SsrMode::Async`), so the
//! body is read here, inside the deadline: a stalled render has sent nothing yet.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::time::Duration;
use tower::ServiceExt;

/// Far beyond a normal render (milliseconds; a second or two on a machine at full load).
const RENDER_DEADLINE: Duration = Duration::from_secs(10);

/// Sends `request` to `pages` (the Leptos routes). A page `GET` gets `RENDER_DEADLINE`;
/// anything else (server functions, form posts) goes through as it came.
pub async fn render(State(pages): State<Router>, request: Request) -> Response {
    if request.method() != Method::GET || request.uri().path().starts_with("/api/") {
        return answer(pages, request).await;
    }
    // The path only: the query may hold search words.
    let path = request.uri().path().to_string();
    match tokio::time::timeout(RENDER_DEADLINE, rendered(pages, request)).await {
        Ok(Ok(response)) | Ok(Err(response)) => response,
        Err(_) => {
            tracing::error!(path, "a page render did not finish in time");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "This page is taking too long to load. Reload the page to try again.",
            )
                .into_response()
        }
    }
}

/// The largest page we render; real ones are tens of kilobytes.
const PAGE_LIMIT: usize = 8 * 1024 * 1024;

/// The whole page: its status and headers come before the body has been made, so the
/// body is read here too, inside the deadline.
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

    /// A renderer whose first `stalls` renders never finish.
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
    async fn a_page_is_rendered_once() {
        let (pages, calls) = renderer(0);
        let response = render(State(pages), get_inbox()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body(response).await, "the page");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_page_says_so_and_is_never_rendered_again() {
        let (pages, calls) = renderer(u32::MAX);
        let response = render(State(pages), get_inbox()).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(body(response).await.contains("Reload the page"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_whose_body_stalls_after_its_headers_says_so() {
        let page = || async {
            let start = futures_util::stream::iter([Ok::<_, std::io::Error>(
                axum::body::Bytes::from_static(b"<html>"),
            )]);
            let never = futures_util::stream::pending();
            Body::from_stream(futures_util::StreamExt::chain(start, never))
        };
        let pages = Router::new().route("/inbox", get(page));
        let response = render(State(pages), get_inbox()).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_post_has_no_deadline_and_is_never_sent_twice() {
        let (pages, calls) = renderer(u32::MAX);
        let request = Request::post("/api/send").body(Body::empty()).unwrap();
        let outcome =
            tokio::time::timeout(RENDER_DEADLINE * 3, render(State(pages), request)).await;
        assert!(
            outcome.is_err(),
            "a post is not cut off by the page deadline"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
