//! Demo data (DESIGN.md §5): seeded once, into an empty database, in demo mode only.

use super::{now_ms, passwords};
use crate::error::AppError;
use sqlx::{Any, AnyPool, Transaction};

/// Every demo account's password. Demo mode only: a real deployment has no demo accounts.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub const FACILITY: (&str, &str, &str) = ("999", "Demo VA Medical Center", "America/New_York");

/// (name, accepting messages)
pub const TEAMS: [(&str, bool); 4] = [
    ("Primary Care – Blue Team", true),
    ("Pharmacy", true),
    ("Mental Health", true),
    ("Cardiology", false),
];

/// (email, name, role)
pub const PEOPLE: [(&str, &str, &str); 6] = [
    ("veteran@example.com", "Alex Rivera", "veteran"),
    ("veteran2@example.com", "Jordan Lee", "veteran"),
    ("caregiver@example.com", "Sam Rivera", "caregiver"),
    ("clinician@example.com", "Dr. Morgan Patel", "clinician"),
    ("nurse@example.com", "Casey Nguyen", "clinician"),
    ("admin@example.com", "Riley Admin", "administrator"),
];

/// Seeds the demo data when the database has no users yet; does nothing otherwise.
/// Returns whether it seeded.
pub async fn seed_if_empty(pool: &AnyPool) -> Result<bool, AppError> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    if users > 0 {
        return Ok(false);
    }
    // One hash for all demo accounts: they share the password, and hashing is slow.
    let hash = passwords::hash(DEMO_PASSWORD).map_err(AppError::internal)?;
    let mut tx = pool.begin().await?;
    seed(&mut tx, &hash).await?;
    tx.commit().await?;
    Ok(true)
}

async fn seed(tx: &mut Transaction<'static, Any>, hash: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let (station, facility_name, zone) = FACILITY;
    let facility: i64 = sqlx::query_scalar(
        "INSERT INTO facilities (station_number, name, time_zone, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(station)
    .bind(facility_name)
    .bind(zone)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;

    let mut team_ids = Vec::new();
    for (name, accepting) in TEAMS {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO care_teams (facility_id, name, description, accepting_messages, created_at) \
             VALUES ($1, $2, '', $3, $4) RETURNING id",
        )
        .bind(facility)
        .bind(name)
        .bind(i64::from(accepting))
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        team_ids.push(id);
    }

    let mut user_ids = Vec::new();
    for (email, name, role) in PEOPLE {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(role)
        .bind(hash)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        user_ids.push(id);
    }
    let [alex, jordan, sam, morgan, casey, _riley] = user_ids[..] else {
        return Err(sqlx::Error::Protocol("demo users missing".into()));
    };
    let [primary_care, pharmacy, ..] = team_ids[..] else {
        return Err(sqlx::Error::Protocol("demo teams missing".into()));
    };

    // Alex is associated with all four teams, Jordan with Pharmacy only.
    let associations = team_ids
        .iter()
        .map(|team| (alex, *team))
        .chain([(jordan, pharmacy)]);
    for (veteran, team) in associations {
        sqlx::query(
            "INSERT INTO veteran_teams (veteran_id, team_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(veteran)
        .bind(team)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    for (user, team_role) in [(morgan, "lead"), (casey, "member")] {
        sqlx::query(
            "INSERT INTO team_members (team_id, user_id, team_role, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(primary_care)
        .bind(user)
        .bind(team_role)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO caregiver_grants (caregiver_id, veteran_id, granted_at) VALUES ($1, $2, $3)",
    )
    .bind(sam)
    .bind(alex)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
