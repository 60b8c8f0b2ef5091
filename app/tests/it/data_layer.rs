//! Data-layer tests: every scenario runs on SQLite and on PostgreSQL.

use crate::common::{count, record_failures, user};
use app::account::ssr::{attempt, PasswordChecked};
use app::auth::Role;
use app::error::AppError;
use app::pages::{admin_home, team_home, veteran_home};
use app::server::access::trusted;
use app::server::audit::{self, Action, AuditEvent, Outcome};
use app::server::db::Db;
use app::server::demo::{self, DEMO_PASSWORD};
use app::server::session_store::{end_all_sessions_of, DbSessionStore};
use app::server::sign_in_guard::{
    self, Gate, ACCOUNT_LIMIT, ACCOUNT_LIMIT_EVERYWHERE, SPRAY_LIMIT,
};
use app::server::{now_ms, users};
use tower_sessions::session::{Id, Record};
use tower_sessions::SessionStore;

async fn seeded(db: &Db) {
    assert!(
        demo::seed_if_empty(&db.pool).await.unwrap(),
        "the first seeding seeds"
    );
}

async fn demo_data_is_seeded_once(db: &Db) {
    seeded(db).await;
    assert!(
        !demo::seed_if_empty(&db.pool).await.unwrap(),
        "a second seeding does nothing"
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM users").await, 6);
    assert_eq!(count(db, "SELECT COUNT(*) FROM care_teams").await, 4);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM care_teams WHERE accepting_messages = 0 AND name = 'Cardiology'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM facilities WHERE station_number = '999'"
        )
        .await,
        1
    );
    for (email, name, role) in demo::PEOPLE {
        let found = user(db, email).await;
        assert_eq!(found.name, name);
        assert_eq!(found.role.as_str(), role);
    }
}

