import { Browser, expect, Page, test } from "@playwright/test";
import { collectConsoleErrors, expectNoAxeViolations, hydrated, openTeamThread, scrollsSideways, signIn } from "./helpers";

// The care team workspace. Demo data (app/src/server/demo.rs): Dr. Morgan Patel
// leads "Primary Care – Blue Team", Casey Nguyen is a member; Alex Rivera's "Rescheduling my
// visit" waits on that team.

const SUBJECT = "Rescheduling my visit";
const TEMPLATE_TITLE = "Appointment change confirmed";
const TEMPLATE_BODY = "Your appointment change is confirmed. We will see you then.";
const NOTE = "Called the scheduling desk; slot held until Friday.";

async function signInAs(page: Page, email: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
}

/** A second person at their own screen: a fresh browser context, signed in. */
async function person(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, email);
  return page;
}

/** Marks the page; `stayed` is then true only if the page was never reloaded. */
async function markPage(page: Page) {
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
}
async function stayed(page: Page) {
  return page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);
}

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

test.describe.configure({ mode: "serial" });

test("a team lead adds a reply template", async ({ page }) => {
  await signInAs(page, "clinician@example.com");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
  await page.getByRole("link", { name: "Manage reply templates" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reply templates");
  await page.getByRole("link", { name: /^Add a template/ }).first().click();
  // A template without a title is refused next to the field, the text kept.
  await page.getByLabel("Template text").fill(TEMPLATE_BODY);
  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page.locator("#title-error")).toBeVisible();
  await expect(page.getByLabel("Template text")).toHaveValue(TEMPLATE_BODY);
  await page.getByLabel("Title").fill(TEMPLATE_TITLE);
  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The template was added." })).toBeVisible();
  await expect(page.getByRole("heading", { name: TEMPLATE_TITLE })).toBeVisible();
  await expectNoAxeViolations(page);
});

test("a team lead sees an overdue conversation under Notifications and marks it read", async ({ page }) => {
  // The demo's "Rescheduling my visit" has waited on the team for 18 days: the overdue job
  // told the team's lead when the server started.
  await signInAs(page, "clinician@example.com");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: /^Notifications\s*\d+ new$/ })).toBeVisible();
  await nav.getByRole("link", { name: /^Notifications/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Notifications");
  const item = page.locator(".sm-notification").filter({ hasText: SUBJECT });
  await expect(item).toContainText("New");
  await expect(item).toContainText("Overdue:");
  await expect(item).toContainText("Alex Rivera (born Mar 4, 1961) · Primary Care – Blue Team");
  await expectNoAxeViolations(page);
  const before = Number((await nav.locator(".sm-count").innerText()).match(/\d+/)?.[0]);
  await item.getByRole("button", { name: new RegExp(`^Mark as read\\s+about ${SUBJECT}$`) }).click();
  await expect(page.getByRole("status").filter({ hasText: "The notification is marked as read." })).toBeVisible();
  await expect(page.locator(".sm-notification").filter({ hasText: SUBJECT })).not.toContainText("New");
  if (before > 1) {
    await expect(nav.locator(".sm-count")).toContainText(`${before - 1}`);
  } else {
    await expect(nav.locator(".sm-count")).toHaveCount(0);
  }
  // The nurse is no lead: no overdue notification for her (urgent ones, from the specs that
  // sent crisis language, she may have).
  const nurse = await person(page.context().browser()!, "nurse@example.com");
  await nurse.goto("/team/notifications");
  await expect(nurse.getByRole("heading", { level: 1 })).toHaveText("Notifications");
  await expect(nurse.locator("#main-content")).toContainText(/You have no notifications\.|May need urgent attention:/);
  await expect(nurse.locator(".sm-notification").filter({ hasText: "Overdue:" })).toHaveCount(0);
});

