#!/usr/bin/env python3
"""`server verify-audit` on a real database: the browser tests' SQLite database verifies,
and a copy of it changed behind the app's back (as a database owner could: its append-only
trigger dropped, one sealed event's address rewritten) is refused, naming that event.

Usage (after the browser tests, which leave their database in the target directory):
    python3 scripts/audit_chain_check.py [path to the database]
"""

import os
import sqlite3
import subprocess
import sys
import tempfile

from release_server import SERVER, TARGET


def verify(database):
    """Runs `server --demo verify-audit` (demo mode: the demo's published audit key) on
    `database`; answers the exit status and everything it printed."""
    env = dict(os.environ, SM_DATABASE_URL=f"sqlite://{database}?mode=rwc", RUST_LOG="warn")
    done = subprocess.run([SERVER, "--demo", "verify-audit"], env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def main():
    database = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "e2e-data", "e2e.db")
    status, said = verify(database)
    print(said.strip())
    if status != 0 or "Audit chain verified" not in said:
        sys.exit(f"the browser tests' audit chain did not verify (exit {status})")
    with tempfile.TemporaryDirectory() as scratch:
        copy = os.path.join(scratch, "tampered.db")
        with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        with sqlite3.connect(copy) as db:
            sealed = [row[0] for row in db.execute("SELECT event_id FROM audit_seals ORDER BY seq")]
            if len(sealed) < 3:
                sys.exit(f"only {len(sealed)} sealed events: the browser tests should leave more")
            victim = sealed[len(sealed) // 2]
            db.execute("DROP TRIGGER audit_events_no_update")
            db.execute("UPDATE audit_events SET ip = '198.51.100.66' WHERE id = ?", (victim,))
        status, said = verify(copy)
        print(said.strip())
        if status != 1 or f"event {victim} does not match its seal" not in said:
            sys.exit(f"a changed event {victim} was not named (exit {status})")
    print(f"verify-audit: {len(sealed)} sealed events verify; a change to event {victim} is named")


if __name__ == "__main__":
    main()
