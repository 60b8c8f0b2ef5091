//! Whether the connection to PostgreSQL is encrypted.
//!
//! Messages and health information cross the wire between the server and PostgreSQL. On the
//! same machine that wire never leaves the host; to any other host it must be TLS
//! (`sslmode=require` or stronger). libpq's default, `prefer`, silently falls back to plain
//! text, so a URL without `sslmode` to another host is treated as plain text.

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use std::net::IpAddr;
use std::str::FromStr;

/// How a database URL reaches its database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// SQLite: a file, no network.
    Embedded,
    /// PostgreSQL on this machine: a Unix socket or a loopback address.
    Local,
    /// PostgreSQL on another host, over TLS.
    Encrypted { host: String, verified: bool },
    /// PostgreSQL on another host, where plain text is possible.
    Plain { host: String },
}

impl Transport {
    /// Reads `url` the way the PostgreSQL driver will (including `PGSSLMODE` and the other
    /// `PG*` variables it honours). A URL the driver cannot read is left for the connection
    /// itself to refuse, with its own error.
    pub fn of(url: &str) -> Transport {
        if !(url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Transport::Embedded;
        }
        let Ok(options) = PgConnectOptions::from_str(url) else {
            return Transport::Local;
        };
        let host = options.get_host();
        if options.get_socket().is_some() || host.starts_with('/') || is_loopback(host) {
            return Transport::Local;
        }
        let host = host.to_string();
        match options.get_ssl_mode() {
            PgSslMode::Require => Transport::Encrypted {
                host,
                verified: false,
            },
            PgSslMode::VerifyCa | PgSslMode::VerifyFull => Transport::Encrypted {
                host,
                verified: true,
            },
            PgSslMode::Disable | PgSslMode::Allow | PgSslMode::Prefer => Transport::Plain { host },
        }
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_is_embedded() {
        assert_eq!(
            Transport::of("sqlite://data/x.db?mode=rwc"),
            Transport::Embedded
        );
    }

    #[test]
    fn this_machine_needs_no_tls() {
        for url in [
            "postgres://app@127.0.0.1/test",
            "postgres://app@localhost:5433/test",
            "postgres://app@[::1]/test",
            "postgresql:///test?host=/var/run/postgresql",
        ] {
            assert_eq!(Transport::of(url), Transport::Local, "{url}");
        }
    }

    #[test]
    fn another_host_without_sslmode_is_plain_text() {
        for url in [
            "postgres://app@db.internal/sm",
            "postgres://app@10.0.0.5/sm?sslmode=prefer",
            "postgres://app@10.0.0.5/sm?sslmode=disable",
            "postgres://app@10.0.0.5/sm?sslmode=allow",
        ] {
            assert!(
                matches!(Transport::of(url), Transport::Plain { .. }),
                "{url}"
            );
        }
    }

    #[test]
    fn another_host_with_require_or_stronger_is_encrypted() {
        assert_eq!(
            Transport::of("postgres://app@db.internal/sm?sslmode=require"),
            Transport::Encrypted {
                host: "db.internal".into(),
                verified: false
            }
        );
        assert_eq!(
            Transport::of(
                "postgres://app@db.internal/sm?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem"
            ),
            Transport::Encrypted {
                host: "db.internal".into(),
                verified: true
            }
        );
    }
}
