//! The audit chain: evidence that nobody changed or removed audit events (DESIGN.md §3).
//!
//! Events are written as they happen, by any transaction (`audit::record`); a sealer then
//! gives each one a seal, in order: an HMAC-SHA-256, keyed by `SM_AUDIT_KEY` (kept outside
//! the database), over the previous seal and the event's row. Someone who can write to the
//! database but has not the key cannot change or remove a sealed event, or remove a seal,
//! without breaking every seal after it; [`verify`] walks the seals and names the first
//! broken one. Sealing after the fact keeps the chain off the path of every request (on
//! PostgreSQL a chain written with each event would make all writers wait for one lock);
//! the price is a few seconds in which a new event is not sealed yet.
//!
//! Seals follow the order they were made, not the events' ids: on PostgreSQL a transaction
//! that took a lower id can commit after a higher one, so the sealer looks a little way
//! below the newest sealed event for such late arrivals.

use super::db::Db;
use super::now_ms;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;
use std::sync::{Arc, RwLock};

/// The key that seals the audit trail. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct AuditKey(Arc<[u8]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("SM_AUDIT_KEY must be at least 32 bytes, as base64 or hex; e.g. `openssl rand -base64 32`")]
pub struct AuditKeyError;

impl AuditKey {
    /// Reads a key of 32 bytes or more written as hex or base64.
    pub fn parse(text: &str) -> Result<AuditKey, AuditKeyError> {
        let bytes = super::key_text::key_bytes(text).ok_or(AuditKeyError)?;
        if bytes.len() < 32 {
            return Err(AuditKeyError);
        }
        Ok(AuditKey(bytes.into()))
    }

    /// Demo mode's key, the same at every start so the demo's chain still verifies after a
    /// restart. Published in the source: it proves nothing, like the demo's data.
    pub fn demo() -> AuditKey {
        AuditKey(
            b"secure-messaging demo audit chain key, not secret"
                .as_slice()
                .into(),
        )
    }
}

/// The chain before the first seal.
const GENESIS: [u8; 32] = [0; 32];

/// Events sealed per transaction.
const SEAL_BATCH: i64 = 1_000;

/// How far below the newest sealed event the sealer looks for events that committed late.
const LATE_WINDOW: i64 = 10_000;

/// An event left unsealed longer than this, with later events sealed, is reported: it was
/// slipped in after them.
const UNSEALED_GRACE_MS: i64 = 60_000;

/// An audit event's row, every column, as sealed.
struct EventRow {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    on_behalf_of_id: Option<i64>,
    patient_id: Option<i64>,
    action: String,
    target: Option<String>,
    outcome: String,
    ip: Option<String>,
    detail: Option<String>,
}

const EVENT_COLUMNS: &str =
    "e.id, e.at, e.actor_id, e.on_behalf_of_id, e.patient_id, e.action, e.target, e.outcome, e.ip, e.detail";

impl EventRow {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<EventRow, sqlx::Error> {
        Ok(EventRow {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            actor_id: row.try_get("actor_id")?,
            on_behalf_of_id: row.try_get("on_behalf_of_id")?,
            patient_id: row.try_get("patient_id")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            outcome: row.try_get("outcome")?,
            ip: row.try_get("ip")?,
            detail: row.try_get("detail")?,
        })
    }
}

/// The seal of `row` after the seal `previous`. Each field is written with its length (or
/// as absent), so no two different rows read the same.
fn seal(key: &AuditKey, previous: &[u8], row: &EventRow) -> Vec<u8> {
    // An HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else {
        return Vec::new();
    };
    mac.update(previous);
    let numbers = [
        Some(row.id),
        Some(row.at),
        row.actor_id,
        row.on_behalf_of_id,
        row.patient_id,
    ];
    for number in numbers {
        match number {
            Some(n) => {
                mac.update(&[1]);
                mac.update(&n.to_be_bytes());
            }
            None => mac.update(&[0]),
        }
    }
    let texts = [
        Some(row.action.as_str()),
        row.target.as_deref(),
        Some(row.outcome.as_str()),
        row.ip.as_deref(),
        row.detail.as_deref(),
    ];
    for text in texts {
        match text {
            Some(text) => {
                mac.update(&[1]);
                mac.update(&(text.len() as u64).to_be_bytes());
                mac.update(text.as_bytes());
            }
            None => mac.update(&[0]),
        }
    }
    mac.finalize().into_bytes().to_vec()
}

