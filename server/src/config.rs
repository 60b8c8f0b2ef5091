//! Configuration from flags and `SM_*` environment variables (DESIGN.md §4–5).
//!
//! No secret has a default outside demo mode: the server refuses to start without them and
//! says which one is missing, in one line.

use crate::client_address::{ForwardedHeader, TrustedProxies};
use app::account::session_time::SessionLimits;
use app::attachments::ssr::scan::Scanner;
use app::attachments::ssr::sealing::MasterKey;
use app::attachments::ssr::storage::StorageConfig;
use app::email::ssr::smtp::plain_text_host;
use app::email::ssr::{Mailer, PublicUrl};
use app::mfa::ssr::sealing::{MfaKey, MfaKeyError};
use app::server::audit_chain::{AuditKey, AuditKeyError};
use app::server::db::{SqliteSync, Transport};
use base64::Engine;
use clap::Parser;
use std::net::SocketAddr;

#[derive(Parser, Clone, Debug)]
#[command(
    name = "secure-messaging",
    version,
    about = "Secure Messaging: Veterans and their care teams, between visits"
)]
pub struct Config {
    /// Demo mode: seed demo people and teams into an empty database, show the "Demo" banner,
    /// and make up the secrets below when they are not given.
    #[arg(long, env = "SM_DEMO")]
    pub demo: bool,

    /// Demo mode on an address other devices can reach (`LEPTOS_SITE_ADDR` not a loopback
    /// address). Off by default: the demo's accounts have a published password.
    #[arg(long, env = "SM_DEMO_ON_NETWORK")]
    pub demo_on_network: bool,

