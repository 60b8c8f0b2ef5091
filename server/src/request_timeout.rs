//! How long one request may take before the server gives up on it: a client that sends its
//! body slowly, or a request stuck behind something that never answers, must not hold a
//! connection and its handler forever (ASVS 5.2.x, resource exhaustion). Posts that carry
//! files get longer, since a phone on a slow connection may take minutes to send 10 MB.
//! The live-update stream (`/events`) is meant to stay open and has its own end (it closes
//! within 15 s of its session), so it has none here.
//!
//! The limit covers the request up to its answer's headers; a download's body then streams
//! at the client's pace.

use app::attachments::ssr::form_post::carries_files;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method, StatusCode};
use std::time::Duration;

/// The two limits, from `SM_REQUEST_TIMEOUT_SECONDS` and `SM_UPLOAD_TIMEOUT_SECONDS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTimeouts {
    pub ordinary: Duration,
    pub upload: Duration,
}

impl RequestTimeouts {
    /// The limit for a request, if it has one.
    pub fn for_request(&self, method: &Method, path: &str) -> Option<Duration> {
        if path == "/events" {
            return None;
        }
        let upload = carries_files(path)
            || (method == Method::POST && path.starts_with("/attachments/drafts/"));
        Some(if upload { self.upload } else { self.ordinary })
    }
}

pub async fn limit(
    State(timeouts): State<RequestTimeouts>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limit) = timeouts.for_request(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let wants_html = crate::gate::wants_html(&request);
    // The path only: the query may hold search words.
    let path = request.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                path,
                seconds = limit.as_secs(),
                "a request took too long and was stopped"
            );
            timed_out(wants_html)
        }
    }
}

/// 503: in the server functions' encoding for their client, or a short page for a browser.
fn timed_out(wants_html: bool) -> Response {
    let error = AppError::TimedOut;
    if !wants_html {
        let mut response = crate::gate::server_function_error(error);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, http::HeaderValue::from_static("5"));
        return response;
    }
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>This took too long - Secure Messaging</title></head><body><main>\
         <h1>This took too long</h1><p>{error}</p>\
         <p>Use your browser's Back button to return to the page.</p>\
         </main></body></html>"
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::RETRY_AFTER, "5"),
        ],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_longer_and_live_updates_none() {
        let timeouts = RequestTimeouts {
            ordinary: Duration::from_secs(60),
            upload: Duration::from_secs(300),
        };
        let post = Method::POST;
        let get = Method::GET;
        assert_eq!(timeouts.for_request(&get, "/events"), None);
        assert_eq!(
            timeouts.for_request(&get, "/inbox"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            timeouts.for_request(&post, "/api/send_reply"),
            Some(Duration::from_secs(60))
        );
        for upload in [
            "/api/send_new_message_with_files",
            "/api/team_send_reply_with_files",
            "/api/team_start_message_with_files",
            "/attachments/drafts/7",
        ] {
            assert_eq!(
                timeouts.for_request(&post, upload),
                Some(Duration::from_secs(300)),
                "{upload}"
            );
        }
        assert_eq!(
            timeouts.for_request(&get, "/attachments/drafts/7"),
            Some(Duration::from_secs(60))
        );
    }
}