/// The PostgreSQL advisory lock the sealers take turns with ("SM audit" in ASCII).
const SEALER_LOCK: i64 = 0x534d_2061_7564_6974;

/// Seals every event not sealed yet, oldest first; returns how many. Sealers of several
/// processes take turns.
pub async fn seal_pending(db: &Db, key: &AuditKey) -> Result<u64, sqlx::Error> {
    let mut sealed = 0;
    loop {
        let mut tx = db.begin_write().await?;
        // One sealer at a time across processes (the app's role may only insert into and
        // read the audit tables, so not a table lock).
        db.take_turn(&mut tx, SEALER_LOCK).await?;
        let last = sqlx::query("SELECT event_id, chain FROM audit_seals ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (newest, mut previous) = match last {
            Some(row) => (
                row.try_get::<i64, _>("event_id")?,
                row.try_get::<Vec<u8>, _>("chain")?,
            ),
            None => (0, GENESIS.to_vec()),
        };
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM audit_events e \
             WHERE e.id > $1 \
               AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id) \
             ORDER BY e.id LIMIT $2"
        ))
        .bind(newest - LATE_WINDOW)
        .bind(SEAL_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            let event = EventRow::from_row(row)?;
            let chain = seal(key, &previous, &event);
            sqlx::query("INSERT INTO audit_seals (event_id, chain) VALUES ($1, $2)")
                .bind(event.id)
                .bind(chain.clone())
                .execute(&mut *tx)
                .await?;
            previous = chain;
        }
        tx.commit().await?;
        sealed += rows.len() as u64;
        if (rows.len() as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

/// What a walk of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// Seals that checked out, from the first.
    pub verified: i64,
    /// The last event whose seal checked out: its id and time.
    pub through: Option<(i64, i64)>,
    /// The first thing wrong, if any.
    pub broken: Option<Break>,
    /// Where the walk stopped (the last good seal's number and chain), so a later walk can
    /// go on from there.
    last_seq: i64,
    last_chain: Vec<u8>,
}

impl ChainReport {
    fn start() -> ChainReport {
        ChainReport {
            verified: 0,
            through: None,
            broken: None,
            last_seq: i64::MIN,
            last_chain: GENESIS.to_vec(),
        }
    }
}

/// The first place the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub event_id: i64,
    pub why: BreakKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The event's row, or a seal before it, was changed or removed.
    DoesNotMatch,
    /// The event was sealed and is gone.
    EventRemoved,
    /// The event has no seal, but events after it do: it was added later, into the past.
    NotSealed,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.event_id;
        match self.why {
            BreakKind::DoesNotMatch => write!(
                f,
                "event {id} does not match its seal: it, or the seal or event before it, was changed or removed"
            ),
            BreakKind::EventRemoved => write!(f, "event {id} was sealed and has been removed"),
            BreakKind::NotSealed => write!(
                f,
                "event {id} has no seal though later events do: it was added after them"
            ),
        }
    }
}

/// Seals per page of a walk.
const WALK_PAGE: i64 = 5_000;

/// Walks every seal from the first and recomputes it from the event's row. Stops at the
/// first break; also names an event slipped in among sealed ones.
pub async fn verify(db: &Db, key: &AuditKey) -> Result<ChainReport, sqlx::Error> {
    let mut report = walk(db, key, ChainReport::start()).await?;
    if report.broken.is_none() {
        report.broken = slipped_in(db, &report).await?;
    }
    Ok(report)
}

