//! New-message notices: when a care team writes to a Veteran, the Veteran and each caregiver
//! acting for them are noted, in the same transaction, as having something new, by their
//! choice in Settings: due at once ("Each time"), at the next 7 am ("Once a day"), or not at
//! all ("Never"). A job turns each due notice into an outbox email and deletes it in one
//! transaction, so nothing is lost and nobody is emailed twice for one notice; several
//! messages before a notice is due make one email.
//!
//! Team alerts work the same way for clinicians: a message with crisis language (every
//! member of the team not away hears of it) or a thread gone overdue (the team's leads), noted
//! in the transaction that causes it, emailed by the same job.
//!
//! The 7 am is in each person's own time zone (Settings → "Time zone", else their
//! facility's).

use super::outbox::enqueue;
use super::{letters, PublicUrl};
use crate::email::NewMessageEmail;
use crate::error::AppError;
use crate::server::db::{Db, Tx};
use chrono::{Days, NaiveTime, TimeZone, Utc};

/// Notices turned into emails per transaction.
const BATCH: i64 = 100;

/// The hour of the daily digest, local time.
const DIGEST_HOUR: u32 = 7;

/// The first 7 am in `zone` after `now_ms` (an instant a DST change skips is taken an hour
/// later).
pub fn next_digest_at(now_ms: i64, zone: chrono_tz::Tz) -> i64 {
    let Some(now) = Utc.timestamp_millis_opt(now_ms).single() else {
        return now_ms;
    };
    let local = now.with_timezone(&zone);
    let seven = NaiveTime::from_hms_opt(DIGEST_HOUR, 0, 0).unwrap_or_default();
    let mut day = local.date_naive();
    if local.time() >= seven {
        day = day.checked_add_days(Days::new(1)).unwrap_or(day);
    }
    let at = day.and_time(seven);
    let instant = zone.from_local_datetime(&at).earliest().or_else(|| {
        zone.from_local_datetime(&(at + chrono::Duration::hours(1)))
            .earliest()
    });
    instant.map_or(now_ms + 24 * 3_600_000, |i| i.timestamp_millis())
}

/// Notes, inside the transaction of a care team's message to `veteran_id`, that the
/// Veteran and each caregiver with live access (active accounts that want email) have
/// something new.
pub async fn note_new_message(tx: &mut Tx, veteran_id: i64) -> Result<(), AppError> {
    let now = tx.now_ms();
    // Who hears of it, with how they want to and the zone their 7 am is in.
    let recipients: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT u.id, u.new_message_email, {} FROM users u \
         WHERE u.active = 1 AND u.new_message_email <> 'never' AND (u.id = $1 OR u.id IN \
         (SELECT g.caregiver_id FROM caregiver_grants g \
          WHERE g.veteran_id = $1 AND g.revoked_at IS NULL)) ORDER BY u.id",
        crate::server::users::time_zone_of_u()
    ))
    .bind(veteran_id)
    .fetch_all(&mut **tx)
    .await?;
    for (user_id, choice, zone) in recipients {
        let due_at = if choice == "daily" {
            next_digest_at(now, zone.parse().unwrap_or(chrono_tz::UTC))
        } else {
            now
        };
        // An earlier due time wins, so a person who switched to "Each time" is not kept
        // waiting for a digest noted before.
        sqlx::query(
            "INSERT INTO new_message_notices (user_id, due_at) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET due_at = CASE \
             WHEN excluded.due_at < new_message_notices.due_at THEN excluded.due_at \
             ELSE new_message_notices.due_at END",
        )
        .bind(user_id)
        .bind(due_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Turns every notice due at `now` into an outbox email (by the person's choice as it is
/// now: "Never" since then means none). On PostgreSQL instances running this at once each
/// take other notices (`FOR UPDATE SKIP LOCKED`). Answers how many emails it wrote.
pub async fn email_due_notices(db: &Db, site: &PublicUrl, now: i64) -> Result<u64, AppError> {
    let claim = format!(
        "SELECT user_id FROM new_message_notices WHERE due_at <= $1 \
         ORDER BY due_at, user_id LIMIT {BATCH}{}",
        db.claim_rows()
    );
    let mut written = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let due: Vec<i64> = sqlx::query_scalar(&claim)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
        for &user_id in &due {
            sqlx::query("DELETE FROM new_message_notices WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let person: Option<(String, String)> = sqlx::query_as(
                "SELECT email, new_message_email FROM users WHERE id = $1 AND active = 1",
            )
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((email, choice)) = person else {
                continue;
            };
            let letter = match NewMessageEmail::parse(&choice) {
                Some(NewMessageEmail::Each) => letters::new_message(site, &email),
                Some(NewMessageEmail::Daily) => letters::new_message_digest(site, &email),
                Some(NewMessageEmail::Never) | None => continue,
            };
            enqueue(&mut tx, site, &letter).await?;
            written += 1;
        }
        tx.commit().await?;
        if (due.len() as i64) < BATCH {
            return Ok(written);
        }
    }
}

/// What a care team must hear of by email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamAlert {
    /// A Veteran-side message with crisis language: every active member not away.
    Urgent,
    /// A thread went past its response target: the team's active leads.
    Overdue,
}

impl TeamAlert {
    fn as_str(self) -> &'static str {
        match self {
            TeamAlert::Urgent => "urgent",
            TeamAlert::Overdue => "overdue",
        }
    }
}