async fn sign_in_accepts_the_right_password_and_audits_it(db: &Db) {
    seeded(db).await;
    let alex = match attempt(db, "  Veteran@Example.com ", DEMO_PASSWORD, "10.0.0.1")
        .await
        .unwrap()
    {
        PasswordChecked::SignedIn(user) => user,
        other => panic!("signed in without a code, got {other:?}"),
    };
    assert_eq!(alex.name, "Alex Rivera");
    assert_eq!(alex.role, Role::Veteran);
    let successes = audit::count_since_for_target(
        &db.pool,
        Action::SignIn,
        Outcome::Success,
        "account:veteran@example.com",
        None,
        0,
    )
    .await
    .unwrap();
    assert_eq!(successes, 1);
    let from: String = sqlx::query_scalar(
        "SELECT ip FROM audit_events WHERE action = 'sign_in' AND actor_id = $1",
    )
    .bind(alex.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(from, "10.0.0.1");
}

async fn wrong_password_and_unknown_email_look_the_same(db: &Db) {
    seeded(db).await;
    let wrong = attempt(db, "veteran@example.com", "not-the-password", "10.0.0.2")
        .await
        .unwrap_err();
    let unknown = attempt(db, "nobody@example.com", DEMO_PASSWORD, "10.0.0.2")
        .await
        .unwrap_err();
    assert_eq!(wrong, AppError::SignInFailed);
    assert_eq!(unknown, AppError::SignInFailed);
    assert_eq!(wrong.to_string(), unknown.to_string());
    let accounts = audit::targets_since_from_address(
        &db.pool,
        [Action::SignIn, Action::MfaTurnedOff],
        Outcome::Failure,
        "10.0.0.2",
        0,
    )
    .await
    .unwrap();
    assert_eq!(
        accounts, 2,
        "both failures are audited, with the account tried"
    );
}

async fn empty_fields_are_named(db: &Db) {
    let error = attempt(db, "", "", "10.0.0.3").await.unwrap_err();
    assert_eq!(
        error.field("email").as_deref(),
        Some("Enter your email address.")
    );
    assert_eq!(
        error.field("password").as_deref(),
        Some("Enter your password.")
    );
}

async fn a_deactivated_account_cannot_sign_in_and_its_sessions_stop(db: &Db) {
    seeded(db).await;
    let casey = user(db, "nurse@example.com").await;
    sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
        .bind(casey.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let error = attempt(db, "nurse@example.com", DEMO_PASSWORD, "10.0.0.4")
        .await
        .unwrap_err();
    assert_eq!(error, AppError::SignInFailed);
    assert_eq!(users::active_user(&db.pool, casey.id).await.unwrap(), None);
}

/// What the sign-in limits would do with an attempt now (the attempt itself not counted).
async fn gate(db: &Db, email: &str, ip: &str) -> Gate {
    let (guess, gate) = sign_in_guard::begin(db, email, ip).await.unwrap();
    guess.not_counted(&db.pool).await.unwrap();
    gate
}

async fn repeated_failures_slow_then_refuse_one_account(db: &Db) {
    seeded(db).await;
    assert_eq!(
        gate(db, "veteran@example.com", "10.0.1.1").await,
        Gate::Open
    );
    record_failures(db, "veteran@example.com", "10.0.1.1", 3).await;
    assert!(matches!(
        gate(db, "veteran@example.com", "10.0.1.1").await,
        Gate::Slow(_)
    ));
    record_failures(db, "veteran@example.com", "10.0.1.1", ACCOUNT_LIMIT - 3).await;
    // Even the right password, from the guessing address, is refused for now.
    let refused = attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.1.1")
        .await
        .unwrap_err();
    assert_eq!(refused, AppError::TooManyAttempts { minutes: 15 });
    // The person, from their own address, is not locked out by someone else's guesses.
    assert!(
        attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.1.9")
            .await
            .is_ok()
    );
    // Another account is not affected.
    assert!(
        attempt(db, "veteran2@example.com", DEMO_PASSWORD, "10.0.1.1")
            .await
            .is_ok()
    );
}

async fn guesses_from_many_addresses_refuse_the_account_everywhere(db: &Db) {
    seeded(db).await;
    for n in 0..ACCOUNT_LIMIT_EVERYWHERE / 5 {
        record_failures(db, "veteran@example.com", &format!("10.0.4.{n}"), 5).await;
    }
    let refused = attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.5.1")
        .await
        .unwrap_err();
    assert_eq!(refused, AppError::TooManyAttempts { minutes: 15 });
}

async fn spraying_many_accounts_refuses_one_address(db: &Db) {
    seeded(db).await;
    // Many failures on a few accounts (people at one clinic mistyping) do not refuse it.
    for n in 0..4 {
        record_failures(db, &format!("typo{n}@example.com"), "10.0.2.1", 8).await;
    }
    assert!(
        attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.2.1")
            .await
            .is_ok()
    );
    for n in 0..SPRAY_LIMIT {
        record_failures(db, &format!("guess{n}@example.com"), "10.0.2.1", 1).await;
    }
    let refused = attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.2.1")
        .await
        .unwrap_err();
    assert_eq!(refused, AppError::TooManyAttempts { minutes: 15 });
    assert!(
        attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.2.2")
            .await
            .is_ok()
    );
}

async fn old_failures_are_forgiven(db: &Db) {
    seeded(db).await;
    let long_ago = now_ms() - 16 * 60_000;
    for _ in 0..ACCOUNT_LIMIT {
        sqlx::query(
            "INSERT INTO sign_in_attempts (at, account, address) VALUES ($1, $2, '10.0.3.1')",
        )
        .bind(long_ago)
        .bind(sign_in_guard::account_target("veteran@example.com"))
        .execute(&db.pool)
        .await
        .unwrap();
    }
    assert_eq!(
        gate(db, "veteran@example.com", "10.0.3.1").await,
        Gate::Open
    );
}

/// Fifty wrong passwords for one account at the same moment: the attempts count each other
/// before any password is checked, so no more than the limit are checked.
async fn fifty_wrong_passwords_at_once_check_at_most_the_limit(db: &Db) {
    seeded(db).await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let db = db.clone();
        attempts.spawn(async move {
            attempt(&db, "veteran@example.com", "not-the-password", "10.0.6.1").await
        });
    }
    let (mut checked, mut refused) = (0, 0);
    while let Some(answer) = attempts.join_next().await {
        match answer.unwrap() {
            Err(AppError::SignInFailed) => checked += 1,
            Err(AppError::TooManyAttempts { .. }) => refused += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert!(
        (1..=ACCOUNT_LIMIT).contains(&checked),
        "{checked} passwords were checked; the limit is {ACCOUNT_LIMIT}"
    );
    assert_eq!(checked + refused, 50);
    // Now even the right password is refused from there.
    assert_eq!(
        attempt(db, "veteran@example.com", DEMO_PASSWORD, "10.0.6.1")
            .await
            .unwrap_err(),
        AppError::TooManyAttempts { minutes: 15 }
    );
}

/// Many sign-ins at once (different people, different places, none refused) wait their
/// turn for the password check, so memory holds a few argon2 hashes, never fifty.
async fn password_checks_run_a_few_at_a_time(db: &Db) {
    seeded(db).await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..50 {
        let db = db.clone();
        attempts.spawn(async move {
            let email = format!("person{n}@example.com");
            attempt(&db, &email, "a-guess", &format!("10.0.7.{n}")).await
        });
    }
    while let Some(answer) = attempts.join_next().await {
        assert_eq!(answer.unwrap().unwrap_err(), AppError::SignInFailed);
    }
    let most = app::server::passwords::most_at_once();
    assert!(
        most <= app::server::passwords::AT_ONCE,
        "{most} password hashes were computed at once"
    );
}

async fn audit_events_cannot_be_changed_or_deleted(db: &Db) {
    audit::record(
        &db.pool,
        &AuditEvent::new(Action::SignOut, Outcome::Success).actor(1),
    )
    .await
    .unwrap();
    assert!(sqlx::query("UPDATE audit_events SET outcome = 'failure'")
        .execute(&db.pool)
        .await
        .is_err());
    assert!(sqlx::query("DELETE FROM audit_events")
        .execute(&db.pool)
        .await
        .is_err());
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE outcome = 'success'"
        )
        .await,
        1
    );
}

fn record(expires_in_ms: i64, user_id: Option<i64>) -> Record {
    let mut data = std::collections::HashMap::new();
    if let Some(id) = user_id {
        data.insert("user_id".to_string(), serde_json::json!(id));
    }
    Record {
        id: Id::default(),
        data,
        expiry_date: time::OffsetDateTime::from_unix_timestamp_nanos(
            i128::from(now_ms() + expires_in_ms) * 1_000_000,
        )
        .unwrap(),
    }
}

async fn sessions_are_stored_expire_and_end_together(db: &Db) {
    seeded(db).await;
    let alex = user(db, "veteran@example.com").await;
    let store = DbSessionStore::new(db.pool.clone());

    let mut live = record(60_000, Some(alex.id));
    store.create(&mut live).await.unwrap();
    let loaded = store
        .load(&live.id)
        .await
        .unwrap()
        .expect("a live session loads");
    assert_eq!(
        loaded.data.get("user_id"),
        Some(&serde_json::json!(alex.id))
    );

    let mut expired = record(-1_000, Some(alex.id));
    store.create(&mut expired).await.unwrap();
    assert!(
        store.load(&expired.id).await.unwrap().is_none(),
        "an idle-expired session is gone"
    );
    assert_eq!(store.delete_expired().await.unwrap(), 1);

    let mut second = record(60_000, Some(alex.id));
    store.create(&mut second).await.unwrap();
    let mut connection = db.pool.acquire().await.unwrap();
    assert_eq!(
        end_all_sessions_of(&mut connection, alex.id).await.unwrap(),
        2
    );
    drop(connection);
    assert!(store.load(&live.id).await.unwrap().is_none());
    assert!(store.load(&second.id).await.unwrap().is_none());
    // A request that held `live` saves it on its way out: it stays gone.
    store.save(&live).await.unwrap();
    assert!(store.load(&live.id).await.unwrap().is_none());
    // And Alex is in a new generation: a session from before is not theirs any more.
    assert_eq!(
        app::server::session_store::generation_of(&db.pool, alex.id)
            .await
            .unwrap(),
        1
    );
}

async fn stored_expiry(db: &Db, id: &Id) -> i64 {
    sqlx::query_scalar("SELECT expires_at FROM sessions WHERE id = $1")
        .bind(id.to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// The session layer saves after every request; an unchanged session is written again only
/// once its expiry has moved by a minute, so a request costs no commit for it.
async fn an_unchanged_session_is_written_again_only_once_a_minute(db: &Db) {
    let store = DbSessionStore::new(db.pool.clone());
    let mut session = record(600_000, None);
    store.create(&mut session).await.unwrap();
    let first = stored_expiry(db, &session.id).await;

    session.expiry_date += time::Duration::seconds(30);
    store.save(&session).await.unwrap();
    assert_eq!(
        stored_expiry(db, &session.id).await,
        first,
        "30 s later: not written"
    );

    session.expiry_date += time::Duration::seconds(40);
    store.save(&session).await.unwrap();
    assert_eq!(
        stored_expiry(db, &session.id).await,
        first + 70_000,
        "70 s later: the idle timeout slides"
    );

    session
        .data
        .insert("seen".to_string(), serde_json::json!(true));
    store.save(&session).await.unwrap();
    let loaded = store.load(&session.id).await.unwrap().unwrap();
    assert_eq!(
        loaded.data.get("seen"),
        Some(&serde_json::json!(true)),
        "changed data is written at once"
    );

    // A request's session, as loaded: the same, whatever it asks of the database.
    let stored = stored_expiry(db, &session.id).await;
    let mut request = store.load(&session.id).await.unwrap().unwrap();
    request.expiry_date += time::Duration::seconds(30);
    store.save(&request).await.unwrap();
    assert_eq!(
        stored_expiry(db, &session.id).await,
        stored,
        "loaded, 30 s later: not written"
    );
    request.expiry_date += time::Duration::seconds(40);
    store.save(&request).await.unwrap();
    assert_eq!(
        stored_expiry(db, &session.id).await,
        stored + 70_000,
        "loaded, 70 s later: the idle timeout slides"
    );
}

/// Two requests of one session run side by side, each with the session as it loaded it
/// (the session timer's "still here" beside an administrator's import preview): each save
/// keeps what the other wrote, and a key one request removed stays removed.
async fn requests_side_by_side_keep_each_others_session_changes(db: &Db) {
    let store = DbSessionStore::new(db.pool.clone());
    let mut session = record(600_000, None);
    session
        .data
        .insert("notice".to_string(), serde_json::json!("saved"));
    store.create(&mut session).await.unwrap();

    let mut timer = store.load(&session.id).await.unwrap().unwrap();
    let mut import = store.load(&session.id).await.unwrap().unwrap();
    timer
        .data
        .insert("active_at".to_string(), serde_json::json!(42));
    import
        .data
        .insert("import_preview".to_string(), serde_json::json!("token"));
    import.data.remove("notice");
    store.save(&import).await.unwrap();
    store.save(&timer).await.unwrap();

    let now = store.load(&session.id).await.unwrap().unwrap();
    assert_eq!(now.data.get("active_at"), Some(&serde_json::json!(42)));
    assert_eq!(
        now.data.get("import_preview"),
        Some(&serde_json::json!("token")),
        "the timer's save did not undo the preview"
    );
    assert_eq!(
        now.data.get("notice"),
        None,
        "the timer's save did not bring back what the import removed"
    );
    let text: String = sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1")
        .bind(session.id.to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(!text.contains("__loaded"), "{text}");
}

async fn a_session_can_be_deleted(db: &Db) {
    let store = DbSessionStore::new(db.pool.clone());
    let mut anonymous = record(60_000, None);
    store.create(&mut anonymous).await.unwrap();
    store.delete(&anonymous.id).await.unwrap();
    assert!(store.load(&anonymous.id).await.unwrap().is_none());
}

async fn each_person_sees_only_their_own_care_teams(db: &Db) {
    seeded(db).await;
    let alex = trusted::messaging(user(db, "veteran@example.com").await).unwrap();
    let groups = veteran_home::ssr::overview(&db.pool, &alex).await.unwrap();
    assert_eq!(groups.len(), 1);
    let names: Vec<_> = groups[0].teams.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Cardiology",
            "Mental Health",
            "Pharmacy",
            "Primary Care – Blue Team"
        ]
    );
    let cardiology = &groups[0].teams[0];
    assert!(!cardiology.can_write);
    assert!(cardiology
        .why_not
        .as_deref()
        .unwrap()
        .contains("isn't accepting messages"));

    let jordan = trusted::messaging(user(db, "veteran2@example.com").await).unwrap();
    let groups = veteran_home::ssr::overview(&db.pool, &jordan)
        .await
        .unwrap();
    let names: Vec<_> = groups[0].teams.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Pharmacy"]);
}

async fn a_caregiver_acts_only_while_access_lasts(db: &Db) {
    seeded(db).await;
    let sam = trusted::messaging(user(db, "caregiver@example.com").await).unwrap();
    let groups = veteran_home::ssr::overview(&db.pool, &sam).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].veteran_name, "Alex Rivera");
    assert_eq!(groups[0].teams.len(), 4);

    sqlx::query("UPDATE caregiver_grants SET revoked_at = $1")
        .bind(now_ms())
        .execute(&db.pool)
        .await
        .unwrap();
    let groups = veteran_home::ssr::overview(&db.pool, &sam).await.unwrap();
    assert!(groups.is_empty(), "a revoked caregiver sees nobody's teams");
}