test("the nurse works a thread: assign, reply from a template, internal note", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
  await expect(page.getByRole("link", { name: /^Unassigned/ })).toBeVisible();
  await expect(page.getByRole("link", { name: SUBJECT })).toBeVisible();
  await hydrated(page);
  await expectNoAxeViolations(page);

  await page.getByRole("link", { name: SUBJECT }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(SUBJECT);
  await expect(page.getByText("Can I move my appointment on the 14th to the afternoon?")).toBeVisible();
  await hydrated(page);
  await expectNoAxeViolations(page);

  await page.getByRole("button", { name: "Assign to me" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The conversation is assigned." })).toBeVisible();
  await expect(page.locator(".sm-thread-status")).toContainText("Casey Nguyen");

  // Choosing a template puts its text in the reply box, to be edited before sending.
  await page.getByLabel("Reply template").selectOption({ label: TEMPLATE_TITLE });
  await page.getByRole("button", { name: "Use template" }).click();
  const reply = page.getByRole("textbox", { name: "Message" });
  await expect(reply).toHaveValue(TEMPLATE_BODY);
  await reply.fill(`${TEMPLATE_BODY}\nSee you on the 14th.`);
  await page.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();
  await expect(page.locator(".sm-message").last()).toContainText("See you on the 14th.");

  await page.getByRole("textbox", { name: "Note for the care team" }).fill(NOTE);
  await page.getByRole("button", { name: "Add internal note" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your internal note was added." })).toBeVisible();
  const note = page.locator(".sm-message--note").last();
  await expect(note).toContainText(NOTE);
  await expect(note).toContainText("Internal note — not visible to the Veteran");
});

test("an empty internal note is refused next to the field", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await openTeamThread(page, SUBJECT);
  await page.getByRole("button", { name: "Add internal note" }).click();
  await expect(page.locator("#note-error")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Note for the care team" })).toHaveAttribute("aria-invalid", "true");
});

test("the Veteran sees the reply and never the internal note", async ({ page }) => {
  await signInAs(page, "veteran@example.com");
  await page.goto("/inbox");
  await page.getByRole("link", { name: SUBJECT }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(SUBJECT);
  await expect(page.getByText("See you on the 14th.")).toBeVisible();
  await expect(page.getByText("Sent by Casey Nguyen").last()).toBeVisible();
  await expect(page.getByText(NOTE)).toHaveCount(0);
  await expect(page.getByText("Internal note")).toHaveCount(0);
});

test("the nurse marks the thread complete", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await openTeamThread(page, SUBJECT);
  await page.getByRole("button", { name: "Mark complete" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The conversation is marked complete." })).toBeVisible();
  await page.goto(`/team?filter=completed&q=${encodeURIComponent(SUBJECT)}`);
  await expect(page.getByRole("link", { name: SUBJECT })).toBeVisible();
});

test("live, two people: the Veteran writes, the nurse sees it arrive, answers from a template; the Veteran sees the answer", async ({ browser }) => {
  const nurse = await person(browser, "nurse@example.com");
  const nurseErrors = collectConsoleErrors(nurse);
  // Listing what matches "dizzy": a new conversation sorts after every older one still
  // waiting, which other specs may have left more of than a page holds.
  await nurse.goto("/team?q=dizzy");
  await hydrated(nurse);
  await markPage(nurse);

  const alex = await person(browser, "veteran@example.com");
  const subject = `Dizzy ${unique()}`;
  await alex.goto("/messages/new");
  await hydrated(alex);
  await alex.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
  await alex.getByLabel("Category", { exact: true }).selectOption({ label: "Medication" });
  await alex.getByLabel("Subject", { exact: true }).fill(subject);
  await alex.getByLabel("Message", { exact: true }).fill("I feel dizzy since the new dose.");
  await alex.getByRole("button", { name: "Send", exact: true }).click();
  await expect(alex).toHaveURL(/\/messages\/\d+$/);
  await hydrated(alex);
  await markPage(alex);
  await expect(alex.getByText("Not yet opened by your care team")).toBeVisible();

  // It arrives in the nurse's open list by itself.
  const row = nurse.getByRole("link", { name: subject, exact: true });
  await expect(row).toBeVisible({ timeout: 5_000 });
  expect(await stayed(nurse)).toBe(true);

  await row.click();
  await expect(nurse.getByRole("heading", { level: 1 })).toContainText(subject);
  await hydrated(nurse);
  // Opening it shows on the Veteran's open page, without a reload.
  await expect(alex.getByText("Opened by your care team")).toBeVisible({ timeout: 5_000 });

  await nurse.getByRole("button", { name: "Assign to me" }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "The conversation is assigned." })).toBeVisible();
  await nurse.getByLabel("Reply template").selectOption({ label: TEMPLATE_TITLE });
  await nurse.getByRole("button", { name: "Use template" }).click();
  const box = nurse.getByRole("textbox", { name: "Message" });
  await expect(box).toHaveValue(TEMPLATE_BODY);
  const answer = `Please sit down when you feel it; we will call you today. ${unique()}`;
  await box.fill(answer);
  await nurse.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();

  await expect(alex.getByText(answer)).toBeVisible({ timeout: 5_000 });
  expect(await stayed(alex)).toBe(true);

  // An internal note stays with the team: not for the Veteran, not for the caregiver.
  const note = `Checked the chart: dose doubled last week. ${unique()}`;
  await nurse.getByRole("textbox", { name: "Note for the care team" }).fill(note);
  await nurse.getByRole("button", { name: "Add internal note" }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "Your internal note was added." })).toBeVisible();
  await nurse.getByRole("button", { name: "Mark complete" }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "The conversation is marked complete." })).toBeVisible();

  await alex.reload();
  await expect(alex.getByText(answer)).toBeVisible();
  await expect(alex.getByText(note)).toHaveCount(0);
  await expect(alex.getByText("Internal note")).toHaveCount(0);
  const sam = await person(browser, "caregiver@example.com");
  await sam.goto(alex.url());
  await expect(sam.getByText(answer)).toBeVisible();
  await expect(sam.getByText(note)).toHaveCount(0);
  expect(nurseErrors).toEqual([]);
});

