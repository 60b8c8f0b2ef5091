import { expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated, signIn, teamReplies } from "./helpers";

// Demo threads (app/src/server/demo.rs): "Blood pressure medicine refill" has an unread reply
// from Dr. Patel; "Lab results from my checkup" ended 60 days ago; "Question about my new
// inhaler" was sent by Sam Rivera for Alex Rivera.

async function openThread(page: Page, folder: string, subject: string) {
  await page.goto(folder);
  await page.getByRole("link", { name: subject }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(subject);
}

test.describe.configure({ mode: "serial" });

test("a team reply is unread in the inbox until the Veteran opens it", async ({ browser, page }) => {
  // A reply of this test's own: the demo's is read once any spec file has opened it.
  await teamReplies(browser, "clinician@example.com", "Blood pressure medicine refill", "Your refill is on its way.");
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  const inbox = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Inbox/ });
  await expect(inbox).toContainText("unread");
  // Other spec files may have left other conversations unread: this one counts once.
  const unreadBefore = Number((await inbox.locator(".sm-count").innerText()).match(/\d+/)?.[0]);
  const row = page.locator("li.sm-thread", { has: page.getByRole("link", { name: "Blood pressure medicine refill" }) }).first();
  await expect(row.locator(".sm-unread")).toBeVisible();
  await openThread(page, "/inbox", "Blood pressure medicine refill");
  await expect(page.getByText("Sent by Dr. Morgan Patel").last()).toBeVisible();
  await expect(page.locator(".sm-message").last()).toContainText("Your refill is on its way.");
  await expect(page.getByText("Opened by your care team").first()).toBeVisible();
  await hydrated(page);
  await expectNoAxeViolations(page);
  await page.goto("/inbox");
  await expect(row.locator(".sm-unread")).toHaveCount(0);
  if (unreadBefore > 1) {
    await expect(inbox.locator(".sm-count")).toHaveText(new RegExp(`^${unreadBefore - 1}\\D`));
  } else {
    await expect(inbox).not.toContainText("unread");
  }
});

test("the Veteran replies; the reply shows as not yet opened, typed text shown as typed", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await openThread(page, "/inbox", "Blood pressure medicine refill");
  await hydrated(page);
  const typed = "Thanks!\n<b>not bold</b> <script>window.hacked = 1</script>";
  await page.getByRole("textbox", { name: "Message" }).fill(typed);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const last = page.locator(".sm-message").last();
  await expect(last).toContainText("<b>not bold</b>");
  await expect(last).toContainText("Not yet opened by your care team");
  await expect(last.locator("b")).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { hacked?: number }).hacked)).toBeUndefined();
  // The line break is kept.
  expect(await last.locator(".sm-message__body").innerText()).toContain("Thanks!\n");
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue("");
});

test("crisis words in a reply bring up the Veterans Crisis Line before sending", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await openThread(page, "/inbox", "Blood pressure medicine refill");
  await hydrated(page);
  await page.getByRole("textbox", { name: "Message" }).fill("Since the new dose I have chest pain at night.");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const prompt = page.getByRole("alert").filter({ hasText: "Are you in crisis?" });
  await expect(prompt).toContainText("988");
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue("Since the new dose I have chest pain at night.");
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.locator(".sm-message").last()).toContainText("chest pain at night");
});

test("an empty reply is refused next to the field", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await openThread(page, "/inbox", "Blood pressure medicine refill");
  await hydrated(page);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.locator("#body-error")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveAttribute("aria-invalid", "true");
});

test("a conversation past 45 days offers no reply, but a new message to the team", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await openThread(page, "/inbox", "Lab results from my checkup");
  await expect(
    page.getByText("You can't reply to this conversation because it's more than 45 days old."),
  ).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Start a new message" }).last()).toHaveAttribute(
    "href",
    /\/messages\/new\?team=\d+/,
  );
  await expectNoAxeViolations(page);
});

test("the print layout has no navigation", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await openThread(page, "/inbox", "Lab results from my checkup");
  await page.getByRole("link", { name: "Print this conversation" }).click();
  await expect(page).toHaveURL(/\/messages\/\d+\/print$/);
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeHidden();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Lab results from my checkup");
  await expect(page.getByText("Are my cholesterol results back")).toBeVisible();
});

test("a caregiver's message says on whose behalf it was sent", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "caregiver@example.com");
  // Found by search: earlier spec files send enough to push it off Sent's first page.
  await openThread(page, "/search?q=inhaler", "Question about my new inhaler");
  // The first of Sam's messages in this thread (live.spec.ts adds another).
  await expect(page.getByText("Sent by Sam Rivera on behalf of Alex Rivera").first()).toBeVisible();
});

test("another Veteran gets not found for Alex's thread", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await openThread(page, "/inbox", "Lab results from my checkup");
  const address = page.url();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await signIn(page, "veteran2@example.com");
  const response = await page.goto(address);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByText("Are my cholesterol results back")).toHaveCount(0);
});

// It changes the demo data (Sam loses access), so it gives the access back at the end: the
// other spec files (live, team) have Sam act for Alex, whichever order they run in.
test("a Veteran revokes caregiver access and the caregiver loses it at once", async ({ browser }) => {
  const caregiver = await (await browser.newContext()).newPage();
  await caregiver.goto("/sign-in");
  await signIn(caregiver, "caregiver@example.com");
  await caregiver.goto("/search?q=inhaler");
  await expect(caregiver.getByRole("link", { name: "Question about my new inhaler" }).first()).toBeVisible();

  const veteran = await (await browser.newContext()).newPage();
  await veteran.goto("/sign-in");
  await signIn(veteran, "veteran@example.com");
  await veteran.goto("/settings");
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);
  await veteran.getByRole("link", { name: "Revoke access" }).click();
  const access = veteran.getByRole("region", { name: "Who can see my messages" });
  await expect(access.getByRole("alert")).toContainText("Revoke Sam Rivera's access?");
  await veteran.getByRole("button", { name: "Yes, revoke access" }).click();
  await expect(veteran.getByText("Nobody else has access to your messages.")).toBeVisible();

  // Sam's very next request shows none of Alex's messages.
  await caregiver.goto("/search?q=inhaler");
  await expect(caregiver.getByText("Question about my new inhaler")).toHaveCount(0);

  // The administrator gives Sam access again, as the demo data have it.
  const admin = await (await browser.newContext()).newPage();
  await admin.goto("/sign-in");
  await signIn(admin, "admin@example.com");
  await expect(admin).toHaveURL("/admin");
  await admin.goto("/admin/users?q=caregiver%40example.com");
  await admin.getByRole("link", { name: "Sam Rivera" }).click();
  await admin.getByLabel("Veteran's email address").fill("veteran@example.com");
  await admin.getByRole("button", { name: "Give access" }).click();
  await expect(admin.getByText("Caregiver access was granted.").first()).toBeVisible();
  await caregiver.goto("/search?q=inhaler");
  await expect(caregiver.getByRole("link", { name: "Question about my new inhaler" }).first()).toBeVisible();
});
