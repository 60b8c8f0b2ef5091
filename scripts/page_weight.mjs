// What each page makes a phone download on a first visit: every wasm, JavaScript and CSS
// file fetched until the network is quiet, opened in a fresh browser (empty cache) with
// only the session cookie. Per file: the bytes on the wire (after the server's
// compression) and its brotli -q 11 size; per page: the total brotli size against the
// budget (DESIGN.md §6: at most 250 KB for /sign-in, /inbox and /team; no page over 350 KB;
// KB = 1000 bytes). Counts every file, however many the wasm is split into.
//
// Usage, against a running server (demo data):
//   node scripts/page_weight.mjs [base URL, default http://127.0.0.1:3000] [--json]
// Exits 1 when a page is over its budget.
import { createRequire } from "node:module";
import { brotliCompressSync, constants } from "node:zlib";
import { CHROME_FLAGS, CHROME_PATH } from "./chromium.mjs";
import { firstLink, signIn } from "./demo_session.mjs";

const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const args = process.argv.slice(2);
const json = args.includes("--json");
const base = (args.find((a) => !a.startsWith("--")) ?? "http://127.0.0.1:3000").replace(/\/$/, "");
const FIRST_LOAD_BUDGET = 250_000;
const PAGE_BUDGET = 350_000;

const LAUNCH = { executablePath: CHROME_PATH, args: CHROME_FLAGS };

/** The pages to weigh, with the account each is opened as (null: signed out). */
async function pagesToVisit(base) {
  const alex = await signIn(base, "veteran@example.com");
  const nurse = await signIn(base, "nurse@example.com");
  const admin = await signIn(base, "admin@example.com");
  const alexThread = await firstLink(base, alex, "/inbox", /href="(\/messages\/\d+)"/);
  const teamThread = await firstLink(base, nurse, "/team", /href="(\/team\/threads\/\d+)"/);
  return [
    { path: "/sign-in", session: null, who: "signed out", budget: FIRST_LOAD_BUDGET },
    { path: "/inbox", session: alex, who: "veteran@example.com", budget: FIRST_LOAD_BUDGET },
    { path: alexThread, session: alex, who: "veteran@example.com", budget: PAGE_BUDGET },
    { path: "/team", session: nurse, who: "nurse@example.com", budget: FIRST_LOAD_BUDGET },
    { path: teamThread, session: nurse, who: "nurse@example.com", budget: PAGE_BUDGET },
    { path: "/admin", session: admin, who: "admin@example.com", budget: PAGE_BUDGET },
    { path: "/admin/audit", session: admin, who: "admin@example.com", budget: PAGE_BUDGET },
  ];
}

function brotliSize(data) {
  return brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }).length;
}

/** Opens `page.path` in a fresh context and weighs the wasm, JS and CSS it fetched. */
async function weigh(browser, visit) {
  const context = await browser.newContext();
  if (visit.session) {
    await context.addCookies([{ name: "sm_session", value: visit.session, url: base }]);
  }
  const page = await context.newPage();
  const responses = [];
  page.on("response", (response) => {
    const { pathname } = new URL(response.url());
    if (/\.(wasm|js|css)$/.test(pathname)) responses.push(response);
  });
  const answer = await page.goto(`${base}${visit.path}`, { waitUntil: "networkidle" });
  if (!answer || answer.status() !== 200) {
    throw new Error(`${visit.path} as ${visit.who}: HTTP ${answer?.status()} at ${page.url()}`);
  }
  if (new URL(page.url()).pathname !== visit.path) {
    throw new Error(`${visit.path} as ${visit.who} ended at ${page.url()}`);
  }
  const files = [];
  for (const response of responses) {
    const body = await response.body();
    const sizes = await response.request().sizes();
    const headers = await response.allHeaders();
    files.push({
      file: new URL(response.url()).pathname,
      status: response.status(),
      encoding: headers["content-encoding"] ?? "none",
      cacheControl: headers["cache-control"] ?? "",
      raw: body.length,
      transferred: sizes.responseBodySize,
      brotli: brotliSize(body),
    });
  }
  await context.close();
  const brotli = files.reduce((sum, f) => sum + f.brotli, 0);
  const transferred = files.reduce((sum, f) => sum + f.transferred, 0);
  return { ...visit, session: undefined, files, brotli, transferred, ok: brotli <= visit.budget };
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

async function main() {
  const visits = await pagesToVisit(base);
  const browser = await chromium.launch(LAUNCH);
  const results = [];
  try {
    for (const visit of visits) results.push(await weigh(browser, visit));
  } finally {
    await browser.close();
  }
  if (json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    for (const r of results) {
      console.log(`\n${r.path} (${r.who})`);
      console.log(["  file", "encoding", "transferred", "raw", "brotli -q 11"].join("\t"));
      for (const f of r.files) {
        console.log([`  ${f.file}`, f.encoding, kb(f.transferred), kb(f.raw), kb(f.brotli)].join("\t"));
      }
      console.log(
        `  total: ${r.files.length} files, ${kb(r.transferred)} transferred, ${kb(r.brotli)} brotli ` +
          `(budget ${kb(r.budget)}) ${r.ok ? "ok" : "OVER BUDGET"}`,
      );
    }
    console.log("\npage\tfiles\ttransferred\tbrotli\tbudget");
    for (const r of results) {
      console.log([r.path, r.files.length, kb(r.transferred), kb(r.brotli), `${kb(r.budget)} ${r.ok ? "ok" : "OVER"}`].join("\t"));
    }
  }
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
