//! Two-step verification through the whole router, in process (`oneshot`), on a fresh
//! SQLite database in demo mode, with `SM_REQUIRE_MFA` off (the demo's default) or on.
//! Codes are made as a person's authenticator app makes them, with `totp-rs`, from the key
//! the set-up page shows as text.

use crate::common::{demo_app, Answer, TestApp};
use app::error::AppError;
use axum::http::StatusCode;
use leptos::server_fn::error::FromServerFnError;
use std::time::{SystemTime, UNIX_EPOCH};
use totp_rs::{Algorithm, Secret, TOTP};

/// The demo app with `SM_REQUIRE_MFA` on or off.
async fn mfa_app(require_mfa: bool) -> TestApp {
    demo_app(&["--require-mfa", if require_mfa { "true" } else { "false" }]).await
}

impl TestApp {
    /// The password step. Returns the answer (where it leads) and the session cookie.
    async fn password(&self, email: &str, next: &str) -> (Answer, String) {
        let form = format!("email={email}&password=demo-password-2026&next={next}");
        let answer = self
            .post_form_from("/api/sign_in", &form, None, "/sign-in")
            .await;
        assert_eq!(answer.status, StatusCode::FOUND, "password of {email}");
        let cookie = answer.session_cookie().expect("a session cookie");
        (answer, cookie)
    }

    /// The code step with `code`, from the code page.
    async fn code(&self, code: &str, cookie: &str) -> Answer {
        self.post_form_from(
            "/api/sign_in_code",
            &format!("code={code}"),
            Some(cookie),
            "/sign-in/code",
        )
        .await
    }

    /// Sets up two-step verification from `page` (`/settings` or the required page) and
    /// returns the person's authenticator app.
    /// Sets two-step verification up from `page`; `cookie` becomes the session's new one
    /// (the id changes when the set-up completes).
    async fn set_up(&self, cookie: &mut String, page: &str, from: &str) -> TOTP {
        let cookie_before = cookie.clone();
        let cookie_ref: &str = &cookie_before;
        let started = self
            .post_form_from(
                "/api/two_step_start",
                &format!("from={from}"),
                Some(cookie_ref),
                page,
            )
            .await;
        assert_eq!(started.status, StatusCode::FOUND, "{}", started.body);
        let shown = self.get(page, Some(cookie_ref)).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.body.contains("Authentication code"));
        assert!(
            shown.body.contains("data:image/svg+xml;base64,"),
            "a QR code"
        );
        let app = authenticator(&key_on(&shown.body));
        let confirmed = self
            .post_form_from(
                "/api/two_step_confirm",
                &format!("from={from}&code={}", code_now(&app, 0)),
                Some(cookie_ref),
                page,
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::FOUND);
        assert!(
            !confirmed.location().contains("__err"),
            "{}",
            confirmed.location()
        );
        let renewed = confirmed
            .session_cookie()
            .expect("a new session id once the set-up completes");
        assert_ne!(renewed, cookie_before);
        *cookie = renewed;
        app
    }
}

/// The key the page shows as text, for typing into an app.
fn key_on(page: &str) -> String {
    let at = page
        .find("data-testid=\"two-step-key\"")
        .expect("the key shown as text");
    let start = at + page[at..].find('>').unwrap() + 1;
    let end = start + page[start..].find('<').unwrap();
    page[start..end].to_string()
}

fn authenticator(key_text: &str) -> TOTP {
    let base32: String = key_text.split_whitespace().collect();
    assert_eq!(base32.len(), 32, "{key_text}");
    let secret = Secret::Encoded(base32).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, String::new()).unwrap()
}

/// The code the app shows now, or `steps` time steps from now (a step later than one
/// already used in the same 30 seconds).
fn code_now(app: &TOTP, steps: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    app.generate(now + steps * 30)
}

/// The recovery codes a page shows (none once they have been shown).
fn codes_on(page: &str) -> Vec<String> {
    let Some(at) = page.find("data-testid=\"recovery-codes\"") else {
        return Vec::new();
    };
    let list = &page[at..at + page[at..].find("</ol>").unwrap()];
    list.split("<code>")
        .skip(1)
        .map(|part| part[..part.find("</code>").unwrap()].to_string())
        .collect()
}

