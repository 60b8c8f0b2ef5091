//! PostgreSQL over TLS: `sslmode=require` connects encrypted (the local cluster serves TLS,
//! as Debian's does with its snakeoil certificate), for the pool and for the LISTEN/NOTIFY
//! connection that carries live updates between server processes.

use app::server::db::Db;
use app::server::events::{EventHub, HubEvent};
use std::time::Duration;

/// Connections to `database` that are not encrypted, as PostgreSQL itself reports them.
async fn plain_connections(db: &Db, database: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid \
         WHERE a.datname = $1 AND NOT s.ssl",
    )
    .bind(database)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

async fn this_connection_is_encrypted(db: &Db) -> bool {
    let ssl: i32 = sqlx::query_scalar(
        "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    ssl == 1
}

#[tokio::test]
async fn sslmode_require_encrypts_the_pool_and_the_live_update_listener() {
    let test = crate::common::fresh_postgres().await;
    let database = test.url.rsplit('/').next().unwrap().to_string();

    // The check tells the two apart: a plain connection is reported as plain.
    let plain = Db::connect(&format!("{}?sslmode=disable", test.url), 1)
        .await
        .unwrap();
    assert!(!this_connection_is_encrypted(&plain).await);
    plain.pool.close().await;

    let tls_url = format!("{}?sslmode=require", test.url);
    let tls = Db::connect(&tls_url, 2).await.expect("connect over TLS");
    assert!(this_connection_is_encrypted(&tls).await);

    // Live updates from another process arrive over an encrypted LISTEN connection.
    let there = EventHub::new(tls.clone());
    there.listen_ready(&tls_url).await.unwrap();
    let mut stream = there.subscribe();
    // The test database's own pool (plain, made by the harness) is closed first, so every
    // connection left to this database is one opened with `tls_url`.
    test.db.pool.close().await;
    assert_eq!(plain_connections(&tls, &database).await, 0);
    let event = HubEvent::Replying {
        thread_id: 3,
        team_id: 1,
        user_id: 7,
        name: "Casey Nguyen".to_string(),
    };
    // Published by a hub that does not listen: only PostgreSQL can carry it to `there`.
    let elsewhere_db = Db::connect(&tls_url, 1).await.unwrap();
    let elsewhere = EventHub::new(elsewhere_db.clone());
    elsewhere.publish(event.clone()).await;
    let heard = tokio::time::timeout(Duration::from_secs(10), stream.recv())
        .await
        .expect("an event within 10 s")
        .unwrap();
    assert_eq!(heard, event);
    elsewhere_db.pool.close().await;
    tls.pool.close().await;
    test.finish().await;
}
