import { test, expect, Page, Browser } from "@playwright/test";
import { emailedLink, expectNoAxeViolations, hydrated, signIn } from "./helpers";

// "Change your password" in Settings. The demo accounts' password is shared by every spec,
// so this file changes only the password of a Veteran it invites itself.

const STAMP = Date.now().toString(36);
const FIRST_PASSWORD = "a quiet harbor at dawn";
const SECOND_PASSWORD = "lanterns over the river mouth";

const heading = (page: Page) => page.getByRole("heading", { level: 1 });
const section = (page: Page) => page.getByRole("region", { name: "Change your password" });

/** An administrator invites a Veteran; the Veteran sets a password through the link. */
async function invitedVeteran(browser: Browser, email: string): Promise<void> {
  const admin = await (await browser.newContext()).newPage();
  await admin.goto("/sign-in");
  await signIn(admin, "admin@example.com");
  await expect(admin).toHaveURL("/admin");
  await admin.goto("/admin/users");
  await admin.getByLabel("Email address").fill(email);
  await admin.getByLabel("Full name").fill("Quinn Password");
  await admin.getByLabel("Role").selectOption({ label: "Veteran" });
  await admin.getByRole("button", { name: "Invite" }).click();
  await expect(heading(admin)).toHaveText("Quinn Password");
  // The link goes only to the person, by email (the demo's outbox page shows it).
  const link = await emailedLink(admin, email, "Set up your VA Secure Messaging account");
  await admin.context().close();

  const person = await (await browser.newContext()).newPage();
  await person.goto(link);
  // A password on the common list is refused there too.
  await person.getByLabel("New password", { exact: true }).fill("qwertyuiopasdfgh");
  await person.getByLabel("Confirm new password").fill("qwertyuiopasdfgh");
  await person.getByRole("button", { name: "Set password" }).click();
  await expect(person.getByRole("alert").first()).toContainText("This password is too common.");
  await person.getByLabel("New password", { exact: true }).fill(FIRST_PASSWORD);
  await person.getByLabel("Confirm new password").fill(FIRST_PASSWORD);
  await person.getByRole("button", { name: "Set password" }).click();
  await expect(person).toHaveURL(/\/sign-in/);
  await person.context().close();
}

async function signedIn(browser: Browser, email: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/sign-in");
  await signIn(page, email, password);
  await expect(page).toHaveURL("/inbox");
  return page;
}

async function fillChange(page: Page, current: string, next: string, confirm = next) {
  const form = section(page);
  await form.getByLabel("Current password").fill(current);
  await form.getByLabel("New password", { exact: true }).fill(next);
  await form.getByLabel("Confirm new password").fill(confirm);
  await form.getByRole("button", { name: "Change password" }).click();
}

test("a Veteran changes their password in Settings and their other device is signed out", async ({ browser }) => {
  const email = `e2e-password-${STAMP}@example.com`;
  await invitedVeteran(browser, email);
  const laptop = await signedIn(browser, email, FIRST_PASSWORD);
  const phone = await signedIn(browser, email, FIRST_PASSWORD);

  await laptop.goto("/settings");
  await hydrated(laptop);
  await expect(section(laptop).getByLabel("Current password")).toHaveAttribute("autocomplete", "current-password");

  // A wrong current password: said at the field, nothing typed comes back.
  await fillChange(laptop, "not my password", SECOND_PASSWORD);
  await expect(section(laptop).getByRole("alert")).toContainText("Your current password is incorrect.");
  await expect(section(laptop).getByLabel("Current password")).toHaveValue("");
  await expect(section(laptop).getByLabel("New password", { exact: true })).toHaveValue("");
  await expectNoAxeViolations(laptop);

  // A common new password.
  await fillChange(laptop, FIRST_PASSWORD, "Password123456789");
  await expect(section(laptop).getByRole("alert")).toContainText("This password is too common.");

  await fillChange(laptop, FIRST_PASSWORD, SECOND_PASSWORD);
  await expect(laptop.getByRole("status").filter({ hasText: "Your password is changed." })).toBeVisible();
  await expectNoAxeViolations(laptop);

  // This device stays signed in; the other one is signed out.
  await laptop.goto("/inbox");
  await expect(laptop).toHaveURL("/inbox");
  await phone.goto("/inbox");
  await expect(phone).toHaveURL(/\/sign-in/);

  // Only the new password signs in now.
  await signIn(phone, email, FIRST_PASSWORD);
  await expect(phone.getByText("The email address or password is incorrect.")).toBeVisible();
  await signIn(phone, email, SECOND_PASSWORD);
  await expect(phone).toHaveURL("/inbox");
});

test("the form works before the wasm loads", async ({ browser }) => {
  const email = `e2e-password-nojs-${STAMP}@example.com`;
  await invitedVeteran(browser, email);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await signIn(page, email, FIRST_PASSWORD);
  await expect(page).toHaveURL("/inbox");
  await page.goto("/settings");
  await fillChange(page, FIRST_PASSWORD, SECOND_PASSWORD, "a different phrase entirely");
  await expect(section(page).getByRole("alert")).toContainText("The passwords don't match.");
  await fillChange(page, FIRST_PASSWORD, SECOND_PASSWORD);
  await expect(page.getByRole("status").filter({ hasText: "Your password is changed." })).toBeVisible();
});
