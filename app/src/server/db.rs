//! The database: SQLite (embedded default) or PostgreSQL (the scale path), chosen by URL.
//!
//! Queries go through sqlx's `Any` driver with `$1`-style placeholders, which both databases
//! accept, so one query text serves both. Where the dialects differ (full-text search,
//! row locking) the caller asks `Db::backend`.

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`, in WAL mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// Every commit reaches the disk before it is acknowledged: a message a person was told
    /// is sent survives a power loss, not only a crash of the process. The default.
    #[default]
    Full,
    /// Commits reach the disk at checkpoints: faster, and still safe when only the process
    /// dies, but the last commits before a power loss or an operating-system crash can be
    /// lost after they were acknowledged.
    Normal,
}

impl SqliteSync {
    fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        }
    }
}

/// A connection pool and which database is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL must start with sqlite: or postgres:")]
    UnknownScheme,
    #[error("could not create the data directory {0}: {1}")]
    DataDirectory(String, std::io::Error),
    #[error("could not open the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens a pool for `url` (`sqlite://…` or `postgres://…`), SQLite with durable commits.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        Db::connect_with(url, max_connections, SqliteSync::Full).await
    }

    /// Opens a pool for `url`; `sqlite_sync` says how SQLite commits (PostgreSQL keeps its
    /// own durable defaults). A SQLite file's directory is created when missing, so the
    /// default `./data/…` works on a fresh checkout.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        sqlite_sync: SqliteSync,
    ) -> Result<Db, DbError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnknownScheme);
        };
        if backend == Backend::Sqlite {
            create_sqlite_directory(url)?;
        }
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            let pragmas = format!(
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = {};",
                sqlite_sync.pragma()
            );
            options = options.after_connect(move |connection, _| {
                let pragmas = pragmas.clone();
                Box::pin(async move {
                    // WAL lets readers work while one writer commits; foreign keys are off
                    // in SQLite unless asked for; a busy writer is waited for, not failed.
                    connection.execute(pragmas.as_str()).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(url).await?;
        Ok(Db { pool, backend })
    }

    /// Brings the schema up to date from the versioned files in `app/migrations`.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// `/readyz`: can we run a query right now?
    pub async fn is_ready(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

fn create_sqlite_directory(url: &str) -> Result<(), DbError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbError::DataDirectory(parent.display().to_string(), e))?;
        }
    }
    Ok(())
}
