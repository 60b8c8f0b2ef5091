//! A large database for measuring speed: many Veterans, each with
//! threads to Primary Care, through the same bookkeeping as real sends. Never run in
//! production; `seed-bulk` refuses a database that has no demo data.

use super::now_ms;
use crate::error::AppError;
use crate::messages::ssr::{seed_thread, DemoMessage};
use crate::messages::Category;
use crate::server::db::Db;

/// Threads per transaction: big enough to be quick, small enough to keep memory flat.
const BATCH: usize = 500;

/// Adds `threads` threads. `for_alex` of them go to the demo Veteran (so one inbox is
/// large); the rest are spread over new Veterans with ten threads each. With `teams`, they
/// go round-robin to that many new care teams of the demo facility, each with the demo
/// nurse as a member (so her team inbox spans them all), and every third one still waits on
/// the team; otherwise all go to "Pharmacy", answered.
pub async fn seed_bulk(
    db: &Db,
    threads: usize,
    for_alex: usize,
    teams: Option<usize>,
) -> Result<(), AppError> {
    let id = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_optional(&db.pool);
    let alex = id("SELECT id FROM users WHERE email = 'veteran@example.com'").await?;
    let team = id("SELECT id FROM care_teams WHERE name = 'Pharmacy'").await?;
    let clinician = id("SELECT id FROM users WHERE email = 'nurse@example.com'").await?;
    let (Some(alex), Some(team), Some(clinician)) = (alex, team, clinician) else {
        return Err(AppError::Conflict {
            message: "seed the demo data first (start the server once with --demo)".into(),
        });
    };
    let teams = match teams {
        Some(count) => new_teams(db, count.max(1), clinician).await?,
        None => vec![team],
    };
    let waiting_share = if teams.len() > 1 { 3 } else { 0 };
    let categories = Category::ALL;
    let start = now_ms() - 400 * 86_400_000;
    let mut made = 0;
    let mut veteran = alex;
    while made < threads {
        let mut tx = db.begin_write().await?;
        for _ in 0..BATCH.min(threads - made) {
            if made >= for_alex && (made - for_alex).is_multiple_of(10) {
                veteran = sqlx::query_scalar(
                    "INSERT INTO users (email, name, role, created_at, updated_at) \
                     VALUES ($1, $2, 'veteran', $3, $3) RETURNING id",
                )
                .bind(format!("bulk-veteran-{made}@example.test"))
                .bind(format!("Bulk Veteran {made}"))
                .bind(now_ms())
                .fetch_one(&mut *tx)
                .await?;
            }
            // Spread over the last 400 days, a minute apart per thread.
            let at = start + (made as i64) * 60_000 % (400 * 86_400_000);
            let subject = format!("Question number {made} about my care");
            let question = format!(
                "Message {made}: I have a question about my medication schedule and refills."
            );
            let answer = format!("Reply {made}: thank you for writing; here is what to do next.");
            let messages = [
                DemoMessage {
                    author_id: veteran,
                    on_behalf_of: None,
                    from_team: false,
                    body: &question,
                    sent_at: at,
                },
                DemoMessage {
                    author_id: clinician,
                    on_behalf_of: None,
                    from_team: true,
                    body: &answer,
                    sent_at: at + 3_600_000,
                },
            ];
            let waiting = waiting_share > 0 && made.is_multiple_of(waiting_share);
            seed_thread(
                &mut tx,
                veteran,
                teams[made % teams.len()],
                &subject,
                categories[made % categories.len()],
                if waiting { &messages[..1] } else { &messages },
            )
            .await?;
            made += 1;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// `count` new care teams ("Bulk team 1", …) at the demo facility, with `member` in each.
async fn new_teams(db: &Db, count: usize, member: i64) -> Result<Vec<i64>, AppError> {
    let facility: i64 =
        sqlx::query_scalar("SELECT id FROM facilities WHERE station_number = '999'")
            .fetch_one(&db.pool)
            .await?;
    let mut tx = db.begin_write().await?;
    let mut ids = Vec::with_capacity(count);
    for n in 1..=count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO care_teams (facility_id, name, description, accepting_messages, \
             created_at) VALUES ($1, $2, '', 1, $3) RETURNING id",
        )
        .bind(facility)
        .bind(format!("Bulk team {n} {}", now_ms()))
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO team_members (team_id, user_id, team_role, created_at) \
             VALUES ($1, $2, 'member', $3)",
        )
        .bind(id)
        .bind(member)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(ids)
}
