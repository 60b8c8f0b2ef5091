//! Passkeys through the whole router, in process (`oneshot`), on a fresh SQLite database in
//! demo mode. Passkeys are made and used as a browser and its authenticator make and use
//! them (`webauthn-authenticator-rs`'s software passkey, with the browser's origin), and
//! sent as `public/passkeys.js` sends them: WebAuthn's JSON in a form field.

use crate::common::{demo_app, demo_app_with_clock, TestApp};
use app::passkeys::{PasskeyAnswer, DID_NOT_WORK, TOO_LATE};
use axum::http::StatusCode;
use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
};

/// Where the demo's pages are, as the relying party knows it (a loopback site is named
/// `localhost`).
const ORIGIN: &str = "http://localhost:3000";

fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

fn encoded(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

impl TestApp {
    /// A passkey server function called as `passkeys.js` calls it; its answer, and the
    /// session cookie it set, if any.
    async fn passkey_call(
        &self,
        name: &str,
        form: &str,
        cookie: Option<&str>,
    ) -> (PasskeyAnswer, Option<String>) {
        let answer = self.call(&format!("/api/{name}"), form, cookie).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.body);
        let cookie = answer.session_cookie();
        (serde_json::from_str(&answer.body).unwrap(), cookie)
    }

    /// Adds a passkey made by `device` at `at` to the account signed in with `cookie`;
    /// answers the server's answer and the user handle the device keeps with the passkey
    /// (what it returns when it signs in without an email address).
    async fn add_passkey(
        &self,
        device: &mut SoftPasskey,
        at: Url,
        name: &str,
        cookie: &str,
    ) -> (PasskeyAnswer, Vec<u8>) {
        let (options, _) = self
            .passkey_call("passkey_add_options", "", Some(cookie))
            .await;
        let options: CreationChallengeResponse =
            serde_json::from_str(options.options.as_deref().expect("options")).unwrap();
        let handle = options.public_key.user.id.to_vec();
        let made = device
            .do_registration(at, options)
            .expect("the device makes a passkey");
        let credential = serde_json::to_string(&made).unwrap();
        let form = encoded(&[("name", name), ("credential", &credential)]);
        (
            self.passkey_call("passkey_add", &form, Some(cookie))
                .await
                .0,
            handle,
        )
    }

    /// Sends the device's `answer` to a sign-in challenge of the session `session`, as
    /// `passkeys.js` does.
    async fn send_answer(&self, answer: &str, session: &str) -> (PasskeyAnswer, Option<String>) {
        let form = encoded(&[("credential", answer)]);
        self.passkey_call("passkey_sign_in", &form, Some(session))
            .await
    }

    /// Asks for a sign-in challenge (`passkey_sign_in_options`, or the second step's) in
    /// the session `cookie`, or a new one; answers the options and the session cookie.
    async fn passkey_challenge(
        &self,
        name: &str,
        cookie: Option<&str>,
    ) -> (RequestChallengeResponse, String) {
        let (answer, set) = self.passkey_call(name, "", cookie).await;
        let options = serde_json::from_str(answer.options.as_deref().expect("options")).unwrap();
        (
            options,
            set.or(cookie.map(str::to_string)).expect("a session"),
        )
    }
}

/// The device's answer to a sign-in challenge, as a browser sends it after the person
/// chose one of the device's passkeys. (The software passkey cannot be asked without a
/// list, so the chosen one is named for it, as the browser's own list does; and it keeps
/// no user handle, which a passkey kept on the device returns, so it is added: the
/// handle is not signed.)
fn answer_with(
    device: &mut SoftPasskey,
    at: Url,
    mut options: RequestChallengeResponse,
    chosen: &[u8],
    handle: Option<Vec<u8>>,
) -> String {
    if options.public_key.allow_credentials.is_empty() {
        options.public_key.allow_credentials = vec![AllowCredentials {
            type_: "public-key".to_string(),
            id: chosen.to_vec(),
            transports: None,
        }];
    }
    let mut answer: PublicKeyCredential = device.do_authentication(at, options).expect("signed");
    if handle.is_some() {
        answer.response.user_handle = handle;
    }
    serde_json::to_string(&answer).unwrap()
}

async fn credential_id(app: &TestApp, email: &str) -> Vec<u8> {
    use base64::Engine;
    let id: String = sqlx::query_scalar(
        "SELECT p.credential_id FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = $1 LIMIT 1",
    )
    .bind(email)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap()
}

