//! How much of a request body the server reads. Server functions read their whole body
//! before they run, so without a limit one request could fill the server's memory. The
//! posts that carry files without the wasm may hold a message's 10 MB of files, the CSV
//! import its 1 MiB file; every other server function takes a form or a few fields.
//!
//! A body that says its length is refused at once. One that does not is read here up to the
//! limit (server functions read it whole anyway) and refused when it passes; the posts with
//! files stream on to their handler, which counts what it reads, behind a cut-off here.

use app::admin::api::AdminPreviewImport;
use app::attachments::ssr::form_post::carries_files;
use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http::{header, StatusCode};
use http_body_util::{BodyExt, LengthLimitError};
use leptos::server_fn::ServerFn;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The posts with files: the 10 MB of files and headroom for the text and the form's
/// framing. The posts' own, lower limit then refuses 10–16 MiB with the text kept.
pub const FILE_POST_LIMIT: usize = 16 * 1024 * 1024;

/// The administrator's CSV import: a file of up to 1 MiB, which the import itself refuses
/// by name past that, and room for the form.
pub const IMPORT_LIMIT: usize = 2 * 1024 * 1024;

/// Every other server function: a message's 10,000 characters and the rest of a form.
pub const API_LIMIT: usize = 64 * 1024;

/// The limit for a request to `path`, if it is a server function's.
pub fn limit_for(path: &str) -> Option<usize> {
    if !path.starts_with("/api/") {
        return None;
    }
    if carries_files(path) {
        Some(FILE_POST_LIMIT)
    } else if path == AdminPreviewImport::PATH {
        Some(IMPORT_LIMIT)
    } else {
        Some(API_LIMIT)
    }
}

pub async fn limit(request: Request, next: Next) -> Response {
    let Some(limit) = limit_for(request.uri().path()) else {
        return next.run(request).await;
    };
    let wants_html = crate::gate::wants_html(&request);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(wants_html);
    }
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, limit);
    if limit == FILE_POST_LIMIT {
        // The handler reads on as the body streams; if the cut-off comes first, it sees a
        // broken stream, and the answer says what really happened.
        let cut_off = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&cut_off);
        let stream = limited.into_data_stream().map(move |chunk| {
            chunk.inspect_err(|cause| {
                if cause.is::<LengthLimitError>() {
                    seen.store(true, Ordering::SeqCst);
                }
            })
        });
        let response = next
            .run(Request::from_parts(parts, Body::from_stream(stream)))
            .await;
        if cut_off.load(Ordering::SeqCst) {
            return too_large(wants_html);
        }
        return response;
    }
    let bytes = match limited.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(cause) if cause.is::<LengthLimitError>() => return too_large(wants_html),
        // The client stopped sending: nobody is left to read an answer.
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// 413: in the server functions' encoding for their client, or a short page for a form
/// posted without the wasm, with the way back to it.
fn too_large(wants_html: bool) -> Response {
    let error = AppError::TooLarge;
    if !wants_html {
        return crate::gate::server_function_error(error);
    }
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Too large to send - Secure Messaging</title></head><body><main>\
         <h1>Too large to send</h1><p>{error} Nothing was sent.</p>\
         <p>Use your browser's Back button to return to the form and remove some files.</p>\
         </main></body></html>"
    );
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_posts_with_files_may_carry_files() {
        assert_eq!(
            limit_for("/api/send_new_message_with_files"),
            Some(FILE_POST_LIMIT)
        );
        assert_eq!(
            limit_for("/api/team_send_reply_with_files"),
            Some(FILE_POST_LIMIT)
        );
        assert_eq!(
            limit_for("/api/team_start_message_with_files"),
            Some(FILE_POST_LIMIT)
        );
        assert_eq!(limit_for("/api/admin_preview_import"), Some(IMPORT_LIMIT));
        assert_eq!(limit_for("/api/send_reply"), Some(API_LIMIT));
        assert_eq!(limit_for("/messages/4"), None);
    }
}
