#!/usr/bin/env bash
# Installs what building, running and testing the app needs, when it is missing.
# Run it as often as you like: anything already there at the pinned version is left alone.
# Why each step: ../shared/TOOLCHAIN.md (offline machine, no GitHub downloads).
set -euo pipefail

# Pinned versions. WASM_BINDGEN must equal the `wasm-bindgen = "=…"` pin in Cargo.toml.
CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }

# 1. The wasm target of the machine's one toolchain.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, exactly the version the app links against.
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 3. cargo-leptos. Its locked dependencies want a newer rustc than this machine has, so we
#    build it from its own source with one dependency stepped back (TOOLCHAIN.md), and with
#    `no_downloads` so a missing helper is a clear error rather than a GitHub download.
#    One line of it is patched: with `hash-files` and `--split`, 0.3.11 (the newest release)
#    panics on a wasm chunk shorter than the loader's placeholder name, which a chunk holding
#    only zero-initialized data is once wasm-opt has emptied it (`0..=len - placeholder`
#    underflows). A marker beside the binary says it is the patched build.
leptos_marker="$HOME/.cargo/bin/.cargo-leptos-$CARGO_LEPTOS_VERSION-short-chunk-patch"
if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$" || [ ! -e "$leptos_marker" ]; then
  say "building cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes)"
  work=$(mktemp -d)
  (
    cd "$work"
    # Fetch the crate's source through cargo itself (crates.io is reachable, GitHub is not).
    cargo new --quiet fetcher && cd fetcher
    # `cargo new` ends the manifest with an empty [dependencies] table.
    printf 'cargo-leptos = "=%s"\n' "$CARGO_LEPTOS_VERSION" >> Cargo.toml
    cargo fetch --quiet
  )
  src=$(ls -d "$HOME"/.cargo/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" | head -n 1)
  cp -r "$src" "$work/cargo-leptos"
  (
    cd "$work/cargo-leptos"
    sed -i 's/for i in 0..=contents.len() - old_path.len() {/for i in 0..=contents.len().saturating_sub(old_path.len()) {/' src/compile/hash.rs
    grep -q 'contents.len().saturating_sub(old_path.len())' src/compile/hash.rs || {
      echo "setup: cargo-leptos's hash.rs changed; the short-chunk patch no longer applies" >&2
      exit 1
    }
    cargo update --quiet -p cargo-util-schemas --precise 0.14.1 || true
    cargo install --path . --locked --features no_downloads --force
  )
  rm -rf "$work"
  touch "$leptos_marker"
fi

# 4. npm tools: sass (USWDS styles), wasm-opt from the npm `binaryen` (never Debian's, see
#    TOOLCHAIN.md), Playwright and axe-core for the browser tests. No browser download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -x node_modules/.bin/sass ] || [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing the browser-test npm packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi

# 5. Debian's Chromium for the browser tests.
if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

# 6. Debian's nginx: the load balancer in front of two server instances in the second
#    browser-test stage (scripts/two_instances.py, deploy/nginx.conf). Run unprivileged by
#    that script under a temporary prefix; the service Debian sets up is not needed.
if [ ! -x /usr/sbin/nginx ]; then
  say "installing Debian's nginx"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  # policy-rc.d exit 101: the package must not start its own nginx on port 80.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee "$policy" >/dev/null
    $sudo_cmd chmod +x "$policy"
    made_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends nginx >/dev/null || status=$?
  if [ -n "$made_policy" ]; then $sudo_cmd rm -f "$policy"; fi
  [ "$status" -eq 0 ] || exit "$status"
fi

# 7. moto's S3-compatible server, which the attachment storage tests start on a free port
#    (app/tests/it/attachment_storage.rs). From PyPI; the tests fail, not skip, without it.
if ! python3 -c 'import moto.server, flask, flask_cors' 2>/dev/null; then
  say "installing moto[server] (S3 server for the attachment tests)"
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]'
fi

# 8. aiosmtpd, the SMTP server the email route tests start on a free port
#    (server/tests/it/smtp_sink.py). From PyPI; the tests fail, not skip, without it.
if ! python3 -c 'import aiosmtpd.controller' 2>/dev/null; then
  say "installing aiosmtpd (SMTP server for the email tests)"
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
fi

say "ready"
