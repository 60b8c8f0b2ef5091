//! Answers a server function with a file to save (a report or the audit log as CSV, a
//! Veteran's messages as HTML) instead of data for the page.

use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};

/// The media type of CSV files.
pub const CSV: &str = "text/csv; charset=utf-8";
/// The media type of HTML files.
pub const HTML: &str = "text/html; charset=utf-8";

/// Makes the server function's answer a download of `content_type` named `file_name`
/// (letters, digits, dashes, dots and underscores are kept: it goes into a header as it
/// is). Never stored by a cache: these files hold names and health information.
pub fn attachment(file_name: &str, content_type: &'static str) {
    let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .collect();
    options.insert_header(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        options.insert_header(CONTENT_DISPOSITION, value);
    }
    options.insert_header(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A browser's form submission accepts HTML, and server_fn answers those with a redirect
    // back to the page (its "form-redirects" feature). A download must be answered, not
    // redirected: the status set here replaces the redirect's, and a browser ignores the
    // leftover `Location` of a 200. Errors are not downloads: they keep the redirect.
    options.set_status(http::StatusCode::OK);
}