test("two clinicians with the same thread open each see the other replying", async ({ browser }) => {
  const casey = await person(browser, "nurse@example.com");
  const morgan = await person(browser, "clinician@example.com");
  for (const page of [casey, morgan]) {
    await openTeamThread(page, SUBJECT, "completed");
  }
  await casey.getByRole("textbox", { name: "Message" }).pressSequentially("Checking the sched");
  await expect(morgan.getByRole("status").filter({ hasText: "Casey Nguyen is replying" })).toBeVisible({ timeout: 5_000 });
  // Nobody is told they are replying themselves.
  await expect(casey.getByText("Casey Nguyen is replying")).toHaveCount(0);
  await morgan.getByRole("textbox", { name: "Message" }).pressSequentially("I'll take it");
  await expect(casey.getByRole("status").filter({ hasText: "Dr. Morgan Patel is replying" })).toBeVisible({ timeout: 5_000 });
});

test("keyboard only: three new threads triaged with j/k, a, Enter, ?, r and e", async ({ browser }) => {
  // Three new messages from Alex, found by one keyword so other threads don't interfere.
  const tag = `triage${unique()}`;
  const alex = await person(browser, "veteran@example.com");
  const subjects = ["Knee", "Sleep", "Diet"].map((word) => `${word} ${tag}`);
  for (const subject of subjects) {
    await alex.goto("/messages/new");
    await alex.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
    await alex.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
    await alex.getByLabel("Subject", { exact: true }).fill(subject);
    await alex.getByLabel("Message", { exact: true }).fill(`A question about ${subject}.`);
    await alex.getByRole("button", { name: "Send", exact: true }).click();
    await expect(alex).toHaveURL(/\/messages\/\d+$/);
  }

  const page = await person(browser, "nurse@example.com");
  await page.goto(`/team?filter=unassigned&q=${tag}`);
  await hydrated(page);
  const rows = page.locator(".sm-team-row__open");
  await expect(rows).toHaveCount(3);
  await page.keyboard.press("j");
  await expect(rows.first()).toBeFocused();
  await page.keyboard.press("j");
  await expect(rows.nth(1)).toBeFocused();
  await page.keyboard.press("k");
  await expect(rows.first()).toBeFocused();
  // "a" on the focused row: it leaves the Unassigned list, and "j" starts again at the top.
  for (const left of [2, 1, 0]) {
    await expect(rows.first()).toBeFocused();
    await page.keyboard.press("a");
    await expect(page.getByRole("status").filter({ hasText: "The conversation is assigned." })).toBeVisible();
    await expect(rows).toHaveCount(left);
    await hydrated(page);
    if (left > 0) await page.keyboard.press("j");
  }

  await page.goto(`/team?filter=mine&q=${tag}`);
  await hydrated(page);
  await expect(rows).toHaveCount(3);
  await page.keyboard.press("j");
  await expect(rows.first()).toBeFocused();
  const subject = (await rows.first().innerText()).trim();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/team\/threads\/\d+/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await hydrated(page);

  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toBeVisible();
  await expect(help).toContainText("Assign to me");
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);

  await page.keyboard.press("r");
  const box = page.getByRole("textbox", { name: "Message" });
  await expect(box).toBeFocused();
  // Typing in the box is typing, not shortcuts.
  await page.keyboard.type("ejk");
  await expect(box).toHaveValue("ejk");
  await page.keyboard.press("Escape");
  await box.blur();

  await page.keyboard.press("e");
  await expect(page.getByRole("status").filter({ hasText: "The conversation is marked complete." })).toBeVisible();
  await page.goto(`/team?filter=mine&q=${tag}`);
  await expect(rows).toHaveCount(2);
});

test("the team pages fit a 320 px screen", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await page.setViewportSize({ width: 320, height: 800 });
  await page.goto("/team");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
  expect(await scrollsSideways(page)).toBe(false);
  await openTeamThread(page, SUBJECT, "completed");
  await expect(page.getByRole("link", { name: "Back to team inbox" })).toBeVisible();
  expect(await scrollsSideways(page)).toBe(false);
});

test("a clinician marks herself away with a colleague covering, then back", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Away" })).toBeVisible();
  const away = page.getByRole("region", { name: "Away" });
  await away.getByLabel("I'm away until").fill("2030-01-15");
  await away.getByLabel("Covered by").selectOption({ label: "Dr. Morgan Patel" });
  await away.getByRole("button", { name: /^Save/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "You're marked away." })).toBeVisible();
  await expect(page.getByText(/You're away until Jan 15, 2030.*Dr\. Morgan Patel covers for you/)).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "I'm back" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Welcome back." })).toBeVisible();
  await expect(page.getByRole("button", { name: "I'm back" })).toHaveCount(0);
});

test("a team lead deletes a template after confirming", async ({ page }) => {
  await signInAs(page, "clinician@example.com");
  await page.goto("/team/templates");
  await page.getByRole("link", { name: `Delete ${TEMPLATE_TITLE}` }).click();
  await expect(page.getByRole("heading", { name: `Delete the template “${TEMPLATE_TITLE}”?` })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "Yes, delete it" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The template was deleted." })).toBeVisible();
  await expect(page.getByRole("heading", { name: TEMPLATE_TITLE })).toHaveCount(0);
});
