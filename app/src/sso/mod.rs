//! Single sign-on: signing in through an OpenID Connect provider (Login.gov, ID.me, or any
//! standard one), configured by `SM_OIDC_ISSUER`, `SM_OIDC_CLIENT_ID`,
//! `SM_OIDC_CLIENT_SECRET` and `SM_OIDC_LABEL`.
//!
//! `/sign-in` shows the provider's button above the password form. The button leads to
//! `START_PATH`, which sends the browser to the provider (authorization code flow with
//! PKCE, `state` and `nonce`); the provider sends it back to `CALLBACK_PATH`, where the ID
//! token is checked (issuer, audience, expiry, signature, nonce) and the person signed in.
//! The routes themselves are the server's (`server/src/single_sign_on.rs`); the flow and
//! the accounts are `ssr`.
//!
//! The first sign-in links the provider's person to an account by the provider's
//! **verified** email address, or makes a Veteran account when `SM_OIDC_SELF_REGISTER` is
//! on. Someone who set up the app's own two-step verification still enters its code
//! unless the provider says it already asked for a second factor (`amr`, see
//! `SM_OIDC_SECOND_FACTOR_AMR`).

#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the button leads: the server sends the browser on to the provider.
pub const START_PATH: &str = "/sign-in/sso";
/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/sign-in/sso/callback";
/// The query parameter of `/sign-in` naming why a single sign-on did not sign anyone in.
pub const REFUSED_PARAM: &str = "sso";

/// Why a single sign-on did not sign anyone in, as `/sign-in?sso=…` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// The provider has not confirmed the person's email address.
    EmailNotVerified,
    /// No account has that email address, and self-registration is off.
    NoAccount,
    /// The account is deactivated.
    Deactivated,
    /// The person stopped at the provider, or it answered with an error.
    Cancelled,
    /// Anything that does not check out: an unknown or reused sign-in, a changed `state`,
    /// an ID token that fails its checks, the provider unreachable.
    Failed,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::EmailNotVerified => "email_not_verified",
            Refusal::NoAccount => "no_account",
            Refusal::Deactivated => "deactivated",
            Refusal::Cancelled => "cancelled",
            Refusal::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Refusal> {
        [
            Refusal::EmailNotVerified,
            Refusal::NoAccount,
            Refusal::Deactivated,
            Refusal::Cancelled,
            Refusal::Failed,
        ]
        .into_iter()
        .find(|refusal| refusal.as_str() == text)
    }

    /// What the sign-in page says.
    pub fn sentence(self) -> &'static str {
        match self {
            Refusal::EmailNotVerified => "Your sign-in service hasn't confirmed your email address, so we can't match it to a Secure Messaging account. Confirm your email address with the service, then try again, or sign in with your password.",
            Refusal::NoAccount => "There's no Secure Messaging account for the email address your sign-in service gave us. Ask your VA facility to set up your account, then try again.",
            Refusal::Deactivated => "This account is no longer active. Contact your VA facility if you need access.",
            Refusal::Cancelled => "You didn't finish signing in with your sign-in service. You can try again, or sign in with your password.",
            Refusal::Failed => "We couldn't sign you in with your sign-in service. Please try again, or sign in with your password.",
        }
    }
}

/// The provider's button, above the password form, with `next` carried through; nothing
/// when single sign-on is not set up. Its words come with the page context.
#[component]
pub fn SingleSignOnButton(next: Signal<String>) -> impl IntoView {
    let context = use_context::<crate::layout::PageContextResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let label = match context {
                    Some(context) => context.await.ok().and_then(|c| c.single_sign_on),
                    None => None,
                };
                label.map(|label| {
                    let href = move || match next.get() {
                        next if next.is_empty() => START_PATH.to_string(),
                        next => format!("{START_PATH}?next={}", crate::ui::encode(&next)),
                    };
                    view! {
                        <p class="sm-single-sign-on">
                            <a class="usa-button usa-button--big" href=href rel="external">{label}</a>
                        </p>
                        <p class="sm-or">"Or sign in with your email address and password"</p>
                    }
                })
            })}
        </Suspense>
    }
}
