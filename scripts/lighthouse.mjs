// Lighthouse (its default: a mid-range phone on a slow 4G network, simulated) on the pages
// a Veteran and a care team open most, signed in, with Debian's Chromium. Each page is run
// three times, each in a fresh browser; the median of each figure is printed, with every
// audit that cost Accessibility or Best Practices points. Goals (DESIGN.md §6):
// Performance ≥ 95, Accessibility 100, Best Practices 100.
//
// Usage, against a running server (demo data):
//   node scripts/lighthouse.mjs [base URL, default http://127.0.0.1:3000] [--runs N] [--json]
// The scores depend on the machine's free CPU: run it on a quiet machine.
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import { loadavg } from "node:os";
import { CHROME_FLAGS, CHROME_PATH } from "./chromium.mjs";
import { firstLink, signIn } from "./demo_session.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const base = (args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs") ?? "http://127.0.0.1:3000").replace(/\/$/, "");

const CATEGORIES = ["performance", "accessibility", "best-practices"];

/** One Lighthouse run on `url` in a fresh browser; the session goes as a request header,
 * since Lighthouse clears the origin's cookies before it loads the page. */
async function runOnce(url, session) {
  const chrome = await launch({ chromePath: CHROME_PATH, chromeFlags: CHROME_FLAGS });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: CATEGORIES,
      extraHeaders: session ? { Cookie: `sm_session=${session}` } : undefined,
    });
    return result.lhr;
  } finally {
    await chrome.kill();
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** The audits that cost a category points in a run: id, title and what they found. */
function lostPoints(lhr, category) {
  return lhr.categories[category].auditRefs
    .filter((ref) => ref.weight > 0)
    .map((ref) => lhr.audits[ref.id])
    .filter((audit) => audit.score !== null && audit.score < 1)
    .map((audit) => {
      const items = audit.details?.items ?? [];
      const sample = items
        .slice(0, 3)
        .map((item) => item.node?.snippet ?? item.description ?? item.source?.url ?? item.url ?? JSON.stringify(item).slice(0, 120));
      return { id: audit.id, title: audit.title, score: audit.score, sample };
    });
}

async function measure(visit) {
  const lhrs = [];
  for (let i = 0; i < runs; i += 1) {
    // Lighthouse's own tracing sometimes misses the navigation (NO_NAVSTART and the like):
    // that run says nothing about the page, so it is run again, at most twice.
    let lhr = await runOnce(`${base}${visit.path}`, visit.session);
    for (let retry = 0; lhr.runtimeError && retry < 2; retry += 1) {
      process.stderr.write(`${visit.path}: ${lhr.runtimeError.code}, running again\n`);
      lhr = await runOnce(`${base}${visit.path}`, visit.session);
    }
    if (lhr.runtimeError) throw new Error(`${visit.path}: ${lhr.runtimeError.message}`);
    const landed = new URL(lhr.finalDisplayedUrl).pathname;
    if (landed !== visit.path) throw new Error(`${visit.path} as ${visit.who} ended at ${landed}`);
    lhrs.push(lhr);
  }
  const score = (id) => median(lhrs.map((l) => Math.round(l.categories[id].score * 100)));
  const metric = (id) => median(lhrs.map((l) => l.audits[id].numericValue));
  const lost = {};
  for (const category of ["accessibility", "best-practices"]) {
    const seen = new Map();
    for (const lhr of lhrs) for (const audit of lostPoints(lhr, category)) seen.set(audit.id, audit);
    lost[category] = [...seen.values()];
  }
  return {
    path: visit.path,
    who: visit.who,
    performance: score("performance"),
    accessibility: score("accessibility"),
    bestPractices: score("best-practices"),
    performanceRuns: lhrs.map((l) => Math.round(l.categories.performance.score * 100)),
    fcpMs: metric("first-contentful-paint"),
    lcpMs: metric("largest-contentful-paint"),
    tbtMs: metric("total-blocking-time"),
    ttiMs: metric("interactive"),
    cls: metric("cumulative-layout-shift"),
    lost,
    lighthouse: lhrs[0].lighthouseVersion,
    benchmarkIndex: median(lhrs.map((l) => l.environment.benchmarkIndex)),
  };
}

async function main() {
  const alex = await signIn(base, "veteran@example.com");
  const nurse = await signIn(base, "nurse@example.com");
  const alexThread = await firstLink(base, alex, "/inbox", /href="(\/messages\/\d+)"/);
  const visits = [
    { path: "/sign-in", session: null, who: "signed out" },
    { path: "/inbox", session: alex, who: "veteran@example.com" },
    { path: alexThread, session: alex, who: "veteran@example.com" },
    { path: "/team", session: nurse, who: "nurse@example.com" },
  ];
  const results = [];
  for (const visit of visits) {
    const load = loadavg()[0].toFixed(2);
    const result = await measure(visit);
    results.push({ ...result, loadBefore: load });
    if (!json) process.stderr.write(`measured ${visit.path} (load average ${load})\n`);
  }
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const ms = (n) => `${Math.round(n)} ms`;
  console.log(`Lighthouse ${results[0].lighthouse}, mobile, median of ${runs} runs; benchmarkIndex ${results[0].benchmarkIndex}`);
  console.log(["page", "Perf", "A11y", "BP", "FCP", "LCP", "TBT", "TTI", "CLS", "Perf per run"].join("\t"));
  for (const r of results) {
    console.log(
      [r.path, r.performance, r.accessibility, r.bestPractices, ms(r.fcpMs), ms(r.lcpMs), ms(r.tbtMs), ms(r.ttiMs), r.cls.toFixed(3), r.performanceRuns.join(" ")].join("\t"),
    );
  }
  for (const r of results) {
    for (const [category, audits] of Object.entries(r.lost)) {
      for (const audit of audits) {
        console.log(`${r.path}: ${category} loses "${audit.title}" (${audit.id})${audit.sample.length ? `: ${audit.sample.join(" | ")}` : ""}`);
      }
    }
  }
  const goals = results.every((r) => r.performance >= 95 && r.accessibility === 100 && r.bestPractices === 100);
  console.log(goals ? "all goals met" : "goals (Performance ≥ 95, Accessibility 100, Best Practices 100) not all met");
}

await main();
