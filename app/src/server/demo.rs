//! Demo data (DESIGN.md §5): seeded once, into an empty database, in demo mode only.

use super::db::Tx;
use super::{now_ms, passwords};
use crate::error::AppError;
use crate::messages::ssr::{seed_thread, DemoMessage};
use crate::messages::Category;
use sqlx::AnyPool;

/// Every demo account's password. Demo mode only: a real deployment has no demo accounts.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub const FACILITY: (&str, &str, &str) = ("999", "Demo VA Medical Center", "America/New_York");

/// The demo facility's phone number (555-01xx numbers are reserved for fiction).
pub const FACILITY_PHONE: &str = "800-555-0100";

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

/// The demo Veterans' dates of birth (email, `YYYY-MM-DD`), which the care team's pages show
/// beside their names.
pub const DATES_OF_BIRTH: [(&str, &str); 2] = [
    ("veteran@example.com", "1961-03-04"),
    ("veteran2@example.com", "1975-09-18"),
];

/// Seeds the demo data when the database has no users yet; does nothing on a database it
/// seeded before; refuses any other database (real people's accounts). Returns whether it
/// seeded.
pub async fn seed_if_empty(pool: &AnyPool) -> Result<bool, AppError> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?;
    if users > 0 {
        let seeded: Option<String> =
            sqlx::query_scalar("SELECT value FROM instance_facts WHERE name = 'demo_seeded'")
                .fetch_optional(pool)
                .await?;
        if seeded.is_none() {
            // Demo accounts have a published password: never beside real people's.
            return Err(AppError::Conflict {
                message: "this database holds accounts that demo mode did not create; start \
                          without --demo"
                    .to_string(),
            });
        }
        return Ok(false);
    }
    // One hash for all demo accounts: they share the password, and hashing is slow.
    let hash = passwords::hash(DEMO_PASSWORD).map_err(AppError::internal)?;
    let mut tx = Tx::from(pool.begin().await?);
    seed(&mut tx, &hash).await?;
    sqlx::query("INSERT INTO instance_facts (name, value) VALUES ('demo_seeded', 'yes')")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

async fn seed(tx: &mut Tx, hash: &str) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let (station, facility_name, zone) = FACILITY;
    let facility: i64 = sqlx::query_scalar(
        "INSERT INTO facilities (station_number, name, time_zone, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(station)
    .bind(facility_name)
    .bind(zone)
    .bind(FACILITY_PHONE)
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
    for (email, date_of_birth) in DATES_OF_BIRTH {
        sqlx::query("UPDATE users SET date_of_birth = $1 WHERE email = $2")
            .bind(date_of_birth)
            .bind(email)
            .execute(&mut **tx)
            .await?;
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
    seed_threads(
        tx,
        now,
        DemoPeople {
            alex,
            sam,
            morgan,
            casey,
        },
        primary_care,
        pharmacy,
    )
    .await
}

struct DemoPeople {
    alex: i64,
    sam: i64,
    morgan: i64,
    casey: i64,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A few threads for Alex (DESIGN.md §5): an unread team reply, one waiting on the team
/// that Sam sent on Alex's behalf, a finished exchange, and one whose last message is 60
/// days old, past the 45-day reply window.
async fn seed_threads(
    tx: &mut Tx,
    now: i64,
    people: DemoPeople,
    primary_care: i64,
    pharmacy: i64,
) -> Result<(), sqlx::Error> {
    let DemoPeople {
        alex,
        sam,
        morgan,
        casey,
    } = people;
    let days_ago = |days: i64| now - days * DAY_MS;
    let from_alex = |body, days| DemoMessage {
        author_id: alex,
        on_behalf_of: None,
        from_team: false,
        body,
        sent_at: days_ago(days),
    };
    let from_team = |author_id, body, days| DemoMessage {
        author_id,
        on_behalf_of: None,
        from_team: true,
        body,
        sent_at: days_ago(days),
    };

    let old = seed_thread(
        tx,
        alex,
        primary_care,
        "Lab results from my checkup",
        Category::TestResults,
        &[
            from_alex(
                "Are my cholesterol results back from last week's blood draw?",
                62,
            ),
            from_team(
                casey,
                "Yes. Your results are in range. Dr. Patel will go over them at your next visit.",
                60,
            ),
        ],
    )
    .await?;
    let finished = seed_thread(
        tx,
        alex,
        primary_care,
        "Rescheduling my visit",
        Category::Appointment,
        &[
            from_alex(
                "Can I move my appointment on the 14th to the afternoon?",
                20,
            ),
            from_team(casey, "Done: you're now at 2:30 PM on the 14th.", 19),
            from_alex("Thank you!", 18),
        ],
    )
    .await?;
    seed_thread(
        tx,
        alex,
        pharmacy,
        "Question about my new inhaler",
        Category::Medication,
        &[DemoMessage {
            author_id: sam,
            on_behalf_of: Some(alex),
            from_team: false,
            body: "Alex's new inhaler tastes different from the old one. Is it the same medicine?",
            sent_at: days_ago(5),
        }],
    )
    .await?;
    seed_thread(
        tx,
        alex,
        primary_care,
        "Blood pressure medicine refill",
        Category::Medication,
        &[
            from_alex(
                "I'm almost out of my blood pressure medicine. Can you renew the prescription?",
                3,
            ),
            from_team(
                morgan,
                "I've renewed it. The pharmacy will mail it within 5 business days.",
                2,
            ),
        ],
    )
    .await?;
    // The older exchanges have been read; the refill reply and Sam's message are new.
    for thread in [old, finished] {
        sqlx::query("UPDATE thread_views SET unread = 0, last_read_at = $1 WHERE thread_id = $2")
            .bind(now)
            .bind(thread)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
