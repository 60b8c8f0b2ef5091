//! Single sign-on through the whole router (`oneshot`), against a real OpenID Connect
//! provider process: `end2end/oidc/provider.mjs` (the npm `oidc-provider`), started here.
//! The provider's sign-in and consent pages are driven over HTTP as a browser would,
//! up to its redirect back to the app, which is then handed to the app's router.

use crate::common::{demo_app, Answer, TestApp};
use axum::http::StatusCode;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The app's public address in these tests: the provider redirects there.
const SITE: &str = "http://app.test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The provider process; killed when dropped.
struct Provider {
    process: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Provider {
    async fn start() -> Provider {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end");
        assert!(
            root.join("node_modules/oidc-provider").is_dir(),
            "the test OpenID provider (npm oidc-provider in end2end/) is not installed: run scripts/setup.sh"
        );
        let port = free_port();
        let process = Command::new("node")
            .arg(root.join("oidc/provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env(
                "OIDC_REDIRECT_URIS",
                format!("{SITE}{}", app::sso::CALLBACK_PATH),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the provider");
        let provider = Provider {
            process,
            issuer: format!("http://127.0.0.1:{port}"),
        };
        let discovery = format!("{}/.well-known/openid-configuration", provider.issuer);
        for _ in 0..150 {
            if let Ok(answer) = reqwest::get(&discovery).await {
                if answer.status().is_success() {
                    return provider;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the OpenID provider did not start at {}", provider.issuer);
    }

    /// The demo app set up to use this provider.
    async fn app(&self, extra: &[&str]) -> TestApp {
        let mut flags = vec![
            "--public-url",
            SITE,
            "--oidc-issuer",
            &self.issuer,
            "--oidc-client-id",
            "secure-messaging",
            "--oidc-client-secret",
            "test-client-secret",
            "--oidc-label",
            "Sign in with Test ID",
        ];
        flags.extend_from_slice(extra);
        demo_app(&flags).await
    }
}

/// A browser at the provider: keeps the provider's cookies, follows its redirects, and
/// stops at the redirect back to the app.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().as_str().starts_with(SITE) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .unwrap()
}

/// The `action` of the page's form, on the provider.
fn form_action(issuer: &str, page: &str) -> String {
    let at = page.find("action=\"").expect("a form") + "action=\"".len();
    let action = page[at..at + page[at..].find('"').unwrap()].replace("&amp;", "&");
    if action.starts_with("http") {
        action
    } else {
        format!("{issuer}{action}")
    }
}

/// One sign-in through the provider as `login`: the app's start, the provider's sign-in
/// and consent pages. Answers the app's callback path (with code and state) and the
/// app's sign-in cookie.
async fn through_the_provider(app: &TestApp, provider: &Provider, login: &str) -> (String, String) {
    let start = app.get(app::sso::START_PATH, None).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER);
    let authorize = start.location().to_string();
    assert!(authorize.starts_with(&provider.issuer), "{authorize}");
    for part in [
        "code_challenge=",
        "code_challenge_method=S256",
        "state=",
        "nonce=",
    ] {
        assert!(authorize.contains(part), "{part} in {authorize}");
    }
    let cookie = sign_in_cookie(&start).expect("the sign-in cookie");

    let browser = browser();
    let page = browser
        .get(&authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer = browser
        .post(form_action(&provider.issuer, &page))
        .form(&[
            ("prompt", "login"),
            ("login", login),
            ("password", "anything"),
        ])
        .send()
        .await
        .unwrap();
    let page = answer.text().await.unwrap();
    let back = browser
        .post(form_action(&provider.issuer, &page))
        .form(&[("prompt", "consent")])
        .send()
        .await
        .unwrap();
    let location = back
        .headers()
        .get("location")
        .expect("the redirect back to the app")
        .to_str()
        .unwrap()
        .to_string();
    let path = location
        .strip_prefix(SITE)
        .unwrap_or_else(|| panic!("back to the app: {location}"))
        .to_string();
    assert!(path.starts_with(app::sso::CALLBACK_PATH), "{path}");
    (path, cookie)
}

fn sign_in_cookie(answer: &Answer) -> Option<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sm_sso="))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
}

/// Where the callback's page moves on to (it answers a page, not a redirect: see
/// `server/src/single_sign_on.rs`).
fn moves_on_to(answer: &Answer) -> &str {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let at = answer.body.find("url=").expect("a refresh") + "url=".len();
    &answer.body[at..at + answer.body[at..].find('"').unwrap()]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veteran_signs_in_through_the_provider_linked_by_verified_email() {
    let provider = Provider::start().await;
    let app = provider.app(&[]).await;
    // The sign-in page offers the provider's button.
    let page = app.get("/sign-in", None).await;
    assert!(page.body.contains("Sign in with Test ID"));
    assert!(page
        .body
        .contains(&format!("href=\"{}\"", app::sso::START_PATH)));

    let (callback, cookie) = through_the_provider(&app, &provider, "alex").await;
    let answer = app.get(&callback, Some(&cookie)).await;
    assert_eq!(moves_on_to(&answer), "/inbox");
    let session = answer.session_cookie().expect("signed in");
    let inbox = app.get("/inbox", Some(&session)).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("Alex Rivera"));
    // Linked to Alex's account by the verified email, and audited as single sign-on.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM sso_identities i JOIN users u ON u.id = i.user_id \
             WHERE u.email = 'veteran@example.com' AND i.subject = 'alex'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'success' \
             AND detail LIKE '%single_sign_on%' AND detail LIKE '%linked_by_email%'"
        )
        .await,
        1
    );
    // Signing out ends the session here and goes on to the provider's sign-out, which
    // comes back to /sign-in; the page's CSP lets the sign-out form lead there.
    assert!(inbox
        .header("content-security-policy")
        .contains(&format!("form-action 'self' {};", provider.issuer)));
    let out = app
        .post_form_from("/api/sign_out", "", Some(&session), "/inbox")
        .await;
    let end = out.location();
    assert!(
        end.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{end}"
    );
    assert!(end.contains("id_token_hint="));
    assert!(end.contains("post_logout_redirect_uri=http%3A%2F%2Fapp.test%2Fsign-in"));
    assert_eq!(
        app.get("/inbox", Some(&session)).await.status,
        StatusCode::SEE_OTHER,
        "signed out here"
    );

    // The same callback again (a replay, or the back button): refused, nobody signed in.
    let replayed = app.get(&callback, Some(&cookie)).await;
    assert_eq!(replayed.location(), "/sign-in?sso=failed");
    assert!(replayed.session_cookie().is_none());

    // The next time, found by the link: the provider's subject, not the email.
    let (callback, cookie) = through_the_provider(&app, &provider, "alex").await;
    let answer = app.get(&callback, Some(&cookie)).await;
    assert_eq!(moves_on_to(&answer), "/inbox");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%linked_before%'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_state_a_missing_cookie_and_an_unverified_email_sign_nobody_in() {
    let provider = Provider::start().await;
    let app = provider.app(&[]).await;

    // A tampered `state`.
    let (callback, cookie) = through_the_provider(&app, &provider, "alex").await;
    let tampered = callback.replace("state=", "state=x");
    let refused = app.get(&tampered, Some(&cookie)).await;
    assert_eq!(refused.location(), "/sign-in?sso=failed");
    assert!(refused.session_cookie().is_none());
    // ... and that sign-in is used up: the right state no longer works either.
    let after = app.get(&callback, Some(&cookie)).await;
    assert_eq!(after.location(), "/sign-in?sso=failed");

    // A callback in a browser that did not start the sign-in (no cookie): refused.
    let (callback, _) = through_the_provider(&app, &provider, "alex").await;
    let elsewhere = app.get(&callback, None).await;
    assert_eq!(elsewhere.location(), "/sign-in?sso=failed");

    // Jordan's email is not verified at the provider: never linked by it.
    let (callback, cookie) = through_the_provider(&app, &provider, "jordan").await;
    let refused = app.get(&callback, Some(&cookie)).await;
    assert_eq!(refused.location(), "/sign-in?sso=email_not_verified");
    assert!(refused.session_cookie().is_none());
    assert_eq!(app.count("SELECT COUNT(*) FROM sso_identities").await, 0);
    let page = app.get(refused.location(), None).await;
    assert!(
        page.body
            .contains("hasn&#39;t confirmed your email address")
            || page.body.contains("hasn't confirmed your email address")
    );

    // The person stopped at the provider.
    let (_, cookie) = through_the_provider(&app, &provider, "alex").await;
    let cancelled = app
        .get(
            &format!("{}?error=access_denied&state=x", app::sso::CALLBACK_PATH),
            Some(&cookie),
        )
        .await;
    assert_eq!(cancelled.location(), "/sign-in?sso=cancelled");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'failure' \
             AND detail LIKE '%single_sign_on%'"
        )
        .await,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_gets_an_account_only_when_self_registration_is_on() {
    let provider = Provider::start().await;
    let closed = provider.app(&[]).await;
    let (callback, cookie) = through_the_provider(&closed, &provider, "robin.new").await;
    let refused = closed.get(&callback, Some(&cookie)).await;
    assert_eq!(refused.location(), "/sign-in?sso=no_account");
    assert_eq!(
        closed
            .count("SELECT COUNT(*) FROM users WHERE email = 'robin.new@example.com'")
            .await,
        0
    );

    let open = provider.app(&["--oidc-self-register"]).await;
    let (callback, cookie) = through_the_provider(&open, &provider, "robin.new").await;
    let answer = open.get(&callback, Some(&cookie)).await;
    assert_eq!(moves_on_to(&answer), "/inbox");
    let session = answer.session_cookie().expect("signed in");
    assert_eq!(
        open.get("/inbox", Some(&session)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        open.count(
            "SELECT COUNT(*) FROM users WHERE email = 'robin.new@example.com' \
             AND role = 'veteran' AND password_hash IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_own_code_is_still_asked_when_the_provider_did_not_ask_for_one() {
    let provider = Provider::start().await;
    let app = provider.app(&[]).await;
    // Alex turns on the app's two-step verification.
    let key = app.state.mfa_key.clone();
    let id = app
        .count("SELECT id FROM users WHERE email = 'veteran@example.com'")
        .await;
    let alex = app::server::users::active_user(&app.state.db.pool, id)
        .await
        .unwrap()
        .unwrap();
    app::mfa::ssr::start_set_up(&app.state.db, &key, &alex)
        .await
        .unwrap();
    let status = app::mfa::ssr::status(&app.state.db, &key, &alex, false)
        .await
        .unwrap();
    let base32: String = status.set_up.unwrap().key_text.split_whitespace().collect();
    let secret = totp_rs::Secret::Encoded(base32).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
    .unwrap();
    let now = app::mfa::ssr::codes::unix_seconds();
    app::mfa::ssr::confirm_set_up(
        &app.state.db,
        &key,
        &alex,
        &totp.generate(now),
        "127.0.0.1",
        now,
    )
    .await
    .unwrap();

    // The provider's ID token names no second factor: on to the code step, not in yet.
    let (callback, cookie) = through_the_provider(&app, &provider, "alex").await;
    let answer = app.get(&callback, Some(&cookie)).await;
    assert_eq!(moves_on_to(&answer), app::mfa::CODE_PATH);
    let pending = answer.session_cookie().expect("a pending sign-in");
    assert_eq!(
        app.get("/inbox", Some(&pending)).await.status,
        StatusCode::SEE_OTHER
    );
    let code_page = app.get(app::mfa::CODE_PATH, Some(&pending)).await;
    assert!(code_page.body.contains("Authentication code"));
}