#[tokio::test]
async fn a_passkey_added_in_settings_signs_in_without_a_password_once_per_challenge() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    let mut phone = SoftPasskey::new(true);
    let (added, handle) = app
        .add_passkey(&mut phone, origin(), "My phone", &cookie)
        .await;
    assert_eq!(added.error, None);
    assert_eq!(
        added.go_to.as_deref(),
        Some("/settings?passkey=added#passkeys")
    );
    let settings = app.get("/settings", Some(&cookie)).await;
    assert!(settings.body.contains("My phone"), "listed in Settings");

    // Signed out, a new browser: the passkey alone signs in.
    let (options, session) = app.passkey_challenge("passkey_sign_in_options", None).await;
    let chosen = credential_id(&app, "veteran@example.com").await;
    let answer = answer_with(&mut phone, origin(), options, &chosen, Some(handle));
    let (signed_in, cookie) = app.send_answer(&answer, &session).await;
    assert_eq!(signed_in.error, None);
    assert_eq!(signed_in.go_to.as_deref(), Some("/inbox"));
    let cookie = cookie.expect("a new session id");
    assert_ne!(cookie, session, "the session id changes at sign-in");
    assert_eq!(
        app.get("/inbox", Some(&cookie)).await.status,
        StatusCode::OK
    );

    // The same answer again (replayed) finds no challenge waiting.
    let (replayed, _) = app.send_answer(&answer, &session).await;
    assert_eq!(replayed.error.as_deref(), Some(DID_NOT_WORK));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'passkey_added'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'success' \
             AND detail LIKE '%\"step\":\"passkey\"%'"
        )
        .await,
        1
    );
    let last_used = app
        .count("SELECT COUNT(*) FROM passkeys WHERE last_used_at IS NOT NULL")
        .await;
    assert_eq!(last_used, 1, "Settings shows when it was last used");
}

#[tokio::test]
async fn a_passkey_made_or_used_on_another_site_is_refused() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    // A look-alike site under the same name (a phishing page) cannot add one...
    let look_alike = Url::parse("https://messages.localhost:3000").unwrap();
    let mut phone = SoftPasskey::new(true);
    let (refused, _) = app
        .add_passkey(&mut phone, look_alike.clone(), "Phished", &cookie)
        .await;
    assert!(refused.error.unwrap().contains("wasn't added"));
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);

    // ...nor use a real one.
    let (added, handle) = app
        .add_passkey(&mut phone, origin(), "My phone", &cookie)
        .await;
    assert_eq!(added.error, None);
    let (options, session) = app.passkey_challenge("passkey_sign_in_options", None).await;
    let chosen = credential_id(&app, "veteran@example.com").await;
    let answer = answer_with(&mut phone, look_alike, options, &chosen, Some(handle));
    let (refused, cookie) = app.send_answer(&answer, &session).await;
    assert_eq!(refused.error.as_deref(), Some(DID_NOT_WORK));
    assert!(refused.go_to.is_none());
    let still_out = app
        .get("/inbox", cookie.as_deref().or(Some(&session)))
        .await;
    assert_eq!(still_out.status, StatusCode::SEE_OTHER, "not signed in");
}