impl TestApp {
    /// The code step with a recovery code, from the code page.
    async fn recovery_code(&self, code: &str, cookie: &str) -> Answer {
        self.post_form_from(
            "/api/sign_in_recovery_code",
            &format!("recovery_code={code}"),
            Some(cookie),
            "/sign-in/code",
        )
        .await
    }
}

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_alone_no_longer_opens_an_account_with_two_step_verification() {
    let app = mfa_app(false).await;
    for (email, home) in [
        ("veteran@example.com", "/inbox"),
        ("clinician@example.com", "/team"),
    ] {
        let (_, mut cookie) = app.password(email, "").await;
        let authenticator = app.set_up(&mut cookie, "/settings", "settings").await;
        let settings = app.get("/settings", Some(&cookie)).await;
        assert!(settings.body.contains("Two-step verification is on"));
        assert!(
            !settings.body.contains("two-step-key"),
            "the key is never shown again"
        );
        app.post_form_from("/api/sign_out", "", Some(&cookie), home)
            .await;

        // The right password leads to the code page, not in.
        let (answer, pending) = app.password(email, "").await;
        assert_eq!(answer.location(), "/sign-in/code", "{email}");
        for path in [home, "/settings", "/inbox", "/team"] {
            let page = app.get(path, Some(&pending)).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{email} {path}");
            assert!(page.location().starts_with("/sign-in?next="), "{path}");
        }
        let refused = app.call("/api/team_inbox", "", Some(&pending)).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let page = app.get("/sign-in/code", Some(&pending)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Authentication code"));
        assert!(page.body.contains("autocomplete=\"one-time-code\""));
        assert!(page.body.contains("inputmode=\"numeric\""));

        // A wrong code: back to the code page with the error, still not in.
        let code = code_now(&authenticator, 1);
        let refused = app.code(&wrong(&code), &pending).await;
        assert_eq!(refused.status, StatusCode::FOUND);
        assert!(
            refused.location().contains("/sign-in/code?"),
            "{}",
            refused.location()
        );
        assert!(refused.location().contains("__err"));
        assert_eq!(
            app.get(home, Some(&pending)).await.status,
            StatusCode::SEE_OTHER
        );
        let page = app.get(refused.location(), Some(&pending)).await;
        assert!(
            page.body
                .contains("That code didn&#39;t work. Check your authenticator app and try again.")
                || page
                    .body
                    .contains("That code didn't work. Check your authenticator app and try again."),
            "the error shows on the page"
        );

        // The right code: signed in, under a new session id.
        let answer = app.code(&code, &pending).await;
        assert_eq!(answer.status, StatusCode::FOUND);
        assert_eq!(answer.location(), home, "{email}");
        let signed_in = answer.session_cookie().expect("a renewed session");
        assert_ne!(signed_in, pending);
        assert_eq!(app.get(home, Some(&signed_in)).await.status, StatusCode::OK);
        app.post_form_from("/api/sign_out", "", Some(&signed_in), home)
            .await;

        // The same code again, from a new password step: a replay, refused.
        let (_, again) = app.password(email, "").await;
        let replayed = app.code(&code, &again).await;
        assert!(replayed.location().contains("__err"), "{email}");
        assert_eq!(
            app.get(home, Some(&again)).await.status,
            StatusCode::SEE_OTHER
        );
    }
    // Wrong and replayed codes are failed sign-ins, counted toward the limits.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'failure' \
             AND detail LIKE '%authentication_code%'"
        )
        .await,
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovery_code_signs_in_once_and_new_codes_replace_the_old() {
    let app = mfa_app(false).await;
    let (_, mut cookie) = app.password("veteran@example.com", "").await;
    app.set_up(&mut cookie, "/settings", "settings").await;
    // Shown once, on the page the set-up returns to; then only how many are left.
    let settings = app.get("/settings?two_step=on", Some(&cookie)).await;
    let codes = codes_on(&settings.body);
    assert_eq!(codes.len(), 10, "ten codes");
    assert!(settings.body.contains("Download codes"));
    let again = app.get("/settings", Some(&cookie)).await;
    assert!(codes_on(&again.body).is_empty(), "never shown again");
    assert!(again.body.contains("You have 10 recovery codes left."));
    app.post_form_from("/api/sign_out", "", Some(&cookie), "/inbox")
        .await;

    // The code page offers a recovery code instead of the app's code.
    let (_, pending) = app.password("veteran@example.com", "").await;
    let page = app.get("/sign-in/code", Some(&pending)).await;
    assert!(page.body.contains("Recovery code"));
    let refused = app.recovery_code("abcde-12345", &pending).await;
    assert!(refused.location().starts_with("/sign-in/code?"));
    assert!(refused.location().contains("__err"));
    assert_eq!(
        app.get("/inbox", Some(&pending)).await.status,
        StatusCode::SEE_OTHER,
        "a wrong code opens nothing"
    );
    let answer = app.recovery_code(&codes[0], &pending).await;
    assert_eq!(answer.location(), "/settings?recovery=used#two-step");
    let signed_in = answer.session_cookie().expect("a renewed session");
    assert_ne!(signed_in, pending);
    let settings = app.get("/settings?recovery=used", Some(&signed_in)).await;
    assert!(settings.body.contains("You signed in with a recovery code"));
    assert!(settings.body.contains("You have 9 codes left."));
    assert_eq!(
        app.get("/inbox", Some(&signed_in)).await.status,
        StatusCode::OK
    );

    // A used code does not sign in again.
    let (_, pending) = app.password("veteran@example.com", "").await;
    let replayed = app.recovery_code(&codes[0], &pending).await;
    assert!(replayed.location().contains("__err"));

    // "Make new codes" asks for the current password, then shows ten new ones once.
    let wrong_password = app
        .post_form_from(
            "/api/two_step_new_recovery_codes",
            "current_password=not-my-password",
            Some(&signed_in),
            "/settings",
        )
        .await;
    assert!(wrong_password.location().contains("__err"));
    let made = app
        .post_form_from(
            "/api/two_step_new_recovery_codes",
            "current_password=demo-password-2026",
            Some(&signed_in),
            "/settings",
        )
        .await;
    assert_eq!(made.location(), "/settings?two_step=codes#two-step");
    let page = app.get("/settings?two_step=codes", Some(&signed_in)).await;
    let new = codes_on(&page.body);
    assert_eq!(new.len(), 10);
    assert!(page.body.contains("Your old codes no longer work."));
    // An old, unused code no longer works; a new one does.
    let (_, pending) = app.password("veteran@example.com", "").await;
    let old = app.recovery_code(&codes[1], &pending).await;
    assert!(old.location().contains("__err"));
    let answer = app.recovery_code(&new[0], &pending).await;
    assert_eq!(answer.location(), "/settings?recovery=used#two-step");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'success' \
             AND detail LIKE '%recovery_code%'"
        )
        .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_step_keeps_where_the_person_was_going_and_times_out() {
    let app = mfa_app(false).await;
    let (_, mut cookie) = app.password("veteran@example.com", "").await;
    let authenticator = app.set_up(&mut cookie, "/settings", "settings").await;
    let (answer, pending) = app.password("veteran@example.com", "%2Fsent").await;
    assert_eq!(answer.location(), "/sign-in/code");
    let answer = app.code(&code_now(&authenticator, 1), &pending).await;
    assert_eq!(answer.location(), "/sent");

    // Without a pending sign-in (never started, or timed out) the page says to start again.
    let (_, pending) = app.password("veteran@example.com", "").await;
    // Six minutes pass (the pending sign-in's start moved back to the epoch).
    let records: Vec<(String, String)> =
        sqlx::query_as("SELECT id, data FROM sessions WHERE data LIKE '%pending_sign_in%'")
            .fetch_all(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(records.len(), 1, "one sign-in waits for its code");
    let (id, data) = &records[0];
    let mut data: serde_json::Value = serde_json::from_str(data).unwrap();
    data["pending_sign_in"]["since_ms"] = serde_json::json!(0);
    sqlx::query("UPDATE sessions SET data = $1 WHERE id = $2")
        .bind(data.to_string())
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let page = app.get("/sign-in/code", Some(&pending)).await;
    assert!(
        page.body.contains("Your sign-in timed out"),
        "{}",
        page.body
    );
    let late = app.code(&code_now(&authenticator, 2), &pending).await;
    assert!(late.location().contains("__err"));
    assert_eq!(
        app.get("/inbox", Some(&pending)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_required_a_clinician_is_held_at_the_set_up_until_it_is_done() {
    let app = mfa_app(true).await;
    // A Veteran is not held: optional for them.
    let (answer, veteran) = app.password("veteran@example.com", "").await;
    assert_eq!(answer.location(), "/inbox");
    assert_eq!(
        app.get("/inbox", Some(&veteran)).await.status,
        StatusCode::OK
    );

    let (answer, nurse) = app.password("nurse@example.com", "").await;
    assert_eq!(answer.location(), "/team");
    // Every page leads to the set-up, keeping where she was going.
    for (path, next) in [
        ("/team", "%2Fteam"),
        ("/team/templates", "%2Fteam%2Ftemplates"),
        ("/settings", "%2Fsettings"),
    ] {
        let page = app.get(path, Some(&nurse)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            page.location(),
            format!("/two-step-verification?next={next}")
        );
    }
    // Her server functions refuse, team work and account alike.
    for (path, form) in [
        ("/api/team_inbox", "filter=open"),
        ("/api/my_signature", ""),
        ("/api/two_step_turn_off", "code=123456"),
    ] {
        let refused = app.call(path, form, Some(&nurse)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            AppError::de(refused.bytes.into()),
            AppError::TwoStepSetUpNeeded,
            "{path}"
        );
    }
    // The set-up page itself opens, without the team's navigation.
    let page = app
        .get("/two-step-verification?next=%2Fteam", Some(&nurse))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Set up two-step verification"));
    assert!(page.body.contains("needs two-step verification"));
    assert!(
        !page.body.contains("aria-label=\"Main\""),
        "no navigation while held"
    );
    assert!(page.body.contains("Sign out"));

    // Set up, and then on to where she was going.
    let started = app
        .post_form_from(
            "/api/two_step_start",
            "from=required&next=%2Fteam",
            Some(&nurse),
            "/two-step-verification?next=%2Fteam",
        )
        .await;
    assert_eq!(started.location(), "/two-step-verification?next=%2Fteam");
    let shown = app
        .get("/two-step-verification?next=%2Fteam", Some(&nurse))
        .await;
    let authenticator = authenticator(&key_on(&shown.body));
    let wrong_code = wrong(&code_now(&authenticator, 0));
    let refused = app
        .post_form_from(
            "/api/two_step_confirm",
            &format!("from=required&next=%2Fteam&code={wrong_code}"),
            Some(&nurse),
            "/two-step-verification?next=%2Fteam",
        )
        .await;
    assert!(refused
        .location()
        .starts_with("/two-step-verification?next=%2Fteam&"));
    assert!(refused.location().contains("__err"));
    assert_eq!(
        app.get("/team", Some(&nurse)).await.status,
        StatusCode::SEE_OTHER,
        "still held"
    );
    let confirmed = app
        .post_form_from(
            "/api/two_step_confirm",
            &format!(
                "from=required&next=%2Fteam&code={}",
                code_now(&authenticator, 0)
            ),
            Some(&nurse),
            "/two-step-verification?next=%2Fteam",
        )
        .await;
    // Back to the set-up page, which shows the recovery codes once, then "Continue".
    assert_eq!(confirmed.location(), "/two-step-verification?next=%2Fteam");
    // A new session id now that it stands for two factors; the old one is gone.
    let before = nurse.clone();
    let nurse = confirmed.session_cookie().expect("a new session id");
    assert_ne!(nurse, before);
    let shown = app.get(confirmed.location(), Some(&nurse)).await;
    assert_eq!(codes_on(&shown.body).len(), 10);
    assert!(
        shown.body.contains("href=\"/team\""),
        "Continue goes on to /team"
    );
    assert_eq!(
        app.get("/team", Some(&before)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get("/team", Some(&nurse)).await.status, StatusCode::OK);
    assert_eq!(
        app.call("/api/team_inbox", "filter=open", Some(&nurse))
            .await
            .status,
        StatusCode::OK
    );
    // Required for her role: the settings page offers no "Turn off", and the server refuses.
    let settings = app.get("/settings", Some(&nurse)).await;
    assert!(settings.body.contains("required for your role"));
    assert!(!settings.body.contains("Turn off"));
    let refused = app
        .call(
            "/api/two_step_turn_off",
            &format!("code={}", code_now(&authenticator, 1)),
            Some(&nurse),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);

    // An administrator is held the same way.
    let (_, admin) = app.password("admin@example.com", "").await;
    let page = app.get("/admin/users", Some(&admin)).await;
    assert_eq!(
        page.location(),
        "/two-step-verification?next=%2Fadmin%2Fusers"
    );
    assert_eq!(
        app.call("/api/admin_overview", "", Some(&admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_resets_two_step_verification() {
    let app = mfa_app(false).await;
    let (_, mut alex) = app.password("veteran@example.com", "").await;
    app.set_up(&mut alex, "/settings", "settings").await;
    let alex_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'veteran@example.com'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    let user_page = format!("/admin/users/{alex_id}");

    // Not for a Veteran or a clinician to do.
    let (_, jordan) = app.password("veteran2@example.com", "").await;
    let (_, morgan) = app.password("clinician@example.com", "").await;
    for cookie in [&jordan, &morgan] {
        let refused = app
            .call(
                "/api/admin_reset_mfa",
                &format!("user={alex_id}"),
                Some(cookie.as_str()),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mfa_enrolments WHERE confirmed_at IS NOT NULL")
            .await,
        1
    );

    let (_, admin) = app.password("admin@example.com", "").await;
    let page = app.get(&user_page, Some(&admin)).await;
    assert!(page.body.contains("Two-step verification (MFA): on"));
    assert!(page.body.contains("Reset MFA"));
    let reset = app
        .post_form_from(
            "/api/admin_reset_mfa",
            &format!("user={alex_id}"),
            Some(&admin),
            &user_page,
        )
        .await;
    assert_eq!(reset.status, StatusCode::FOUND);
    assert_eq!(reset.location(), format!("{user_page}?done=mfa_reset"));
    let page = app.get(reset.location(), Some(&admin)).await;
    assert!(page.body.contains("Two-step verification was reset"));
    assert!(page.body.contains("Two-step verification (MFA): off"));
    assert!(
        !page.body.contains("Reset MFA"),
        "shown only while it is on"
    );
    // Alex's open session ended; the password alone signs in again.
    assert_eq!(
        app.get("/inbox", Some(&alex)).await.status,
        StatusCode::SEE_OTHER
    );
    let (answer, alex) = app.password("veteran@example.com", "").await;
    assert_eq!(answer.location(), "/inbox");
    assert_eq!(app.get("/inbox", Some(&alex)).await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_reset'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_veteran_turns_it_off_with_a_current_code() {
    let app = mfa_app(true).await;
    let (_, mut alex) = app.password("veteran@example.com", "").await;
    let authenticator = app.set_up(&mut alex, "/settings", "settings").await;
    let settings = app.get("/settings", Some(&alex)).await;
    assert!(settings.body.contains("Turn off"));
    let refused = app
        .post_form_from(
            "/api/two_step_turn_off",
            &format!("code={}", wrong(&code_now(&authenticator, 1))),
            Some(&alex),
            "/settings",
        )
        .await;
    assert!(refused.location().contains("__err"));
    let done = app
        .post_form_from(
            "/api/two_step_turn_off",
            &format!("code={}", code_now(&authenticator, 1)),
            Some(&alex),
            "/settings",
        )
        .await;
    assert_eq!(done.location(), "/settings?two_step=off#two-step");
    let (answer, _) = app.password("veteran@example.com", "").await;
    assert_eq!(answer.location(), "/inbox", "the password alone again");
}
