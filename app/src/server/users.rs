//! Reading people for sign-in and for every request.

use crate::auth::{Role, SignedInUser};
use crate::server::db::YesNo;
use sqlx::AnyPool;

/// What sign-in needs to know about an account.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    #[sqlx(flatten)]
    pub user: SignedInUser,
    pub password_hash: Option<String>,
    #[sqlx(try_from = "YesNo")]
    pub active: bool,
}

/// Emails are compared trimmed and lower-case, the way they are stored.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// What is wrong with a normalized email address, in the words the forms show, or `None`.
/// An address the email library cannot send to is refused here, not at delivery.
pub fn email_format_problem(email: &str) -> Option<&'static str> {
    if email.is_empty() {
        Some("Enter an email address.")
    } else if email.parse::<lettre::Address>().is_err() {
        Some("Enter an email address in the right format, like name@example.com.")
    } else {
        None
    }
}

/// A stored `users.role`; an unknown one is a decode error. Records read one as
/// `#[sqlx(try_from = "String")] role: Role`.
impl TryFrom<String> for Role {
    type Error = sqlx::Error;

    fn try_from(value: String) -> Result<Role, sqlx::Error> {
        Role::parse(&value).ok_or_else(|| sqlx::Error::Decode("unknown role".into()))
    }
}

pub async fn credentials_by_email(
    pool: &AnyPool,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, email, role, password_hash, active FROM users WHERE email = $1",
    )
    .bind(normalize_email(email))
    .fetch_optional(pool)
    .await
}

/// The person behind a session, only while their account is active (deactivating an
/// account ends its sessions on their very next request) and the session is of their
/// current generation (see `session_store`).
pub async fn active_user_in_generation(
    pool: &AnyPool,
    id: i64,
    generation: i64,
) -> Result<Option<SignedInUser>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, email, role FROM users \
         WHERE id = $1 AND active = 1 AND session_generation = $2",
    )
    .bind(id)
    .bind(generation)
    .fetch_optional(pool)
    .await
}

/// The person `id`, while their account is active.
pub async fn active_user(pool: &AnyPool, id: i64) -> Result<Option<SignedInUser>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, email, role FROM users WHERE id = $1 AND active = 1")
        .bind(id)
        .fetch_optional(pool)
        .await
}
