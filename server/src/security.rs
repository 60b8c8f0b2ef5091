//! Protections every response and every state change gets, whatever the route.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::codec::PostcardEncoding;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::Decodes;

/// The per-response CSP nonce, put in the request's extensions for the Leptos renderer.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Where forms may lead besides this site, for CSP's `form-action`: the single sign-on
/// provider's origin, where "Sign out" goes on to sign out there too.
#[derive(Clone, Debug, Default)]
pub struct FormTargets(pub std::sync::Arc<str>);

/// Security headers on every response (after kanidm's `security_headers.rs`).
pub async fn headers(
    axum::extract::State(targets): axum::extract::State<FormTargets>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = leptos::nonce::Nonce::new().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = request.uri().path();
    let static_file = path.starts_with("/pkg/") || path.starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();

    // CSP Level 3: only our own scripts and the inline hydration script that carries this
    // response's nonce; 'wasm-unsafe-eval' lets the page compile its own WebAssembly and
    // nothing else. No inline styles, no plugins, no framing (replaces X-Frame-Options),
    // forms post only here. https://www.w3.org/TR/CSP3/
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'{targets}; \
         frame-ancestors 'none'",
        targets = targets.0
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    // Never guess a content type (stops a file being run as script).
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Our own pages get the full referrer (the no-JS form flow returns to it); other sites
    // get nothing, so no path or query leaks out (ASVS 8.3.x).
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // HTTPS only for two years, subdomains too (RFC 6797). Browsers ignore it over http.
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=63072000; includeSubDomains"),
    );
    // For browsers without frame-ancestors.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    // Pages and API answers may hold health information: never store them (DESIGN.md §3).
    // The wasm, scripts and styles hold none and may be cached: `/pkg` sets its own
    // (`static_files::pkg_service`).
    if !static_file {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses a state-changing request that another site's page made (CSRF; ASVS 4.2.2).
///
/// Browsers label every request with `Sec-Fetch-Site`; older ones at least send `Origin` on
/// a POST. A request with neither is refused too: every browser sends one of them, and a
/// non-browser client can add `Origin` itself.
pub async fn refuse_cross_origin(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    if same_origin(&request) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-origin state change");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from("This request came from another site and was refused."),
    )
        .into_response()
}

fn same_origin(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        return false;
    };
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else {
        return false;
    };
    // `Origin` is scheme://host[:port]; compare its authority with the Host we were sent to.
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

/// The most an error answer from a server function can hold: they are a sentence or a
/// few field messages.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Server functions answer every error with status 500, whatever it was. This gives each
/// error its own status (`AppError::status`: 401, 403, 404, 422, 429…), so a refused form
/// is not logged by the browser as a server failure and clients can tell the cases apart.
/// A plain form post is answered with a redirect by leptos_axum and is left as it is.
pub async fn server_function_status(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, ERROR_BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => return (parts.status, "").into_response(),
    };
    // An error in the server functions' encoding: exactly the bytes it encodes to, so a
    // body that merely happens to decode is left alone.
    if let Ok(error) = <PostcardEncoding as Decodes<AppError>>::decode(bytes.clone()) {
        if error.ser() != bytes {
            return Response::from_parts(parts, Body::from(bytes));
        }
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
