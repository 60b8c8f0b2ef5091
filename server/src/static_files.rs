//! How the built site is served: the wasm, JavaScript and CSS under `/pkg`, and compression
//! of every other answer.
//!
//! `cargo leptos build --release --precompress` writes a brotli (quality 11) and a gzip copy
//! beside each file it builds (`scripts/run.sh`, `scripts/test.sh`, README). Compressing once
//! at build time gets the smallest files at no cost per request, and keeps the site folder
//! read-only for the server; doing it at start-up would cost several seconds of CPU at each
//! start and need a writable site folder. A file without its copies is still served, and
//! then compressed on the fly like a page.

use axum::body::Body;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, Response, StatusCode, Version};
use axum::Router;
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// What a `/pkg` file may be kept for when its name carries its content's hash: a new build
/// has new names, so a cached file is never stale (RFC 8246 `immutable`: not even a reload
/// asks again).
pub const HASHED_FILE_CACHE: &str = "public, max-age=31536000, immutable";

/// Without hashed names a file keeps its name from one build to the next: the browser must
/// ask each time (a cheap 304 while unchanged).
const UNHASHED_FILE_CACHE: &str = "no-cache";

/// The `/pkg` files, as the pages name them: brotli or gzip copies when the browser takes
/// them, cacheable for a year when the names are hashed.
pub fn pkg_service(options: &LeptosOptions) -> Router {
    let dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let cache = HeaderValue::from_static(if options.hash_files {
        HASHED_FILE_CACHE
    } else {
        UNHASHED_FILE_CACHE
    });
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    // Only a file found gets the long lifetime: a 404 for a name from an older build must
    // not be remembered.
    let cache_control = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        move |response: &Response<Body>| {
            let found =
                response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
            Some(if found {
                cache.clone()
            } else {
                HeaderValue::from_static("no-store")
            })
        },
    );
    // Which copy is sent depends on `Accept-Encoding`, and `ServeDir` does not say so: a
    // shared cache must not give the brotli copy to a client that cannot read it.
    let vary = SetResponseHeaderLayer::appending(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    );
    Router::new()
        .fallback_service(files)
        .layer(cache_control)
        .layer(vary)
}

/// Content types that are compressed already: compressing them again costs CPU for nothing.
/// Most attachments are such files (PDF, JPEG, PNG, GIF, and .docx/.xlsx, which are zip
/// packages); text attachments (.txt, .rtf, .doc, .xls) shrink and are compressed.
const ALREADY_COMPRESSED: &[&str] = &[
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/vnd.openxmlformats-officedocument.",
    "audio/",
    "video/",
    "font/woff",
];

fn not_already_compressed(
    _status: StatusCode,
    _version: Version,
    headers: &HeaderMap,
    _extensions: &Extensions,
) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    !ALREADY_COMPRESSED
        .iter()
        .any(|prefix| content_type.starts_with(prefix))
}

/// Never compress live updates: a compressor holds back what it has not yet filled a block
/// with, and each event must reach the page as soon as it is sent.
fn not_live_events(
    _status: StatusCode,
    _version: Version,
    headers: &HeaderMap,
    _extensions: &Extensions,
) -> bool {
    !headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/event-stream"))
}

/// Compression (brotli, else gzip, as the request's `Accept-Encoding` allows) for pages,
/// server function answers and CSV exports. Not for live updates, images, or files that are
/// compressed already; answers that are already compressed (the `/pkg` copies) pass as they
/// are. Caching headers are left alone: pages stay `no-store`.
///
/// Quality 5 rather than brotli's default 11: these answers are made per request, and 11
/// costs tens of milliseconds of CPU for a page while 5 is within a few per cent of its size.
///
/// Compressed pages and a secret in them are what BREACH attacks, but it needs a page that
/// echoes the attacker's text, requested many times with the victim's session: the session
/// cookie is `SameSite=Lax`, so another site's images, scripts or frames are sent without
/// it, and no page can be framed (`frame-ancestors 'none'`).
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(not_live_events as fn(StatusCode, Version, &HeaderMap, &Extensions) -> bool)
        .and(not_already_compressed as fn(StatusCode, Version, &HeaderMap, &Extensions) -> bool);
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(5))
        .compress_when(predicate)
}

/// Where Leptos looks for the hash file: `LEPTOS_HASH_FILE_NAME` (default `hash.txt`)
/// relative to the server binary's folder, or that path itself when it is absolute.
pub fn hash_file_path(options: &LeptosOptions) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .unwrap_or_default()
        .join(&*options.hash_file)
}

/// Checks at start-up that the pages will name files that exist.
///
/// With hashing on and no hash file, every page would fail (Leptos panics rendering the
/// scripts), so that refuses to start. A missing `/pkg` file only leaves the pages without
/// styles or scripts (still usable without the wasm): that is logged, so that the server
/// still runs without a site for tests of its routes.
pub fn check_site(options: &LeptosOptions) -> Result<(), String> {
    let pkg = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let mut stems = vec![options.output_name.to_string(); 3];
    // As Leptos names the wasm when the build did not say what the output is called.
    if !options.hash_files && option_env!("LEPTOS_OUTPUT_NAME").is_none() {
        stems[1].push_str("_bg");
    }
    if options.hash_files {
        let path = hash_file_path(options);
        let hashes = std::fs::read_to_string(&path).map_err(|error| {
            format!(
                "LEPTOS_HASH_FILES is true but the hash file {} cannot be read ({error}): \
                 copy the hash.txt written beside the built binary there, or set \
                 LEPTOS_HASH_FILE_NAME to its path",
                path.display()
            )
        })?;
        for line in hashes.lines() {
            if let Some((kind, hash)) = line.split_once(':') {
                let index = match kind.trim() {
                    "js" => 0,
                    "wasm" => 1,
                    "css" => 2,
                    _ => continue,
                };
                stems[index] = format!("{}.{}", options.output_name, hash.trim());
            }
        }
    }
    let names = [
        format!("{}.js", stems[0]),
        format!("{}.wasm", stems[1]),
        format!("{}.css", stems[2]),
    ];
    for name in &names {
        let file = pkg.join(name);
        if !file.is_file() {
            tracing::error!(
                file = %file.display(),
                hash_files = options.hash_files,
                "the pages name a file that is not there: check LEPTOS_SITE_ROOT, and \
                 LEPTOS_HASH_FILES against the build (README, production)"
            );
        } else if !pkg.join(format!("{name}.br")).is_file() {
            tracing::warn!(
                file = %file.display(),
                "no precompressed copy: build with `cargo leptos build --release --precompress`"
            );
        }
    }
    Ok(())
}
