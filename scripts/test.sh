#!/usr/bin/env bash
# Runs every test: formatting and lints (server and wasm builds), unit, data-layer (SQLite
# and PostgreSQL), route and browser tests (on SQLite, then on two instances behind nginx).
# Installs what they need first (scripts/setup.sh).
# Needs PostgreSQL on 127.0.0.1:5432 with trust auth (SM_TEST_POSTGRES_URL to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }

step "formatting"
cargo fmt --all -- --check

step "lints: server build"
cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings

step "lints: wasm build (also proves no server-only crate reaches the wasm)"
cargo clippy -p app -p frontend --target wasm32-unknown-unknown --features app/hydrate -- -D warnings

step "PostgreSQL"
pg_url=${SM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
if ! psql "$pg_url" -qtAc 'SELECT 1' >/dev/null; then
  echo "PostgreSQL is not reachable at $pg_url: the data-layer tests need it." >&2
  exit 1
fi
# Databases left by interrupted earlier runs.
for name in $(psql "$pg_url" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'sm_test_%'"); do
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $name" >/dev/null
done

step "unit, data-layer (SQLite and PostgreSQL) and route tests"
cargo test -p app -p server --features app/ssr

step "release build for the browser tests"
# --split: each island is a lazy wasm chunk of its own; required.
cargo leptos build --release --precompress --split

step "browser tests (Playwright + Debian Chromium)"
# A free port of our own, so another server on the machine cannot get in the way.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export E2E_PORT=${E2E_PORT:-$(free_port)}
# The second server, whose sessions time out after 20 idle seconds (session-timeout.spec.ts).
export E2E_SHORT_SESSION_PORT=${E2E_SHORT_SESSION_PORT:-$(free_port)}
export E2E_OIDC_PORT=${E2E_OIDC_PORT:-$(free_port)}
(cd end2end && npx playwright test)

step "the audit chain of the browser tests' database verifies, and a change behind the app's back is named"
python3 scripts/audit_chain_check.py

step "browser tests again: two instances on PostgreSQL + S3 behind nginx"
# The reference deployment (README): deploy/nginx.conf in front of two release servers on one
# fresh PostgreSQL database beside $pg_url, attachments in moto's S3; the same spec files.
python3 scripts/two_instances.py --postgres "$pg_url"

step "crash test: every acknowledged send survives SIGKILL, exactly once (SQLite, 3 cycles)"
python3 scripts/crash_test.py --cycles 3

step "body limits: a 200 MB field is refused with 413, server memory under 150 MiB"
python3 scripts/body_limits.py

step "all tests passed"
