//! A page's own background requests (its `fetch` calls and live updates) never take the
//! session cookie away from the person, nor put back one that was replaced.
//!
//! The session layer answers each request with the cookie of the session it came with:
//! refreshed when that session is stored, removed when it is not. A session's id is
//! renewed when it gains a factor (signing in, turning on two-step verification), and a
//! background request sent with the old id and answered after the renewal then carries
//! the old id back, or its removal. The browser applies that answer after the renewal's
//! own, and the person is signed out in the middle of what they were doing. So only a
//! navigation (the person opening or posting a page) may refresh or remove the cookie it
//! came with; a background request may still hand over a new session (a sign-in made
//! with `fetch`), whose cookie is a different one.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::cookie::Cookie;

/// The layer, given the session cookie's name.
pub async fn layer(State(name): State<&'static str>, request: Request, next: Next) -> Response {
    let background = is_background(request.headers());
    let came_with = background
        .then(|| crate::cookies::request_cookie(request.headers(), name))
        .flatten();
    let mut response = next.run(request).await;
    if background {
        keep_the_browser_cookie(response.headers_mut(), name, came_with.as_deref());
    }
    response
}

/// A request the page's script made (`Sec-Fetch-Mode` other than `navigate`). A request
/// without the header (a browser too old to send it, a script of someone's own) is
/// answered as a navigation, the way it always was.
fn is_background(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-mode")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|mode| !mode.eq_ignore_ascii_case("navigate"))
}

/// Drops the answer's `Set-Cookie` for `name` when it only refreshes the cookie the request
/// came with or removes it; keeps one that hands over another session.
fn keep_the_browser_cookie(headers: &mut HeaderMap, name: &str, came_with: Option<&str>) {
    let set: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if set.is_empty() {
        return;
    }
    let kept: Vec<HeaderValue> = set
        .into_iter()
        .filter(|value| {
            let Some(cookie) = value.to_str().ok().and_then(|v| Cookie::parse(v).ok()) else {
                return true;
            };
            if cookie.name() != name {
                return true;
            }
            let removal = cookie.value().is_empty()
                || cookie
                    .max_age()
                    .is_some_and(|age| age.is_zero() || age.is_negative());
            !(removal || Some(cookie.value()) == came_with)
        })
        .collect();
    headers.remove(header::SET_COOKIE);
    for value in kept {
        headers.append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "sm_session";

    fn answer(set_cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in set_cookies {
            headers.append(header::SET_COOKIE, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn set_cookies(headers: &HeaderMap) -> Vec<&str> {
        headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect()
    }

    #[test]
    fn a_refresh_or_removal_of_the_cookie_it_came_with_is_dropped() {
        let mut refresh = answer(&["sm_session=old; HttpOnly; Max-Age=43200"]);
        keep_the_browser_cookie(&mut refresh, NAME, Some("old"));
        assert!(set_cookies(&refresh).is_empty());

        let mut removal =
            answer(&["sm_session=; Max-Age=0; Expires=Sat, 01 Jan 2000 00:00:00 GMT"]);
        keep_the_browser_cookie(&mut removal, NAME, Some("old"));
        assert!(set_cookies(&removal).is_empty());
    }

    #[test]
    fn a_new_session_and_other_cookies_are_kept() {
        let mut headers = answer(&[
            "sm_session=new; HttpOnly; Max-Age=43200",
            "sm_sso=abc; HttpOnly; Max-Age=0",
        ]);
        keep_the_browser_cookie(&mut headers, NAME, Some("old"));
        assert_eq!(
            set_cookies(&headers),
            [
                "sm_session=new; HttpOnly; Max-Age=43200",
                "sm_sso=abc; HttpOnly; Max-Age=0"
            ]
        );
    }

    #[test]
    fn only_script_requests_are_background() {
        let mut headers = HeaderMap::new();
        assert!(!is_background(&headers));
        headers.insert("sec-fetch-mode", HeaderValue::from_static("navigate"));
        assert!(!is_background(&headers));
        headers.insert("sec-fetch-mode", HeaderValue::from_static("cors"));
        assert!(is_background(&headers));
        headers.insert("sec-fetch-mode", HeaderValue::from_static("same-origin"));
        assert!(is_background(&headers));
    }
}
