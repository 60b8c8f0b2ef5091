//! Single sign-on on the server: sending the browser to the provider, and checking what
//! comes back. The provider's metadata and signing keys are read from its discovery
//! document at each step, so a key the provider rotates in is used at once (sign-ins are
//! rare enough that this costs nothing that matters).

use super::Refusal;
use crate::auth::{Role, SignedInUser};
use crate::server::audit::{self, Action, AuditEvent, Outcome};
use crate::server::db::Db;
use crate::server::link_tokens;
use crate::server::users;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

/// Where the session keeps the provider's ID token, for signing out there too.
pub const ID_TOKEN_KEY: &str = "sso_id_token";

/// How long the provider may take to send the browser back.
const SIGN_IN_MINUTES: i64 = 10;

/// Single sign-on as configured (`SM_OIDC_*`).
#[derive(Clone, Debug)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// The button's words, e.g. "Sign in with Login.gov".
    pub label: String,
    /// Unknown people with a verified email get a Veteran account.
    pub self_register: bool,
    /// `amr` values that mean the provider asked for a second factor itself: then the
    /// app's own code is not asked again.
    pub second_factor_amr: Vec<String>,
    /// `CALLBACK_PATH` on the site's public address, as registered with the provider.
    pub redirect_url: String,
}

/// Where a finished single sign-on goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finished {
    pub user: SignedInUser,
    /// Where the person was going before signing in.
    pub next: Option<String>,
    /// The app's own two-step verification is on and the provider did not ask for a
    /// second factor: the code step comes next.
    pub code_needed: bool,
    /// The provider's ID token, the hint its sign-out asks for.
    pub id_token: String,
}

/// What the provider sent back to the callback.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

fn http_client() -> Result<openidconnect::reqwest::Client, Refusal> {
    // No redirects: the token and discovery requests must reach the provider itself
    // (openidconnect's advice against server-side request forgery).
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|error| failed("http client", error))
}

fn failed(step: &str, error: impl std::fmt::Display) -> Refusal {
    tracing::warn!(step, %error, "single sign-on failed");
    Refusal::Failed
}

async fn client(
    settings: &SsoSettings,
    http: &openidconnect::reqwest::Client,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    Refusal,
> {
    let issuer = IssuerUrl::new(settings.issuer.clone()).map_err(|e| failed("issuer", e))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| failed("discovery", e))?;
    let redirect =
        RedirectUrl::new(settings.redirect_url.clone()).map_err(|e| failed("redirect", e))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        settings.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}