async fn capabilities_follow_roles(db: &Db) {
    seeded(db).await;
    let alex = user(db, "veteran@example.com").await;
    let morgan = user(db, "clinician@example.com").await;
    let riley = user(db, "admin@example.com").await;
    assert!(trusted::admin(alex.clone()).is_none());
    assert!(trusted::team(alex.clone()).is_none());
    assert!(trusted::messaging(morgan.clone()).is_none());
    assert!(trusted::admin(morgan.clone()).is_none());
    assert!(trusted::messaging(riley.clone()).is_none());

    let team = trusted::team(morgan).unwrap();
    let teams = team_home::ssr::teams_of(&db.pool, &team).await.unwrap();
    assert_eq!(teams.len(), 1);
    assert_eq!(teams[0].name, "Primary Care – Blue Team");
    assert!(teams[0].lead);
    let casey = trusted::team(user(db, "nurse@example.com").await).unwrap();
    assert!(!team_home::ssr::teams_of(&db.pool, &casey).await.unwrap()[0].lead);

    let admin = trusted::admin(riley).unwrap();
    let counts = admin_home::ssr::counts(&db.pool, &admin).await.unwrap();
    assert_eq!(
        (counts.facilities, counts.care_teams, counts.active_users),
        (1, 4, 6)
    );
}

