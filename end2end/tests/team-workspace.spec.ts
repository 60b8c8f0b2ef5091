import { Browser, expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated, signIn } from "./helpers";

// The care team workspace, continued: a new message announced live to screen readers,
// "Reopen" on a completed conversation, the team's printout with and without internal
// notes, and a team lead's reports. Demo data: Dr. Morgan Patel leads "Primary Care – Blue
// Team", Casey Nguyen is a member. Each run writes a conversation of its own.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
const SUBJECT = `Knee ${unique()}`.slice(0, 50);
const NOTE = `Ordered an X-ray for the knee. ${unique()}`;

/** A person at their own screen: a fresh browser context, signed in. */
async function person(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/sign-in");
  await signIn(page, email);
  return page;
}

const announcement = (page: Page) => page.locator("#new-message-notice");

test.describe.configure({ mode: "serial" });

test("a new message arriving live is announced politely, on the team inbox and on the Veteran's conversation", async ({ browser }) => {
  const nurse = await person(browser, "nurse@example.com");
  await nurse.goto("/team");
  await hydrated(nurse);
  const region = announcement(nurse);
  await expect(region).toHaveAttribute("aria-live", "polite");
  await expect(region).toHaveAttribute("aria-live", "polite");
  await expect(region).toHaveText("");

  const alex = await person(browser, "veteran@example.com");
  await alex.goto("/messages/new");
  await hydrated(alex);
  await alex.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
  await alex.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await alex.getByLabel("Subject", { exact: true }).fill(SUBJECT);
  await alex.getByLabel("Message", { exact: true }).fill("My knee hurts on the stairs.");
  await alex.getByRole("button", { name: "Send", exact: true }).click();
  await expect(alex).toHaveURL(/\/messages\/\d+$/);
  await hydrated(alex);

  await expect(region).toHaveText("A new message arrived.", { timeout: 5_000 });
  await expect(nurse.getByRole("link", { name: SUBJECT, exact: true })).toBeVisible();
  // The writer is not told of their own message.
  await expect(announcement(alex)).toHaveText("");

  await nurse.getByRole("link", { name: SUBJECT, exact: true }).click();
  await expect(nurse.getByRole("heading", { level: 1 })).toContainText(SUBJECT);
  await hydrated(nurse);
  await nurse.getByRole("textbox", { name: "Message" }).fill("Rest it and use ice; we will call you.");
  await nurse.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();
  await expect(announcement(alex)).toHaveText("A new message arrived.", { timeout: 5_000 });
  await expect(alex.getByText("Rest it and use ice; we will call you.")).toBeVisible();
});

test("the nurse reopens a completed conversation and it waits on the team again", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "nurse@example.com");
  await page.goto(`/team?q=${encodeURIComponent(SUBJECT)}`);
  await page.getByRole("link", { name: SUBJECT, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(SUBJECT);
  await page.getByRole("button", { name: "Mark complete" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The conversation is marked complete." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Mark complete" })).toHaveCount(0);

  await page.getByRole("button", { name: "Reopen" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The conversation is open again and waits on the team." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Mark complete" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Reopen" })).toHaveCount(0);
  await expect(page.getByText("Waiting since")).toBeVisible();
  await expect(page.getByText(/reopened it/).first()).toBeVisible();
  await expectNoAxeViolations(page);

  await page.goto(`/team?filter=completed&q=${encodeURIComponent(SUBJECT)}`);
  await expect(page.getByRole("link", { name: SUBJECT, exact: true })).toHaveCount(0);
  await page.goto(`/team?q=${encodeURIComponent(SUBJECT)}`);
  await expect(page.getByRole("link", { name: SUBJECT, exact: true })).toBeVisible();
});

test("the team prints a conversation, internal notes only when chosen", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "nurse@example.com");
  await page.goto(`/team?q=${encodeURIComponent(SUBJECT)}`);
  await page.getByRole("link", { name: SUBJECT, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(SUBJECT);
  await page.getByRole("textbox", { name: "Note for the care team" }).fill(NOTE);
  await page.getByRole("button", { name: "Add internal note" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your internal note was added." })).toBeVisible();

  await page.getByRole("link", { name: "Print this conversation" }).click();
  await expect(page).toHaveURL(/\/team\/threads\/\d+\/print$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(SUBJECT);
  await expect(page.getByText("Alex Rivera").first()).toBeVisible();
  await expect(page.getByText("Printed", { exact: true })).toBeVisible();
  await expect(page.getByText("My knee hurts on the stairs.")).toBeVisible();
  await expect(page.getByText(NOTE)).toHaveCount(0);
  await expectNoAxeViolations(page);

  await page.getByRole("link", { name: "Include internal notes" }).click();
  await expect(page).toHaveURL(/\/print\?notes=yes$/);
  await expect(page.getByText(NOTE)).toBeVisible();
  await expect(page.getByText("Internal note — not visible to the Veteran")).toBeVisible();
  await expectNoAxeViolations(page);
  // On paper: the screen-only line goes, the conversation stays.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("link", { name: "Leave out internal notes" })).toBeHidden();
  await expect(page.getByText(NOTE)).toBeVisible();
  await page.emulateMedia({ media: "screen" });
  await page.getByRole("link", { name: "Leave out internal notes" }).click();
  await expect(page.getByText(NOTE)).toHaveCount(0);
  await page.getByRole("link", { name: "Back to the conversation" }).click();
  await expect(page).toHaveURL(/\/team\/threads\/\d+$/);
});

test("a team lead finds Reports in the navigation and sees only the teams they lead", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "clinician@example.com");
  await expect(page).toHaveURL("/team");
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "Reports" }).click();
  await expect(page).toHaveURL("/team/reports");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team reports");
  const choices = page.getByLabel("Report on").locator("option");
  await expect(choices).toHaveText(["Primary Care – Blue Team — Demo VA Medical Center"]);
  await expect(page.getByRole("table")).toContainText("Primary Care – Blue Team");
  await expect(page.getByRole("table")).not.toContainText("Pharmacy");
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "Show report" }).click();
  await expect(page).toHaveURL(/\/team\/reports\?report_on=team%3A\d+&from=.*&to=.*/);
  await expect(page.getByRole("table")).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^report-.*\.csv$/);
});

test("a clinician who leads no team has no Reports link and is refused the page", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "nurse@example.com");
  await expect(page).toHaveURL("/team");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Team inbox" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Reports" })).toHaveCount(0);
  const answer = await page.goto("/team/reports");
  expect(answer?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You don't have access to this page");
  await expect(page.getByRole("table")).toHaveCount(0);
});
