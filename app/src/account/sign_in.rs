//! `/sign-in`: a real form post, so it works before (or without) the wasm.

use crate::error::AppError;
use crate::ui::ErrorSummary;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Signs in and redirects to `next` (when it is a path on this site) or the role's home.
/// For an account with two-step verification on, the right password only starts the
/// sign-in: the session remembers it for a few minutes and the code page asks for the rest.
#[server(endpoint = "sign_in", output = leptos::server_fn::codec::Postcard)]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
    browser_time_zone: Option<String>,
) -> Result<(), AppError> {
    use super::ssr::{PasswordChecked, PendingSignIn, PENDING_SIGN_IN_KEY};
    use crate::auth::safe_next;
    use crate::server::access::{app_state, requester};
    use crate::server::session_store::USER_ID_KEY;
    let state = app_state()?;
    let ip = requester().ip;
    let checked = super::ssr::attempt(&state.db, &email, &password, &ip).await?;
    let session: tower_sessions::Session =
        leptos_axum::extract().await.map_err(AppError::internal)?;
    // A new session id at sign-in, so an id planted before cannot ride along (ASVS 3.2.1),
    // and nothing of whoever used this browser before (what they typed, where they were
    // going) carries over.
    session.clear().await;
    session.cycle_id().await?;
    let next = safe_next(next.as_deref());
    if let Some(zone) = browser_time_zone.as_deref().map(str::trim) {
        crate::server::users::remember_browser_zone(&state.db, checked.user().id, zone).await?;
    }
    match checked {
        PasswordChecked::SignedIn(user) => {
            crate::server::session_store::sign_in(&state.db, &session, user.id).await?;
            leptos_axum::redirect(next.unwrap_or(user.role.home()));
        }
        PasswordChecked::CodeNeeded(user) => {
            // Whoever was signed in in this browser is not any more: a new sign-in began.
            session.remove::<i64>(USER_ID_KEY).await?;
            let pending = PendingSignIn::new(user.id, next.map(str::to_string));
            session.insert(PENDING_SIGN_IN_KEY, pending).await?;
            leptos_axum::redirect(crate::mfa::CODE_PATH);
        }
    }
    Ok(())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = move || action.value().get().and_then(Result::err);
    let field_error = move |name: &'static str| move || error().and_then(|e| e.field(name));
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // Why the last session ended, when it timed out.
    let ended = move || {
        query
            .read()
            .get("ended")
            .and_then(|why| super::session_time::Ended::parse(&why))
    };
    // Why a sign-in through the provider did not sign anyone in.
    let sso_refused = move || {
        query
            .read()
            .get(crate::sso::REFUSED_PARAM)
            .and_then(|why| crate::sso::Refusal::parse(&why))
    };

    view! {
        <Title text="Sign in" />
        <div class="sm-sign-in">
            <h1>"Sign in to Secure Messaging"</h1>
            {move || ended().map(|why| view! {
                <div class="usa-alert usa-alert--info usa-alert--slim" role="status">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">{why.sentence()}</p>
                    </div>
                </div>
            })}
            {move || sso_refused().map(|why| view! {
                <div class="usa-alert usa-alert--error usa-alert--slim" role="alert">
                    <div class="usa-alert__body">
                        <p class="usa-alert__text">{why.sentence()}</p>
                    </div>
                </div>
            })}
            <ErrorSummary error=Signal::derive(error) />
            <crate::sso::SingleSignOnButton next=Signal::derive(next) />
            <crate::passkeys::PasskeySignIn />
            <form class="usa-form" method="post" action=SignIn::PATH novalidate>
                <input type="hidden" name="next" value=next />
                <BrowserTimeZone />
                <FormField name="email" label="Email address" kind="email" autocomplete="username webauthn" error=Signal::derive(field_error("email")) />
                <FormField name="password" label="Password" kind="password" autocomplete="current-password" error=Signal::derive(field_error("password")) />
                <button type="submit" class="usa-button">"Sign in"</button>
            </form>
            <p><a href=super::forgot::FORGOT_PATH>"Forgot your password?"</a></p>
        </div>
    }
}

/// The browser's time zone, sent with the sign-in, for people with no facility whose zone
/// their dates would be shown in. Filled in once the page's script runs; empty without it.
#[island(lazy)]
fn BrowserTimeZone() -> impl IntoView {
    crate::layout::island_hydrated();
    let input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use leptos::web_sys::js_sys::{Array, Intl, Object, Reflect};
        let Some(input) = input.get() else { return };
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        if let Some(zone) = Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
        {
            input.set_value(&zone);
        }
    });
    view! { <input type="hidden" name="browser_time_zone" node_ref=input /> }
}

/// A labelled input with its error message tied to it (USWDS `usa-form-group--error`).
#[component]
pub(super) fn FormField(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let has_error = move || error.get().is_some();
    view! {
        <div class="usa-form-group" class:usa-form-group--error=has_error>
            <label class="usa-label" class:usa-label--error=has_error for=name>{label}</label>
            {move || error.get().map(|message| view! {
                <span class="usa-error-message" id=format!("{name}-error") role="alert">
                    <span class="usa-sr-only">"Error: "</span>{message}
                </span>
            })}
            <input
                class="usa-input"
                class:usa-input--error=has_error
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required
                aria-invalid=move || has_error().to_string()
                aria-describedby=move || has_error().then(|| error_id.clone())
            />
        </div>
    }
}
