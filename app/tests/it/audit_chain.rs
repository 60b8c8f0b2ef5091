//! The audit chain, on SQLite and on PostgreSQL: events are sealed in order, and an insider
//! who gets past the append-only triggers (as a database owner can) and changes, removes or
//! slips in an event is named by `verify`.

use app::server::audit::{self, Action, AuditEvent, Outcome};
use app::server::audit_chain::{seal_pending, verify, AuditChain, AuditKey, BreakKind};
use app::server::db::{Backend, Db};
use app::server::now_ms;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor};

fn key() -> AuditKey {
    AuditKey::parse(&"ab".repeat(32)).unwrap()
}

/// Three events, sealed; their ids.
async fn three_sealed(db: &Db) -> Vec<i64> {
    for ip in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let event = AuditEvent::new(Action::ThreadRead, Outcome::Success)
            .actor(1)
            .patient(2)
            .target("thread:1")
            .from_address(ip);
        audit::record(&db.pool, &event).await.unwrap();
    }
    assert_eq!(seal_pending(db, &key()).await.unwrap(), 3);
    sqlx::query_scalar("SELECT id FROM audit_events ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// A connection with the append-only triggers and foreign keys out of the way, as the
/// database's owner could have it.
async fn insider(db: &Db) -> PoolConnection<Any> {
    let mut connection = db.pool.acquire().await.unwrap();
    match db.backend {
        Backend::Sqlite => {
            for statement in [
                "PRAGMA foreign_keys = OFF",
                "DROP TRIGGER audit_events_no_update",
                "DROP TRIGGER audit_events_no_delete",
                "DROP TRIGGER audit_seals_no_delete",
            ] {
                connection.execute(statement).await.unwrap();
            }
        }
        // Replica mode skips triggers, foreign keys among them (a superuser's switch).
        Backend::Postgres => {
            connection
                .execute("SET session_replication_role = replica")
                .await
                .unwrap();
        }
    }
    connection
}

async fn sealed_events_verify_and_nothing_is_sealed_twice(db: &Db) {
    let ids = three_sealed(db).await;
    assert_eq!(seal_pending(db, &key()).await.unwrap(), 0);
    let report = verify(db, &key()).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.verified, 3);
    assert_eq!(report.through.map(|(id, _)| id), Some(ids[2]));
    // Another key does not verify them: the seals are keyed.
    let other = AuditKey::parse(&"cd".repeat(32)).unwrap();
    let report = verify(db, &other).await.unwrap();
    assert_eq!(report.broken.map(|b| b.event_id), Some(ids[0]));
}

async fn the_triggers_refuse_changes_and_truncation(db: &Db) {
    three_sealed(db).await;
    for statement in [
        "UPDATE audit_events SET ip = '198.51.100.9'",
        "DELETE FROM audit_events",
        "UPDATE audit_seals SET chain = chain",
        "DELETE FROM audit_seals",
    ] {
        assert!(
            sqlx::query(statement).execute(&db.pool).await.is_err(),
            "{statement} was allowed"
        );
    }
    if db.backend == Backend::Postgres {
        for statement in ["TRUNCATE audit_seals", "TRUNCATE audit_events CASCADE"] {
            assert!(
                sqlx::query(statement).execute(&db.pool).await.is_err(),
                "{statement} was allowed"
            );
        }
    }
    assert_eq!(verify(db, &key()).await.unwrap().verified, 3);
}

async fn a_changed_event_is_named(db: &Db) {
    let ids = three_sealed(db).await;
    let mut insider = insider(db).await;
    sqlx::query("UPDATE audit_events SET ip = '198.51.100.9' WHERE id = $1")
        .bind(ids[1])
        .execute(&mut *insider)
        .await
        .unwrap();
    drop(insider);
    let report = verify(db, &key()).await.unwrap();
    let broken = report.broken.unwrap();
    assert_eq!(
        (broken.event_id, broken.why),
        (ids[1], BreakKind::DoesNotMatch)
    );
    assert_eq!(report.verified, 1);
}

async fn a_removed_event_is_named(db: &Db) {
    let ids = three_sealed(db).await;
    let mut insider = insider(db).await;
    sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(ids[1])
        .execute(&mut *insider)
        .await
        .unwrap();
    drop(insider);
    let broken = verify(db, &key()).await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.event_id, broken.why),
        (ids[1], BreakKind::EventRemoved)
    );
}