/// Starts a sign-in: the provider's address to send the browser to, and the value for the
/// browser's cookie that finds this sign-in again.
pub async fn begin(
    db: &Db,
    settings: &SsoSettings,
    next: Option<&str>,
) -> Result<(String, String), Refusal> {
    let http = http_client()?;
    let client = client(settings, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".to_string()))
        .add_scope(Scope::new("profile".to_string()))
        .set_pkce_challenge(challenge)
        .url();
    let (browser, browser_hash) = link_tokens::new_token();
    let now = db.now_ms();
    // Sign-ins never finished are removed as new ones start.
    sqlx::query("DELETE FROM sso_sign_ins WHERE created_at < $1")
        .bind(now - SIGN_IN_MINUTES * 60_000)
        .execute(&db.pool)
        .await
        .map_err(|e| failed("store", e))?;
    sqlx::query(
        "INSERT INTO sso_sign_ins (browser_hash, state, nonce, pkce_verifier, next, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(browser_hash)
    .bind(state.secret())
    .bind(nonce.secret())
    .bind(verifier.secret())
    .bind(next)
    .bind(now)
    .execute(&db.pool)
    .await
    .map_err(|e| failed("store", e))?;
    Ok((url.to_string(), browser))
}

/// The person the provider vouches for, from the ID token.
struct Vouched {
    subject: String,
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
    second_factor: bool,
}

/// Finishes a sign-in the browser with cookie value `browser` started: checks what came
/// back, finds (or makes) the account. Every outcome is audited.
pub async fn finish(
    db: &Db,
    settings: &SsoSettings,
    browser: Option<&str>,
    callback: &Callback,
    ip: &str,
) -> Result<Finished, Refusal> {
    let outcome = check(db, settings, browser, callback).await;
    let (vouched, next, id_token) = match outcome {
        Ok(found) => found,
        Err(refusal) => {
            record_refusal(db, None, "sso", refusal, ip).await;
            return Err(refusal);
        }
    };
    let target = vouched
        .email
        .as_deref()
        .map(|email| crate::server::sign_in_guard::account_target(&users::normalize_email(email)))
        .unwrap_or_else(|| "sso".to_string());
    match account(db, settings, &vouched).await {
        Ok((user, how)) => {
            let code_needed = !vouched.second_factor
                && crate::mfa::ssr::turned_on(&db.pool, user.id)
                    .await
                    .map_err(|e| failed("two-step state", e))?;
            let (action, outcome) = if code_needed {
                (Action::SignInPasswordAccepted, Outcome::Success)
            } else {
                (Action::SignIn, Outcome::Success)
            };
            let event = AuditEvent::new(action, outcome)
                .actor(user.id)
                .target(target)
                .from_address(ip)
                .detail(serde_json::json!({
                    "method": "single_sign_on",
                    "account": how,
                    "provider_second_factor": vouched.second_factor,
                }));
            audit::record(&db.pool, &event)
                .await
                .map_err(|e| failed("audit", e))?;
            Ok(Finished {
                user,
                next,
                code_needed,
                id_token,
            })
        }
        Err(refusal) => {
            record_refusal(db, Some(target), "", refusal, ip).await;
            Err(refusal)
        }
    }
}

async fn record_refusal(
    db: &Db,
    target: Option<String>,
    fallback: &str,
    refusal: Refusal,
    ip: &str,
) {
    let target = target.unwrap_or_else(|| fallback.to_string());
    let outcome = match refusal {
        Refusal::Deactivated => Outcome::Denied,
        _ => Outcome::Failure,
    };
    let event = AuditEvent::new(Action::SignIn, outcome)
        .target(target)
        .from_address(ip)
        .detail(serde_json::json!({ "method": "single_sign_on", "reason": refusal.as_str() }));
    if let Err(error) = audit::record(&db.pool, &event).await {
        tracing::error!(%error, "could not audit a refused single sign-on");
    }
}

/// The sign-in this browser started (used up now, whatever happens next), and the ID
/// token's claims once every check passes.
async fn check(
    db: &Db,
    settings: &SsoSettings,
    browser: Option<&str>,
    callback: &Callback,
) -> Result<(Vouched, Option<String>, String), Refusal> {
    let started: Option<(String, String, String, Option<String>, i64)> = match browser {
        Some(browser) => sqlx::query_as(
            "DELETE FROM sso_sign_ins WHERE browser_hash = $1 \
             RETURNING state, nonce, pkce_verifier, next, created_at",
        )
        .bind(link_tokens::token_hash(browser))
        .fetch_optional(&db.pool)
        .await
        .map_err(|e| failed("store", e))?,
        None => None,
    };
    if callback.error.is_some() {
        return Err(Refusal::Cancelled);
    }
    let Some((state, nonce, verifier, next, created_at)) = started else {
        return Err(failed("callback", "no sign-in started in this browser"));
    };
    if db.now_ms() - created_at > SIGN_IN_MINUTES * 60_000 {
        return Err(failed("callback", "the sign-in took too long"));
    }
    if callback.state.as_deref() != Some(state.as_str()) {
        return Err(failed("callback", "state does not match"));
    }
    let Some(code) = callback.code.clone() else {
        return Err(failed("callback", "no code"));
    };
    let http = http_client()?;
    let client = client(settings, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| failed("token endpoint", e))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&http)
        .await
        .map_err(|e| failed("code exchange", e))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| failed("code exchange", "no ID token"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce))
        .map_err(|e| failed("ID token", e))?;
    let amr: Vec<String> = claims
        .auth_method_refs()
        .map(|amr| amr.iter().map(|method| method.to_string()).collect())
        .unwrap_or_default();
    let mut vouched = Vouched {
        subject: claims.subject().to_string(),
        email: claims.email().map(|email| email.to_string()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.to_string()),
        second_factor: second_factor(&amr, &settings.second_factor_amr),
    };
    // Many providers give the email address only at their user info endpoint (OpenID
    // Connect Core 5.4, when an access token is issued): ask there, for this subject.
    if vouched.email.is_none() {
        let info: openidconnect::core::CoreUserInfoClaims = client
            .user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            )
            .map_err(|e| failed("user info endpoint", e))?
            .request_async(&http)
            .await
            .map_err(|e| failed("user info", e))?;
        vouched.email = info.email().map(|email| email.to_string());
        vouched.email_verified = info.email_verified() == Some(true);
        if vouched.name.is_none() {
            vouched.name = info
                .name()
                .and_then(|name| name.get(None))
                .map(|name| name.to_string());
        }
    }
    Ok((
        vouched,
        crate::auth::safe_next(next.as_deref()).map(str::to_string),
        id_token.to_string(),
    ))
}

