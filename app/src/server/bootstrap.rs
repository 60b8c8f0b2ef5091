//! What the operator does from the command line, before anyone can sign in: the first
//! administrator of a new installation (`server create-admin`). Everyone else is invited
//! from the administration console. The administrator sets up two-step verification at
//! their first sign-in, as every administrator must.

use super::audit::{self, Action, AuditEvent, Outcome};
use super::common_passwords::new_password_problem;
use super::db::Db;
use super::{passwords, users};
use crate::error::AppError;

/// Creates an active administrator with `password`, audited as done from the command line.
/// Answers their id. An email already in use, an empty name or a weak password is refused
/// with the console's own words.
pub async fn create_administrator(
    db: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> Result<i64, AppError> {
    let email = users::normalize_email(email);
    let name = name.trim();
    if !email.contains('@') {
        return Err(AppError::invalid(
            "email",
            "Enter an email address in the right format, like name@example.com.",
        ));
    }
    if name.is_empty() {
        return Err(AppError::invalid("name", "Enter the person's name."));
    }
    if let Some(problem) = new_password_problem(password, &email).await? {
        return Err(AppError::invalid("password", problem));
    }
    let hash = passwords::make(password.to_string())
        .await
        .map_err(AppError::internal)?;
    let now = db.now_ms();
    let mut tx = db.begin_write().await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::invalid(
            "email",
            "An account with this email address already exists.",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, password_hash, active, created_at, updated_at) \
         VALUES ($1, $2, 'administrator', $3, 1, $4, $4) RETURNING id",
    )
    .bind(&email)
    .bind(name)
    .bind(&hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &AuditEvent::new(Action::AdministratorCreated, Outcome::Success)
            .target(format!("user:{id}"))
            .detail(serde_json::json!({ "by": "create-admin", "email": email })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