async fn an_event_removed_with_its_seal_breaks_the_next(db: &Db) {
    let ids = three_sealed(db).await;
    let mut insider = insider(db).await;
    for table in [
        "audit_seals WHERE event_id = $1",
        "audit_events WHERE id = $1",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .bind(ids[1])
            .execute(&mut *insider)
            .await
            .unwrap();
    }
    drop(insider);
    let broken = verify(db, &key()).await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.event_id, broken.why),
        (ids[2], BreakKind::DoesNotMatch)
    );
}

async fn an_event_slipped_in_among_sealed_ones_is_named(db: &Db) {
    let ids = three_sealed(db).await;
    // A later event, far above, sealed.
    let later = ids[2] + 50_000;
    sqlx::query(
        "INSERT INTO audit_events (id, at, action, outcome) \
         VALUES ($1, $2, 'sign_in', 'success')",
    )
    .bind(later)
    .bind(now_ms())
    .execute(&db.pool)
    .await
    .unwrap();
    assert_eq!(seal_pending(db, &key()).await.unwrap(), 1);
    // Then an old-looking event below it, written straight to the table: too far below the
    // newest seal to be a late commit, so the sealer leaves it, and the walk names it.
    let slipped = ids[2] + 100;
    let mut insider = insider(db).await;
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, action, outcome) \
         VALUES ($1, $2, 1, 'thread_read', 'success')",
    )
    .bind(slipped)
    .bind(now_ms() - 3_600_000)
    .execute(&mut *insider)
    .await
    .unwrap();
    drop(insider);
    assert_eq!(seal_pending(db, &key()).await.unwrap(), 0);
    let report = verify(db, &key()).await.unwrap();
    assert_eq!(report.verified, 4);
    let broken = report.broken.unwrap();
    assert_eq!(
        (broken.event_id, broken.why),
        (slipped, BreakKind::NotSealed)
    );
}

async fn events_that_commit_late_are_still_sealed(db: &Db) {
    let ids = three_sealed(db).await;
    // An id far above, sealed; then one below it commits (as a slower PostgreSQL transaction
    // that took its id first would).
    for id in [ids[2] + 20, ids[2] + 10] {
        sqlx::query(
            "INSERT INTO audit_events (id, at, action, outcome) \
             VALUES ($1, $2, 'sign_in', 'success')",
        )
        .bind(id)
        .bind(now_ms())
        .execute(&db.pool)
        .await
        .unwrap();
        seal_pending(db, &key()).await.unwrap();
    }
    let report = verify(db, &key()).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.verified, 5);
}

async fn the_page_follows_new_seals_between_full_checks(db: &Db) {
    let chain = AuditChain::new(key());
    assert_eq!(chain.last_check(), None);
    let first = chain.check(db).await.unwrap();
    assert_eq!((first.report.verified, first.report.through), (0, None));
    let ids = three_sealed(db).await;
    let event = AuditEvent::new(Action::SignIn, Outcome::Success).actor(1);
    audit::record(&db.pool, &event).await.unwrap();
    let followed = chain.seal_and_follow(db).await.unwrap();
    assert_eq!(followed.report.verified, 4);
    assert_eq!(followed.report.broken, None);
    let newest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(followed.report.through.map(|(id, _)| id), Some(newest));
    assert_eq!(chain.last_check(), Some(followed));
    // Following walks only new seals; the next full check finds an older change.
    let mut insider = insider(db).await;
    sqlx::query("UPDATE audit_events SET target = 'thread:2' WHERE id = $1")
        .bind(ids[0])
        .execute(&mut *insider)
        .await
        .unwrap();
    drop(insider);
    assert_eq!(chain.seal_and_follow(db).await.unwrap().report.broken, None);
    let full = chain.check(db).await.unwrap();
    assert_eq!(full.report.broken.map(|b| b.event_id), Some(ids[0]));
    // Until the next full check, the break stays on the page.
    let after = chain.seal_and_follow(db).await.unwrap();
    assert_eq!(after.report.broken.map(|b| b.event_id), Some(ids[0]));
}

on_both_databases!(
    the_page_follows_new_seals_between_full_checks,
    sealed_events_verify_and_nothing_is_sealed_twice,
    the_triggers_refuse_changes_and_truncation,
    a_changed_event_is_named,
    a_removed_event_is_named,
    an_event_removed_with_its_seal_breaks_the_next,
    an_event_slipped_in_among_sealed_ones_is_named,
    events_that_commit_late_are_still_sealed,
);
