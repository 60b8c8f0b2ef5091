import { expect, Page, test } from "@playwright/test";
import { collectConsoleErrors, expectNoAxeViolations, hydrated, scrollsSideways, signIn } from "./helpers";

// "Start a new message" (/messages/new), drafts (/drafts) and the signature in /settings.
// Every test uses its own subject, so the tests share one demo database safely.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

async function signInAs(page: Page, email = "veteran@example.com", home = "/inbox") {
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL(home);
}

async function openCompose(page: Page, query = "") {
  await page.goto(`/messages/new${query}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Start a new message");
  await formReady(page);
}

/** The form's own handlers are live (it hydrates inside its suspense, after `<body>`). */
async function formReady(page: Page) {
  await hydrated(page);
  await expect(page.locator("form.sm-compose")).toHaveAttribute("data-enhanced", "true");
}

const to = (page: Page) => page.getByLabel("To", { exact: true });
const category = (page: Page) => page.getByLabel("Category", { exact: true });
const subject = (page: Page) => page.getByLabel("Subject", { exact: true });
const message = (page: Page) => page.getByLabel("Message", { exact: true });
const sendButton = (page: Page) => page.getByRole("button", { name: "Send", exact: true });

async function fillMessage(page: Page, team: string, topic: string, title: string, body: string) {
  await to(page).selectOption({ label: team });
  await category(page).selectOption({ label: topic });
  await subject(page).fill(title);
  await message(page).fill(body);
}

test("a Veteran sends a message and finds it in Sent", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signInAs(page);
  await openCompose(page);
  // The urgent-needs guidance is on the page (DESIGN.md §2).
  const guidance = page.getByRole("region", { name: "Only use messages for non-urgent needs" });
  await expect(guidance).toContainText("up to 3 business days");
  await expect(guidance.getByRole("link", { name: "988 and press 1" })).toHaveAttribute("href", "tel:988");
  await expect(guidance.getByRole("link", { name: "838255" })).toHaveAttribute("href", "sms:838255");
  await expect(guidance.getByRole("link", { name: /Chat online/ })).toBeVisible();
  await expect(guidance.getByRole("link", { name: "911" })).toBeVisible();
  await expectNoAxeViolations(page);

  const title = `Refill question ${unique()}`;
  await fillMessage(page, "Pharmacy", "Medication", title, "Please refill my blood pressure medicine.\nThank you.");
  await sendButton(page).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);

  await page.goto("/sent");
  await expect(page.getByRole("link", { name: title, exact: true })).toBeVisible();
  await expectNoAxeViolations(page);
  expect(errors).toEqual([]);
});

test("validation errors appear next to each field and keep what was typed", async ({ page }) => {
  await signInAs(page);
  await openCompose(page);

  await sendButton(page).click();
  const summary = page.getByRole("alert").filter({ hasText: "There is a problem" });
  await expect(summary).toBeVisible();
  await expect(summary).toBeFocused();
  for (const text of ["Choose a care team.", "Choose a category.", "Enter a subject.", "Enter a message."]) {
    await expect(summary.getByRole("link", { name: text })).toBeVisible();
  }
  await expect(page.locator("#care_team-error")).toContainText("Choose a care team.");
  await expect(page.locator("#subject-error")).toContainText("Enter a subject.");
  await expect(page.locator("#body-error")).toContainText("Enter a message.");
  await expect(subject(page)).toHaveAttribute("aria-invalid", "true");
  await expectNoAxeViolations(page);

  const tooLong = "S".repeat(51);
  const body = "Everything I typed here must still be here after the error.\nSecond line.";
  await fillMessage(page, "Primary Care – Blue Team", "General", tooLong, body);
  await sendButton(page).click();
  await expect(page.locator("#subject-error")).toContainText("Subject must be 50 characters or fewer.");
  await expect(page.locator("#body-error")).toHaveCount(0);
  // Nothing typed is lost.
  await expect(subject(page)).toHaveValue(tooLong);
  await expect(message(page)).toHaveValue(body);
  await expect(to(page).locator("option:checked")).toHaveText("Primary Care – Blue Team");
  await expect(category(page)).toHaveValue("general");
  await expectNoAxeViolations(page);
});

test("teams that can't get messages are listed and explained, and ?team= chooses a team", async ({ page }) => {
  await signInAs(page);
  await openCompose(page);
  const cardiology = to(page).locator("option", { hasText: "Cardiology" });
  await expect(cardiology).toBeDisabled();
  // With the facility's number to call instead.
  await expect(page.locator("#care_team-hint")).toContainText(
    "This team isn't accepting messages. Call your facility at 800-555-0100 instead.",
  );
  await expect(to(page)).toHaveAttribute("aria-describedby", /care_team-hint/);

  const pharmacy = await to(page).locator("option", { hasText: "Pharmacy" }).getAttribute("value");
  await openCompose(page, `?team=${pharmacy}`);
  await expect(to(page)).toHaveValue(pharmacy ?? "");

  const closed = await cardiology.getAttribute("value");
  await openCompose(page, `?team=${closed}`);
  // Said at the top of the form, not only in the note under "To".
  await expect(
    page.locator(".usa-alert--warning").getByText("Cardiology: This team isn't accepting messages."),
  ).toBeVisible();
  await expect(to(page)).toHaveValue("");
});

test("crisis language brings up the Veterans Crisis Line, and sending anyway works", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signInAs(page);
  await openCompose(page);
  await fillMessage(page, "Mental Health", "General", `Hard week ${unique()}`, "I have been thinking about suicide");

  await sendButton(page).click();
  const prompt = page.getByRole("alertdialog");
  await expect(prompt).toBeVisible();
  await expect(prompt).toBeFocused();
  await expect(prompt).toContainText("Veterans Crisis Line");
  await expect(prompt.getByRole("link", { name: "988 and press 1" })).toBeVisible();
  await expect(prompt.getByRole("link", { name: "838255" })).toBeVisible();
  await expect(prompt.getByRole("link", { name: "911" })).toBeVisible();
  // Nothing was sent: still the form, with everything typed.
  await expect(page).toHaveURL(/\/messages\/new\?/);
  await expect(message(page)).toHaveValue("I have been thinking about suicide");
  await formReady(page);
  await expectNoAxeViolations(page);

  await prompt.getByRole("link", { name: "Go back and edit" }).click();
  await expect(prompt).toBeHidden();
  await expect(message(page)).toBeFocused();
  await expect(message(page)).toHaveValue("I have been thinking about suicide");

  await sendButton(page).click();
  await expect(prompt).toBeVisible();
  await prompt.getByRole("button", { name: "Send anyway" }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  expect(errors).toEqual([]);
});

test("a draft saves by itself and survives leaving the page and signing out", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signInAs(page);
  await openCompose(page);
  const title = `Draft ${unique()}`;
  const body = "Notes to keep:\nline one\nline two";
  await fillMessage(page, "Pharmacy", "Medication", title, body);
  await expect(page.getByText(/^Draft saved at \d{1,2}:\d{2} (AM|PM)$/)).toBeVisible({ timeout: 15_000 });

  // Leave through the navigation, then sign out and back in.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await expect(page).toHaveURL("/inbox");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/sign-in");
  await signIn(page, "veteran@example.com");
  await expect(page).toHaveURL("/inbox");

  await page.goto("/drafts");
  await hydrated(page);
  const row = page.getByRole("row").filter({ hasText: title });
  await expect(row).toContainText("Pharmacy");
  await expectNoAxeViolations(page);
  await row.getByRole("link", { name: title, exact: true }).click();
  await expect(page).toHaveURL(/\/messages\/new\?draft=\d+$/);
  await expect(subject(page)).toHaveValue(title);
  await expect(message(page)).toHaveValue(body);
  await expect(to(page).locator("option:checked")).toHaveText("Pharmacy");
  await expect(category(page)).toHaveValue("medication");
  await expect(page.getByText(/^Draft last saved /)).toBeVisible();

  // Sending it removes the draft: it is a message now.
  await sendButton(page).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await page.goto("/drafts");
  await expect(page.getByRole("link", { name: title, exact: true })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("a message sent after an autosave leaves no draft behind", async ({ page }) => {
  await signInAs(page);
  await openCompose(page);
  const title = `Autosaved then sent ${unique()}`;
  await fillMessage(page, "Pharmacy", "Medication", title, "Saved once by autosave, then sent.");
  await expect(page.getByText(/^Draft saved at /)).toBeVisible({ timeout: 15_000 });
  await sendButton(page).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await page.goto("/drafts");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Drafts");
  await expect(page.getByRole("link", { name: title, exact: true })).toHaveCount(0);
});

test("a draft is saved when leaving before the autosave runs", async ({ page }) => {
  await signInAs(page);
  await openCompose(page);
  const title = `Quick exit ${unique()}`;
  await subject(page).fill(title);
  await message(page).fill("Typed, then left at once.");
  // Well inside the 3-second autosave delay.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Drafts" }).click();
  await expect(page).toHaveURL("/drafts");
  await expect(async () => {
    await page.goto("/drafts");
    await expect(page.getByRole("link", { name: title, exact: true })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
});

test("deleting a draft asks first", async ({ page }) => {
  await signInAs(page);
  await openCompose(page);
  const title = `Delete me ${unique()}`;
  await subject(page).fill(title);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText(/^Draft saved at /)).toBeVisible();

  await page.goto("/drafts");
  await hydrated(page);
  const link = page.getByRole("link", { name: title, exact: true });
  await expect(link).toBeVisible();
  await page.getByRole("link", { name: `Delete draft: ${title}` }).click();

  const question = page.getByRole("alertdialog", { name: "Delete this draft?" });
  await expect(question).toBeVisible();
  await expect(question).toBeFocused();
  await expect(question).toContainText(title);
  await expect(link).toBeVisible();
  await expectNoAxeViolations(page);

  await question.getByRole("link", { name: "Cancel" }).click();
  await expect(question).toBeHidden();
  await expect(link).toBeVisible();

  await page.getByRole("link", { name: `Delete draft: ${title}` }).click();
  await question.getByRole("button", { name: "Yes, delete draft" }).click();
  await expect(page.getByText("Draft deleted.")).toBeVisible();
  await expect(page.getByRole("link", { name: title, exact: true })).toHaveCount(0);
  // Gone for good: reloading does not bring it back.
  await page.reload();
  await expect(page.getByRole("link", { name: title, exact: true })).toHaveCount(0);
});

test("a signature set in Settings is shown as added to new messages", async ({ page }) => {
  // Jordan Lee, so other tests' messages stay unsigned.
  await signInAs(page, "veteran2@example.com");
  await page.goto("/settings");
  await hydrated(page);
  await page.getByLabel(/^Name/).fill("Jordan Lee");
  await page.getByLabel(/^Title/).fill("U.S. Navy, retired");
  await page.getByRole("button", { name: "Save signature" }).click();
  await expect(page.getByText("Signature saved.")).toBeVisible();
  await expectNoAxeViolations(page);

  await openCompose(page);
  await expect(page.getByText("Your signature will be added:")).toBeVisible();
  await expect(page.locator(".sm-signature-preview__text")).toHaveText("Jordan Lee\nU.S. Navy, retired");
});

test("clinicians have a signature too; administrators, who send no messages, do not", async ({ page }) => {
  await signInAs(page, "nurse@example.com", "/team");
  await page.goto("/settings");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Signature" })).toBeVisible();
  await page.getByLabel(/^Title/).fill("RN, Primary Care");
  await page.getByRole("button", { name: "Save signature" }).click();
  await expect(page.getByText("Signature saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(/^Title/)).toHaveValue("RN, Primary Care");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();

  await signInAs(page, "admin@example.com", "/admin");
  await page.goto("/settings");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Settings");
  await expect(page.getByRole("heading", { name: "Signature" })).toHaveCount(0);
});

test("without JavaScript, errors keep the text and the crisis prompt still works", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInAs(page);
  await page.goto("/messages/new");
  const body = "I have been thinking about suicide";
  await fillMessage(page, "Mental Health", "General", "T".repeat(51), body);
  await sendButton(page).click();
  // Back on the form with everything typed and the error at the field.
  await expect(page).toHaveURL(/\/messages\/new\?kept=[0-9a-f]{32}/);
  await expect(page.locator("#subject-error")).toContainText("Subject must be 50 characters or fewer.");
  await expect(subject(page)).toHaveValue("T".repeat(51));
  await expect(to(page).locator("option:checked")).toHaveText("Mental Health");
  await expect(message(page)).toHaveValue(body);

  await subject(page).fill(`No script ${unique()}`);
  await sendButton(page).click();
  const prompt = page.getByRole("alertdialog");
  await expect(prompt).toBeVisible();
  await expect(message(page)).toHaveValue(body);
  await prompt.getByRole("button", { name: "Send anyway" }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await context.close();
});

test.describe("at 320 px wide", () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test("the compose page works without scrolling sideways", async ({ page }) => {
    await signInAs(page);
    await openCompose(page);
    expect(await scrollsSideways(page)).toBe(false);

    await sendButton(page).click();
    await expect(page.getByRole("alert").filter({ hasText: "There is a problem" })).toBeVisible();
    expect(await scrollsSideways(page)).toBe(false);

    await fillMessage(page, "Mental Health", "General", `Small screen ${unique()}`, "I want to hurt myself");
    await sendButton(page).click();
    await expect(page.getByRole("alertdialog")).toBeVisible();
    expect(await scrollsSideways(page)).toBe(false);
    await expectNoAxeViolations(page);

    await page.getByRole("button", { name: "Send anyway" }).click();
    await expect(page).toHaveURL(/\/messages\/\d+$/);
  });
});
