//! Configuration from flags and `SM_*` environment variables (DESIGN.md §4–5).
//!
//! No secret has a default outside demo mode: the server refuses to start without them and
//! says which one is missing, in one line.

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

    /// `sqlite://path?mode=rwc` (embedded) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "SM_DATABASE_URL",
        default_value = "sqlite://data/secure-messaging.db?mode=rwc"
    )]
    pub database_url: String,

    /// Largest number of open database connections.
    #[arg(long, env = "SM_DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,

    /// Key that signs session cookies: at least 64 random bytes, base64-encoded
    /// (`openssl rand -base64 64`). Required outside demo mode.
    #[arg(long, env = "SM_SESSION_KEY", hide_env_values = true)]
    pub session_key: Option<String>,

    /// Log lines as JSON (for log collectors) instead of text.
    #[arg(long, env = "SM_LOG_JSON")]
    pub log_json: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("SM_SESSION_KEY is required outside demo mode (64+ random bytes, base64; e.g. `openssl rand -base64 64`)")]
    MissingSessionKey,
    #[error("SM_SESSION_KEY must be base64 of at least 64 bytes")]
    BadSessionKey,
}

/// The settings after checking, ready to use.
#[derive(Clone, Debug)]
pub struct Settings {
    pub demo: bool,
    pub database_url: String,
    pub database_max_connections: u32,
    /// Bytes of the cookie-signing key.
    pub session_key: Vec<u8>,
    /// Mark cookies `Secure`. Off only for a demo served on a loopback address, where the
    /// browser talks plain http to itself.
    pub secure_cookies: bool,
    pub log_json: bool,
}

impl Config {
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
        Ok(Settings {
            demo: self.demo,
            database_url: self.database_url.clone(),
            database_max_connections: self.database_max_connections,
            session_key,
            secure_cookies: !(self.demo && site_addr.ip().is_loopback()),
            log_json: self.log_json,
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
        assert!(demo.settings(public).unwrap().secure_cookies);
    }

    #[test]
    fn production_cookies_are_always_secure() {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        let settings = config(&["--session-key", &key]).settings(local()).unwrap();
        assert!(settings.secure_cookies);
    }
}