#[tokio::test]
async fn an_answer_after_its_challenge_expired_is_refused() {
    let (app, clock) = demo_app_with_clock(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    let mut phone = SoftPasskey::new(true);
    let (added, handle) = app
        .add_passkey(&mut phone, origin(), "My phone", &cookie)
        .await;
    assert_eq!(added.error, None);
    let (options, session) = app.passkey_challenge("passkey_sign_in_options", None).await;
    let chosen = credential_id(&app, "veteran@example.com").await;
    let answer = answer_with(&mut phone, origin(), options, &chosen, Some(handle));
    clock.advance((app::passkeys::CEREMONY_MINUTES * 60 + 1) * 1000);
    let (late, _) = app.send_answer(&answer, &session).await;
    assert_eq!(late.error.as_deref(), Some(TOO_LATE));
}

#[tokio::test]
async fn a_passkey_nobody_added_and_a_passkey_claiming_someone_else_sign_nobody_in() {
    let app = demo_app(&[]).await;
    let cookie = app.sign_in("veteran@example.com").await;
    let mut phone = SoftPasskey::new(true);
    let (added, handle) = app
        .add_passkey(&mut phone, origin(), "My phone", &cookie)
        .await;
    assert_eq!(added.error, None);
    let chosen = credential_id(&app, "veteran@example.com").await;

    // A device whose passkey was made for this site but never added to an account.
    let mut stranger = SoftPasskey::new(true);
    let other = app.sign_in("veteran2@example.com").await;
    let (options, _) = app
        .passkey_call("passkey_add_options", "", Some(&other))
        .await;
    let options = serde_json::from_str(options.options.as_deref().unwrap()).unwrap();
    let never_added = stranger.do_registration(origin(), options).unwrap();
    let (options, session) = app.passkey_challenge("passkey_sign_in_options", None).await;
    let answer = answer_with(
        &mut stranger,
        origin(),
        options,
        &never_added.raw_id,
        Some(handle),
    );
    let (refused, _) = app.send_answer(&answer, &session).await;
    assert_eq!(refused.error.as_deref(), Some(DID_NOT_WORK));

    // The right passkey, but its answer names another account's handle.
    let (options, session) = app.passkey_challenge("passkey_sign_in_options", None).await;
    let wrong_handle = uuid::Uuid::new_v4().as_bytes().to_vec();
    let answer = answer_with(&mut phone, origin(), options, &chosen, Some(wrong_handle));
    let (refused, _) = app.send_answer(&answer, &session).await;
    assert_eq!(refused.error.as_deref(), Some(DID_NOT_WORK));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'sign_in' AND outcome = 'success' \
             AND detail LIKE '%\"step\":\"passkey\"%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_clinician_may_meet_the_required_second_step_with_a_passkey_and_then_must_use_it() {
    let app = demo_app(&["--require-mfa", "true"]).await;
    let cookie = app.sign_in("clinician@example.com").await;
    // Held at the set-up: the team inbox is not open yet, adding a passkey is.
    let held = app.get("/team", Some(&cookie)).await;
    assert_eq!(held.status, StatusCode::SEE_OTHER);
    assert!(held.location().starts_with("/two-step-verification"));
    let mut key = SoftPasskey::new(true);
    let (added, _) = app
        .add_passkey(&mut key, origin(), "Security key", &cookie)
        .await;
    assert_eq!(added.error, None);
    assert_eq!(
        app.get("/team", Some(&cookie)).await.status,
        StatusCode::OK,
        "released"
    );

    // Next time the password alone is not enough: the code page asks for the passkey.
    let password = app
        .post_form(
            "/api/sign_in",
            "email=clinician@example.com&password=demo-password-2026",
            None,
        )
        .await;
    assert_eq!(password.location(), "/sign-in/code");
    let pending = password.session_cookie().unwrap();
    assert_eq!(
        app.get("/team", Some(&pending)).await.status,
        StatusCode::SEE_OTHER
    );
    let code_page = app.get("/sign-in/code", Some(&pending)).await;
    assert!(code_page.body.contains("Use a passkey"));
    assert!(
        !code_page.body.contains("Authentication code"),
        "no app code to ask for"
    );

    let (options, session) = app
        .passkey_challenge("passkey_second_step_options", Some(&pending))
        .await;
    assert!(
        !options.public_key.allow_credentials.is_empty(),
        "their passkeys only"
    );
    let chosen = credential_id(&app, "clinician@example.com").await;
    let answer = answer_with(&mut key, origin(), options, &chosen, None);
    let (signed_in, cookie) = app.send_answer(&answer, &session).await;
    assert_eq!(signed_in.error, None);
    assert_eq!(signed_in.go_to.as_deref(), Some("/team"));
    assert_eq!(
        app.get("/team", Some(&cookie.unwrap())).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_second_step_challenge_needs_a_right_password_first_and_takes_only_that_persons_passkeys()
{
    let app = demo_app(&["--require-mfa", "true"]).await;
    // No password given in this browser: nothing to ask.
    let (refused, _) = app
        .passkey_call("passkey_second_step_options", "", None)
        .await;
    assert!(refused.options.is_none());
    assert!(refused.error.unwrap().contains("timed out"));

    // A Veteran's passkey cannot stand in for a clinician's second step.
    let veteran = app.sign_in("veteran@example.com").await;
    let mut phone = SoftPasskey::new(true);
    assert_eq!(
        app.add_passkey(&mut phone, origin(), "Phone", &veteran)
            .await
            .0
            .error,
        None
    );
    let clinician = app.sign_in("clinician@example.com").await;
    let mut key = SoftPasskey::new(true);
    assert_eq!(
        app.add_passkey(&mut key, origin(), "Key", &clinician)
            .await
            .0
            .error,
        None
    );
    let pending = app
        .post_form(
            "/api/sign_in",
            "email=clinician@example.com&password=demo-password-2026",
            None,
        )
        .await
        .session_cookie()
        .unwrap();
    let (options, session) = app
        .passkey_challenge("passkey_second_step_options", Some(&pending))
        .await;
    let veterans = credential_id(&app, "veteran@example.com").await;
    let mut options = options;
    options.public_key.allow_credentials = Vec::new();
    let answer = answer_with(&mut phone, origin(), options, &veterans, None);
    let (refused, _) = app.send_answer(&answer, &session).await;
    assert_eq!(refused.error.as_deref(), Some(DID_NOT_WORK));
}

#[tokio::test]
async fn only_ones_own_passkey_can_be_removed() {
    let app = demo_app(&[]).await;
    let veteran = app.sign_in("veteran@example.com").await;
    let mut phone = SoftPasskey::new(true);
    assert_eq!(
        app.add_passkey(&mut phone, origin(), "Phone", &veteran)
            .await
            .0
            .error,
        None
    );
    let id = app.count("SELECT id FROM passkeys").await;
    let other = app.sign_in("veteran2@example.com").await;
    let refused = app
        .post_form_from(
            "/api/passkey_remove",
            &format!("id={id}"),
            Some(&other),
            "/settings",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FOUND);
    assert!(refused.location().starts_with("/settings"));
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 1);

    let removed = app
        .post_form_from(
            "/api/passkey_remove",
            &format!("id={id}"),
            Some(&veteran),
            "/settings",
        )
        .await;
    assert_eq!(removed.location(), "/settings?passkey=removed#passkeys");
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'passkey_removed'")
            .await,
        1
    );
}
