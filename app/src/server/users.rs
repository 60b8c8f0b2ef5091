//! Reading people for sign-in and for every request.

use crate::auth::{Role, SignedInUser};
use sqlx::{AnyPool, Row};

/// What sign-in needs to know about an account.
pub struct Credentials {
    pub user: SignedInUser,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// Emails are compared trimmed and lower-case, the way they are stored.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<SignedInUser, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(SignedInUser {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| sqlx::Error::Decode("unknown role".into()))?,
    })
}

pub async fn credentials_by_email(
    pool: &AnyPool,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, name, email, role, password_hash, active FROM users WHERE email = $1",
    )
    .bind(normalize_email(email))
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(Credentials {
            user: user_from_row(&row)?,
            password_hash: row.try_get("password_hash")?,
            active: row.try_get::<i64, _>("active")? == 1,
        })
    })
    .transpose()
}

/// The person behind a session, only while their account is active: deactivating an
/// account ends its sessions on their very next request.
pub async fn active_user(pool: &AnyPool, id: i64) -> Result<Option<SignedInUser>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, email, role FROM users WHERE id = $1 AND active = 1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}