/// The provider's sign-out address for a person who signed in there (RP-initiated
/// logout), coming back to `after`; `None` when the provider offers none or cannot be
/// reached, and the person is only signed out here.
pub async fn provider_sign_out(
    settings: &SsoSettings,
    id_token: &str,
    after: &str,
) -> Option<String> {
    let http = http_client().ok()?;
    let issuer = IssuerUrl::new(settings.issuer.clone()).ok()?;
    let metadata = openidconnect::ProviderMetadataWithLogout::discover_async(issuer, &http)
        .await
        .map_err(|e| failed("discovery for sign-out", e))
        .ok()?;
    let mut end = metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()?
        .url()
        .clone();
    end.query_pairs_mut()
        .append_pair("id_token_hint", id_token)
        .append_pair("post_logout_redirect_uri", after)
        .append_pair("client_id", &settings.client_id);
    Some(end.to_string())
}

/// Whether the provider's `amr` (authentication methods) names one of the `trusted`
/// second factors.
pub fn second_factor(amr: &[String], trusted: &[String]) -> bool {
    amr.iter().any(|method| trusted.contains(method))
}

/// The account of the person the provider vouches for: linked before, linked now by the
/// verified email address, or made now (self-registration). Answers how it was found.
async fn account(
    db: &Db,
    settings: &SsoSettings,
    vouched: &Vouched,
) -> Result<(SignedInUser, &'static str), Refusal> {
    let linked: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM sso_identities WHERE issuer = $1 AND subject = $2")
            .bind(&settings.issuer)
            .bind(&vouched.subject)
            .fetch_optional(&db.pool)
            .await
            .map_err(|e| failed("identities", e))?;
    if let Some(user_id) = linked {
        return match users::active_user(&db.pool, user_id)
            .await
            .map_err(|e| failed("account", e))?
        {
            Some(user) => Ok((user, "linked_before")),
            None => Err(Refusal::Deactivated),
        };
    }
    // Never an unverified address: anyone can type someone else's into a provider.
    let Some(email) = vouched.email.as_deref().map(users::normalize_email) else {
        return Err(failed("ID token", "no email address"));
    };
    if !vouched.email_verified {
        return Err(Refusal::EmailNotVerified);
    }
    let found = users::credentials_by_email(&db.pool, &email)
        .await
        .map_err(|e| failed("account", e))?;
    let (user, how) = match found {
        Some(account) if !account.active => return Err(Refusal::Deactivated),
        Some(account) => (account.user, "linked_by_email"),
        None if settings.self_register => (register(db, &email, vouched).await?, "created"),
        None => return Err(Refusal::NoAccount),
    };
    // Two sign-ins racing to link: the first wins, the second finds it linked.
    sqlx::query(
        "INSERT INTO sso_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (issuer, subject) DO NOTHING",
    )
    .bind(&settings.issuer)
    .bind(&vouched.subject)
    .bind(user.id)
    .bind(db.now_ms())
    .execute(&db.pool)
    .await
    .map_err(|e| failed("identities", e))?;
    Ok((user, how))
}

/// A Veteran account for a person the provider vouches for (no password: they sign in
/// through the provider; no team until an administrator associates one).
async fn register(db: &Db, email: &str, vouched: &Vouched) -> Result<SignedInUser, Refusal> {
    let name = vouched
        .name
        .clone()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
    let now = db.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, active, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
    )
    .bind(email)
    .bind(name.trim())
    .bind(Role::Veteran.as_str())
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| failed("register", e))?;
    users::active_user(&db.pool, id)
        .await
        .map_err(|e| failed("register", e))?
        .ok_or_else(|| failed("register", "the new account is missing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_trusted_method_counts_as_the_providers_second_factor() {
        let trusted = vec!["mfa".to_string(), "hwk".to_string()];
        let amr = |methods: &[&str]| methods.iter().map(|m| m.to_string()).collect::<Vec<_>>();
        assert!(second_factor(&amr(&["pwd", "mfa"]), &trusted));
        assert!(second_factor(&amr(&["hwk"]), &trusted));
        assert!(!second_factor(&amr(&["pwd"]), &trusted));
        assert!(!second_factor(&amr(&[]), &trusted));
        assert!(!second_factor(&amr(&["mfa"]), &[]));
    }
}