    /// A one-off task instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// `sqlite://path?mode=rwc` (embedded) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "SM_DATABASE_URL",
        default_value = "sqlite://data/secure-messaging.db?mode=rwc"
    )]
    pub database_url: String,

    /// Allow a PostgreSQL URL to another host without `sslmode=require` or stronger, so
    /// messages cross the network in plain text. Only for a private network you trust;
    /// the server logs a warning at every start.
    #[arg(long, env = "SM_DATABASE_ALLOW_PLAINTEXT")]
    pub database_allow_plaintext: bool,

    /// Largest number of open database connections.
    #[arg(long, env = "SM_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,

    /// How SQLite commits: `full` (default) writes every commit to the disk before a send is
    /// acknowledged, so it survives a power loss; `normal` is faster but can lose the last
    /// acknowledged messages if the machine (not only the server) goes down. PostgreSQL
    /// ignores it.
    #[arg(long, env = "SM_SQLITE_SYNCHRONOUS", default_value = "full", value_parser = parse_sqlite_sync)]
    pub sqlite_synchronous: SqliteSync,

    /// Key that signs session cookies: at least 64 random bytes, base64-encoded
    /// (`openssl rand -base64 64`). Required outside demo mode.
    #[arg(long, env = "SM_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<String>,

    /// Seconds without anything the person does (opening a page, posting a form, a key or
    /// a touch on the page) before their session ends. Live updates do not count.
    #[arg(long, env = "SM_SESSION_IDLE_SECONDS", default_value_t = 1800, value_parser = clap::value_parser!(u32).range(10..))]
    pub session_idle_seconds: u32,

    /// Seconds after signing in that a session ends, however busy its person is.
    #[arg(long, env = "SM_SESSION_MAX_SECONDS", default_value_t = 43200, value_parser = clap::value_parser!(u32).range(60..))]
    pub session_max_seconds: u32,

    /// Seconds a request may take before it is stopped and answered 503 (the live-update
    /// stream excepted).
    #[arg(long, env = "SM_REQUEST_TIMEOUT_SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub request_timeout_seconds: u32,

    /// Seconds a post carrying files may take (a phone on a slow connection sending 10 MB).
    #[arg(long, env = "SM_UPLOAD_TIMEOUT_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..))]
    pub upload_timeout_seconds: u32,

    /// Log lines as JSON (for log collectors) instead of text.
    #[arg(long, env = "SM_LOG_JSON")]
    pub log_json: bool,

    /// Key that wraps every attachment's own key: 32 random bytes, base64 or hex
    /// (`openssl rand -base64 32`). Required outside demo mode. Losing it loses the files.
    #[arg(long, env = "SM_ATTACHMENT_KEY", hide_env_values = true)]
    pub attachment_key: Option<String>,

    /// Where attachments are stored: `local` (a directory) or `s3` (S3-compatible storage).
    #[arg(long, env = "SM_ATTACHMENT_STORE", value_enum, default_value_t = StoreKind::Local)]
    pub attachment_store: StoreKind,

    /// The local directory; files go in its `attachments/` folder. With a virus scanner,
    /// its `scanning/` folder (owner-only) holds each upload's plain copy while it is
    /// scanned, whichever store is used.
    #[arg(long, env = "SM_ATTACHMENT_DIR", default_value = "data")]
    pub attachment_dir: std::path::PathBuf,

    /// The S3 bucket (with `--attachment-store s3`). Credentials come from the usual
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` variables.
    #[arg(long, env = "SM_ATTACHMENT_S3_BUCKET")]
    pub attachment_s3_bucket: Option<String>,

    /// The endpoint of an S3-compatible server (MinIO, Ceph, …); leave out for AWS.
    #[arg(long, env = "SM_ATTACHMENT_S3_ENDPOINT")]
    pub attachment_s3_endpoint: Option<String>,

    #[arg(long, env = "SM_ATTACHMENT_S3_REGION", default_value = "us-east-1")]
    pub attachment_s3_region: String,

    /// A virus scanner command, given the file's path; exit status 0 means clean. When set
    /// (or `--clamd-address`), a file that fails or cannot be scanned is refused.
    #[arg(long, env = "SM_SCAN_COMMAND")]
    pub scan_command: Option<String>,

    /// A clamd daemon to scan uploads with, `host:port`.
    #[arg(long, env = "SM_CLAMD_ADDRESS")]
    pub clamd_address: Option<String>,

    /// A breached-password range service (k-anonymity: only the first 5 hex digits of a new
    /// password's SHA-1 are sent), e.g. `https://api.pwnedpasswords.com/range/`. Checked
    /// besides the built-in list of common passwords; when it cannot be reached, the list
    /// alone decides (logged as a warning).
    #[arg(long, env = "SM_PWNED_RANGE_URL")]
    pub pwned_range_url: Option<String>,

    /// Require two-step verification (an authenticator app's code) of clinicians and
    /// administrators: `true` or `false` (`1`/`0`, `yes`/`no`, `on`/`off` work too).
    /// Default: `true`, except in demo mode.
    #[arg(long, env = "SM_REQUIRE_MFA", value_parser = clap::builder::BoolishValueParser::new())]
    pub require_mfa: Option<bool>,

    /// Key that seals two-step verification secrets in the database: 32 random bytes,
    /// base64 or hex (`openssl rand -base64 32`). Required outside demo mode. Losing it
    /// means every person's two-step verification must be reset by an administrator.
    #[arg(long, env = "SM_MFA_KEY", hide_env_values = true)]
    pub mfa_key: Option<String>,

    /// Key that seals the audit trail, so a changed or removed event shows: 32 or more
    /// random bytes, base64 or hex (`openssl rand -base64 32`). Required outside demo mode.
    /// Keep it outside the database (and its backups); `verify-audit` needs the same key.
    #[arg(long, env = "SM_AUDIT_KEY", hide_env_values = true)]
    pub audit_key: Option<String>,

    /// The reverse proxies in front of the server, whose forwarding header names the client:
    /// comma-separated addresses and networks (`10.0.0.0/8, 127.0.0.1`). Default: none, so
    /// the connecting address is the client. Without it behind a proxy, every person shares
    /// the proxy's address in the sign-in limits and the audit trail.
    #[arg(long, env = "SM_TRUSTED_PROXIES", default_value = "", value_parser = parse_trusted_proxies)]
    pub trusted_proxies: TrustedProxies,

    /// The header those proxies write: `x-forwarded-for` (default) or `forwarded` (RFC 7239).
    /// Only this one is read; the other could come from the client unchanged.
    #[arg(long, env = "SM_FORWARDED_HEADER", value_enum, default_value_t = ForwardedHeader::XForwardedFor)]
    pub forwarded_header: ForwardedHeader,

    /// The SMTP server emails go through: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtp://127.0.0.1:25` (a relay
    /// on this machine). Required outside demo mode; a demo without it keeps its emails at
    /// `/demo/mail`.
    #[arg(long, env = "SM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Allow `SM_SMTP_URL` to reach another host without TLS (`smtp://` without
    /// `?tls=required`), so set-up and reset links cross the network in plain text. Only for
    /// a private network you trust; the server logs a warning at every start.
    #[arg(long, env = "SM_SMTP_ALLOW_PLAINTEXT")]
    pub smtp_allow_plaintext: bool,

    /// The sender of every email: `VA Secure Messaging <no-reply@messages.va.example>`.
    /// Required outside demo mode.
    #[arg(long, env = "SM_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// The site's address as people reach it, put in emailed links:
    /// `https://messages.va.example`. Required outside demo mode; a demo uses its own
    /// address.
    #[arg(long, env = "SM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Single sign-on: the OpenID Connect provider's issuer (its discovery document is at
    /// `{issuer}/.well-known/openid-configuration`), e.g. `https://secure.login.gov`. Off
    /// when unset. Register `{SM_PUBLIC_URL}/sign-in/sso/callback` with the provider.
    #[arg(long, env = "SM_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id the provider gave this site. Required with SM_OIDC_ISSUER.
    #[arg(long, env = "SM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret the provider gave this site, if it gave one (PKCE is used either
    /// way).
    #[arg(long, env = "SM_OIDC_CLIENT_SECRET")]
    pub oidc_client_secret: Option<String>,

    /// The words on the sign-in page's button, e.g. "Sign in with Login.gov".
    #[arg(
        long,
        env = "SM_OIDC_LABEL",
        default_value = "Sign in with your sign-in service"
    )]
    pub oidc_label: String,

    /// A person with a verified email address and no account gets a Veteran account (with
    /// no care team until an administrator associates one). Off: only people an
    /// administrator has invited can sign in through the provider.
    #[arg(long, env = "SM_OIDC_SELF_REGISTER")]
    pub oidc_self_register: bool,

    /// `amr` values in the provider's ID token that mean it asked for a second factor
    /// itself, so the app's own two-step code is not asked again (comma-separated).
    #[arg(
        long,
        env = "SM_OIDC_SECOND_FACTOR_AMR",
        default_value = "mfa",
        value_delimiter = ','
    )]
    pub oidc_second_factor_amr: Vec<String>,
}