async fn a_veteran_revokes_a_caregiver_who_then_loses_access(db: &Db) {
    use app::messages::pages::settings_caregivers::ssr::{grants_of, revoke};
    seeded(db).await;
    let alex = trusted::messaging(user(db, "veteran@example.com").await).unwrap();
    let jordan = trusted::messaging(user(db, "veteran2@example.com").await).unwrap();
    let sam = trusted::messaging(user(db, "caregiver@example.com").await).unwrap();

    let grants = grants_of(db, &alex).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].name, "Sam Rivera");
    assert!(grants_of(db, &jordan).await.unwrap().is_empty());
    // Only the Veteran manages access: not the caregiver, not another Veteran.
    assert_eq!(grants_of(db, &sam).await.unwrap_err(), AppError::Forbidden);
    assert_eq!(
        revoke(db, &jordan, grants[0].grant_id, "10.0.9.1")
            .await
            .unwrap_err(),
        AppError::NotFound
    );
    assert_eq!(
        revoke(db, &sam, grants[0].grant_id, "10.0.9.1")
            .await
            .unwrap_err(),
        AppError::Forbidden
    );

    assert_eq!(
        veteran_home::ssr::veterans_for(&db.pool, &sam)
            .await
            .unwrap()
            .len(),
        1
    );
    revoke(db, &alex, grants[0].grant_id, "10.0.9.1")
        .await
        .unwrap();
    assert!(veteran_home::ssr::veterans_for(&db.pool, &sam)
        .await
        .unwrap()
        .is_empty());
    assert!(grants_of(db, &alex).await.unwrap().is_empty());
    assert_eq!(
        revoke(db, &alex, grants[0].grant_id, "10.0.9.1")
            .await
            .unwrap_err(),
        AppError::NotFound,
        "a revoked grant cannot be revoked twice"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'caregiver_access_revoked'"
        )
        .await,
        1
    );
}

