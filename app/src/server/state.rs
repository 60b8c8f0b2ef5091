//! The one application state (STYLE.md habit 4), handed to handlers by axum and to server
//! functions through Leptos context.

use super::audit_chain::AuditChain;
use super::db::Db;
use super::events::EventHub;
use crate::attachments::ssr::scan::Scanning;
use crate::attachments::ssr::storage::AttachmentStore;
use crate::mfa::ssr::sealing::MfaKey;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Settings the app needs at request time. Built by the server from flags and `SM_*`
/// variables.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Demo mode: demo data, the "Demo" banner, relaxed secrets (DESIGN.md §5).
    pub demo: bool,
    /// Clinicians and administrators must use two-step verification (`SM_REQUIRE_MFA`; on
    /// by default, off in demo mode so the demo accounts sign in with the password alone).
    pub require_mfa: bool,
    /// How long a session lasts without activity, and at most (`SM_SESSION_IDLE_SECONDS`,
    /// `SM_SESSION_MAX_SECONDS`).
    pub session_limits: crate::account::session_time::SessionLimits,
    /// The breached-password range service, when one is set (`SM_PWNED_RANGE_URL`).
    pub pwned_range: Option<super::pwned_range::PwnedRange>,
    /// The site's address as people reach it, for links in emails (`SM_PUBLIC_URL`).
    pub public_url: crate::email::ssr::PublicUrl,
    /// Single sign-on through an OpenID Connect provider, when set up (`SM_OIDC_*`).
    pub sso: Option<crate::sso::ssr::SsoSettings>,
    /// The relying party passkeys belong to, named by `public_url`; `None` when that is an
    /// IP address other than a loopback one (WebAuthn needs a domain name).
    pub passkeys: Option<Arc<webauthn_rs::prelude::Webauthn>>,
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<AppConfig>,
    pub leptos_options: LeptosOptions,
    /// Live updates (server-sent events) for every open page.
    pub events: EventHub,
    /// Where attachment files are stored, sealed.
    pub attachments: AttachmentStore,
    /// The virus scanner uploads must pass, when one is configured, and its private
    /// directory.
    pub scanner: Option<Scanning>,
    /// Seals two-step verification secrets at rest (`SM_MFA_KEY`).
    pub mfa_key: MfaKey,
    /// Seals the audit trail (`SM_AUDIT_KEY`) and keeps the latest check of it.
    pub audit_chain: AuditChain,
}