/// A one-off task, run instead of the server.
#[derive(clap::Subcommand, Clone, Debug)]
pub enum Command {
    /// Creates the first administrator of a new installation (then invite everyone else
    /// from the console). The password is read from standard input: typed at a prompt that
    /// does not show it, or piped in. Two-step verification is set up at first sign-in.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Seals any audit events not sealed yet, then checks every seal of the audit trail
    /// with SM_AUDIT_KEY. Prints how far the chain holds, or the first event where it
    /// breaks (exit status 1).
    VerifyAudit,
}

/// `SM_TRUSTED_PROXIES`: addresses and networks, comma-separated.
fn parse_trusted_proxies(text: &str) -> Result<TrustedProxies, String> {
    text.parse()
}

/// `SM_SQLITE_SYNCHRONOUS`: `full` or `normal`.
fn parse_sqlite_sync(text: &str) -> Result<SqliteSync, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "full" => Ok(SqliteSync::Full),
        "normal" => Ok(SqliteSync::Normal),
        other => Err(format!("`{other}` is not `full` or `normal`")),
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Local,
    S3,
}

/// The sender of a demo's emails when `SM_MAIL_FROM` is not set.
const DEMO_MAIL_FROM: &str = "VA Secure Messaging demo <no-reply@demo.invalid>";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("SM_SESSION_KEY is required outside demo mode (64+ random bytes, base64; e.g. `openssl rand -base64 64`)")]
    MissingSessionKey,
    #[error("SM_SESSION_KEY must be base64 of at least 64 bytes")]
    BadSessionKey,
    #[error("SM_ATTACHMENT_KEY is required outside demo mode (32 random bytes, base64 or hex; e.g. `openssl rand -base64 32`)")]
    MissingAttachmentKey,
    #[error("{0}")]
    BadAttachmentKey(app::attachments::ssr::sealing::MasterKeyError),
    #[error("SM_ATTACHMENT_S3_BUCKET is required with SM_ATTACHMENT_STORE=s3")]
    MissingBucket,
    #[error("SM_MFA_KEY is required outside demo mode (32 random bytes, base64 or hex; e.g. `openssl rand -base64 32`)")]
    MissingMfaKey,
    #[error("{0}")]
    BadMfaKey(MfaKeyError),
    #[error("{0}")]
    BadPwnedRangeUrl(String),
    #[error("SM_AUDIT_KEY is required outside demo mode (32 or more random bytes, base64 or hex; e.g. `openssl rand -base64 32`)")]
    MissingAuditKey,
    #[error("{0}")]
    BadAuditKey(AuditKeyError),
    #[error("demo mode listens only on this machine (its accounts have a published password); LEPTOS_SITE_ADDR is {0}: use 127.0.0.1, or add --demo-on-network to show the demo to other devices")]
    DemoOnNetwork(String),
    #[error("{0} is required outside demo mode: emails (invitations, password resets, new-message notices) go through SM_SMTP_URL, from SM_MAIL_FROM, with links to SM_PUBLIC_URL")]
    MissingMail(&'static str),
    #[error("{0}")]
    BadMail(String),
    #[error("SM_SMTP_URL reaches {0} without TLS, and emails carry set-up and reset links: use smtps:// or add ?tls=required, or set SM_SMTP_ALLOW_PLAINTEXT=true on a private network you trust")]
    PlaintextSmtp(String),
    #[error("SM_OIDC_CLIENT_ID is required with SM_OIDC_ISSUER")]
    MissingOidcClientId,
    #[error("SM_DATABASE_URL reaches PostgreSQL on {0} without TLS: add `?sslmode=verify-full&sslrootcert=/path/to/ca.pem` (or `sslmode=require`), or set SM_DATABASE_ALLOW_PLAINTEXT=true on a private network you trust")]
    PlaintextDatabase(String),
}

