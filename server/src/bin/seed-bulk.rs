//! Fills a database with many threads for speed measurements:
//!   cargo run --release -p server --bin seed-bulk -- --database-url sqlite://data/bulk.db?mode=rwc --threads 100000
//! and, for the team inbox, `--teams 50` spreads them over 50 care teams.
//! With `--audit-events 1000000` it adds audit events too (for the audit log viewer); `--threads 0`
//! adds only those.
//! Migrates and seeds the demo data first when the database is empty.

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
struct Args {
    #[arg(long, env = "SM_DATABASE_URL")]
    database_url: String,
    /// How many threads to add.
    #[arg(long, default_value_t = 100_000)]
    threads: usize,
    /// How many of them belong to the demo Veteran, Alex Rivera.
    #[arg(long, default_value_t = 2_000)]
    for_alex: usize,
    /// Spread the threads over this many new care teams, all with the demo nurse as a
    /// member, a third of them waiting on the team (for measuring the team inbox). Without
    /// it, they all go to "Pharmacy", answered (for measuring the Veteran's inbox).
    #[arg(long)]
    teams: Option<usize>,
    /// How many audit events to add (for measuring the audit log viewer).
    #[arg(long, default_value_t = 0)]
    audit_events: i64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let started = std::time::Instant::now();
    let result = async {
        let db = app::server::db::Db::connect(&args.database_url, 2)
            .await
            .map_err(|e| e.to_string())?;
        db.migrate().await.map_err(|e| e.to_string())?;
        app::server::demo::seed_if_empty(&db.pool)
            .await
            .map_err(|e| e.to_string())?;
        app::server::bulk::seed_bulk(&db, args.threads, args.for_alex, args.teams)
            .await
            .map_err(|e| e.to_string())?;
        app::audit_log::bulk::seed_audit_events(&db, args.audit_events)
            .await
            .map_err(|e| e.to_string())?;
        db.pool.close().await;
        Ok::<_, String>(())
    }
    .await;
    match result {
        Ok(()) => {
            println!(
                "added {} threads and {} audit events in {:.1} s",
                args.threads,
                args.audit_events,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("seed-bulk: {reason}");
            ExitCode::FAILURE
        }
    }
}
