//! Slowing and then refusing repeated failed sign-ins, per account and per address
//! (ASVS 2.2.1).
//!
//! Attempts are counted in the database rather than an in-memory limiter, so the count is
//! shared by every server process, survives a restart, and needs no second store. Every
//! attempt is audited too, by its caller; the audit trail is the record, this table the
//! counter.

use super::db::Db;
use super::now_ms;
use sqlx::AnyPool;
use std::time::Duration;

/// The window failures are counted over, and how long a refusal lasts at most.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures on one account before each further attempt is slowed down.
pub const SLOW_AFTER: i64 = 3;
/// Failures on one account from one address before that address is refused for that
/// account, for the rest of the window. Other addresses are not refused: one address cannot
/// lock a person out of their own account.
pub const ACCOUNT_LIMIT: i64 = 10;
/// Failures on one account from all addresses before it is refused everywhere: a guess
/// spread over many addresses (NIST SP 800-63B §5.2.2 allows at most 100).
pub const ACCOUNT_LIMIT_EVERYWHERE: i64 = 100;
/// Different accounts failed from one address before that address is refused: password
/// spraying. Counted in accounts, not failures, so a clinic or a carrier's shared address
/// where a few people mistype is not refused.
pub const SPRAY_LIMIT: i64 = 20;
/// The longest extra wait before answering a slowed attempt.
pub const MAX_DELAY_SECONDS: i64 = 5;

/// What to do with the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Answer only after this wait: each failure makes guessing slower.
    Slow(Duration),
    /// Refuse without checking the password.
    Refuse,
}

/// Recent failures, counted the ways the rule needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    /// On this account, from this address.
    pub account_here: i64,
    /// On this account, from anywhere.
    pub account_everywhere: i64,
    /// Different accounts failed from this address.
    pub accounts_from_here: i64,
}

/// The rule itself, from the recent failure counts.
pub fn decide(failures: Failures) -> Gate {
    if failures.account_here >= ACCOUNT_LIMIT
        || failures.account_everywhere >= ACCOUNT_LIMIT_EVERYWHERE
        || failures.accounts_from_here >= SPRAY_LIMIT
    {
        return Gate::Refuse;
    }
    let over = failures
        .account_here
        .max(failures.account_everywhere / 10)
        .max(failures.accounts_from_here / 4)
        - SLOW_AFTER
        + 1;
    if over > 0 {
        let seconds = over.min(MAX_DELAY_SECONDS) as u64;
        return Gate::Slow(Duration::from_secs(seconds));
    }
    Gate::Open
}

/// The audit target that names an attempted account, known or not.
pub fn account_target(email: &str) -> String {
    format!("account:{email}")
}

/// One guess at a password or code, recorded before it is checked (see [`begin`]). Left
/// as it is, it counts as a failure for the rest of the window; [`Attempt::not_counted`]
/// removes it when the guess was right, or turned out not to be a guess.
#[must_use = "an attempt counts as a failure unless it is marked not counted"]
pub struct Attempt {
    /// Its row; none when it was refused, and so never recorded.
    id: Option<i64>,
}

impl Attempt {
    /// The guess was right, or was never checked: it no longer counts.
    pub async fn not_counted(self, pool: &AnyPool) -> Result<(), sqlx::Error> {
        if let Some(id) = self.id {
            sqlx::query("DELETE FROM sign_in_attempts WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// The guess was wrong: it keeps counting.
    pub fn failed(self) {}
}

/// Applies the rule to the attempts recorded in the window (finished or still being
/// checked) and, unless it refuses, records this one, all in one transaction that runs
/// alone among sign-in attempts: of attempts made side by side, each sees every one let
/// through before it, so no more than the limit are ever let through to be checked, however
/// many arrive at once. A refused attempt is not recorded (it was never checked).
pub async fn begin(db: &Db, email: &str, ip: &str) -> Result<(Attempt, Gate), sqlx::Error> {
    let now = now_ms();
    let since = now - WINDOW_MINUTES * 60_000;
    let account = account_target(email);
    let mut tx = db.begin_counting("sign_in_attempts").await?;
    // Attempts older than the window count for nothing.
    sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
        .bind(since)
        .execute(&mut *tx)
        .await?;
    let (account_here, account_everywhere): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(CASE WHEN address = $2 THEN 1 END), COUNT(*) FROM sign_in_attempts \
         WHERE account = $1",
    )
    .bind(&account)
    .bind(ip)
    .fetch_one(&mut *tx)
    .await?;
    let accounts_from_here: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT account) FROM sign_in_attempts WHERE address = $1",
    )
    .bind(ip)
    .fetch_one(&mut *tx)
    .await?;
    let gate = decide(Failures {
        account_here,
        account_everywhere,
        accounts_from_here,
    });
    let id = if gate == Gate::Refuse {
        None
    } else {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sign_in_attempts (account, address, at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(&account)
        .bind(ip)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        Some(id)
    };
    tx.commit().await?;
    Ok((Attempt { id }, gate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here(account_here: i64) -> Failures {
        Failures {
            account_here,
            account_everywhere: account_here,
            accounts_from_here: 1,
        }
    }

    #[test]
    fn a_few_mistakes_are_not_slowed() {
        assert_eq!(decide(Failures::default()), Gate::Open);
        assert_eq!(decide(here(SLOW_AFTER - 1)), Gate::Open);
    }

    #[test]
    fn more_failures_wait_longer_up_to_a_cap() {
        assert_eq!(decide(here(SLOW_AFTER)), Gate::Slow(Duration::from_secs(1)));
        assert_eq!(
            decide(here(SLOW_AFTER + 1)),
            Gate::Slow(Duration::from_secs(2))
        );
        assert_eq!(
            decide(here(ACCOUNT_LIMIT - 1)),
            Gate::Slow(Duration::from_secs(MAX_DELAY_SECONDS as u64))
        );
    }

    #[test]
    fn the_account_limit_refuses_the_address_that_reached_it() {
        assert_eq!(decide(here(ACCOUNT_LIMIT)), Gate::Refuse);
        // Another address, after those failures elsewhere: slowed, not refused.
        let elsewhere = Failures {
            account_here: 0,
            account_everywhere: ACCOUNT_LIMIT,
            accounts_from_here: 0,
        };
        assert_eq!(decide(elsewhere), Gate::Open);
        let many = Failures {
            account_everywhere: ACCOUNT_LIMIT_EVERYWHERE - 1,
            ..elsewhere
        };
        assert!(matches!(decide(many), Gate::Slow(_)));
        let all = Failures {
            account_everywhere: ACCOUNT_LIMIT_EVERYWHERE,
            ..elsewhere
        };
        assert_eq!(decide(all), Gate::Refuse);
    }

    #[test]
    fn spraying_many_accounts_refuses_the_address() {
        let spray = |accounts_from_here| Failures {
            account_here: 0,
            account_everywhere: 0,
            accounts_from_here,
        };
        assert_eq!(decide(spray(SPRAY_LIMIT)), Gate::Refuse);
        assert!(matches!(decide(spray(SPRAY_LIMIT - 1)), Gate::Slow(_)));
        assert_eq!(decide(spray(3)), Gate::Open);
    }
}
