import { expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated, scrollsSideways, signIn } from "./helpers";

// The care team workspace (issue 4). Demo data (app/src/server/demo.rs): Dr. Morgan Patel
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

async function openTeamThread(page: Page, subject: string) {
  await page.goto("/team");
  await page.getByRole("link", { name: subject }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
}

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
  await page.goto("/team?filter=completed");
  await expect(page.getByRole("link", { name: SUBJECT })).toBeVisible();
});

test("keyboard only: j/k move, a assigns, Enter opens, ? helps, r replies, e completes", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await page.goto("/team?filter=unassigned");
  await hydrated(page);
  const rows = page.locator(".sm-team-row__open");
  await expect(rows.first()).toBeVisible();
  const count = await rows.count();
  await page.keyboard.press("j");
  await expect(rows.first()).toBeFocused();
  if (count > 1) {
    await page.keyboard.press("j");
    await expect(rows.nth(1)).toBeFocused();
    await page.keyboard.press("k");
    await expect(rows.first()).toBeFocused();
  }
  const subject = (await rows.first().innerText()).trim();
  await page.keyboard.press("a");
  await expect(page.getByRole("status").filter({ hasText: "The conversation is assigned." })).toBeVisible();

  await page.goto("/team?filter=mine");
  await hydrated(page);
  await page.keyboard.press("j");
  await expect(page.locator(".sm-team-row__open").first()).toBeFocused();
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
  await expect(page.getByRole("textbox", { name: "Message" })).toBeFocused();
  // Typing in the box is typing, not shortcuts.
  await page.keyboard.type("ejk");
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue("ejk");
  await page.getByRole("textbox", { name: "Message" }).blur();

  await page.keyboard.press("e");
  await expect(page.getByRole("status").filter({ hasText: "The conversation is marked complete." })).toBeVisible();
});

test("the team pages fit a 320 px screen", async ({ page }) => {
  await signInAs(page, "nurse@example.com");
  await page.setViewportSize({ width: 320, height: 800 });
  await page.goto("/team");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
  expect(await scrollsSideways(page)).toBe(false);
  await page.goto("/team?filter=completed");
  await page.getByRole("link", { name: SUBJECT }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(SUBJECT);
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