/// `server create-admin` on a new installation: an active administrator who signs in with
/// the password given (then must set up two-step verification), audited; and demo mode
/// then refuses that database, which holds a real person's account.
async fn the_first_administrator_comes_from_the_command_line(db: &Db) {
    use app::server::bootstrap::create_administrator;
    let weak = create_administrator(db, "chief@va.example", "Pat Chief", "short").await;
    assert!(weak.unwrap_err().field("password").is_some());
    let id = create_administrator(
        db,
        " Chief@VA.example ",
        "Pat Chief",
        "a long enough passphrase",
    )
    .await
    .unwrap();
    let signed_in = attempt(
        db,
        "chief@va.example",
        "a long enough passphrase",
        "10.0.8.1",
    )
    .await
    .unwrap();
    assert_eq!(signed_in.user().id, id);
    assert_eq!(signed_in.user().role, Role::Administrator);
    let again =
        create_administrator(db, "chief@va.example", "Pat", "another long passphrase").await;
    assert!(again
        .unwrap_err()
        .field("email")
        .unwrap()
        .contains("already exists"));
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'administrator_created' AND actor_id IS NULL"
        )
        .await,
        1
    );
    let demo = demo::seed_if_empty(&db.pool).await.unwrap_err();
    assert!(demo.to_string().contains("did not create"), "{demo}");
    assert_eq!(count(db, "SELECT COUNT(*) FROM users").await, 1);
}