/// The settings after checking, ready to use.
#[derive(Clone, Debug)]
pub struct Settings {
    pub demo: bool,
    pub database_url: String,
    pub database_max_connections: u32,
    /// How the database is reached; plain text to another host only when allowed.
    pub database_transport: Transport,
    pub sqlite_sync: SqliteSync,
    /// Bytes of the cookie-signing key.
    pub session_key: Vec<u8>,
    /// Mark cookies `Secure`. Off only for a demo served on a loopback address, where the
    /// browser talks plain http to itself.
    pub secure_cookies: bool,
    pub log_json: bool,
    pub attachments: AttachmentSettings,
    /// Clinicians and administrators must use two-step verification.
    pub require_mfa: bool,
    pub mfa_key: MfaKey,
    pub audit_key: AuditKey,
    /// Whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// How long a session lasts without activity, and at most.
    pub session_limits: SessionLimits,
    /// How long a request may take.
    pub request_timeouts: crate::request_timeout::RequestTimeouts,
    /// The breached-password range service, when set.
    pub pwned_range: Option<app::server::pwned_range::PwnedRange>,
    pub mail: MailSettings,
    /// Single sign-on, when set up.
    pub sso: Option<app::sso::ssr::SsoSettings>,
}

/// Where emails go and what their links point to.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `None` only in a demo without `SM_SMTP_URL`: emails stay in the outbox, shown at
    /// `/demo/mail`.
    pub mailer: Option<Mailer>,
    pub public_url: PublicUrl,
    /// The host emails reach in plain text, when `SM_SMTP_ALLOW_PLAINTEXT` allows it (warned
    /// about at start).
    pub plain_text_host: Option<String>,
}

/// Where attachments go and the key that seals them.
#[derive(Clone, Debug)]
pub struct AttachmentSettings {
    pub storage: StorageConfig,
    pub master_key: MasterKey,
    pub scanner: Option<Scanner>,
    /// Where plain copies wait for the scanner: `scanning/` in `SM_ATTACHMENT_DIR`, with
    /// either store (the server's own data, not the shared system temporary directory).
    pub scan_directory: std::path::PathBuf,
}

impl Config {
    /// The breached-password range service `SM_PWNED_RANGE_URL` names, if any.
    pub fn pwned_range(&self) -> Result<Option<app::server::pwned_range::PwnedRange>, ConfigError> {
        self.pwned_range_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
            .map(app::server::pwned_range::PwnedRange::new)
            .transpose()
            .map_err(ConfigError::BadPwnedRangeUrl)
    }

