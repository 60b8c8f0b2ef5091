//! Fresh databases for data-layer tests: a SQLite file in a temporary directory, and a new
//! PostgreSQL database on the local server (SM_TEST_POSTGRES_URL, default
//! postgres://postgres@127.0.0.1:5432/test). PostgreSQL being unreachable fails the test:
//! the PostgreSQL half is never skipped. `people` holds the look-ups and inputs several
//! feature modules share.

mod people;

pub use people::{admin, count, count_for, record_failures, reply, team_id, user};

use app::server::db::Db;
use sqlx::{AnyConnection, Connection, Executor};

pub struct TestDb {
    pub db: Db,
    /// Where `db` points, for tests that open connections of their own.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

pub fn postgres_admin_url() -> String {
    std::env::var("SM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

pub async fn fresh_sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
    let db = Db::connect(&url, 5).await.expect("open SQLite");
    db.migrate().await.expect("migrate SQLite");
    TestDb {
        db,
        url,
        cleanup: Cleanup::Sqlite(dir),
    }
}

pub async fn fresh_postgres() -> TestDb {
    sqlx::any::install_default_drivers();
    let admin_url = postgres_admin_url();
    let name = format!("sm_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = AnyConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL must be running for the data-layer tests (SM_TEST_POSTGRES_URL)");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("database URL with a database name");
    let url = format!("{base}/{name}");
    let db = Db::connect(&url, 5).await.expect("open PostgreSQL");
    db.migrate().await.expect("migrate PostgreSQL");
    TestDb {
        db,
        url,
        cleanup: Cleanup::Postgres { admin_url, name },
    }
}

impl TestDb {
    /// Closes the pool and drops the PostgreSQL database.
    pub async fn finish(self) {
        self.db.pool.close().await;
        if let Cleanup::Postgres { admin_url, name } = self.cleanup {
            if let Ok(mut admin) = AnyConnection::connect(&admin_url).await {
                let _ = admin
                    .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
                    .await;
            }
        }
    }
}

/// Runs each named `async fn(&Db)` once on SQLite and once on PostgreSQL, as two tests.
/// In scope in every module declared after `#[macro_use] mod common;` in `main.rs`.
macro_rules! on_both_databases {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test]
                async fn sqlite() {
                    let test = $crate::common::fresh_sqlite().await;
                    super::$scenario(&test.db).await;
                    test.finish().await;
                }
                #[tokio::test]
                async fn postgres() {
                    let test = $crate::common::fresh_postgres().await;
                    super::$scenario(&test.db).await;
                    test.finish().await;
                }
            }
        )*
    };
}
