//! The live-update hub: events reach this process's streams at once, and, on
//! PostgreSQL, the streams of other server processes through LISTEN/NOTIFY.

use app::server::events::{thread_changed, EventHub, HubEvent};
use std::time::Duration;

/// Waits for the next event, failing the test rather than hanging.
async fn next(receiver: &mut tokio::sync::broadcast::Receiver<HubEvent>) -> HubEvent {
    tokio::time::timeout(Duration::from_secs(10), receiver.recv())
        .await
        .expect("an event within 10 s")
        .expect("the hub is open")
}

fn replying(thread_id: i64) -> HubEvent {
    HubEvent::Replying {
        thread_id,
        team_id: 1,
        user_id: 7,
        name: "Casey Nguyen".to_string(),
    }
}

#[tokio::test]
async fn streams_of_this_process_hear_each_event_once_sqlite() {
    let test = crate::common::fresh_sqlite().await;
    let hub = EventHub::new(test.db.clone());
    let mut first = hub.subscribe();
    let mut second = hub.subscribe();
    hub.publish(replying(1)).await;
    assert_eq!(next(&mut first).await, replying(1));
    assert_eq!(next(&mut second).await, replying(1));
    assert!(first.try_recv().is_err(), "heard once");
    test.finish().await;
}

#[tokio::test]
async fn another_process_hears_events_through_postgres() {
    let test = crate::common::fresh_postgres().await;
    // Two hubs with their own connections and origins: two server processes.
    let here = EventHub::new(test.db.clone());
    let other_db = app::server::db::Db::connect(&test.url, 2).await.unwrap();
    let there = EventHub::new(other_db.clone());
    there.listen_ready(&test.url).await.unwrap();
    here.listen_ready(&test.url).await.unwrap();
    let mut here_stream = here.subscribe();
    let mut there_stream = there.subscribe();

    here.publish(replying(5)).await;
    assert_eq!(next(&mut there_stream).await, replying(5));
    // The sender's own streams hear it once, not again when it comes back from PostgreSQL.
    assert_eq!(next(&mut here_stream).await, replying(5));
    there.publish(replying(6)).await;
    assert_eq!(next(&mut here_stream).await, replying(6));
    assert!(
        here_stream.try_recv().is_err(),
        "no echo of its own event from PostgreSQL"
    );

    other_db.pool.close().await;
    test.finish().await;
}

async fn a_changed_thread_names_its_team_and_veteran(db: &app::server::db::Db) {
    let (thread_id, team_id, veteran_id): (i64, i64, i64) =
        sqlx::query_as("SELECT id, team_id, veteran_id FROM threads ORDER BY id LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let hub = EventHub::new(db.clone());
    let mut stream = hub.subscribe();
    thread_changed(&hub, db, thread_id).await;
    assert_eq!(
        next(&mut stream).await,
        HubEvent::ThreadChanged {
            thread_id,
            team_id,
            veteran_id,
            previous_team_id: None,
        }
    );
    // An id that is nobody's thread says nothing.
    thread_changed(&hub, db, 999_999).await;
    assert!(stream.try_recv().is_err());
}

async fn with_demo_data(db: &app::server::db::Db) {
    app::server::demo::seed_if_empty(&db.pool).await.unwrap();
    a_changed_thread_names_its_team_and_veteran(db).await;
}

on_both_databases!(with_demo_data);