/// A transaction the database ended by itself (SQLite may roll one back after SQLITE_BUSY,
/// FULL or IOERR; an explicit ROLLBACK stands in for that here) leaves no connection behind
/// that believes it is still inside one: later writes go ahead, and what they write is
/// committed. Reused, such a connection refused every write transaction, and turned a read
/// into a transaction that never ended and held SQLite's write lock ("database is locked"
/// for everyone).
async fn a_transaction_the_database_ended_leaves_the_pool_working(db: &Db) {
    for _ in 0..3 {
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
        drop(tx);
    }
    for n in 0..10 {
        let reading = db.begin_read().await.unwrap();
        drop(reading);
        sqlx::query(
            "INSERT INTO facilities (station_number, name, time_zone, created_at) \
             VALUES ($1, 'Ended test', 'America/New_York', 0)",
        )
        .bind(format!("plain-{n}"))
        .execute(&db.pool)
        .await
        .unwrap();
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query(
            "INSERT INTO facilities (station_number, name, time_zone, created_at) \
             VALUES ($1, 'Ended test', 'America/New_York', 0)",
        )
        .bind(format!("tx-{n}"))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Counted on a connection of its own, outside the pool: what the pool wrote is
    // committed, not held in a transaction that never ends.
    use sqlx::ConnectOptions;
    let mut outside = db.pool.connect_options().connect().await.unwrap();
    let written: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM facilities WHERE name = 'Ended test'")
            .fetch_one(&mut outside)
            .await
            .unwrap();
    assert_eq!(written, 20);
}

on_both_databases!(
    the_first_administrator_comes_from_the_command_line,
    a_veteran_revokes_a_caregiver_who_then_loses_access,
    demo_data_is_seeded_once,
    sign_in_accepts_the_right_password_and_audits_it,
    wrong_password_and_unknown_email_look_the_same,
    empty_fields_are_named,
    a_deactivated_account_cannot_sign_in_and_its_sessions_stop,
    repeated_failures_slow_then_refuse_one_account,
    guesses_from_many_addresses_refuse_the_account_everywhere,
    spraying_many_accounts_refuses_one_address,
    old_failures_are_forgiven,
    fifty_wrong_passwords_at_once_check_at_most_the_limit,
    password_checks_run_a_few_at_a_time,
    audit_events_cannot_be_changed_or_deleted,
    sessions_are_stored_expire_and_end_together,
    a_session_can_be_deleted,
    requests_side_by_side_keep_each_others_session_changes,
    an_unchanged_session_is_written_again_only_once_a_minute,
    each_person_sees_only_their_own_care_teams,
    a_caregiver_acts_only_while_access_lasts,
    capabilities_follow_roles,
    a_transaction_the_database_ended_leaves_the_pool_working,
);

/// A new SQLite database, its directory and its -wal and -shm files are the server's
/// account's alone: they hold every message.
#[cfg(unix)]
#[tokio::test]
async fn a_new_sqlite_database_is_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = format!("sqlite://{}/sm.db?mode=rwc", data.display());
    let db = Db::connect(&url, 2).await.unwrap();
    db.migrate().await.unwrap();
    let mode = |name: &str| {
        std::fs::metadata(data.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700, "the data directory");
    for name in ["sm.db", "sm.db-wal", "sm.db-shm"] {
        assert_eq!(mode(name), 0o600, "{name}");
    }
    db.pool.close().await;
}

/// Every pooled SQLite connection commits durably unless the operator relaxed it.
#[tokio::test]
async fn sqlite_commits_reach_the_disk_unless_relaxed() {
    use app::server::db::SqliteSync;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/sync.db?mode=rwc", dir.path().display());
    // PRAGMA synchronous: 1 = NORMAL, 2 = FULL.
    let synchronous = |db: Db| async move {
        let mut levels = Vec::new();
        // Several connections at once, so more than the first one is asked.
        let mut held = Vec::new();
        for _ in 0..3 {
            let mut connection = db.pool.acquire().await.unwrap();
            let level: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
            levels.push(level);
            held.push(connection);
        }
        drop(held);
        db.pool.close().await;
        levels
    };
    let default = Db::connect(&url, 3).await.unwrap();
    assert_eq!(synchronous(default).await, vec![2, 2, 2]);
    let full = Db::connect_with(&url, 3, SqliteSync::Full).await.unwrap();
    assert_eq!(synchronous(full).await, vec![2, 2, 2]);
    let relaxed = Db::connect_with(&url, 3, SqliteSync::Normal).await.unwrap();
    assert_eq!(synchronous(relaxed).await, vec![1, 1, 1]);
}

/// PostgreSQL keeps its own durable default: a commit waits for its write-ahead log.
#[tokio::test]
async fn postgres_commits_wait_for_the_log() {
    let test = crate::common::fresh_postgres().await;
    let setting: String = sqlx::query_scalar("SELECT current_setting('synchronous_commit')")
        .fetch_one(&test.db.pool)
        .await
        .unwrap();
    assert_eq!(setting, "on");
    test.finish().await;
}