    pub fn settings(&self, site_addr: SocketAddr) -> Result<Settings, ConfigError> {
        let session_key = match (&self.session_key, self.demo) {
            (Some(encoded), _) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| ConfigError::BadSessionKey)?;
                if bytes.len() < 64 {
                    return Err(ConfigError::BadSessionKey);
                }
                bytes
            }
            // Demo only: a fresh key each start (sessions end when the demo restarts).
            (None, true) => {
                use rand::RngCore;
                let mut bytes = vec![0u8; 64];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                bytes
            }
            (None, false) => return Err(ConfigError::MissingSessionKey),
        };
        if self.demo && !site_addr.ip().is_loopback() && !self.demo_on_network {
            return Err(ConfigError::DemoOnNetwork(site_addr.to_string()));
        }
        let database_transport = self.database_transport()?;
        let attachments = self.attachment_settings()?;
        let mfa_key = match (&self.mfa_key, self.demo) {
            (Some(text), _) => MfaKey::parse(text).map_err(ConfigError::BadMfaKey)?,
            // Demo only: secrets set up before a restart no longer open (see `MfaKey`).
            (None, true) => MfaKey::generate(),
            (None, false) => return Err(ConfigError::MissingMfaKey),
        };
        let audit_key = self.audit_key()?;
        let pwned_range = self.pwned_range()?;
        let mail = self.mail_settings(site_addr)?;
        let sso = self.sso_settings(&mail.public_url)?;
        Ok(Settings {
            sso,
            pwned_range,
            mail,
            attachments,
            require_mfa: self.require_mfa.unwrap_or(!self.demo),
            mfa_key,
            audit_key,
            demo: self.demo,
            database_url: self.database_url.clone(),
            database_max_connections: self.database_max_connections,
            database_transport,
            sqlite_sync: self.sqlite_synchronous,
            session_key,
            secure_cookies: !(self.demo && site_addr.ip().is_loopback()),
            log_json: self.log_json,
            trusted_proxies: self.trusted_proxies.clone().reading(self.forwarded_header),
            session_limits: SessionLimits {
                idle_ms: i64::from(self.session_idle_seconds) * 1000,
                max_ms: i64::from(self.session_max_seconds) * 1000,
            },
            request_timeouts: crate::request_timeout::RequestTimeouts {
                ordinary: std::time::Duration::from_secs(u64::from(self.request_timeout_seconds)),
                upload: std::time::Duration::from_secs(u64::from(self.upload_timeout_seconds)),
            },
        })
    }
}