/// Walks the seals after where `report` stopped.
async fn walk(
    db: &Db,
    key: &AuditKey,
    mut report: ChainReport,
) -> Result<ChainReport, sqlx::Error> {
    loop {
        let rows = sqlx::query(&format!(
            "SELECT s.seq, s.event_id AS sealed_id, s.chain, {EVENT_COLUMNS} \
             FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id \
             WHERE s.seq > $1 ORDER BY s.seq LIMIT $2"
        ))
        .bind(report.last_seq)
        .bind(WALK_PAGE)
        .fetch_all(&db.pool)
        .await?;
        for row in &rows {
            let sealed_id: i64 = row.try_get("sealed_id")?;
            let chain: Vec<u8> = row.try_get("chain")?;
            if row.try_get::<Option<i64>, _>("id")?.is_none() {
                report.broken = Some(Break {
                    event_id: sealed_id,
                    why: BreakKind::EventRemoved,
                });
                return Ok(report);
            }
            let event = EventRow::from_row(row)?;
            if seal(key, &report.last_chain, &event) != chain {
                report.broken = Some(Break {
                    event_id: sealed_id,
                    why: BreakKind::DoesNotMatch,
                });
                return Ok(report);
            }
            report.verified += 1;
            report.through = Some((event.id, event.at));
            report.last_seq = row.try_get("seq")?;
            report.last_chain = chain;
        }
        if (rows.len() as i64) < WALK_PAGE {
            return Ok(report);
        }
    }
}

/// The first event without a seal below the newest sealed one, older than the sealer's
/// grace: it was added after later events were sealed. A scan of the whole table, so
/// only full checks look.
async fn slipped_in(db: &Db, report: &ChainReport) -> Result<Option<Break>, sqlx::Error> {
    let Some((newest, _)) = report.through else {
        return Ok(None);
    };
    let event_id: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(e.id) FROM audit_events e \
         WHERE e.id < $1 AND e.at < $2 \
           AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)",
    )
    .bind(newest)
    .bind(now_ms() - UNSEALED_GRACE_MS)
    .fetch_one(&db.pool)
    .await?;
    Ok(event_id.map(|event_id| Break {
        event_id,
        why: BreakKind::NotSealed,
    }))
}

/// The key and the latest walk's result, shared by the sealer and the audit log page.
#[derive(Clone, Debug)]
pub struct AuditChain {
    pub key: AuditKey,
    last_check: Arc<RwLock<Option<ChainCheck>>>,
}

/// A walk's result and when it ended (epoch milliseconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheck {
    pub checked_at: i64,
    pub report: ChainReport,
}

impl AuditChain {
    pub fn new(key: AuditKey) -> AuditChain {
        AuditChain {
            key,
            last_check: Arc::new(RwLock::new(None)),
        }
    }

    /// Seals what is pending, walks the whole chain and keeps the result for the page.
    pub async fn check(&self, db: &Db) -> Result<ChainCheck, sqlx::Error> {
        seal_pending(db, &self.key).await?;
        let report = verify(db, &self.key).await?;
        Ok(self.keep(report))
    }

    /// Seals what is pending and walks only the seals made since the last check, so the
    /// page stays current between full checks. A full check when there was none yet; after
    /// a break, only sealing, until the next full check.
    pub async fn seal_and_follow(&self, db: &Db) -> Result<ChainCheck, sqlx::Error> {
        let Some(last) = self.last_check() else {
            return self.check(db).await;
        };
        seal_pending(db, &self.key).await?;
        if last.report.broken.is_some() {
            return Ok(last);
        }
        let report = walk(db, &self.key, last.report).await?;
        Ok(self.keep(report))
    }

    fn keep(&self, report: ChainReport) -> ChainCheck {
        let check = ChainCheck {
            checked_at: now_ms(),
            report,
        };
        if let Ok(mut last) = self.last_check.write() {
            *last = Some(check.clone());
        }
        check
    }

    /// The latest walk's result, if one has ended since the server started.
    pub fn last_check(&self) -> Option<ChainCheck> {
        self.last_check.read().ok().and_then(|last| last.clone())
    }
}
