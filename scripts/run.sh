#!/usr/bin/env bash
# Builds the app (release) and starts it on an embedded SQLite database with demo data.
# Installs what the build needs first (scripts/setup.sh). Extra arguments go to the server.
#   scripts/run.sh                      -> http://127.0.0.1:3000, data in ./data
#   LEPTOS_SITE_ADDR=0.0.0.0:8080 scripts/run.sh --demo-on-network   (other devices too)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# --precompress: a brotli and a gzip copy of each built file, which /pkg sends to browsers
# that take them (server/src/static_files.rs). --split: each island (app, `#[island(lazy)]`)
# is a wasm chunk of its own, fetched by the pages that show it; the app's wasm needs it.
cargo leptos build --release --precompress --split
target_dir=${CARGO_TARGET_DIR:-target}
export LEPTOS_OUTPUT_NAME=secure-messaging
export LEPTOS_SITE_ROOT="$target_dir/site"
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
export LEPTOS_ENV=PROD
# The /pkg files have hashed names (hash-files in Cargo.toml); the pages read them from the
# hash.txt the build wrote beside the binary.
export LEPTOS_HASH_FILES=true
echo "Secure Messaging (demo) on http://$LEPTOS_SITE_ADDR — every demo account's password is demo-password-2026"
exec "$target_dir/release/server" --demo "$@"
