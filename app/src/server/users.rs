//! Reading people for sign-in and for every request.

use crate::auth::{Role, SignedInUser};
use crate::server::db::{Db, YesNo};
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

/// The time zone of the facility of `user`'s first team (a clinician's, a Veteran's, or
/// for a caregiver the Veteran's they act for), or NULL: an SQL expression on the column
/// `user` holding a person's id.
fn facility_zone_of(user: &str) -> String {
    format!(
        "COALESCE(\
         (SELECT f.time_zone FROM team_members tm JOIN care_teams ct ON ct.id = tm.team_id \
          JOIN facilities f ON f.id = ct.facility_id WHERE tm.user_id = {user} \
          ORDER BY tm.team_id LIMIT 1), \
         (SELECT f.time_zone FROM veteran_teams vt JOIN care_teams ct ON ct.id = vt.team_id \
          JOIN facilities f ON f.id = ct.facility_id WHERE vt.veteran_id = {user} \
          ORDER BY vt.team_id LIMIT 1), \
         (SELECT f.time_zone FROM caregiver_grants g \
          JOIN veteran_teams vt ON vt.veteran_id = g.veteran_id \
          JOIN care_teams ct ON ct.id = vt.team_id JOIN facilities f ON f.id = ct.facility_id \
          WHERE g.caregiver_id = {user} AND g.revoked_at IS NULL \
          ORDER BY g.id, vt.team_id LIMIT 1))"
    )
}

/// The zone a person reads times in, an SQL expression on `users u`: their own choice,
/// else their facility's, else the default zone.
pub fn time_zone_of_u() -> String {
    format!(
        "COALESCE(u.time_zone, {}, '{}')",
        facility_zone_of("u.id"),
        crate::server::clock::DEFAULT_TIME_ZONE
    )
}

/// The columns of a [`SignedInUser`], from `users u`: read on every request, so written
/// out once.
fn signed_in_columns() -> &'static str {
    static COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "u.id, u.name, u.email, u.role, {} AS time_zone",
            time_zone_of_u()
        )
    });
    &COLUMNS
}

/// Sets the person's own time zone (an IANA name the caller has checked).
pub async fn set_time_zone(db: &Db, user_id: i64, zone: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET time_zone = $1 WHERE id = $2")
        .bind(zone)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// At sign-in: keeps the browser's time zone for someone who has chosen none and has no
/// facility whose zone would be used. Answers whether it was kept. A zone that is not a
/// known IANA name is ignored.
pub async fn remember_browser_zone(db: &Db, user_id: i64, zone: &str) -> Result<bool, sqlx::Error> {
    if zone.parse::<chrono_tz::Tz>().is_err() {
        return Ok(false);
    }
    let kept = sqlx::query(&format!(
        "UPDATE users SET time_zone = $1 \
         WHERE id = $2 AND time_zone IS NULL AND {} IS NULL",
        facility_zone_of("users.id")
    ))
    .bind(zone)
    .bind(user_id)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(kept == 1)
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
    sqlx::query_as(&format!(
        "SELECT {}, u.password_hash, u.active FROM users u WHERE u.email = $1",
        signed_in_columns()
    ))
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
    sqlx::query_as(&format!(
        "SELECT {} FROM users u \
         WHERE u.id = $1 AND u.active = 1 AND u.session_generation = $2",
        signed_in_columns()
    ))
    .bind(id)
    .bind(generation)
    .fetch_optional(pool)
    .await
}

/// The person `id`, while their account is active.
pub async fn active_user(pool: &AnyPool, id: i64) -> Result<Option<SignedInUser>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {} FROM users u WHERE u.id = $1 AND u.active = 1",
        signed_in_columns()
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}
