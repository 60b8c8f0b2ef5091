import { defineConfig } from "@playwright/test";

// The real server (release build, made by scripts/test.sh) on a fresh SQLite database in
// demo mode, driven by Debian's Chromium. Never a downloaded browser (TOOLCHAIN.md).
//
// E2E_EXTERNAL_SERVER=1: the site is already running (scripts/two_instances.py: two
// instances on PostgreSQL behind nginx) at E2E_BASE_URL (default http://127.0.0.1:E2E_PORT);
// no server is started here. E2E_TLS_SPKI (base64 SHA-256 of that https site's test
// certificate's public key) makes Chromium trust that one certificate; ignoreHTTPSErrors is
// for Playwright's own requests (`page.request`). Ignoring certificate errors alone would not
// do: Chromium then caches nothing from the site, so every page downloads all its wasm again,
// and a page left while those downloads run can break the next page's (net::ERR_FAILED, the
// page never hydrates).
const port = Number(process.env.E2E_PORT ?? 3100);
const external = process.env.E2E_EXTERNAL_SERVER === "1";
const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${port}`;
const tlsSpki = process.env.E2E_TLS_SPKI;
const root = `${__dirname}/..`;
const target = process.env.CARGO_TARGET_DIR ?? `${root}/target`;
// A second server whose sessions end after 20 idle seconds, for the session-timeout spec
// (session-timeout.spec.ts reads the same variable). Started in both stages: it is its own
// demo on its own SQLite database.
const shortSessionPort = Number(process.env.E2E_SHORT_SESSION_PORT ?? 3199);

// The test OpenID Connect provider (oidc/provider.mjs, the npm oidc-provider) for the
// single sign-on spec, on a port of its own; the first stage's server signs in through it.
const oidcPort = Number(process.env.E2E_OIDC_PORT ?? 3198);
const oidcIssuer = `http://127.0.0.1:${oidcPort}`;
const oidcProvider = {
  command: `exec node "${__dirname}/oidc/provider.mjs"`,
  url: `${oidcIssuer}/.well-known/openid-configuration`,
  reuseExistingServer: false,
  timeout: 30_000,
  stdout: "pipe" as const,
  stderr: "pipe" as const,
  env: {
    OIDC_PORT: String(oidcPort),
    OIDC_REDIRECT_URIS: `${baseURL}/sign-in/sso/callback`,
    OIDC_POST_LOGOUT_URIS: `${baseURL}/sign-in`,
  },
};

/** The release server's environment, listening on `serverPort`, keeping its data in `data`. */
function serverEnv(serverPort: number, data: string, extra: Record<string, string> = {}) {
  return {
    LEPTOS_OUTPUT_NAME: "secure-messaging",
    LEPTOS_SITE_ROOT: `${target}/site`,
    LEPTOS_SITE_PKG_DIR: "pkg",
    LEPTOS_SITE_ADDR: `127.0.0.1:${serverPort}`,
    LEPTOS_ENV: "PROD",
    // Hashed /pkg names, read from the hash.txt beside the binary (README, production).
    LEPTOS_HASH_FILES: "true",
    SM_DATABASE_URL: `sqlite://${target}/${data}/e2e.db?mode=rwc`,
    // Attachments beside that database, so each run starts without files too.
    SM_ATTACHMENT_DIR: `${target}/${data}`,
    RUST_LOG: "warn",
    ...extra,
  };
}

const shortSessionServer = {
  command: `rm -rf "${target}/e2e-short-data" && exec "${target}/release/server" --demo`,
  url: `http://127.0.0.1:${shortSessionPort}/readyz`,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: "pipe" as const,
  stderr: "pipe" as const,
  env: serverEnv(shortSessionPort, "e2e-short-data", { SM_SESSION_IDLE_SECONDS: "20" }),
};

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["./failure-context.ts"]],
  use: {
    baseURL,
    ignoreHTTPSErrors: external,
    trace: "off",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        ...(tlsSpki ? [`--ignore-certificate-errors-spki-list=${tlsSpki}`] : []),
      ],
    },
  },
  webServer: external ? [shortSessionServer] : [
    {
      // A fresh database every run: the demo data is seeded into it at start.
      command: `rm -rf "${target}/e2e-data" && exec "${target}/release/server" --demo`,
      url: `http://127.0.0.1:${port}/readyz`,
      reuseExistingServer: false,
      timeout: 60_000,
      // The server logs to stdout; at `warn` that is only what went wrong (a slow render, a
      // failed query), shown beside the test that met it.
      stdout: "pipe",
      stderr: "pipe",
      env: serverEnv(port, "e2e-data", {
        SM_OIDC_ISSUER: oidcIssuer,
        SM_OIDC_CLIENT_ID: "secure-messaging",
        SM_OIDC_CLIENT_SECRET: "test-client-secret",
        SM_OIDC_LABEL: "Sign in with Test ID",
      }),
    },
    shortSessionServer,
    oidcProvider,
  ],
});