impl Config {
    /// Single sign-on, when an issuer is set.
    fn sso_settings(
        &self,
        public_url: &app::email::ssr::PublicUrl,
    ) -> Result<Option<app::sso::ssr::SsoSettings>, ConfigError> {
        let filled = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        };
        let Some(issuer) = filled(&self.oidc_issuer) else {
            return Ok(None);
        };
        let client_id = filled(&self.oidc_client_id).ok_or(ConfigError::MissingOidcClientId)?;
        Ok(Some(app::sso::ssr::SsoSettings {
            issuer,
            client_id,
            client_secret: filled(&self.oidc_client_secret),
            label: self.oidc_label.trim().to_string(),
            self_register: self.oidc_self_register,
            second_factor_amr: self
                .oidc_second_factor_amr
                .iter()
                .map(|amr| amr.trim().to_string())
                .filter(|amr| !amr.is_empty())
                .collect(),
            redirect_url: public_url.link(app::sso::CALLBACK_PATH),
        }))
    }

    /// The SMTP client and the public address. A demo may go without the server (its
    /// emails wait at `/demo/mail`) and links to its own address.
    fn mail_settings(&self, site_addr: SocketAddr) -> Result<MailSettings, ConfigError> {
        let required = |value: &Option<String>, name: &'static str| match value {
            Some(value) if !value.trim().is_empty() => Ok(Some(value.trim().to_string())),
            _ if self.demo => Ok(None),
            _ => Err(ConfigError::MissingMail(name)),
        };
        let smtp_url = required(&self.smtp_url, "SM_SMTP_URL")?;
        let from = required(&self.mail_from, "SM_MAIL_FROM")?
            .unwrap_or_else(|| DEMO_MAIL_FROM.to_string());
        let public_url = required(&self.public_url, "SM_PUBLIC_URL")?
            .unwrap_or_else(|| format!("http://{site_addr}"));
        let public_url = PublicUrl::parse(&public_url)
            .map_err(|reason| ConfigError::BadMail(format!("SM_PUBLIC_URL: {reason}")))?;
        let plain_text_host = smtp_url.as_deref().and_then(plain_text_host);
        if let Some(host) = &plain_text_host {
            if !self.smtp_allow_plaintext {
                return Err(ConfigError::PlaintextSmtp(host.clone()));
            }
        }
        let mailer = smtp_url
            .map(|url| Mailer::new(&url, &from))
            .transpose()
            .map_err(ConfigError::BadMail)?;
        Ok(MailSettings {
            mailer,
            public_url,
            plain_text_host,
        })
    }

    /// `SM_AUDIT_KEY`, or demo mode's published key.
    pub fn audit_key(&self) -> Result<AuditKey, ConfigError> {
        match (&self.audit_key, self.demo) {
            (Some(text), _) => AuditKey::parse(text).map_err(ConfigError::BadAuditKey),
            (None, true) => Ok(AuditKey::demo()),
            (None, false) => Err(ConfigError::MissingAuditKey),
        }
    }

    /// How `SM_DATABASE_URL` reaches its database; plain text to another host only when
    /// allowed.
    pub fn database_transport(&self) -> Result<Transport, ConfigError> {
        let transport = Transport::of(&self.database_url);
        if let Transport::Plain { host } = &transport {
            if !self.database_allow_plaintext {
                return Err(ConfigError::PlaintextDatabase(host.clone()));
            }
        }
        Ok(transport)
    }

    fn attachment_settings(&self) -> Result<AttachmentSettings, ConfigError> {
        let master_key = match (&self.attachment_key, self.demo) {
            (Some(text), _) => MasterKey::parse(text).map_err(ConfigError::BadAttachmentKey)?,
            // Demo only: files uploaded before a restart can no longer be opened.
            (None, true) => MasterKey::generate(),
            (None, false) => return Err(ConfigError::MissingAttachmentKey),
        };
        let storage = match self.attachment_store {
            StoreKind::Local => StorageConfig::Local {
                directory: self.attachment_dir.clone(),
            },
            StoreKind::S3 => StorageConfig::S3 {
                bucket: self
                    .attachment_s3_bucket
                    .clone()
                    .ok_or(ConfigError::MissingBucket)?,
                endpoint: self.attachment_s3_endpoint.clone(),
                region: self.attachment_s3_region.clone(),
                access_key_id: None,
                secret_access_key: None,
            },
        };
        let scanner = match (&self.scan_command, &self.clamd_address) {
            (Some(command), _) => Some(Scanner::Command(command.clone())),
            (None, Some(address)) => Some(Scanner::Clamd(address.clone())),
            (None, None) => None,
        };
        Ok(AttachmentSettings {
            storage,
            master_key,
            scanner,
            scan_directory: self.attachment_dir.join("scanning"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Config {
        let mut all = vec!["secure-messaging"];
        all.extend_from_slice(args);
        Config::parse_from(all)
    }

    fn local() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 3000))
    }

    #[test]
    fn outside_demo_mode_the_session_key_is_required() {
        let error = config(&[]).settings(local()).unwrap_err();
        assert_eq!(error, ConfigError::MissingSessionKey);
        // One line, naming the variable.
        assert!(error.to_string().contains("SM_SESSION_KEY"));
        assert!(!error.to_string().contains('\n'));
    }

    #[test]
    fn a_short_session_key_is_refused() {
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let error = config(&["--session-key", &short])
            .settings(local())
            .unwrap_err();
        assert_eq!(error, ConfigError::BadSessionKey);
    }

    #[test]
    fn demo_mode_makes_up_a_key_and_allows_http_on_loopback_only() {
        let demo = config(&["--demo"]);
        assert_eq!(demo.settings(local()).unwrap().session_key.len(), 64);
        assert!(!demo.settings(local()).unwrap().secure_cookies);
        let public = SocketAddr::from(([0, 0, 0, 0], 3000));
        let error = demo.settings(public).unwrap_err();
        assert!(error.to_string().contains("--demo-on-network"), "{error}");
        let shown = config(&["--demo", "--demo-on-network"]);
        assert!(shown.settings(public).unwrap().secure_cookies);
    }

    /// The secrets production needs, as flags.
    fn production_secrets() -> Vec<String> {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        let attachment_key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let mfa_key = base64::engine::general_purpose::STANDARD.encode([5u8; 32]);
        let audit_key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
        [
            "--session-key",
            &key,
            "--attachment-key",
            &attachment_key,
            "--mfa-key",
            &mfa_key,
            "--audit-key",
            &audit_key,
            "--smtp-url",
            "smtps://mailer:secret@mail.va.example:465",
            "--mail-from",
            "VA Secure Messaging <no-reply@va.example>",
            "--public-url",
            "https://messages.va.example",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn single_sign_on_needs_a_client_id_and_calls_back_on_the_public_address() {
        let demo = config(&["--demo"]).settings(local()).unwrap();
        assert!(demo.sso.is_none(), "off unless an issuer is set");
        let error = config(&["--demo", "--oidc-issuer", "https://id.example"])
            .settings(local())
            .unwrap_err();
        assert_eq!(error, ConfigError::MissingOidcClientId);
        let settings = config(&[
            "--demo",
            "--public-url",
            "https://messages.va.example",
            "--oidc-issuer",
            "https://id.example",
            "--oidc-client-id",
            "sm",
            "--oidc-second-factor-amr",
            "mfa, hwk",
        ])
        .settings(local())
        .unwrap();
        let sso = settings.sso.unwrap();
        assert_eq!(
            sso.redirect_url,
            "https://messages.va.example/sign-in/sso/callback"
        );
        assert_eq!(sso.second_factor_amr, ["mfa", "hwk"]);
        assert!(!sso.self_register);
    }

    #[test]
    fn production_cookies_are_always_secure() {
        let secrets = production_secrets();
        let args: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let settings = config(&args).settings(local()).unwrap();
        assert!(settings.secure_cookies);
    }

    #[test]
    fn two_step_verification_is_required_by_default_but_not_in_the_demo() {
        let secrets = production_secrets();
        let mut args: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert!(config(&args).settings(local()).unwrap().require_mfa);
        assert!(!config(&["--demo"]).settings(local()).unwrap().require_mfa);
        assert!(
            config(&["--demo", "--require-mfa", "true"])
                .settings(local())
                .unwrap()
                .require_mfa
        );
        args.extend(["--require-mfa", "false"]);
        assert!(!config(&args).settings(local()).unwrap().require_mfa);
    }

    #[test]
    fn outside_demo_mode_the_mfa_key_is_required_and_checked() {
        let secrets = production_secrets();
        // Everything but the MFA key.
        let args: Vec<&str> = secrets[..4].iter().map(String::as_str).collect();
        let error = config(&args).settings(local()).unwrap_err();
        assert_eq!(error, ConfigError::MissingMfaKey);
        assert!(error.to_string().contains("SM_MFA_KEY"));
        let mut args = args;
        args.extend(["--mfa-key", "change-me"]);
        let error = config(&args).settings(local()).unwrap_err();
        assert!(error.to_string().contains("SM_MFA_KEY"), "{error}");
    }

    #[test]
    fn outside_demo_mode_the_audit_key_is_required_and_checked() {
        let secrets = production_secrets();
        // Everything but the audit key.
        let args: Vec<&str> = secrets[..6].iter().map(String::as_str).collect();
        let error = config(&args).settings(local()).unwrap_err();
        assert_eq!(error, ConfigError::MissingAuditKey);
        assert!(error.to_string().contains("SM_AUDIT_KEY"));
        assert!(!error.to_string().contains('\n'));
        let mut short = args.clone();
        short.extend(["--audit-key", "c2hvcnQ="]);
        let error = config(&short).settings(local()).unwrap_err();
        assert!(error.to_string().contains("SM_AUDIT_KEY"), "{error}");
        // Demo mode uses its published key.
        assert!(config(&["--demo"]).settings(local()).is_ok());
    }

    #[test]
    fn outside_demo_mode_the_attachment_key_is_required_and_checked() {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        let error = config(&["--session-key", &key])
            .settings(local())
            .unwrap_err();
        assert_eq!(error, ConfigError::MissingAttachmentKey);
        assert!(error.to_string().contains("SM_ATTACHMENT_KEY"));
        let error = config(&["--session-key", &key, "--attachment-key", "change-me"])
            .settings(local())
            .unwrap_err();
        assert!(error.to_string().contains("SM_ATTACHMENT_KEY"), "{error}");
        // S3 needs its bucket.
        let error = config(&["--demo", "--attachment-store", "s3"])
            .settings(local())
            .unwrap_err();
        assert_eq!(error, ConfigError::MissingBucket);
    }

    #[test]
    fn postgres_on_another_host_needs_tls_unless_plain_text_is_allowed() {
        let secrets = production_secrets();
        let mut args: Vec<&str> = secrets.iter().map(String::as_str).collect();
        args.extend(["--database-url", "postgres://app@db.internal/sm"]);
        let error = config(&args).settings(local()).unwrap_err();
        assert_eq!(error, ConfigError::PlaintextDatabase("db.internal".into()));
        assert!(error.to_string().contains("sslmode=verify-full"), "{error}");
        assert!(!error.to_string().contains('\n'));

        let mut allowed = args.clone();
        allowed.push("--database-allow-plaintext");
        let settings = config(&allowed).settings(local()).unwrap();
        assert!(matches!(
            settings.database_transport,
            Transport::Plain { .. }
        ));

        args.pop();
        args.push("postgres://app@db.internal/sm?sslmode=require");
        assert!(config(&args).settings(local()).is_ok());
        args.pop();
        args.push("postgres://app@127.0.0.1/sm");
        assert!(config(&args).settings(local()).is_ok());
    }

    #[test]
    fn plain_text_smtp_to_another_host_is_refused_unless_allowed() {
        let secrets = production_secrets();
        let mut args: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_eq!(args[8], "--smtp-url");
        args[9] = "smtp://mailer:secret@mail.va.example:25";
        let error = config(&args).settings(local()).unwrap_err();
        assert_eq!(
            error,
            ConfigError::PlaintextSmtp("mail.va.example".to_string())
        );
        assert!(error.to_string().contains("SM_SMTP_ALLOW_PLAINTEXT"));
        assert!(!error.to_string().contains("secret"), "{error}");
        args.push("--smtp-allow-plaintext");
        let settings = config(&args).settings(local()).unwrap();
        assert_eq!(
            settings.mail.plain_text_host.as_deref(),
            Some("mail.va.example")
        );
        // STARTTLS required is fine without the flag.
        args.pop();
        args[9] = "smtp://mailer:secret@mail.va.example:587?tls=required";
        let settings = config(&args).settings(local()).unwrap();
        assert_eq!(settings.mail.plain_text_host, None);
    }

    #[test]
    fn outside_demo_mode_the_mail_settings_are_required() {
        let secrets = production_secrets();
        let all: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let settings = config(&all).settings(local()).unwrap();
        assert!(settings.mail.mailer.is_some());
        assert_eq!(
            settings.mail.public_url.link("/inbox"),
            "https://messages.va.example/inbox"
        );
        // Each of the three missing, in turn (they are the last six flags).
        for (at, name) in [
            (8, "SM_SMTP_URL"),
            (10, "SM_MAIL_FROM"),
            (12, "SM_PUBLIC_URL"),
        ] {
            let mut args = all.clone();
            args.drain(at..at + 2);
            let error = config(&args).settings(local()).unwrap_err();
            assert_eq!(error, ConfigError::MissingMail(name));
            assert!(!error.to_string().contains('\n'));
        }
        let mut wrong = all.clone();
        wrong[13] = "messages.va.example";
        let error = config(&wrong).settings(local()).unwrap_err();
        assert!(error.to_string().contains("SM_PUBLIC_URL"), "{error}");
        let mut wrong = all.clone();
        wrong[11] = "not an address";
        let error = config(&wrong).settings(local()).unwrap_err();
        assert!(error.to_string().contains("SM_MAIL_FROM"), "{error}");
        // A demo keeps its emails and links to its own address.
        let demo = config(&["--demo"]).settings(local()).unwrap();
        assert!(demo.mail.mailer.is_none());
        assert!(demo
            .mail
            .public_url
            .link("/")
            .starts_with("http://127.0.0.1:"));
    }
}
