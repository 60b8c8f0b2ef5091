import { expect, Page, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { expectNoAxeViolations, hydrated, signIn } from "./helpers";

// Reports and the audit log. Runs on the shared demo database after admin.spec
// and the Veteran specs, and changes nothing other specs rely on: it only reads, and the
// thread Casey opens ("Lab results", answered long ago) has nothing left to mark opened.
//
// Demo data (app/src/server/demo.rs): Alex's "Lab results from my checkup" to Primary Care
// was sent 62 days before the server started and answered 60 days before. No other spec
// writes that far back, so a report on those three days is known: one new thread, one
// message each way, answered within the 3-business-day target, nothing waiting at the end.

const DAY_MS = 24 * 60 * 60 * 1000;
const TEAM_CHOICE = "Primary Care – Blue Team — Demo VA Medical Center";

/** The local date in New York (the demo facility's zone) `days` days ago, as yyyy-mm-dd. */
function daysAgo(days: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date(Date.now() - days * DAY_MS));
}

async function signInAs(page: Page, email: string) {
  // Leave the page first, then clear the cookies until /sign-in opens signed out: a last
  // request of the page before (the live-update stream, whose answer renews the session
  // cookie) can be answered after the cookies are cleared and set the old session's cookie
  // again, and /sign-in would then open as the previous person's home.
  await page.goto("about:blank");
  await expect(async () => {
    await page.context().clearCookies();
    await page.goto("/sign-in");
    await expect(page.getByLabel("Email address")).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await signIn(page, email);
}

test.describe.configure({ mode: "serial" });

test("a report shows the figures of the seeded threads, as a table, charts and CSV", async ({ page }) => {
  await signInAs(page, "admin@example.com");
  await page.goto("/admin/reports");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reports");
  await page.getByLabel("Report on").selectOption({ label: TEAM_CHOICE });
  await page.getByLabel("First day").fill(daysAgo(62));
  await page.getByLabel("Last day").fill(daysAgo(60));
  await page.getByRole("button", { name: "Show report" }).click();

  const row = page.getByRole("row", { name: /Primary Care – Blue Team/ });
  const cells = row.getByRole("cell");
  // New threads, from Veterans, from staff, (median, p90), within target, backlog, overdue.
  await expect(cells.nth(0)).toHaveText("1");
  await expect(cells.nth(1)).toHaveText("1");
  await expect(cells.nth(2)).toHaveText("1");
  await expect(cells.nth(3)).toContainText("business hour");
  await expect(cells.nth(5)).toHaveText("100% (1 of 1)");
  await expect(cells.nth(6)).toHaveText("0");
  await expect(cells.nth(7)).toHaveText("0");
  // Charts: pictures with a name and a description that states the values.
  const chart = page.getByRole("img", { name: "Messages in the range" });
  await expect(chart).toBeVisible();
  await expect(chart.locator("desc")).toHaveText("Primary Care – Blue Team: From Veterans 1, From staff 1.");
  // Reports never show what a message says.
  await expect(page.getByText("Lab results")).toHaveCount(0);
  await expectNoAxeViolations(page);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`report-${daysAgo(62)}-${daysAgo(60)}.csv`);
  const csv = readFileSync(await download.path(), "utf8").split("\n");
  expect(csv[0]).toMatch(/^Care team,First day,Last day,New threads,/);
  expect(csv[1]).toMatch(new RegExp(`^Primary Care – Blue Team,${daysAgo(62)},${daysAgo(60)},1,1,1,1,`));
});

test("a wrong date is pointed out at its field, the rest kept", async ({ page }) => {
  await signInAs(page, "admin@example.com");
  await page.goto(`/admin/reports?report_on=facility:1&from=${daysAgo(1)}&to=${daysAgo(9)}`);
  await expect(page.getByRole("alert")).toContainText("The last day must be the same as or after the first day.");
  await expect(page.locator("#to-error")).toBeVisible();
  await expect(page.getByLabel("First day")).toHaveValue(daysAgo(1));
});

test("the audit log shows a clinician's reading of a Veteran's thread", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
  await page.getByRole("link", { name: "Lab results from my checkup" }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Lab results from my checkup");
  const threadId = new URL(page.url()).pathname.split("/").pop();

  await signInAs(page, "admin@example.com");
  await page.goto("/admin/audit");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit log");
  // The server checked the audit chain when it started: every seal held.
  await expect(page.getByText(/^Chain verified through .+ \(\d+ events\), checked .+\.$/)).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Person").fill("nurse@example.com");
  await page.getByLabel("Patient").fill("Alex Rivera");
  await page.getByLabel("Action").selectOption({ label: "Opened a thread" });
  await page.getByRole("button", { name: "Show events" }).click();
  const read = page.getByRole("row").filter({ hasText: `thread:${threadId}` }).first();
  await expect(read).toContainText("Casey Nguyen (nurse@example.com)");
  await expect(read).toContainText("Opened a thread");
  await expect(read).toContainText("Alex Rivera (veteran@example.com)");
  await expect(read).toContainText("Succeeded");
  await expect(page.getByText("Lab results")).toHaveCount(0);
  await expectNoAxeViolations(page);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("audit-log.csv");
  const lines = readFileSync(await download.path(), "utf8").trim().split("\n");
  expect(lines[0]).toBe("When,Person,On behalf of,Patient,Action,Action code,About,Outcome,From address,Details");
  expect(lines.slice(1).every((line) => line.includes("Casey Nguyen (nurse@example.com)"))).toBe(true);
  expect(lines.some((line) => line.includes(`thread:${threadId}`))).toBe(true);
});

test("clinicians and Veterans are refused the reports and the audit log", async ({ page }) => {
  for (const email of ["clinician@example.com", "veteran@example.com"]) {
    await signInAs(page, email);
    for (const path of ["/admin/reports", "/admin/audit"]) {
      const response = await page.goto(path);
      expect(response?.status()).toBe(403);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("You don't have access to this page");
    }
  }
});
