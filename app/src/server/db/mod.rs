//! The database: SQLite (embedded default) or PostgreSQL (the scale path), chosen by URL.
//!
//! Queries go through sqlx's `Any` driver with `$1`-style placeholders, which both databases
//! accept, so one query text serves both, built with the one [`Sql`] builder where parts are
//! optional. Everything that differs between the two databases is decided here and nowhere
//! else: starting a write transaction, row locks, claiming jobs, unique violations and
//! full-text search. Features call these and never ask which database they run on.

mod sql;
mod transport;
mod types;

pub use sql::Sql;
pub use transport::Transport;
pub use types::YesNo;

use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::clock::Clock;

/// A transaction, begun by [`Db::begin_write`] or [`Db::begin_read`]. It is used like
/// sqlx's own transaction (`&mut *tx` is the connection to run statements on) and ends with
/// [`Tx::commit`], or rolls back when dropped.
pub struct Tx {
    transaction: Transaction<'static, Any>,
    /// On SQLite, this process's turn to write, held until the transaction ends.
    _turn: Option<OwnedSemaphorePermit>,
    clock: Clock,
}

impl Tx {
    /// Now, by the clock of the database handle that began this transaction.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.transaction.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.transaction.rollback().await
    }
}

/// A transaction begun on the pool directly, for seeding demo data before the server takes
/// requests: nothing else writes then, so it needs no turn.
impl From<Transaction<'static, Any>> for Tx {
    fn from(transaction: Transaction<'static, Any>) -> Tx {
        Tx {
            transaction,
            _turn: None,
            clock: Clock::system(),
        }
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.transaction
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }
}

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
    /// SQLite lets one transaction write at a time. Writers of this process wait for
    /// their turn here, in order, instead of in SQLite's busy handler, which sleeps in
    /// growing steps (1 ms, 2 ms, 5 ms … 100 ms) and so leaves the database idle while
    /// writers queue.
    write_turn: Arc<Semaphore>,
    /// The time every part of the data layer goes by: the system's, or a test's.
    pub clock: Clock,
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
            .acquire_timeout(Duration::from_secs(10))
            .after_release(|connection, _| {
                Box::pin(async move {
                    // A transaction the database ended by itself (SQLite may roll one back
                    // after SQLITE_BUSY, FULL or IOERR) stays counted as open by sqlx, and
                    // the rollback on drop then fails. Reused, such a connection would turn
                    // the next transaction into a savepoint that never ends, holding the
                    // write lock against everyone. The ping waits out a queued rollback; a
                    // connection still counted inside a transaction after it is closed.
                    if connection.is_in_transaction() {
                        connection.ping().await?;
                    }
                    Ok(!connection.is_in_transaction())
                })
            });
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
        Ok(Db {
            pool,
            backend,
            write_turn: Arc::new(Semaphore::new(1)),
            clock: Clock::system(),
        })
    }

    /// Brings the schema up to date from the versioned files in `app/migrations`.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Now, in milliseconds since the Unix epoch, by this database handle's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The same database, going by `clock` (a test's settable clock).
    pub fn with_clock(mut self, clock: Clock) -> Db {
        self.clock = clock;
        self
    }

    /// Begins a transaction that will write. On SQLite it waits for this process's turn
    /// to write, then takes the database's write lock at once (`BEGIN IMMEDIATE`), so a
    /// transaction that reads then writes never fails with SQLITE_BUSY, and writers go one
    /// after another in the order they came. On PostgreSQL writers run side by side and
    /// lock the rows they change ([`Db::lock_rows`]).
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let turn = Arc::clone(&self.write_turn)
                    .acquire_owned()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                let transaction = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx {
                    transaction,
                    _turn: Some(turn),
                    clock: self.clock.clone(),
                })
            }
            Backend::Postgres => Ok(Tx {
                transaction: self.pool.begin().await?,
                _turn: None,
                clock: self.clock.clone(),
            }),
        }
    }

    /// Begins a transaction that only reads: its statements see one snapshot of the
    /// database, and it takes no turn to write, so on SQLite reads run beside the writer
    /// (WAL) instead of queueing behind it. Writing in it is a mistake (on SQLite the write
    /// would wait for the lock outside the turns `begin_write` hands out).
    pub async fn begin_read(&self) -> Result<Tx, sqlx::Error> {
        Ok(Tx {
            transaction: self.pool.begin().await?,
            _turn: None,
            clock: self.clock.clone(),
        })
    }

    /// Begins a write transaction that runs alone among those begun the same way for
    /// `table`, so what it counts there cannot change until it commits. SQLite's writers
    /// already take turns (`begin_write`); on PostgreSQL the table is locked against other
    /// writers until the transaction ends (reads go on). For small tables that count what
    /// is allowed next, such as attempts against a limit.
    pub async fn begin_counting(&self, table: &'static str) -> Result<Tx, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// The clause that ends a `SELECT` whose rows a read-then-write will change: PostgreSQL
    /// locks them (`FOR UPDATE`); SQLite needs nothing, as `begin_write` already holds the
    /// database's write lock.
    pub fn lock_rows(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// Makes `tx` wait for its turn at `lock`, so one transaction at a time across every
    /// process does what it guards (until `tx` ends). On PostgreSQL an advisory lock, not a
    /// table lock (the app's role may only insert into and read some tables); on SQLite
    /// `begin_write` already holds the database's only write lock.
    pub async fn take_turn(&self, tx: &mut Tx, lock: i64) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The clause that ends a `SELECT` claiming rows of a job several instances run at once:
    /// on PostgreSQL each instance takes rows no other holds (`FOR UPDATE SKIP LOCKED`); on
    /// SQLite there is one writer at a time, so a claim is never contended.
    pub fn claim_rows(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// A condition that thread `t` has one message holding every term of `terms`, together
    /// with the thread's subject, its care team's name and the name of the message's author
    /// (full-text, stemmed: "refills" finds "refill"). The query must name the thread `t` and its care team `ct`. Internal
    /// notes count only when `notes` says so. SQLite asks its FTS5 table, PostgreSQL the
    /// `tsvector` columns; both are kept up to date by the migrations.
    pub fn messages_matching(&self, sql: &mut Sql, terms: &[String], notes: Notes) -> String {
        let notes = match notes {
            Notes::Included => "",
            Notes::Left => "m.is_internal_note = 0 AND ",
        };
        match self.backend {
            Backend::Sqlite => {
                // Each term quoted: an FTS5 phrase of one word, all of them required. Terms
                // are letters and digits only (`search_terms`), so no quote or operator can
                // reach FTS5.
                let phrases = terms
                    .iter()
                    .map(|term| format!("\"{term}\""))
                    .collect::<Vec<_>>()
                    .join(" ");
                let q = sql.text(phrases);
                format!(
                    "t.id IN (SELECT m.thread_id FROM message_search \
                     JOIN messages m ON m.id = message_search.rowid \
                     WHERE {notes}message_search MATCH {q})"
                )
            }
            Backend::Postgres => {
                let q = sql.text(terms.join(" "));
                format!(
                    "EXISTS (SELECT 1 FROM messages m JOIN users a ON a.id = m.author_id \
                     WHERE m.thread_id = t.id AND {notes}\
                     (m.body_search || t.subject_search || to_tsvector('english', ct.name) \
                     || to_tsvector('english', a.name)) \
                     @@ plainto_tsquery('english', {q}))"
                )
            }
        }
    }

    /// `/readyz`: can we run a query right now?
    pub async fn is_ready(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Whether full-text search looks in a care team's internal notes too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notes {
    /// The care team's own search: their notes are theirs to find.
    Included,
    /// A Veteran's or caregiver's search: notes are never shown to them.
    Left,
}

/// Whether a statement failed on a unique constraint (a second row with the same key).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
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
    let file = std::path::Path::new(path);
    if let Some(parent) = file.parent() {
        if !parent.as_os_str().is_empty() && !parent.exists() {
            private_directory(parent)
                .map_err(|e| DbError::DataDirectory(parent.display().to_string(), e))?;
        }
    }
    // A new database file is made readable by the server's account alone; SQLite gives
    // its -wal and -shm files the same permissions.
    if !file.exists() {
        private_file(file).map_err(|e| DbError::DataDirectory(file.display().to_string(), e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn private_directory(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

#[cfg(not(unix))]
fn private_directory(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)
}

#[cfg(unix)]
fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
}

#[cfg(not(unix))]
fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(drop)
}