/// Notes, inside the transaction that causes it, that thread `thread_id`'s team must hear
/// of `alert` by email. An urgent message also reaches every member on duty in the app at
/// once, as a notification (the overdue job writes its own, to the team's leads).
pub async fn note_team_alert(
    tx: &mut Tx,
    thread_id: i64,
    alert: TeamAlert,
) -> Result<(), AppError> {
    let now = tx.now_ms();
    if alert == TeamAlert::Urgent {
        // A later urgent message in the same thread raises the same notification again.
        sqlx::query(
            "INSERT INTO notifications (user_id, thread_id, kind, created_at) \
             SELECT tm.user_id, t.id, 'urgent', $1 FROM threads t \
             JOIN team_members tm ON tm.team_id = t.team_id \
             JOIN users u ON u.id = tm.user_id \
             WHERE t.id = $2 AND u.active = 1 AND u.role = 'clinician' \
             AND NOT EXISTS (SELECT 1 FROM coverage c WHERE c.user_id = u.id AND c.away_until > $1) \
             ON CONFLICT (user_id, thread_id, kind) DO UPDATE SET \
             created_at = excluded.created_at, read_at = NULL",
        )
        .bind(now)
        .bind(thread_id)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO team_alerts (team_id, kind, created_at) \
         SELECT team_id, $1, $2 FROM threads WHERE id = $3",
    )
    .bind(alert.as_str())
    .bind(now)
    .bind(thread_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes one kind of email for one address.
type Letter = fn(&PublicUrl, &str) -> super::Email;

/// The addresses of team `$1`'s active clinicians who are not away at `$2`.
const MEMBERS_ON_DUTY: &str = "SELECT u.email FROM team_members tm \
     JOIN users u ON u.id = tm.user_id \
     WHERE tm.team_id = $1 AND u.active = 1 AND u.role = 'clinician' \
     AND NOT EXISTS (SELECT 1 FROM coverage c WHERE c.user_id = u.id AND c.away_until > $2) \
     ORDER BY u.id";

/// The addresses of team `$1`'s active leads.
const LEADS: &str = "SELECT u.email FROM team_members tm JOIN users u ON u.id = tm.user_id \
     WHERE tm.team_id = $1 AND u.active = 1 AND u.role = 'clinician' AND tm.team_role = 'lead' \
     ORDER BY u.id";

/// Turns every team alert into outbox emails to the members it is for, as the team is at
/// `now` (who is on it, who leads, who is away). Answers how many emails it wrote.
pub async fn email_team_alerts(db: &Db, site: &PublicUrl, now: i64) -> Result<u64, AppError> {
    let claim = format!(
        "SELECT id, team_id, kind FROM team_alerts ORDER BY id LIMIT {BATCH}{}",
        db.claim_rows()
    );
    let mut written = 0;
    loop {
        let mut tx = db.begin_write().await?;
        let alerts: Vec<(i64, i64, String)> = sqlx::query_as(&claim).fetch_all(&mut *tx).await?;
        for (id, team_id, kind) in &alerts {
            sqlx::query("DELETE FROM team_alerts WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let (emails, letter): (Vec<String>, Letter) = match kind.as_str() {
                "urgent" => (
                    sqlx::query_scalar(MEMBERS_ON_DUTY)
                        .bind(team_id)
                        .bind(now)
                        .fetch_all(&mut *tx)
                        .await?,
                    letters::urgent_message,
                ),
                "overdue" => (
                    sqlx::query_scalar(LEADS)
                        .bind(team_id)
                        .fetch_all(&mut *tx)
                        .await?,
                    letters::overdue,
                ),
                _ => continue,
            };
            for email in emails {
                enqueue(&mut tx, site, &letter(site, &email)).await?;
                written += 1;
            }
        }
        tx.commit().await?;
        if (alerts.len() as i64) < BATCH {
            return Ok(written);
        }
    }
}

/// The person's choice.
pub async fn choice_of(db: &Db, user_id: i64) -> Result<NewMessageEmail, AppError> {
    let choice: Option<String> =
        sqlx::query_scalar("SELECT new_message_email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    choice
        .as_deref()
        .and_then(NewMessageEmail::parse)
        .ok_or(AppError::NotFound)
}

/// Sets the person's choice. A notice already waiting is sent by the new choice when due
/// ("Never" drops it then).
pub async fn set_choice(db: &Db, user_id: i64, choice: NewMessageEmail) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET new_message_email = $1, updated_at = $2 WHERE id = $3")
        .bind(choice.as_str())
        .bind(db.now_ms())
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn at(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn the_digest_is_at_the_next_seven_am_in_the_facility_zone() {
        // 6:59 am in New York (EST): at 7 the same day.
        assert_eq!(
            next_digest_at(at("2026-12-07T11:59:00Z"), New_York),
            at("2026-12-07T12:00:00Z")
        );
        // 7:00 and later: the next day.
        assert_eq!(
            next_digest_at(at("2026-12-07T12:00:00Z"), New_York),
            at("2026-12-08T12:00:00Z")
        );
        // 11 pm the night before a DST change: 7 am EDT.
        assert_eq!(
            next_digest_at(at("2027-03-14T03:00:00Z"), New_York),
            at("2027-03-14T11:00:00Z")
        );
    }
}
